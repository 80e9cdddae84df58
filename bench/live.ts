/**
 * Child process: how long an appended line takes to be visible to queries while a writer appends 50,000 lines a
 * second to a followed log (LiveLogs: file events plus a periodic check).
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { analyse } from '../pkg/engine/run';
import { LiveLogs } from '../pkg/sources/live';
import { LiveReport, median, report } from './common';

const RATE = 50_000;
const SECONDS = 6;
const TICK_MS = 10;

function line(i: number, nowMs: number): string {
  const iso = new Date(nowMs).toISOString().slice(0, 23);
  const model = ['llama-3-8b', 'mistral-7b', 'gpt-j-6b', 'bert-large'][i % 4];
  return `{"timestamp": "${iso}123", "request_id": "live-${i}", "model": "${model}", "latency_ms": ${(i % 997) + 0.5}, "batch_size": 8, "status": "success", "gpu_util": 55.5, "memory_used_gb": 12.25}\n`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-live-'));
  const file = join(dir, 'live.log');
  writeFileSync(file, '');
  const live = new LiveLogs([file]);
  await live.start();
  const perTick = (RATE * TICK_MS) / 1000;
  /** Write time of each batch, and the row count after it. */
  const batches: Array<{ at: number; rowsAfter: number }> = [];
  const delays: number[] = [];
  let written = 0;
  let seen = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      // Writer: keeps to RATE lines per second overall.
      const due = Math.min(RATE * SECONDS, Math.floor(((now - started) / 1000) * RATE));
      if (written < due) {
        let text = '';
        const wall = Date.now();
        for (let i = written; i < due; i++) {
          text += line(i, wall);
        }
        appendFileSync(file, text);
        written = due;
        batches.push({ at: performance.now(), rowsAfter: written });
      }
      // Reader: a query sees the row when the store has it; each batch's delay is measured once.
      const visible = live.store.length;
      while (seen < batches.length && batches[seen].rowsAfter <= visible) {
        delays.push(performance.now() - batches[seen].at);
        seen++;
      }
      if (seen === batches.length && written >= RATE * SECONDS) {
        resolve();
        return;
      }
      if (performance.now() - started > (SECONDS + 10) * 1000) {
        resolve();
        return;
      }
      setTimeout(tick, Math.min(TICK_MS, perTick));
    };
    tick();
  });
  // The rate the writer kept: lines over the time from the start to the last write.
  const elapsed = ((batches.length ? batches[batches.length - 1].at : performance.now()) - started) / 1000;
  // One real query over what arrived, to be sure the rows answer queries.
  const frames = analyse(live.store, { queryType: 'summary', groupBy: ['model'] }, { range: {} });
  const counted = (frames[0].fields.find((f) => f.name === 'requests')?.values as ArrayLike<number>) ?? [];
  const total = Array.from(counted).reduce((a, b) => a + b, 0);
  await live.stop();
  rmSync(dir, { recursive: true, force: true });
  if (total !== written) {
    throw new Error(`live: the summary counts ${total} requests, ${written} were written`);
  }
  const sorted = [...delays].sort((a, b) => a - b);
  const result: LiveReport = {
    linesPerSecond: written / elapsed,
    lines: written,
    p50Ms: median(delays),
    p99Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))],
    maxMs: sorted[sorted.length - 1],
  };
  process.stderr.write(
    `live: ${written} lines, visible after p50 ${result.p50Ms.toFixed(0)} ms, max ${result.maxMs.toFixed(0)} ms\n`
  );
  report(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
