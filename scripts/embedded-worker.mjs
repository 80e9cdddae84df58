/**
 * esbuild plugins for bundles that run without esbuild (the CLI bundle, the backend executable): a worker thread's
 * script is bundled at build time and embedded, in place of the small module that bundles it at run time in
 * development. Two workers are embedded so:
 *
 * - the scan workers (pkg/sources/scan-worker.ts, in place of pkg/sources/scan-worker-source.ts), which read pieces
 *   of log files into column batches;
 * - the data worker (pkg/worker/data-worker.ts, in place of pkg/worker/worker-source.ts), the thread `serve` and the
 *   backend's local data sources read and query the logs in; its own scan workers are embedded in it.
 *
 * `options.external` (data worker): leave npm packages to node_modules (the CLI: the door hands the script a
 * `require` resolving from the bundle's folder); otherwise everything is inside (the backend). `options.plugins`: the
 * bundle's other plugins (the backend's replacements of optional modules), applied to the worker's script too.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A plugin resolving modules whose path ends in `/${source}` to `export function ${exportName}()` giving `code`. */
function embedding(name, source, exportName, code) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter: new RegExp(`[\\\\/]${source}$`) }, (a) => ({ path: a.path, namespace: name }));
      b.onLoad({ filter: /.*/, namespace: name }, () => ({
        contents: `export function ${exportName}() { return ${JSON.stringify(code)}; }`,
        loader: 'js',
      }));
    },
  };
}

/** The script of `entry` (relative to the repository), one minified CommonJS file. */
async function workerScript(esbuild, target, entry, extra = {}) {
  const built = await esbuild.build({
    entryPoints: [join(ROOT, ...entry.split('/'))],
    bundle: true,
    platform: 'node',
    target,
    format: 'cjs',
    minify: true,
    write: false,
    logLevel: 'silent',
    ...extra,
  });
  return built.outputFiles[0].text;
}

export async function embeddedScanWorker(esbuild, target) {
  const code = await workerScript(esbuild, target, 'pkg/sources/scan-worker.ts');
  return embedding('embedded-scan-worker', 'scan-worker-source', 'scanWorkerSource', code);
}

export async function embeddedDataWorker(esbuild, target, options = {}) {
  const code = await workerScript(esbuild, target, 'pkg/worker/data-worker.ts', {
    ...(options.external ? { packages: 'external' } : { nodePaths: [join(ROOT, 'node_modules')] }),
    plugins: [...(options.plugins ?? []), await embeddedScanWorker(esbuild, target)],
  });
  return embedding('embedded-data-worker', 'worker-source', 'dataWorkerSource', code);
}
