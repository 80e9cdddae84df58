/**
 * An esbuild plugin for bundles that run without esbuild (the backend executable, the benchmark's engine): the scan
 * workers' script (pkg/sources/scan-worker.ts) is bundled at build time and embedded, in place of
 * pkg/sources/scan-worker-source.ts, which bundles it at run time in development.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function embeddedScanWorker(esbuild, target) {
  const worker = await esbuild.build({
    entryPoints: [join(ROOT, 'pkg', 'sources', 'scan-worker.ts')],
    bundle: true,
    platform: 'node',
    target,
    format: 'cjs',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const code = worker.outputFiles[0].text;
  return {
    name: 'embedded-scan-worker',
    setup(b) {
      b.onResolve({ filter: /[\\/]scan-worker-source$/ }, (a) => ({ path: a.path, namespace: 'embedded-scan-worker' }));
      b.onLoad({ filter: /.*/, namespace: 'embedded-scan-worker' }, () => ({
        contents: `export function scanWorkerSource() { return ${JSON.stringify(code)}; }`,
        loader: 'js',
      }));
    },
  };
}
