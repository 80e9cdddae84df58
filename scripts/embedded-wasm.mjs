/**
 * An esbuild plugin for the bundles (the CLI, the backend executable, the data worker's script): the WebAssembly
 * scanner's bytes go inside the bundle in place of pkg/sources/fast-scan-wasm-binary.ts, which reads them from
 * build/wasm when run from the sources. Built first (scripts/build-wasm.mjs); without clang the bundle holds none
 * and the scanner uses its TypeScript code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { buildWasm, FAST_SCAN_WASM } from './build-wasm.mjs';

export function embeddedWasm() {
  const built = buildWasm() && existsSync(FAST_SCAN_WASM);
  const bytes = built ? readFileSync(FAST_SCAN_WASM).toString('base64') : null;
  return {
    name: 'embedded-wasm',
    setup(b) {
      b.onResolve({ filter: /[\\/]fast-scan-wasm-binary$/ }, (a) => ({ path: a.path, namespace: 'embedded-wasm' }));
      b.onLoad({ filter: /.*/, namespace: 'embedded-wasm' }, () => ({
        contents:
          `export const FAST_SCAN_WASM_PATH = '(embedded)';\n` +
          `export function fastScanWasmBytes() { return ${bytes ? `Buffer.from(${JSON.stringify(bytes)}, 'base64')` : 'null'}; }`,
        loader: 'js',
      }));
    },
  };
}
