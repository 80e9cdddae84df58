#!/usr/bin/env node
/**
 * Builds the CLI into build/cli/inference-logs.js: one CommonJS file of the project's own code (esbuild), with the
 * npm packages left to node_modules and the scan workers' and data worker's scripts embedded, so the command runs built JavaScript
 * (no transpiling at start) and reads with its worker threads. `npm ci` runs it (the `prepare` script); run it
 * again after changing pkg/ (`npm run build:cli`). Heavy packages (vega, fastify, fast-glob) are imported by the
 * code only where a command needs them, so `--help` loads none of them. Next to the bundle goes V8's code cache of it
 * (inference-logs.js.cache), which bin/inference-logs.js hands to V8: what a command compiles at start, compiled here.
 *
 * Usage: node scripts/build-cli.mjs [--out FILE]
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { embeddedDataWorker, embeddedScanWorker } from './embedded-worker.mjs';
import { embeddedProto } from './embedded-proto.mjs';
import { embeddedWasm } from './embedded-wasm.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
export const CLI_BUNDLE = join(ROOT, 'build', 'cli', 'inference-logs.js');
const outfile = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : CLI_BUNDLE;
const TARGET = 'node20';

await esbuild.build({
  entryPoints: [join(ROOT, 'pkg', 'cli', 'main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: TARGET,
  outfile,
  // node_modules stay where npm put them: a smaller file to parse at start, and their own lazy loading intact.
  packages: 'external',
  // import() of a package (vega, fast-glob) as a require() in a promise: bin/inference-logs.js compiles the bundle
  // with vm.Script, whose import() would need an experimental loader option that V8's code cache does not keep.
  supported: { 'dynamic-import': false },
  sourcemap: 'linked',
  plugins: [
    // The WebAssembly byte scanner (pkg/sources/native/), built with clang first.
    embeddedWasm(),
    await embeddedScanWorker(esbuild, TARGET),
    await embeddedDataWorker(esbuild, TARGET, { external: true, plugins: [embeddedWasm()] }),
    embeddedProto(),
  ],
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
// The cache of the functions `--help` compiles (building the whole program), written by the launcher after a run.
// An old cache goes first: the launcher would ignore it (its checksum covers the bundle), but it is dead weight.
rmSync(`${outfile}.cache`, { force: true });
execFileSync(process.execPath, [join(ROOT, 'bin', 'inference-logs.js'), '--help'], {
  env: { ...process.env, INFERENCE_LOGS_WRITE_CODE_CACHE: outfile },
  stdio: ['ignore', 'ignore', 'inherit'],
});
console.log(`built ${outfile.slice(ROOT.length + 1)}`);
