import { buildSync } from 'esbuild';
import { join } from 'path';

let source: string | undefined;

/**
 * The data worker's code, one CommonJS script for `new Worker(code, { eval: true })`: bundled here from
 * data-worker.ts on first use, npm packages left to node_modules (the door gives the script a `require` that finds
 * them). Built JavaScript (the CLI bundle, the backend executable) cannot bundle at run time: their builds replace
 * this module by one returning the script bundled at build time (scripts/embedded-worker.mjs).
 */
export function dataWorkerSource(): string {
  source ??= buildSync({
    entryPoints: [join(__dirname, 'data-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    // The scan workers' code is bundled at run time too (scan-worker-source.ts), from its own folder: inside this
    // bundle __dirname would be the worker's, so it is fixed to that folder (the only module here that reads it).
    define: { __dirname: JSON.stringify(join(__dirname, '..', 'sources')) },
    write: false,
    logLevel: 'silent',
  }).outputFiles[0].text;
  return source;
}
