#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node
// (The tunable: transparent huge pages for the large arrays malloc maps — the store, read buffers — one page fault per
// 2 MiB instead of 512 where the kernel gives them on request, THP "madvise"; glibc >= 2.35 reads it, others ignore it.)
// The CLI as built JavaScript (build/cli, made by `npm ci` through the prepare script, or `npm run build:cli`).
//
// The bundle is compiled here instead of by require(), to hand V8 the code cache scripts/build-cli.mjs writes next
// to it (inference-logs.js.cache): the functions every command runs at start come compiled, not compiled again on
// each run. A cache that is missing, damaged, made for another build or rejected by V8 (another Node version, other
// V8 flags) only means compiling as require() does; the bundle runs the same either way.
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');
const { crc32 } = require('zlib');

// Set by scripts/build-cli.mjs: run this bundle without a cache, then write its cache.
const writeCacheOf = process.env.INFERENCE_LOGS_WRITE_CODE_CACHE;
const bundle = writeCacheOf || path.join(__dirname, '..', 'build', 'cli', 'inference-logs.js');
const cacheFile = `${bundle}.cache`;

let code;
try {
  code = fs.readFileSync(bundle);
} catch (error) {
  if (error.code !== 'ENOENT') {
    throw error;
  }
  process.stderr.write(
    'inference-logs: error: the CLI is not built: run `npm ci` (it builds it) or `npm run build:cli`\n'
  );
  process.exit(1);
}

/** The cache file's V8 data, if its checksum (of the bundle, then the data) holds: V8 checks little itself. */
function readCache(bundleSum) {
  try {
    const file = fs.readFileSync(cacheFile);
    const data = file.subarray(4);
    return file.length > 4 && file.readUInt32LE(0) === crc32(data, bundleSum) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** The bundle compiled with the cache, then run as Node's loader runs a file: the same module, require, exports. */
function load() {
  const bundleSum = crc32(code);
  const cachedData = writeCacheOf ? undefined : readCache(bundleSum);
  // The shebang becomes a comment of the same length (in the bytes: no copy of the text). Node's CommonJS wrapper
  // goes on a line of its own (lineOffset -1), so that stack traces give the bundle's own lines and columns. The
  // bundle has no import() (scripts/build-cli.mjs makes them require()), which a vm.Script could not run.
  if (code[0] === 0x23 && code[1] === 0x21) {
    code.write('//');
  }
  const source = code.toString('utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename: bundle,
    lineOffset: -1,
    cachedData,
  });
  if (process.env.INFERENCE_LOGS_VERBOSE) {
    const state = !cachedData ? 'none' : script.cachedDataRejected ? 'rejected by V8' : 'used';
    process.stderr.write(`code cache: ${state}\n`);
  }
  const dir = path.dirname(bundle);
  const cliModule = new Module(bundle, module);
  cliModule.filename = bundle;
  cliModule.paths = Module._nodeModulePaths(dir);
  Module._cache[bundle] = cliModule;
  script
    .runInThisContext()
    .call(cliModule.exports, cliModule.exports, Module.createRequire(bundle), cliModule, bundle, dir);
  cliModule.loaded = true;
  return { cli: cliModule.exports, script, bundleSum };
}

// Node 20 maps stack traces through source maps (--enable-source-maps) only for the files its loader loads.
const { cli, script, bundleSum } = process.sourceMapsEnabled && !writeCacheOf ? { cli: require(bundle) } : load();
cli.main(process.argv.slice(2)).then((status) => {
  if (writeCacheOf) {
    // After the run: the cache holds the functions compiled so far, those every command starts with.
    const data = script.createCachedData();
    const header = Buffer.alloc(4);
    header.writeUInt32LE(crc32(data, bundleSum));
    fs.writeFileSync(cacheFile, Buffer.concat([header, data]));
  }
  cli.finish(status);
});
