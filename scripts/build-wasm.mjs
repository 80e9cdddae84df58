#!/usr/bin/env node
/**
 * Builds the WebAssembly byte scanner (pkg/sources/native/fast-scan.c) into build/wasm/fast-scan.wasm with Debian's
 * clang and lld (`apt-get install clang lld`): no libc, a fixed memory the module owns, bulk-memory instructions for
 * the copies the compiler makes. Without clang it says so and builds nothing: the scanner then reads every line with
 * its TypeScript code (the same rows, several times slower). `npm ci` runs it through build-cli.mjs.
 *
 * Usage: node scripts/build-wasm.mjs [--required]   (--required: fail without clang)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FAST_SCAN_WASM = join(ROOT, 'build', 'wasm', 'fast-scan.wasm');
const SOURCE = join(ROOT, 'pkg', 'sources', 'native', 'fast-scan.c');
/** The module's whole memory, fixed: 2 MiB of lines, the layouts and the stack (a multiple of 64 KiB pages). */
const MEMORY_BYTES = 37 * 65536;

/** Compiles the scanner; false (and a warning) when clang or lld is missing. */
export function buildWasm({ required = false } = {}) {
  mkdirSync(dirname(FAST_SCAN_WASM), { recursive: true });
  const args = [
    '--target=wasm32',
    '-O3',
    '-mbulk-memory',
    '-nostdlib',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-Wl,--no-entry',
    `-Wl,--initial-memory=${MEMORY_BYTES}`,
    `-Wl,--max-memory=${MEMORY_BYTES}`,
    '-o',
    FAST_SCAN_WASM,
    SOURCE,
  ];
  try {
    execFileSync('clang', args, { stdio: ['ignore', 'inherit', 'pipe'] });
    return true;
  } catch (error) {
    const reason = error.code === 'ENOENT' ? 'clang is not installed' : String(error.stderr || error.message).trim();
    if (required) {
      throw new Error(`build-wasm: ${reason}`);
    }
    console.warn(
      `build-wasm: not built (${reason}): the scanner reads lines with its TypeScript code only; ` +
        'apt-get install clang lld, then npm run build:wasm'
    );
    return false;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (buildWasm({ required: process.argv.includes('--required') })) {
    console.log(`built ${FAST_SCAN_WASM.slice(ROOT.length + 1)}`);
  }
}
