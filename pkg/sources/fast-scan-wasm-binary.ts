import { readFileSync } from 'fs';
import { join } from 'path';

/** Where scripts/build-wasm.mjs writes the module. */
export const FAST_SCAN_WASM_PATH = join(__dirname, '..', '..', 'build', 'wasm', 'fast-scan.wasm');

/**
 * The WebAssembly scanner's bytes, or null when it was not built. Run from the sources (tests, tsx), it is read from
 * build/wasm; the built CLI and backend replace this module by one that holds the bytes (scripts/embedded-wasm.mjs).
 */
export function fastScanWasmBytes(): Uint8Array<ArrayBuffer> | null {
  try {
    return new Uint8Array(readFileSync(FAST_SCAN_WASM_PATH));
  } catch {
    return null;
  }
}
