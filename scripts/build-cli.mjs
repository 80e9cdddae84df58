#!/usr/bin/env node
/**
 * Builds the CLI into build/cli/inference-logs.js: one CommonJS file of the project's own code (esbuild), with the
 * npm packages left to node_modules and the scan workers' and data worker's scripts embedded, so the command runs built JavaScript
 * (no transpiling at start) and reads with its worker threads. `npm ci` runs it (the `prepare` script); run it
 * again after changing pkg/ (`npm run build:cli`). Heavy packages (vega, fastify, fast-glob) are imported by the
 * code only where a command needs them, so `--help` loads none of them.
 *
 * Usage: node scripts/build-cli.mjs [--out FILE]
 */
import { chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { embeddedDataWorker, embeddedScanWorker } from './embedded-worker.mjs';
import { embeddedProto } from './embedded-proto.mjs';

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
  sourcemap: 'linked',
  plugins: [
    await embeddedScanWorker(esbuild, TARGET),
    await embeddedDataWorker(esbuild, TARGET, { external: true }),
    embeddedProto(),
  ],
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`built ${outfile.slice(ROOT.length + 1)}`);
