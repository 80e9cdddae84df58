/** Child process: what the hardware allows on the benchmark file — reading it, splitting it into lines, readline + JSON.parse. */
import { closeSync, createReadStream, openSync, readSync } from 'fs';
import { createInterface } from 'readline';
import { CeilingReport, inputOf, report } from './common';

const CHUNK = 4 << 20;

/** Reads the whole file through one reused buffer; `each` sees every chunk. */
function readAll(file: string, each: (chunk: Buffer, length: number) => void): void {
  const fd = openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK);
  try {
    let position = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, position);
      if (n === 0) {
        break;
      }
      each(buffer, n);
      position += n;
    }
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const input = inputOf(process.argv);
  // Warm the page cache, as the engines' loads find it (they read the same file just before or after).
  readAll(input.file, () => undefined);

  let start = performance.now();
  readAll(input.file, () => undefined);
  const readMs = performance.now() - start;

  let lines = 0;
  start = performance.now();
  readAll(input.file, (chunk, length) => {
    let at = chunk.indexOf(10, 0);
    while (at >= 0 && at < length) {
      lines++;
      at = chunk.indexOf(10, at + 1);
    }
  });
  const splitMs = performance.now() - start;

  start = performance.now();
  let parsed = 0;
  const rl = createInterface({ input: createReadStream(input.file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of rl) {
    try {
      JSON.parse(line);
      parsed++;
    } catch {
      // json.dumps writes NaN, which JSON.parse rejects: that line is still read
    }
  }
  const readlineJsonMs = performance.now() - start;
  process.stderr.write(
    `ceilings: read ${readMs.toFixed(0)} ms, split ${splitMs.toFixed(0)} ms, readline+JSON.parse ${readlineJsonMs.toFixed(0)} ms (${parsed} parsed)\n`
  );
  const result: CeilingReport = { readMs, splitMs, readlineJsonMs, lines };
  report(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
