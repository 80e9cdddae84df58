#!/usr/bin/env node
/**
 * Validates the built plugin (dist/) and its zip (`npm run package`) the way Grafana's plugin-validator would,
 * for the analyzers that need no network (the validator itself cannot run here: it downloads its binary from
 * GitHub, and its metadata and org checks call grafana.com). Each check prints one line; the exit status is 1
 * when any check fails.
 *
 *   metadata     dist/plugin.json: JSON; id (pattern, type suffix), type, name, info (description, author,
 *                keywords), boolean flags, backend executable name, no %PLACEHOLDER% left, info.updated
 *   version      info.version == package.json version (valid semver)
 *   dependency   dependencies.grafanaDependency is a semver range with a lower bound
 *   logos        small and large exist, are non-empty SVG or PNG; every SVG has no script, handler or remote ref
 *   screenshots  at least one; each has a name and is an existing, non-empty image
 *   links        info.links and author.url: names, and http(s) URLs that parse
 *   executable   <executable>_<os>_<arch> for linux_amd64 and linux_arm64: a file, mode & 0o111 == 0o111, the
 *                launcher build-backend.mjs writes; the runtime folder it starts (scripts/backend-runtime.mjs): the
 *                backend, the loader (both mode 755) and the libraries, 64-bit little-endian ELF for the right machine
 *   module.js    present, non-empty; module.js.map present, and its sources/sourceRoot hold no absolute path
 *                (nor does either file hold the build machine's project path)
 *   readme       README.md present, rewritten from the create-plugin template, images as absolute URLs
 *   changelog    CHANGELOG.md present, with a heading for this version; license: LICENSE present, and with a
 *                backend the shipped libraries' licences in runtime/linux_<arch>/licenses/
 *   includes     each include's path exists under dist (dashboards: JSON), and every dist/dashboards/*.json
 *                is included
 *   dashboards   every dist/dashboards/*.json declares the plugin's data source in `__inputs` (NAME), refers to it
 *                only as ${NAME} (panels, targets, annotations, variables) and has a data source variable NAME
 *   archive      the zip is named <id>-<version>.zip, its one top folder is <id>/, it holds exactly dist's
 *                files (same sizes and CRC-32), launchers, backends and loaders with unix mode 755; .sha1/.sha256
 *                match it
 *
 * Usage: node scripts/validate-dist.mjs [--dist DIR] [--zip FILE | --no-zip] [--package FILE] [--json]
 *   --dist     the built plugin (default dist)
 *   --zip      the package (default artifacts/<id>-<package version>.zip)
 *   --no-zip   check dist/ only
 *   --package  the package.json whose version must match (default package.json)
 *   --json     print the results as one JSON array instead of lines
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import semver from 'semver';
import {
  BACKEND,
  LICENSE_FILES,
  LICENSES,
  launcher,
  RUNTIME_LIBS,
  RUNTIME_TARGETS,
  runtimeDir,
} from './backend-runtime.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;
const TYPES = ['app', 'panel', 'datasource'];
/** Grafana's platform names (<executable>_<platform>) and our build targets. */
const PLATFORMS = {
  linux_amd64: { target: 'amd64' },
  linux_arm64: { target: 'arm64' },
};
const BOOLEAN_FLAGS = [
  'backend',
  'alerting',
  'annotations',
  'metrics',
  'logs',
  'tracing',
  'streaming',
  'mixed',
  'builtIn',
  'hidden',
  'preload',
  'skipDataQuery',
  'autoEnabled',
];
/** Sentences of create-plugin's src/README.md template (the validator's `templatereadme`). */
const TEMPLATE_README = [
  'This README file is going to be the one displayed on the Grafana.com website for your plugin',
  'Provide one or more paragraphs as an introduction to your plugin',
  'To help maximize the impact of your README and improve usability',
  'List any requirements or dependencies they may need to run the plugin',
];
/** Files compared by CRC-32 between dist and the zip (larger ones by size only). */
const CRC_LIMIT = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// results

const results = [];
function check(id, ok, message) {
  results.push({ id, ok: Boolean(ok), message });
  return Boolean(ok);
}
/** Runs fn(problems) and records one check: passed with `okMessage` when no problem was pushed. */
function checkAll(id, okMessage, fn) {
  const problems = [];
  try {
    fn(problems);
  } catch (error) {
    problems.push(error.message);
  }
  return check(id, problems.length === 0, problems.length ? problems.join('; ') : okMessage);
}

// ---------------------------------------------------------------------------------------------------------------
// small helpers

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmptyString = (v) => typeof v === 'string' && v.trim() !== '';

function readHead(file, bytes) {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** A path inside the plugin folder: relative, no `..`; returns the absolute file or throws. */
function pluginFile(dist, path, what) {
  if (!nonEmptyString(path)) {
    throw new Error(`${what}: no path`);
  }
  if (isAbsolute(path) || /^[a-z]+:/i.test(path) || normalize(path).split(sep).includes('..')) {
    throw new Error(`${what}: ${path} is not a relative path inside the plugin`);
  }
  return join(dist, path);
}

const modeOf = (file) => (lstatSync(file).mode & 0o777).toString(8);

function imageKind(file) {
  const head = readHead(file, 512);
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'png';
  }
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    return 'jpeg';
  }
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') {
    return 'gif';
  }
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'webp';
  }
  const text = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .replace(/<\?xml[\s\S]*?\?>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!DOCTYPE[^>]*>/gi, '')
    .trim();
  if (/^<svg[\s>]/.test(text) && /<\/svg>\s*$/.test(text)) {
    return 'svg';
  }
  return null;
}

/** Problems of an SVG that Grafana's `unsafesvg` analyzer rejects (it sanitizes logos shown in the UI). */
function unsafeSvg(text) {
  const problems = [];
  if (/<script[\s>]/i.test(text)) {
    problems.push('a <script> element');
  }
  if (/\son[a-z]+\s*=/i.test(text)) {
    problems.push('an on* event handler');
  }
  if (/javascript:/i.test(text)) {
    problems.push('a javascript: URL');
  }
  if (/<foreignObject[\s>]/i.test(text)) {
    problems.push('a <foreignObject>');
  }
  if (/(?:xlink:)?href\s*=\s*["']\s*(?:https?:)?\/\//i.test(text)) {
    problems.push('a reference to a remote resource');
  }
  return problems;
}

function walk(dir, base = dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...walk(full, base));
    } else {
      files.push(relative(base, full).split(sep).join('/'));
    }
  }
  return files.sort();
}

/** Grafana's own pseudo data sources: no import has to map them. */
const BUILTIN_DATASOURCE_UIDS = ['-- Grafana --', '-- Dashboard --', '-- Mixed --', 'grafana', '__expr__'];

/** Every `datasource` value in a dashboard, at any depth, as [JSON path, value]. */
function datasourceRefs(value, path = '$') {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => datasourceRefs(item, `${path}[${i}]`));
  }
  if (!isObject(value)) {
    return [];
  }
  return Object.entries(value).flatMap(([key, item]) =>
    key === 'datasource' ? [[`${path}.datasource`, item]] : datasourceRefs(item, `${path}.${key}`)
  );
}

/**
 * Why a bundled dashboard would not work imported next to a data source of another uid, or provisioned from the
 * file: it must declare this plugin's data source as an `__inputs` entry (import replaces `${NAME}` everywhere),
 * refer to it only as `${NAME}`, and have a data source variable NAME (provisioning replaces nothing; the
 * variable resolves `${NAME}` at run time).
 */
function dashboardInputProblems(dashboard, pluginId) {
  const problems = [];
  const inputs = (Array.isArray(dashboard.__inputs) ? dashboard.__inputs : []).filter(
    (i) => isObject(i) && i.type === 'datasource' && i.pluginId === pluginId
  );
  if (!inputs.length) {
    problems.push(`no __inputs entry of type datasource for ${pluginId}`);
  }
  for (const input of inputs) {
    if (!/^\w+$/.test(input.name ?? '') || !nonEmptyString(input.label) || !nonEmptyString(input.pluginName)) {
      problems.push(
        `__inputs entry ${JSON.stringify(input.name)} needs a name (letters, digits, _), label and pluginName`
      );
    }
    const variable = (dashboard.templating?.list ?? []).find((v) => v?.type === 'datasource' && v.name === input.name);
    if (variable?.query !== pluginId) {
      problems.push(
        `no data source variable ${input.name} of ${pluginId} to resolve \${${input.name}} when provisioned`
      );
    }
  }
  const placeholders = inputs.map((i) => `\${${i.name}}`);
  for (const [path, ref] of datasourceRefs(dashboard)) {
    const uid = typeof ref === 'string' ? ref : ref?.uid;
    if (BUILTIN_DATASOURCE_UIDS.includes(uid)) {
      continue;
    }
    if (!isObject(ref) || ref.type !== pluginId || !placeholders.includes(uid)) {
      problems.push(
        `${path} is ${JSON.stringify(ref)}, not {type: ${pluginId}, uid: one of ${placeholders.join(', ') || 'no input'}}`
      );
    }
  }
  return problems;
}

function crc32(buffer) {
  if (typeof zlib.crc32 === 'function') {
    return zlib.crc32(buffer) >>> 0;
  }
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) {
      crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function hashFile(algorithm, file) {
  const hash = createHash(algorithm);
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    let n;
    while ((n = readSync(fd, buffer, 0, buffer.length, null)) > 0) {
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// zip central directory (no extraction needed: names, sizes, CRC-32, unix modes)

/** Reads the entries of a zip file (zip64 aware). */
export function readZipEntries(file) {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const read = (position, length) => {
    const buffer = Buffer.alloc(length);
    const n = readSync(fd, buffer, 0, length, position);
    return buffer.subarray(0, n);
  };
  try {
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = read(size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw new Error('not a zip file (no end of central directory)');
    }
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50) {
        throw new Error('zip64 end of central directory locator missing');
      }
      const zip64 = read(Number(tail.readBigUInt64LE(locator + 8)), 56);
      if (zip64.readUInt32LE(0) !== 0x06064b50) {
        throw new Error('zip64 end of central directory missing');
      }
      count = Number(zip64.readBigUInt64LE(32));
      cdSize = Number(zip64.readBigUInt64LE(40));
      cdOffset = Number(zip64.readBigUInt64LE(48));
    }
    const cd = read(cdOffset, cdSize);
    const entries = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) {
        throw new Error(`central directory entry ${i} is damaged`);
      }
      const madeBy = cd.readUInt16LE(p + 4);
      const crc = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let uncompressedSize = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const externalAttributes = cd.readUInt32LE(p + 38);
      const name = cd.subarray(p + 46, p + 46 + nameLength).toString('utf8');
      const extra = cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
      for (let e = 0; e + 4 <= extra.length;) {
        const tag = extra.readUInt16LE(e);
        const length = extra.readUInt16LE(e + 2);
        if (tag === 0x0001) {
          let q = e + 4;
          if (uncompressedSize === 0xffffffff) {
            uncompressedSize = Number(extra.readBigUInt64LE(q));
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = Number(extra.readBigUInt64LE(q));
          }
        }
        e += 4 + length;
      }
      const unix = madeBy >> 8 === 3;
      entries.push({
        name,
        crc,
        compressedSize,
        size: uncompressedSize,
        unix,
        mode: unix ? externalAttributes >>> 16 : null,
        directory: name.endsWith('/'),
      });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the checks

/**
 * Runs the checks in order. `ctx` carries what they share: the paths, plugin.json once read (`plugin`, its text,
 * its `info`) and the zip's entries once read. Without a plugin.json object nothing else is checked; without a
 * readable zip, none of the zip's contents.
 */
function validate({ dist, zip, packageJson }) {
  const ctx = { dist, zip, packageJson, plugin: undefined, pluginText: '', info: {}, entries: null };
  if (!checkPluginJson(ctx)) {
    return;
  }
  ctx.info = isObject(ctx.plugin.info) ? ctx.plugin.info : {};

  checkId(ctx);
  checkType(ctx);
  checkName(ctx);
  checkInfo(ctx);
  checkFlags(ctx);
  checkPlaceholders(ctx);
  checkVersion(ctx);
  checkGrafanaDependency(ctx);
  checkLogos(ctx);
  checkUnsafeSvg(ctx);
  checkScreenshots(ctx);
  checkLinks(ctx);
  checkExecutables(ctx);
  checkModuleJs(ctx);
  checkSourceMap(ctx);
  checkReadme(ctx);
  checkChangelog(ctx);
  checkLicense(ctx);
  checkIncludes(ctx);
  checkDashboards(ctx);

  if (zip === null) {
    return;
  }
  checkArchive(ctx);
  if (!ctx.entries) {
    return;
  }
  checkArchiveModes(ctx);
  checkArchiveMatchesDist(ctx);
  checkArchiveChecksums(ctx);
}

// metadata and version

/** `metadata`: dist/plugin.json exists and is a JSON object; sets ctx.plugin and ctx.pluginText. */
function checkPluginJson(ctx) {
  const pluginJsonPath = join(ctx.dist, 'plugin.json');
  return checkAll('metadata: plugin.json', 'dist/plugin.json is a JSON object', (problems) => {
    if (!existsSync(pluginJsonPath)) {
      problems.push(`${pluginJsonPath} is missing: run \`npm run build\``);
      return;
    }
    ctx.pluginText = readFileSync(pluginJsonPath, 'utf8');
    ctx.plugin = JSON.parse(ctx.pluginText);
    if (!isObject(ctx.plugin)) {
      problems.push('plugin.json is not a JSON object');
    }
  });
}

/** `typesuffix` (and `metadatavalid`'s id pattern): the id is well formed and ends in its type. */
function checkId({ plugin }) {
  checkAll('metadata: id', `id ${plugin.id}`, (problems) => {
    if (typeof plugin.id !== 'string' || !ID_PATTERN.test(plugin.id)) {
      problems.push(`id ${JSON.stringify(plugin.id)} does not match ${ID_PATTERN}`);
    } else if (!plugin.id.endsWith(`-${plugin.type}`)) {
      problems.push(`id ${plugin.id} does not end in -${plugin.type} (its type)`);
    }
  });
}

/** `metadatavalid`: type is one of app, panel, datasource. */
function checkType({ plugin }) {
  check(
    'metadata: type',
    TYPES.includes(plugin.type),
    TYPES.includes(plugin.type)
      ? `type ${plugin.type}`
      : `type ${JSON.stringify(plugin.type)} is not one of ${TYPES.join(', ')}`
  );
}

/** `metadatavalid`: the plugin has a name. */
function checkName({ plugin }) {
  check(
    'metadata: name',
    nonEmptyString(plugin.name),
    nonEmptyString(plugin.name) ? `name "${plugin.name}"` : 'name is missing or empty'
  );
}

/** `metadatavalid` and `discoverability`: info has a description, author, keywords and an updated date. */
function checkInfo({ plugin, info }) {
  checkAll('metadata: info', 'description, author and keywords set', (problems) => {
    if (!isObject(plugin.info)) {
      problems.push('info is missing');
      return;
    }
    if (!nonEmptyString(info.description)) {
      problems.push('info.description is missing or empty');
    }
    if (!isObject(info.author) || !nonEmptyString(info.author.name)) {
      problems.push('info.author.name is missing');
    }
    if (!Array.isArray(info.keywords) || !info.keywords.length || !info.keywords.every(nonEmptyString)) {
      problems.push('info.keywords must be a non-empty list of words');
    }
    if (
      typeof info.updated !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(info.updated) ||
      isNaN(Date.parse(info.updated))
    ) {
      problems.push(`info.updated ${JSON.stringify(info.updated)} is not a YYYY-MM-DD date`);
    }
  });
}

/** `metadatavalid`: boolean flags are booleans, a backend names its gpx_ executable, alerting needs a backend. */
function checkFlags({ plugin }) {
  checkAll('metadata: flags', 'boolean flags are booleans', (problems) => {
    for (const flag of BOOLEAN_FLAGS) {
      if (flag in plugin && typeof plugin[flag] !== 'boolean') {
        problems.push(`${flag} is ${JSON.stringify(plugin[flag])}, not a boolean`);
      }
    }
    if (
      plugin.backend === true &&
      (typeof plugin.executable !== 'string' || !/^gpx_[A-Za-z0-9_-]+$/.test(plugin.executable))
    ) {
      problems.push(`backend: true needs executable "gpx_<name>" (got ${JSON.stringify(plugin.executable)})`);
    }
    if (plugin.alerting === true && plugin.backend !== true) {
      problems.push('alerting needs backend: true');
    }
  });
}

/** `metadatavalid`: the build replaced every %PLACEHOLDER% of src/plugin.json. */
function checkPlaceholders({ pluginText }) {
  checkAll('metadata: placeholders', 'no %PLACEHOLDER% left', (problems) => {
    const left = [...new Set(pluginText.match(/%[A-Z][A-Z0-9_]*%/g) ?? [])];
    if (left.length) {
      problems.push(`unreplaced ${left.join(', ')}: the build did not fill them in`);
    }
  });
}

/** `version`: info.version is semver and equals package.json's version. */
function checkVersion({ packageJson, info }) {
  checkAll('version', `info.version ${info.version} == package.json version`, (problems) => {
    const pkg = JSON.parse(readFileSync(packageJson, 'utf8'));
    if (!semver.valid(pkg.version)) {
      problems.push(`package.json version ${JSON.stringify(pkg.version)} is not semver`);
    }
    if (!semver.valid(info.version)) {
      problems.push(`info.version ${JSON.stringify(info.version)} is not semver`);
    } else if (info.version !== pkg.version) {
      problems.push(`info.version ${info.version} != package.json version ${pkg.version}: rebuild`);
    }
  });
}

/** `grafanadependency` and `restrictivedep`: grafanaDependency is a range with a lower bound, not one version. */
function checkGrafanaDependency({ plugin }) {
  checkAll(
    'dependency: grafanaDependency',
    `grafanaDependency ${plugin.dependencies?.grafanaDependency}`,
    (problems) => {
      const range = plugin.dependencies?.grafanaDependency;
      if (!nonEmptyString(range) || !semver.validRange(range)) {
        problems.push(`dependencies.grafanaDependency ${JSON.stringify(range)} is not a semver range`);
      } else if (semver.minVersion(range)?.major < 1) {
        problems.push(`dependencies.grafanaDependency ${range} has no lower bound`);
      } else if (semver.valid(range.trim().replace(/^=/, ''))) {
        problems.push(
          `dependencies.grafanaDependency ${range} allows one Grafana version only (use >=${range.trim()})`
        );
      }
    }
  );
}

// images and links

/** `logos` (and `metadatapaths`): the small and large logos exist and are non-empty SVG or PNG images. */
function checkLogos({ dist, info }) {
  checkAll('logos', `small ${info.logos?.small}, large ${info.logos?.large}`, (problems) => {
    for (const size of ['small', 'large']) {
      const path = info.logos?.[size];
      const file = pluginFile(dist, path, `info.logos.${size}`);
      if (!existsSync(file) || statSync(file).size === 0) {
        problems.push(`info.logos.${size} ${path} is missing or empty`);
        continue;
      }
      const kind = imageKind(file);
      if (kind !== 'svg' && kind !== 'png') {
        problems.push(`info.logos.${size} ${path} is not an SVG or PNG image`);
      }
    }
  });
}

/** `unsafesvg`: no SVG in dist has a script, event handler or remote reference. */
function checkUnsafeSvg({ dist }) {
  checkAll('logos: unsafe svg', 'no script, handler or remote reference in any SVG', (problems) => {
    for (const path of walk(dist).filter((f) => f.toLowerCase().endsWith('.svg'))) {
      const found = unsafeSvg(readFileSync(join(dist, path), 'utf8'));
      if (found.length) {
        problems.push(`${path} has ${found.join(', ')}`);
      }
    }
  });
}

/** `screenshots` (and `metadatapaths`): at least one, each named and an existing, non-empty image. */
function checkScreenshots({ dist, info }) {
  checkAll('screenshots', `${(info.screenshots ?? []).length} screenshot(s)`, (problems) => {
    if (!Array.isArray(info.screenshots) || info.screenshots.length === 0) {
      problems.push('info.screenshots is empty: the catalog page shows them');
      return;
    }
    for (const [i, shot] of info.screenshots.entries()) {
      if (!isObject(shot) || !nonEmptyString(shot.name)) {
        problems.push(`info.screenshots[${i}] has no name`);
        continue;
      }
      const file = pluginFile(dist, shot.path, `screenshot "${shot.name}"`);
      if (!existsSync(file) || statSync(file).size === 0) {
        problems.push(`screenshot "${shot.name}": ${shot.path} is missing or empty`);
      } else if (!imageKind(file)) {
        problems.push(`screenshot "${shot.name}": ${shot.path} is not an image`);
      }
    }
  });
}

/** `brokenlinks`, offline part: info.links are named, they and author.url are public http(s) URLs. */
function checkLinks({ info }) {
  checkAll('links', `${(info.links ?? []).length} link(s)`, (problems) => {
    const links = info.links ?? [];
    if (!Array.isArray(links)) {
      problems.push('info.links is not a list');
      return;
    }
    const urls = links.map((link, i) => {
      if (!isObject(link) || !nonEmptyString(link.name)) {
        problems.push(`info.links[${i}] has no name`);
      }
      return [`info.links[${i}]`, link?.url];
    });
    if (info.author?.url !== undefined) {
      urls.push(['info.author.url', info.author.url]);
    }
    for (const [where, url] of urls) {
      let parsed;
      try {
        parsed = new URL(url);
      } catch {
        problems.push(`${where} ${JSON.stringify(url)} is not a URL`);
        continue;
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        problems.push(`${where} ${url} is not an http(s) URL`);
      } else if (!parsed.hostname.includes('.')) {
        problems.push(`${where} ${url} has no public host name`);
      }
    }
  });
}

// backend executables: the launchers and the runtime folders they start (scripts/backend-runtime.mjs)

/** `backendbinary` and `binarypermissions`: with a backend, one check per platform (checkExecutable). */
function checkExecutables(ctx) {
  if (ctx.plugin.backend === true) {
    for (const [platform, { target }] of Object.entries(PLATFORMS)) {
      checkExecutable(ctx, platform, target);
    }
  }
}

/** `backendbinary` and `binarypermissions`: one platform's launcher (755) and the ELF files of its runtime folder. */
function checkExecutable({ dist, plugin }, platform, target) {
  const name = `${plugin.executable}_${platform}`;
  const dir = runtimeDir(target);
  const { loader, eMachine, machine } = RUNTIME_TARGETS[target];
  checkAll(
    `executable: ${platform}`,
    `${name}: mode 755, the launcher of ${dir}/: ${BACKEND}, ${loader} and ${RUNTIME_LIBS.length} libraries, ELF ${machine}`,
    (problems) => {
      const file = join(dist, name);
      if (!existsSync(file)) {
        problems.push(`${name} is missing: run \`npm run build\``);
        return;
      }
      if (!lstatSync(file).isFile()) {
        problems.push(`${name} is not a regular file`);
        return;
      }
      if ((lstatSync(file).mode & 0o111) !== 0o111) {
        problems.push(`${name} has mode ${modeOf(file)}: not executable by everyone (want 755)`);
      }
      if (readFileSync(file, 'utf8') !== launcher(target)) {
        problems.push(`${name} is not the ${target} launcher that scripts/build-backend.mjs writes`);
      }
      for (const part of [BACKEND, loader, ...RUNTIME_LIBS]) {
        const path = `${dir}/${part}`;
        if (!existsSync(join(dist, path)) || !lstatSync(join(dist, path)).isFile()) {
          problems.push(`${path} is missing or not a regular file`);
          continue;
        }
        if ((part === BACKEND || part === loader) && (lstatSync(join(dist, path)).mode & 0o111) !== 0o111) {
          problems.push(`${path} has mode ${modeOf(join(dist, path))}: not executable by everyone (want 755)`);
        }
        const head = readHead(join(dist, path), 64);
        if (head.length < 64 || head.subarray(0, 4).toString('latin1') !== '\x7fELF') {
          problems.push(`${path} is not an ELF file`);
          continue;
        }
        if (head[4] !== 2 || head[5] !== 1) {
          problems.push(`${path} is not a 64-bit little-endian ELF file`);
        }
        const type = head.readUInt16LE(16);
        if (part === BACKEND ? type !== 2 && type !== 3 : type !== 3) {
          problems.push(
            `${path} is an ELF file of type ${type}, not ${part === BACKEND ? 'an executable' : 'a shared object'}`
          );
        }
        const found = head.readUInt16LE(18);
        if (found !== eMachine) {
          problems.push(`${path} is built for ELF machine ${found}, not ${machine} (${eMachine})`);
        }
      }
    }
  );
}

// frontend bundle

/** `modulejs`: module.js is present and non-empty. */
function checkModuleJs({ dist }) {
  const moduleJs = join(dist, 'module.js');
  check(
    'module.js',
    existsSync(moduleJs) && statSync(moduleJs).size > 0,
    existsSync(moduleJs) ? `module.js ${statSync(moduleJs).size} bytes` : 'module.js is missing: run `npm run build`'
  );
}

/** `jssourcemap`: module.js.map is present with relative sources; no file holds the build machine's path. */
function checkSourceMap({ dist }) {
  const moduleJs = join(dist, 'module.js');
  checkAll('module.js.map', 'module.js.map has relative sources only', (problems) => {
    const mapFile = join(dist, 'module.js.map');
    if (!existsSync(mapFile)) {
      problems.push('module.js.map is missing (the catalog reviews the source through it)');
      return;
    }
    const text = readFileSync(mapFile, 'utf8');
    const map = JSON.parse(text);
    if (map.version !== 3 || !Array.isArray(map.sources)) {
      problems.push('module.js.map is not a version 3 source map');
      return;
    }
    const absolute = (path) =>
      /^file:/i.test(path) || path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
    if (nonEmptyString(map.sourceRoot) && absolute(map.sourceRoot)) {
      problems.push(`sourceRoot is an absolute path (${map.sourceRoot})`);
    }
    // webpack://<namespace>/<path>: the path part must be relative too
    const bad = map.sources.filter((source) => absolute(String(source).replace(/^webpack:\/\/[^/]*\//, '')));
    if (bad.length) {
      problems.push(`${bad.length} source(s) with an absolute path, e.g. ${bad[0]}`);
    }
    for (const [file, content] of [
      ['module.js.map', text],
      ['module.js', existsSync(moduleJs) ? readFileSync(moduleJs, 'utf8') : ''],
    ]) {
      if (content.includes(ROOT + '/')) {
        problems.push(`${file} contains the build machine's path ${ROOT}`);
      }
    }
  });
}

// documents

/** `readme` and `templatereadme`: README.md is present, not the template, with a heading and absolute images. */
function checkReadme({ dist }) {
  checkAll('readme', 'README.md rewritten from the template', (problems) => {
    const file = join(dist, 'README.md');
    if (!existsSync(file) || statSync(file).size === 0) {
      problems.push('README.md is missing or empty');
      return;
    }
    const text = readFileSync(file, 'utf8');
    const template = TEMPLATE_README.filter((s) => text.includes(s));
    if (template.length) {
      problems.push(`README.md still has create-plugin template text ("${template[0]}")`);
    }
    if (!/^#\s+\S/m.test(text)) {
      problems.push('README.md has no heading');
    }
    // The catalog shows README.md on grafana.com: image links must be absolute.
    const images = [
      ...text.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)/g),
      ...text.matchAll(/<img[^>]*\ssrc=["']([^"']+)/gi),
    ];
    const relativeImages = images
      .map((m) => m[1])
      .filter((src) => !/^(https?:)?\/\//i.test(src) && !src.startsWith('data:'));
    if (relativeImages.length) {
      problems.push(`README.md has relative image links (${relativeImages.join(', ')}): use absolute URLs`);
    }
  });
}

/** `changelog`: CHANGELOG.md is present, with a heading for info.version. */
function checkChangelog({ dist, info }) {
  checkAll('changelog', 'CHANGELOG.md has this version', (problems) => {
    const file = join(dist, 'CHANGELOG.md');
    if (!existsSync(file) || statSync(file).size === 0) {
      problems.push('CHANGELOG.md is missing or empty');
      return;
    }
    const version = info.version;
    const escaped = String(version).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (!new RegExp(`^#{1,3}\\s*\\[?v?${escaped}\\]?(\\s|$)`, 'm').test(readFileSync(file, 'utf8'))) {
      problems.push(`CHANGELOG.md has no heading for ${version}`);
    }
  });
}

/** `license`: LICENSE is present, and with a backend the shipped libraries' licences in each runtime folder. */
function checkLicense({ dist, plugin }) {
  checkAll(
    'license',
    plugin.backend === true
      ? `LICENSE, and the shipped libraries' in ${runtimeDir('<arch>')}/${LICENSES}/`
      : 'LICENSE present',
    (problems) => {
      const targets = plugin.backend === true ? Object.values(PLATFORMS).map((p) => p.target) : [];
      const files = [
        'LICENSE',
        ...targets.flatMap((t) => LICENSE_FILES.map((f) => `${runtimeDir(t)}/${LICENSES}/${f}`)),
      ];
      for (const file of files) {
        if (!existsSync(join(dist, file)) || statSync(join(dist, file)).size === 0) {
          problems.push(`${file} is missing or empty`);
        }
      }
    }
  );
}

// includes (bundled dashboards)

/** `includesnested` and `metadatapaths`: every include's path exists, and every bundled dashboard is included. */
function checkIncludes({ dist, plugin }) {
  checkAll('includes', `${(plugin.includes ?? []).length} include(s), all present`, (problems) => {
    const includes = plugin.includes ?? [];
    if (!Array.isArray(includes)) {
      problems.push('includes is not a list');
      return;
    }
    const included = new Set();
    for (const [i, include] of includes.entries()) {
      if (!isObject(include) || !nonEmptyString(include.type) || !nonEmptyString(include.name)) {
        problems.push(`includes[${i}] needs a type and a name`);
        continue;
      }
      if (include.type !== 'dashboard' && include.path === undefined) {
        continue;
      }
      const file = pluginFile(dist, include.path, `includes[${i}] "${include.name}"`);
      included.add(normalize(include.path));
      if (!existsSync(file)) {
        problems.push(
          `includes[${i}] "${include.name}": ${include.path} is not in the plugin (npm run package copies provisioning/dashboards/)`
        );
      } else if (include.type === 'dashboard') {
        try {
          const dashboard = JSON.parse(readFileSync(file, 'utf8'));
          if (!isObject(dashboard) || !nonEmptyString(dashboard.title)) {
            problems.push(`${include.path} is not a dashboard (no title)`);
          }
        } catch {
          problems.push(`${include.path} is not valid JSON`);
        }
      }
    }
    const dashboards = join(dist, 'dashboards');
    if (existsSync(dashboards)) {
      for (const file of walk(dashboards).filter((f) => f.endsWith('.json'))) {
        if (!included.has(normalize(`dashboards/${file}`))) {
          problems.push(`dashboards/${file} is bundled but not listed in plugin.json includes`);
        }
      }
    }
  });
}

/**
 * No validator analyzer (this project's own): bundled dashboards take the data source as an `__inputs` entry, so
 * they import next to a data source of any uid and provision as they are.
 */
function checkDashboards({ dist, plugin }) {
  const dashboardsDir = join(dist, 'dashboards');
  const dashboardFiles = existsSync(dashboardsDir) ? walk(dashboardsDir).filter((f) => f.endsWith('.json')) : [];
  checkAll('dashboards', `${dashboardFiles.length} dashboard(s) take the data source as an input`, (problems) => {
    for (const file of dashboardFiles) {
      let dashboard;
      try {
        dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8'));
      } catch {
        continue; // `includes` reports it
      }
      problems.push(...dashboardInputProblems(dashboard, plugin.id).map((p) => `dashboards/${file}: ${p}`));
    }
  });
}

// the zip

/** `archive` and `archivename`: the zip is <id>-<version>.zip, with one top folder <id>/; sets ctx.entries. */
function checkArchive(ctx) {
  const { zip, info } = ctx;
  const id = ctx.plugin.id;
  checkAll('archive', `${basename(zip)}: one top folder ${id}/`, (problems) => {
    if (!existsSync(zip)) {
      problems.push(`${zip} is missing: run \`npm run package\``);
      return;
    }
    if (basename(zip) !== `${id}-${info.version}.zip`) {
      problems.push(`the zip is named ${basename(zip)}, not ${id}-${info.version}.zip`);
    }
    const entries = readZipEntries(zip);
    ctx.entries = entries;
    const tops = [...new Set(entries.map((e) => e.name.split('/')[0]))];
    if (tops.length !== 1 || tops[0] !== id) {
      problems.push(`top level of the zip is ${tops.join(', ') || 'empty'}, not the single folder ${id}/`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('/') || entry.name.split('/').includes('..') || entry.name.includes('\\')) {
        problems.push(`unsafe entry name ${entry.name}`);
      }
      if (/(^|\/)(__MACOSX|\.DS_Store)(\/|$)/.test(entry.name)) {
        problems.push(`junk entry ${entry.name}`);
      }
    }
    for (const required of ['plugin.json', 'module.js']) {
      if (!entries.some((e) => e.name === `${id}/${required}`)) {
        problems.push(`${id}/${required} is not in the zip`);
      }
    }
  });
}

/** `binarypermissions`, in the zip: launchers, backends and loaders are 755; every file is readable by everyone. */
function checkArchiveModes({ plugin, entries }) {
  const id = plugin.id;
  checkAll('archive: modes', 'executables are 755 in the zip', (problems) => {
    const executables =
      plugin.backend === true
        ? Object.entries(PLATFORMS).flatMap(([platform, { target }]) =>
            [
              `${plugin.executable}_${platform}`,
              `${runtimeDir(target)}/${BACKEND}`,
              `${runtimeDir(target)}/${RUNTIME_TARGETS[target].loader}`,
            ].map((file) => `${id}/${file}`)
          )
        : [];
    for (const name of executables) {
      const entry = entries.find((e) => e.name === name);
      if (!entry) {
        problems.push(`${name} is not in the zip`);
      } else if (!entry.unix || entry.mode === null) {
        problems.push(`${name} has no unix mode in the zip (made on a non-unix system)`);
      } else if ((entry.mode & 0o111) !== 0o111) {
        problems.push(`${name} has mode ${(entry.mode & 0o777).toString(8)} in the zip: Grafana could not start it`);
      }
    }
    for (const entry of entries.filter((e) => !e.directory && e.unix)) {
      if ((entry.mode & 0o444) !== 0o444) {
        problems.push(`${entry.name} is not readable by everyone (mode ${(entry.mode & 0o777).toString(8)})`);
      }
    }
  });
}

/** No validator analyzer (it sees the zip only): the zip holds exactly dist's files, same sizes and CRC-32. */
function checkArchiveMatchesDist({ dist, plugin, entries }) {
  const id = plugin.id;
  checkAll('archive: matches dist', 'the zip holds exactly dist/ (names, sizes, CRC-32)', (problems) => {
    const inZip = new Map(
      entries.filter((e) => !e.directory && e.name.startsWith(`${id}/`)).map((e) => [e.name.slice(id.length + 1), e])
    );
    const inDist = walk(dist);
    const missing = inDist.filter((f) => !inZip.has(f));
    const extra = [...inZip.keys()].filter((f) => !inDist.includes(f));
    if (missing.length) {
      problems.push(`not in the zip: ${missing.join(', ')} (re-run npm run package)`);
    }
    if (extra.length) {
      problems.push(`in the zip but not in dist: ${extra.join(', ')}`);
    }
    for (const file of inDist.filter((f) => inZip.has(f))) {
      const entry = inZip.get(file);
      const size = statSync(join(dist, file)).size;
      if (entry.size !== size) {
        problems.push(`${file}: ${entry.size} bytes in the zip, ${size} in dist (re-run npm run package)`);
      } else if (size <= CRC_LIMIT && crc32(readFileSync(join(dist, file))) !== entry.crc) {
        problems.push(`${file} differs between the zip and dist (re-run npm run package)`);
      }
    }
  });
}

/** `checksum`: the .sha1 and .sha256 files next to the zip name it and match it. */
function checkArchiveChecksums({ zip }) {
  checkAll('archive: checksums', `${basename(zip)}.sha1 and .sha256 match`, (problems) => {
    for (const algorithm of ['sha1', 'sha256']) {
      const file = `${zip}.${algorithm}`;
      if (!existsSync(file)) {
        problems.push(`${basename(file)} is missing`);
        continue;
      }
      const [hex, name] = readFileSync(file, 'utf8')
        .trim()
        .split(/\s+\*?/);
      if (name !== undefined && name !== basename(zip)) {
        problems.push(`${basename(file)} names ${name}, not ${basename(zip)}`);
      }
      if (hex !== hashFile(algorithm, zip)) {
        problems.push(`${basename(file)} does not match the zip`);
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------

function main() {
  const { values: args } = parseArgs({
    options: {
      dist: { type: 'string', default: join(ROOT, 'dist') },
      zip: { type: 'string' },
      'no-zip': { type: 'boolean', default: false },
      package: { type: 'string', default: join(ROOT, 'package.json') },
      json: { type: 'boolean', default: false },
    },
  });
  const dist = resolve(args.dist);
  const packageJson = resolve(args.package);
  let zip = null;
  if (!args['no-zip']) {
    if (args.zip) {
      zip = resolve(args.zip);
    } else {
      let id = 'plugin';
      try {
        id = JSON.parse(readFileSync(join(dist, 'plugin.json'), 'utf8')).id;
      } catch {
        // reported by the metadata check
      }
      const version = JSON.parse(readFileSync(packageJson, 'utf8')).version;
      zip = join(ROOT, 'artifacts', `${id}-${version}.zip`);
    }
  }

  validate({ dist, zip, packageJson });

  const failed = results.filter((r) => !r.ok);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(
      `validate-dist: ${relative(process.cwd(), dist) || '.'}${zip ? ` and ${relative(process.cwd(), zip)}` : ''}\n`
    );
    for (const r of results) {
      process.stdout.write(`  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.id}: ${r.message}\n`);
    }
    process.stdout.write(
      `validate-dist: ${results.length} checks, ${results.length - failed.length} passed, ${failed.length} failed\n`
    );
  }
  process.exitCode = failed.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
