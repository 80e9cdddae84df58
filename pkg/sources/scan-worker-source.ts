import { buildSync } from 'esbuild';
import { join } from 'path';

let source: string | undefined;

/**
 * The scan worker's code, one self-contained CommonJS script for `new Worker(code, { eval: true })`: bundled
 * here from scan-worker.ts on first use (esbuild comes with tsx, which runs the CLI). The backend executable
 * cannot bundle at run time: its build replaces this module by one that returns the script bundled at build time.
 */
export function scanWorkerSource(): string {
  source ??= buildSync({
    entryPoints: [join(__dirname, 'scan-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0].text;
  return source;
}
