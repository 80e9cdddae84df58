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

/** A plugin resolving modules whose path ends in `/${source}` to the module `contents` (JavaScript). */
function embedding(name, source, contents) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter: new RegExp(`[\\\\/]${source}$`) }, (a) => ({ path: a.path, namespace: name }));
      b.onLoad({ filter: /.*/, namespace: name }, () => ({ contents, loader: 'js' }));
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
  return embedding(
    'embedded-scan-worker',
    'scan-worker-source',
    `export function scanWorkerSource() { return ${JSON.stringify(code)}; }`
  );
}

/**
 * `options.assets`, when given (the backend executable), receives the source as a single-executable asset
 * ('data-worker'), and its V8 code cache ('data-worker-cache') when `options.codeCache(source)` makes one for the
 * runtime that will run it ({ arch, data }, see pkg/worker/spare.ts); the module reads them with node:sea's getAsset.
 * Not a string literal there: V8 parsing a 1.5 MB literal delayed the backend's handshake more than reading an asset.
 * Otherwise (the CLI) the source is a string literal, without a cache.
 */
export async function embeddedDataWorker(esbuild, target, options = {}) {
  const code = await workerScript(esbuild, target, 'pkg/worker/data-worker.ts', {
    // External packages (the CLI) load through the `require` the door hands the script, resolving from the bundle's
    // folder: import() in an evaluated script would resolve them from the working directory instead.
    ...(options.external
      ? { packages: 'external', supported: { 'dynamic-import': false } }
      : { nodePaths: [join(ROOT, 'node_modules')] }),
    plugins: [...(options.plugins ?? []), await embeddedScanWorker(esbuild, target)],
  });
  // As pkg/worker/worker-source.ts gives it: a function expression of `require`.
  const source = `(function (require) {\n${code}\n})`;
  if (!options.assets) {
    return embedding(
      'embedded-data-worker',
      'worker-source',
      `export function dataWorkerSource() { return ${JSON.stringify(source)}; }\n` +
        'export function dataWorkerCache() { return undefined; }'
    );
  }
  const cache = options.codeCache ? await options.codeCache(source) : undefined;
  options.assets['data-worker'] = Buffer.from(source);
  if (cache) {
    options.assets['data-worker-cache'] = cache.data;
  }
  return embedding(
    'embedded-data-worker',
    'worker-source',
    "import { getAsset } from 'node:sea';\n" +
      "export function dataWorkerSource() { return getAsset('data-worker'); }\n" +
      `export function dataWorkerCache() { return ${
        cache ? `{ arch: ${JSON.stringify(cache.arch)}, data: getAsset('data-worker-cache') }` : 'undefined'
      }; }`
  );
}
