import { buildSync } from 'esbuild';
import { join } from 'path';

let source: string | undefined;

/**
 * The data worker's code as a function expression of `require`, `(function (require) { ... })`, which the thread
 * compiles and calls (spare.ts): bundled here from data-worker.ts on first use, npm packages left to node_modules
 * (the caller passes a `require` that finds them). Built JavaScript (the CLI bundle, the backend executable) cannot
 * bundle at run time: their builds replace this module by one returning the script bundled at build time
 * (scripts/embedded-worker.mjs); the backend's gives it as UTF-8 bytes read from the executable, with a V8 code cache.
 */
export function dataWorkerSource(): string | ArrayBuffer {
  source ??= `(function (require) {\n${
    buildSync({
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
    }).outputFiles[0].text
  }\n})`;
  return source;
}

/** A V8 code cache of dataWorkerSource() and the architecture it was made for: none here, only in the backend. */
export function dataWorkerCache(): { arch: string; data: ArrayBuffer } | undefined {
  return undefined;
}
