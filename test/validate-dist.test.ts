/**
 * scripts/validate-dist.mjs (the offline subset of Grafana's plugin-validator) on the real build, then on
 * deliberately broken copies of it, one defect each, to show every check can fail and blames the right thing.
 *
 * Needs `npm run build` and `npm run package` first (dist/ and artifacts/<id>-<version>.zip): without them this
 * fails on purpose, it never skips. The copies live in a temp folder; the files of their runtime folders (the backend
 * executables, the loaders, the libraries) are the first 64 KiB of the real ones (the ELF header intact), so zipping
 * them with scripts/package.mjs takes well under a second.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Json } from './support/dashboards';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const VALIDATE = join(ROOT, 'scripts', 'validate-dist.mjs');
const PACKAGE = join(ROOT, 'scripts', 'package.mjs');
const SOURCE_PLUGIN = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8'));
const ID: string = SOURCE_PLUGIN.id;
const EXECUTABLE: string = SOURCE_PLUGIN.executable;
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const ZIP_NAME = `${ID}-${VERSION}.zip`;
/** The dashboards `npm run package` bundles (may not exist yet). */
const DASHBOARDS = join(ROOT, 'provisioning', 'dashboards');

/** The parts of plugin.json the defects below touch. */
interface PluginJson {
  id: string;
  type: string;
  name: string;
  executable: string;
  alerting: unknown;
  info: {
    description: string;
    keywords?: string[];
    updated: string;
    version: string;
    logos: { small: string; large: string };
    screenshots: Array<{ name?: string; path: string }>;
    links: Array<{ name: string; url: string }>;
  };
  dependencies: { grafanaDependency: string };
  includes?: Array<{ type: string; name: string; path: string }>;
}

interface Result {
  id: string;
  ok: boolean;
  message: string;
}

function validate(args: string[]): { status: number | null; results: Result[]; failed: string[]; output: string } {
  const run = spawnSync(process.execPath, [VALIDATE, '--json', ...args], { encoding: 'utf8', cwd: ROOT });
  let results: Result[] = [];
  try {
    results = JSON.parse(run.stdout);
  } catch {
    throw new Error(`validate-dist printed no JSON (status ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.id);
  return {
    status: run.status,
    results,
    failed,
    output: results.map((r) => `${r.ok ? 'ok' : 'FAIL'} ${r.id}: ${r.message}`).join('\n'),
  };
}

function packageDist(dist: string, out: string, dashboards: string): string {
  const run = spawnSync(process.execPath, [PACKAGE, '--dist', dist, '--out', out, '--dashboards', dashboards], {
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    throw new Error(`package.mjs failed:\n${run.stdout}\n${run.stderr}`);
  }
  return join(out, ZIP_NAME);
}

/** A dashboard without panels that passes the dashboards check: the data source as an input, and its variable. */
function emptyDashboard(title: string): object {
  return {
    __inputs: [{ name: 'DS_LOGS', label: 'Logs', type: 'datasource', pluginId: ID, pluginName: SOURCE_PLUGIN.name }],
    title,
    templating: { list: [{ type: 'datasource', name: 'DS_LOGS', query: ID }] },
    panels: [],
  };
}

/** Fails (never skips) when the build output is missing. */
function requireBuilt(file: string, how: string): void {
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: run \`${how}\` before this test`);
  }
}

function headOf(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

describe('validate-dist on the real build', () => {
  it('passes every check on dist/ and the package', () => {
    requireBuilt(join(DIST, 'module.js'), 'npm run build');
    requireBuilt(join(ROOT, 'artifacts', ZIP_NAME), 'npm run package');
    const { status, failed, results, output } = validate([]);
    expect({ failed, output }).toEqual({ failed: [], output });
    expect(status).toBe(0);
    // every family of checks ran
    const ids = results.map((r) => r.id);
    for (const id of [
      'metadata: id',
      'version',
      'dependency: grafanaDependency',
      'logos',
      'screenshots',
      'links',
      'executable: linux_amd64',
      'executable: linux_arm64',
      'module.js',
      'module.js.map',
      'readme',
      'changelog',
      'license',
      'includes',
      'archive',
      'archive: modes',
      'archive: matches dist',
      'archive: checksums',
      'dashboards',
    ]) {
      expect(ids).toContain(id);
    }
    // The dashboards check read every bundled dashboard.
    const bundled = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')).length;
    expect(results.find((r) => r.id === 'dashboards')?.message).toMatch(new RegExp(`^${bundled} dashboard\\(s\\) `));
  });
});

describe('validate-dist on broken copies', () => {
  let work: string;
  /** A valid plugin folder (real dist, runtime files cut to their first 64 KiB) and its zip. */
  let template: string;
  let n = 0;

  beforeAll(() => {
    requireBuilt(join(DIST, 'module.js'), 'npm run build');
    work = mkdtempSync(join(tmpdir(), 'validate-dist-'));
    template = join(work, 'template', 'dist');
    const runtimeFile = (src: string) =>
      /[\\/]runtime[\\/]linux_[a-z0-9]+[\\/][^\\/]+$/.test(src) && statSync(src).isFile();
    cpSync(DIST, template, { recursive: true, filter: (src) => !src.includes(`${EXECUTABLE}_`) && !runtimeFile(src) });
    for (const platform of ['linux_amd64', 'linux_arm64']) {
      const name = `${EXECUTABLE}_${platform}`;
      requireBuilt(join(DIST, name), 'npm run build');
      writeFileSync(join(template, name), headOf(join(DIST, name), 64 * 1024));
      chmodSync(join(template, name), 0o755);
      const runtime = join('runtime', platform);
      for (const file of readdirSync(join(DIST, runtime)).map((f) => join(runtime, f))) {
        if (runtimeFile(join(DIST, file))) {
          writeFileSync(join(template, file), headOf(join(DIST, file), 64 * 1024));
          chmodSync(join(template, file), statSync(join(DIST, file)).mode & 0o777);
        }
      }
    }
    packageDist(template, join(work, 'template', 'artifacts'), DASHBOARDS);
  });

  afterAll(() => {
    if (work) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  /** A fresh copy of the template: its dist/ and its zip. */
  function copy(): { dist: string; zip: string; out: string } {
    const base = join(work, `case-${++n}`);
    cpSync(join(work, 'template'), base, { recursive: true });
    return { dist: join(base, 'dist'), out: join(base, 'artifacts'), zip: join(base, 'artifacts', ZIP_NAME) };
  }
  function editPlugin(dist: string, edit: (plugin: PluginJson) => void): void {
    const file = join(dist, 'plugin.json');
    const plugin = JSON.parse(readFileSync(file, 'utf8'));
    edit(plugin);
    writeFileSync(file, JSON.stringify(plugin, null, 2));
  }
  /** Edits one bundled dashboard of a copy (the first, by name). */
  function editDashboard(dist: string, edit: (dashboard: Json) => void): void {
    const file = join(dist, 'dashboards', readdirSync(join(dist, 'dashboards')).sort()[0]);
    const dashboard = JSON.parse(readFileSync(file, 'utf8'));
    edit(dashboard);
    writeFileSync(file, JSON.stringify(dashboard, null, 2));
  }
  function editMap(dist: string, edit: (map: { sources: string[]; sourceRoot?: string }) => void): void {
    const file = join(dist, 'module.js.map');
    const map = JSON.parse(readFileSync(file, 'utf8'));
    edit(map);
    writeFileSync(file, JSON.stringify(map));
  }

  it('passes on the intact copy, zip included', () => {
    const { dist, zip } = copy();
    const { status, failed, output } = validate(['--dist', dist, '--zip', zip]);
    expect({ failed, output }).toEqual({ failed: [], output });
    expect(status).toBe(0);
  });

  // Defects in dist/: checked without the zip, so that only the defect's own check fails.
  const distCases: Array<[string, string[], (dist: string) => void]> = [
    [
      'plugin.json that is not JSON',
      ['metadata: plugin.json'],
      (d) => writeFileSync(join(d, 'plugin.json'), '{"id": '),
    ],
    [
      'an id with capitals and underscores',
      ['metadata: id', 'dashboards'],
      (d) => editPlugin(d, (p) => (p.id = 'Inference_Log-datasource')),
    ],
    ['an id whose suffix is not the type', ['metadata: id'], (d) => editPlugin(d, (p) => (p.type = 'panel'))],
    ['an unknown type', ['metadata: id', 'metadata: type'], (d) => editPlugin(d, (p) => (p.type = 'widget'))],
    ['an empty name', ['metadata: name'], (d) => editPlugin(d, (p) => (p.name = ' '))],
    ['no keywords', ['metadata: info'], (d) => editPlugin(d, (p) => delete p.info.keywords)],
    ['no description', ['metadata: info'], (d) => editPlugin(d, (p) => (p.info.description = ''))],
    [
      'an updated date that is not a date',
      ['metadata: info'],
      (d) => editPlugin(d, (p) => (p.info.updated = '27/11/2026')),
    ],
    ['a flag that is not a boolean', ['metadata: flags'], (d) => editPlugin(d, (p) => (p.alerting = 'true'))],
    [
      'backend without a gpx_ executable',
      ['metadata: flags', 'executable: linux_amd64', 'executable: linux_arm64'],
      (d) => editPlugin(d, (p) => (p.executable = 'backend')),
    ],
    [
      'a placeholder left in',
      ['metadata: placeholders'],
      (d) => editPlugin(d, (p) => (p.info.description += ' %TODAY%')),
    ],
    [
      'a version that is not package.json',
      ['version', 'changelog'],
      (d) => editPlugin(d, (p) => (p.info.version = '0.0.9')),
    ],
    [
      'a grafanaDependency that is not a range',
      ['dependency: grafanaDependency'],
      (d) => editPlugin(d, (p) => (p.dependencies.grafanaDependency = 'latest')),
    ],
    [
      'a single Grafana version',
      ['dependency: grafanaDependency'],
      (d) => editPlugin(d, (p) => (p.dependencies.grafanaDependency = '12.3.0')),
    ],
    [
      'no lower bound on Grafana',
      ['dependency: grafanaDependency'],
      (d) => editPlugin(d, (p) => (p.dependencies.grafanaDependency = '*')),
    ],
    ['a missing logo', ['logos'], (d) => unlinkSync(join(d, SOURCE_PLUGIN.info.logos.large))],
    ['an empty logo', ['logos'], (d) => writeFileSync(join(d, SOURCE_PLUGIN.info.logos.small), '')],
    ['a logo that is not an image', ['logos'], (d) => writeFileSync(join(d, SOURCE_PLUGIN.info.logos.small), 'logo')],
    ['a logo outside the plugin', ['logos'], (d) => editPlugin(d, (p) => (p.info.logos.large = '../logo.svg'))],
    [
      'a logo with a script',
      ['logos: unsafe svg'],
      (d) => {
        const file = join(d, SOURCE_PLUGIN.info.logos.large);
        writeFileSync(file, readFileSync(file, 'utf8').replace('</svg>', '<script>alert(1)</script></svg>'));
      },
    ],
    [
      'an SVG with an event handler',
      ['logos: unsafe svg'],
      (d) => writeFileSync(join(d, 'img', 'extra.svg'), '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"></svg>'),
    ],
    ['no screenshots', ['screenshots'], (d) => editPlugin(d, (p) => (p.info.screenshots = []))],
    ['a missing screenshot', ['screenshots'], (d) => unlinkSync(join(d, SOURCE_PLUGIN.info.screenshots[0].path))],
    ['a screenshot without a name', ['screenshots'], (d) => editPlugin(d, (p) => delete p.info.screenshots[0].name)],
    [
      'a link that is not a URL',
      ['links'],
      (d) => editPlugin(d, (p) => p.info.links.push({ name: 'Docs', url: 'docs' })),
    ],
    [
      'a javascript: link',
      ['links'],
      (d) => editPlugin(d, (p) => p.info.links.push({ name: 'Docs', url: 'javascript:alert(1)' })),
    ],
    ['a missing executable', ['executable: linux_amd64'], (d) => unlinkSync(join(d, `${EXECUTABLE}_linux_amd64`))],
    [
      'an executable with mode 644',
      ['executable: linux_arm64'],
      (d) => chmodSync(join(d, `${EXECUTABLE}_linux_arm64`), 0o644),
    ],
    [
      'an executable with mode 744',
      ['executable: linux_arm64'],
      (d) => chmodSync(join(d, `${EXECUTABLE}_linux_arm64`), 0o744),
    ],
    [
      'an amd64 executable in the arm64 place',
      ['executable: linux_arm64'],
      (d) => {
        writeFileSync(join(d, `${EXECUTABLE}_linux_arm64`), readFileSync(join(d, `${EXECUTABLE}_linux_amd64`)));
      },
    ],
    [
      'an executable that is not our launcher',
      ['executable: linux_amd64'],
      (d) => writeFileSync(join(d, `${EXECUTABLE}_linux_amd64`), '#!/bin/sh\n'),
    ],
    [
      'a shipped library missing',
      ['executable: linux_amd64'],
      (d) => unlinkSync(join(d, 'runtime', 'linux_amd64', 'libstdc++.so.6')),
    ],
    [
      'an amd64 backend in the arm64 runtime',
      ['executable: linux_arm64'],
      (d) => cpSync(join(d, 'runtime', 'linux_amd64', 'backend'), join(d, 'runtime', 'linux_arm64', 'backend')),
    ],
    [
      'a loader that is not executable',
      ['executable: linux_arm64'],
      (d) => chmodSync(join(d, 'runtime', 'linux_arm64', 'ld-linux-aarch64.so.1'), 0o644),
    ],
    [
      "a shipped library's licence missing",
      ['license'],
      (d) => unlinkSync(join(d, 'runtime', 'linux_arm64', 'licenses', 'libc6.copyright')),
    ],
    ['no module.js', ['module.js'], (d) => unlinkSync(join(d, 'module.js'))],
    ['no module.js.map', ['module.js.map'], (d) => unlinkSync(join(d, 'module.js.map'))],
    [
      'an absolute path in the source map',
      ['module.js.map'],
      (d) => editMap(d, (m) => m.sources.push('webpack://inferencelog-analytics-datasource//home/ci/src/module.ts')),
    ],
    [
      'an absolute source map root',
      ['module.js.map'],
      (d) => editMap(d, (m) => (m.sourceRoot = 'file:///home/ci/src')),
    ],
    [
      "the build machine's path in the source map",
      ['module.js.map'],
      (d) => editMap(d, (m) => m.sources.push(`${ROOT}/src/module.ts`)),
    ],
    [
      'the template README',
      ['readme'],
      (d) =>
        writeFileSync(
          join(d, 'README.md'),
          '# Plugin\n\nThis README file is going to be the one displayed on the Grafana.com website for your plugin.\n'
        ),
    ],
    [
      'a relative image in the README',
      ['readme'],
      (d) => writeFileSync(join(d, 'README.md'), '# Plugin\n\n![editor](img/screenshots/editor.png)\n'),
    ],
    ['no README', ['readme'], (d) => unlinkSync(join(d, 'README.md'))],
    ['no CHANGELOG', ['changelog'], (d) => unlinkSync(join(d, 'CHANGELOG.md'))],
    [
      'a CHANGELOG without this version',
      ['changelog'],
      (d) => writeFileSync(join(d, 'CHANGELOG.md'), '# Changelog\n\n## 0.0.1\n'),
    ],
    ['no LICENSE', ['license'], (d) => unlinkSync(join(d, 'LICENSE'))],
    [
      'an included dashboard that is not there',
      ['includes'],
      (d) =>
        editPlugin(d, (p) =>
          (p.includes ??= []).push({ type: 'dashboard', name: 'Missing', path: 'dashboards/missing-test.json' })
        ),
    ],
    [
      'a bundled dashboard that is not included',
      ['includes'],
      (d) => {
        mkdirSync(join(d, 'dashboards'), { recursive: true });
        writeFileSync(join(d, 'dashboards', 'extra-test.json'), JSON.stringify(emptyDashboard('Extra')));
      },
    ],
    [
      'an included dashboard that is not JSON',
      ['includes'],
      (d) => {
        mkdirSync(join(d, 'dashboards'), { recursive: true });
        writeFileSync(join(d, 'dashboards', 'broken-test.json'), '{');
        editPlugin(d, (p) =>
          (p.includes ??= []).push({ type: 'dashboard', name: 'Broken', path: 'dashboards/broken-test.json' })
        );
      },
    ],
    [
      'a bundled dashboard naming the data source by a fixed uid',
      ['dashboards'],
      (d) =>
        editDashboard(d, (dashboard) => {
          const panel = dashboard.panels.find((p: { targets?: unknown[] }) => p.targets?.length);
          panel.targets[0].datasource = { type: ID, uid: 'inference-logs' };
        }),
    ],
    ['a bundled dashboard without __inputs', ['dashboards'], (d) => editDashboard(d, (b) => delete b.__inputs)],
    [
      'a bundled dashboard without the data source variable (provisioned, ${DS_…} would not resolve)',
      ['dashboards'],
      (d) =>
        editDashboard(d, (b) => {
          b.templating.list = b.templating.list.filter((v: { type: string }) => v.type !== 'datasource');
        }),
    ],
  ];

  it.each(distCases)('fails on %s', (_name, expected, breakIt) => {
    const { dist } = copy();
    breakIt(dist);
    const { status, failed, output } = validate(['--dist', dist, '--no-zip']);
    expect({ failed, output }).toEqual({ failed: expected, output });
    expect(status).toBe(1);
  });

  it('fails when package.json has another version', () => {
    const { dist } = copy();
    const pkg = join(dist, '..', 'package.json');
    writeFileSync(pkg, JSON.stringify({ version: '9.9.9' }));
    const { status, failed } = validate(['--dist', dist, '--no-zip', '--package', pkg]);
    expect(failed).toEqual(['version']);
    expect(status).toBe(1);
  });

  // Defects in the zip.
  it('fails without the zip', () => {
    const { dist, zip } = copy();
    rmSync(zip);
    const { failed } = validate(['--dist', dist, '--zip', zip]);
    expect(failed).toEqual(['archive']);
  });

  it('fails on a zip named after another version', () => {
    const { dist, zip, out } = copy();
    const other = join(out, `${ID}-9.9.9.zip`);
    renameSync(zip, other);
    for (const ext of ['sha1', 'sha256']) {
      writeFileSync(`${other}.${ext}`, readFileSync(`${zip}.${ext}`, 'utf8').replace(ZIP_NAME, `${ID}-9.9.9.zip`));
    }
    const { failed, results } = validate(['--dist', dist, '--zip', other]);
    expect(failed).toEqual(['archive']);
    expect(results.find((r) => r.id === 'archive')?.message).toContain(`not ${ZIP_NAME}`);
  });

  it('fails on a zip whose top folder is not the plugin id', () => {
    const { dist, zip, out } = copy();
    const stage = join(out, 'stage');
    mkdirSync(stage);
    symlinkSync(dist, join(stage, 'dist'));
    rmSync(zip);
    expect(spawnSync('zip', ['-r', '-q', zip, 'dist'], { cwd: stage }).status).toBe(0);
    const { failed, results } = validate(['--dist', dist, '--zip', zip]);
    expect(failed).toEqual(['archive', 'archive: modes', 'archive: matches dist', 'archive: checksums']);
    expect(results.find((r) => r.id === 'archive')?.message).toContain(`not the single folder ${ID}/`);
  });

  it('fails on a zip whose executables lost their mode', () => {
    const { dist, out } = copy();
    // zip a copy whose executables are 644, then check the zip against the intact dist
    const flat = join(out, 'flat');
    cpSync(dist, flat, { recursive: true });
    for (const file of readdirSync(flat).filter((f) => f.startsWith(`${EXECUTABLE}_`))) {
      chmodSync(join(flat, file), 0o644);
    }
    const zip = packageDist(flat, join(out, 'flat-zip'), DASHBOARDS);
    const { failed, results } = validate(['--dist', dist, '--zip', zip]);
    expect(failed).toEqual(['archive: modes']);
    expect(results.find((r) => r.id === 'archive: modes')?.message).toContain('mode 644 in the zip');
  });

  it('fails on a zip older than dist', () => {
    const { dist, zip } = copy();
    writeFileSync(join(dist, 'module.js'), readFileSync(join(dist, 'module.js'), 'utf8') + '\n// changed\n');
    const { failed } = validate(['--dist', dist, '--zip', zip]);
    expect(failed).toEqual(['archive: matches dist']);
  });

  it('fails on a file missing from the zip', () => {
    const { dist, zip } = copy();
    writeFileSync(join(dist, 'img', 'new.png'), readFileSync(join(dist, SOURCE_PLUGIN.info.screenshots[0].path)));
    const { failed } = validate(['--dist', dist, '--zip', zip]);
    expect(failed).toEqual(['archive: matches dist']);
  });

  it('fails on a checksum that does not match', () => {
    const { dist, zip } = copy();
    writeFileSync(`${zip}.sha256`, `${'0'.repeat(64)}  ${ZIP_NAME}\n`);
    const { failed } = validate(['--dist', dist, '--zip', zip]);
    expect(failed).toEqual(['archive: checksums']);
  });

  it('fails on a missing checksum', () => {
    const { dist, zip } = copy();
    rmSync(`${zip}.sha1`);
    const { failed } = validate(['--dist', dist, '--zip', zip]);
    expect(failed).toEqual(['archive: checksums']);
  });

  // A dashboard added to provisioning/dashboards/ plus its include: package copies it in, validate accepts it.
  it('accepts a bundled dashboard that package copied in and plugin.json includes', () => {
    const { dist, out } = copy();
    const dashboards = join(out, 'provisioning-dashboards');
    if (existsSync(DASHBOARDS)) {
      cpSync(DASHBOARDS, dashboards, { recursive: true });
    }
    mkdirSync(dashboards, { recursive: true });
    writeFileSync(join(dashboards, 'added-test.json'), JSON.stringify(emptyDashboard('Added')));
    editPlugin(dist, (p) =>
      (p.includes ??= []).push({ type: 'dashboard', name: 'Added', path: 'dashboards/added-test.json' })
    );
    const zip = packageDist(dist, join(out, 'with-dashboards'), dashboards);
    expect(statSync(join(dist, 'dashboards', 'added-test.json')).isFile()).toBe(true);
    const { status, failed, output } = validate(['--dist', dist, '--zip', zip]);
    expect({ failed, output }).toEqual({ failed: [], output });
    expect(status).toBe(0);
  });
});
