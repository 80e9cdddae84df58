import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { performance } from 'perf_hooks';
import { Writable } from 'stream';
import { writeCsvExport } from '../format/csv';
import { writeLogs } from '../generator/write';
import { loadLogs } from '../sources/load';
import { RunningProxy, startProxy } from './server';

/** serve reads and queries the logs in a worker thread: a long query blocks neither health nor anyone else. */

let dir: string;
let proxy: RunningProxy;
const ROWS = 100_000;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-worker-'));
  await writeLogs(dir, { rows: ROWS, seed: 5 });
  proxy = await startProxy({ paths: [dir], port: 0, log: () => undefined });
}, 60_000);

afterAll(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A Spearman matrix of 32 metrics: 528 rankings of every row, tens of seconds of work. */
const SLOW_QUERY = JSON.stringify({
  queries: [
    {
      refId: 'A',
      queryType: 'correlation',
      correlation: 'spearman',
      metrics: Array.from({ length: 32 }, (_, i) => ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'][i % 4]),
    },
  ],
});

function post(base: string, body: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
}

async function waitFor(check: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) {
      throw new Error(`not within ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];

describe('serve with the logs in a worker thread', () => {
  it('answers health in well under 100 ms while a long query runs, and a client going away cancels it', async () => {
    const client = new AbortController();
    const slow = post(proxy.url, SLOW_QUERY, client.signal).catch((error: unknown) => error);
    await waitFor(() => proxy.worker!.busy()?.doing === 'correlation query A', 10_000);

    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      const response = await fetch(`${proxy.url}/api/health`);
      const body = (await response.json()) as { requests: number; busy?: { doing: string; forMs: number } };
      times.push(performance.now() - started);
      expect(response.status).toBe(200);
      expect(body.requests).toBe(ROWS);
      expect(body.busy?.doing).toBe('correlation query A');
    }
    expect(median(times)).toBeLessThan(100);
    expect(proxy.worker!.busy()?.doing).toBe('correlation query A'); // still running

    client.abort();
    await slow;
    expect(await waitFor(() => proxy.worker!.busy() === null, 5000)).toBeLessThan(2000);
    // Idle again: health describes the logs afresh, and says nothing of being busy.
    const health = (await (await fetch(`${proxy.url}/api/health`)).json()) as { busy?: unknown; requests: number };
    expect(health.requests).toBe(ROWS);
    expect(health.busy === undefined || (health.busy as { doing: string }).doing === 'describe').toBe(true);
  }, 60_000);

  it('stops a query past the timeout, answers with the timeout error soon after, and runs the next', async () => {
    const strict = await startProxy({ paths: [dir], port: 0, limits: { timeoutMs: 800 }, log: () => undefined });
    try {
      const started = Date.now();
      const response = await post(strict.url, SLOW_QUERY);
      const took = Date.now() - started;
      // Each query of a POST /api/query is answered on its own: this one with the timeout error.
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        results: {
          A: {
            status: 503,
            error: 'the query took longer than 800 ms; narrow the time range or group by fewer fields',
          },
        },
      });
      expect(took).toBeLessThan(800 + 2000);
      expect(await waitFor(() => strict.worker!.busy() === null, 5000)).toBeLessThan(2000);
      const next = await post(strict.url, JSON.stringify({ queries: [{ refId: 'B', queryType: 'summary' }] }));
      expect(next.status).toBe(200);
      const body = (await next.json()) as { results: { B: { frames: unknown[] } } };
      expect(body.results.B.frames).toHaveLength(1);
    } finally {
      await strict.close();
    }
  }, 60_000);

  it('streams the export byte for byte as the engine writes it', async () => {
    const response = await fetch(`${proxy.url}/api/export.csv?model=llama-3-8b`);
    expect(response.status).toBe(200);
    const served = Buffer.from(await response.arrayBuffer());
    const store = await loadLogs([dir]);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    });
    const rows = await writeCsvExport(store, {}, { model: ['llama-3-8b'] }, sink);
    expect(rows).toBeGreaterThan(1000);
    expect(served.equals(Buffer.concat(chunks))).toBe(true);
  }, 60_000);
});
