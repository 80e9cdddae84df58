#!/usr/bin/env node
/**
 * Packages the built plugin (run `npm run build` first) the way Grafana installs it:
 *
 *   artifacts/<id>-<version>.zip          one top folder <id>/ holding dist/, runtime/linux_<arch>/ included (the
 *                                         launchers, backends and loaders keep mode 755; symlinks would be followed)
 *   artifacts/<id>-<version>.zip.sha1     `sha1sum` format: "<hex>  <file name>"
 *   artifacts/<id>-<version>.zip.sha256   `sha256sum` format
 *
 * Before zipping, the bundled dashboards provisioning/dashboards/*.json are copied into dist/dashboards/
 * (plugin.json `includes` name them as dashboards/<file>.json; `npm run validate` checks both ways). They are
 * copied as they are: the same files serve file provisioning and import, taking the data source as the input
 * ${DS_INFERENCE_LOGS} that a data source variable of that name resolves when nothing is imported (validate's
 * `dashboards` check, test/dashboards.test.ts).
 * Zipping uses the `zip` program (Debian: apt-get install zip), which records unix modes.
 *
 * Usage: node scripts/package.mjs [--dist DIR] [--out DIR] [--dashboards DIR]
 *   --dist        the built plugin (default dist)
 *   --out         where the zip and checksums go (default artifacts)
 *   --dashboards  dashboards to bundle (default provisioning/dashboards; a missing folder means none)
 * Prints the zip's path last.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => process.stdout.write(`package: ${msg}\n`);
class Failure extends Error {}

const { values: args } = parseArgs({
  options: {
    dist: { type: 'string', default: join(ROOT, 'dist') },
    out: { type: 'string', default: join(ROOT, 'artifacts') },
    dashboards: { type: 'string', default: join(ROOT, 'provisioning', 'dashboards') },
  },
});

function sha(algorithm, file) {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash(algorithm);
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/** Copies provisioning/dashboards/*.json into dist/dashboards/ (replacing what an earlier run left there). */
function stageDashboards(dist, from) {
  const files = existsSync(from) ? readdirSync(from).filter((f) => f.endsWith('.json')) : [];
  const to = join(dist, 'dashboards');
  rmSync(to, { recursive: true, force: true });
  if (!files.length) {
    return;
  }
  mkdirSync(to);
  for (const file of files.sort()) {
    try {
      JSON.parse(readFileSync(join(from, file), 'utf8'));
    } catch (error) {
      throw new Failure(`${relative(ROOT, join(from, file))} is not valid JSON: ${error.message}`);
    }
    copyFileSync(join(from, file), join(to, file));
  }
  log(`dashboards: ${files.map((f) => `dashboards/${f}`).join(', ')}`);
}

async function main() {
  const dist = resolve(args.dist);
  const outDir = resolve(args.out);
  const pluginJsonPath = join(dist, 'plugin.json');
  if (!existsSync(pluginJsonPath) || !existsSync(join(dist, 'module.js'))) {
    throw new Failure(`${dist} has no plugin.json and module.js: run \`npm run build\` first`);
  }
  const plugin = JSON.parse(readFileSync(pluginJsonPath, 'utf8'));
  const id = plugin.id;
  const version = plugin.info?.version;
  if (typeof id !== 'string' || !/^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/.test(id)) {
    throw new Failure(`dist/plugin.json has no valid id (${JSON.stringify(id)})`);
  }
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Failure(
      `dist/plugin.json info.version is not a version (${JSON.stringify(version)}): is the build stale?`
    );
  }
  const which = spawnSync('zip', ['-v'], { stdio: 'ignore' });
  if (which.error || which.status !== 0) {
    throw new Failure('the `zip` program is missing: apt-get install zip');
  }

  stageDashboards(dist, resolve(args.dashboards));

  mkdirSync(outDir, { recursive: true });
  const name = `${id}-${version}.zip`;
  const zipPath = join(outDir, name);
  rmSync(zipPath, { force: true });

  // zip the dist folder under the name <id>/ through a symlink (zip follows it, records the targets' modes).
  const stage = mkdtempSync(join(outDir, '.stage-'));
  try {
    symlinkSync(dist, join(stage, id), 'dir');
    const t0 = Date.now();
    // -r recurse, -X no extra uid/gid fields, -q quiet; default compression (level 6)
    const run = spawnSync('zip', ['-r', '-X', '-q', zipPath, id], { cwd: stage, stdio: 'inherit' });
    if (run.error || run.status !== 0) {
      throw new Failure(`zip failed (${run.error?.message ?? `exit ${run.status}`})`);
    }
    log(`zipped ${relative(ROOT, dist) || dist} as ${id}/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }

  for (const algorithm of ['sha1', 'sha256']) {
    const hex = await sha(algorithm, zipPath);
    writeFileSync(`${zipPath}.${algorithm}`, `${hex}  ${basename(zipPath)}\n`);
  }
  log(`${relative(ROOT, zipPath)}: ${(statSync(zipPath).size / 1e6).toFixed(1)} MB, with .sha1 and .sha256`);
  process.stdout.write(`${zipPath}\n`);
}

main().catch((error) => {
  process.stderr.write(`package: FAILED: ${error instanceof Failure ? error.message : (error.stack ?? error)}\n`);
  process.exit(1);
});
