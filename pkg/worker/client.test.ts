import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { Writable } from 'stream';
import { writeCsvExport } from '../format/csv';
import { QueryInterrupted } from '../engine/interrupt';
import { writeLogs } from '../generator/write';
import { SourceError } from '../sources/files';
import { loadLogs } from '../sources/load';
import { DataWorker } from './client';
import { startSpareWorker, takeSpare } from './spare';
import type { WorkerStatus } from './protocol';

let dir: string;
let worker: DataWorker;
const ROWS = 60_000;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'data-worker-'));
  await writeLogs(dir, { rows: ROWS, seed: 11 });
  worker = new DataWorker({ paths: [dir], sourceConfig: {}, follow: false, cacheDirs: [], readTimeoutMs: 30_000 });
  await worker.request({ op: 'read' });
}, 60_000);

afterAll(async () => {
  await worker.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A Spearman matrix of 32 metrics: 528 rankings of every row, far longer than any test waits. */
const SLOW = {
  op: 'analyse' as const,
  query: {
    refId: 'S',
    queryType: 'correlation' as const,
    correlation: 'spearman' as const,
    metrics: Array.from({ length: 32 }, (_, i) => ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'][i % 4]),
  },
  range: {},
};

/** The CSV the engine writes in this thread over the same logs. */
async function csvInProcess(limit: number): Promise<string> {
  const store = await loadLogs([dir]);
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  await writeCsvExport(store, {}, {}, sink, limit);
  return text;
}

describe('DataWorker', () => {
  it('posts the logs described after its first read, and answers lookups', async () => {
    expect(worker.latest?.description.requests).toBe(ROWS);
    expect(worker.latest?.description.files).toBe(1);
    // The thread, bundled from the sources here, was handed the byte scanner's WebAssembly module.
    expect(worker.latest?.scanWorkers.layoutScanner).toBe('WebAssembly');
    expect(await worker.request<string[]>({ op: 'models' })).toEqual(worker.latest?.description.models);
  });

  it('stops a running query at its deadline and is ready for the next one', async () => {
    const started = Date.now();
    const error = await worker.request(SLOW, { deadline: started + 300, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryInterrupted);
    expect((error as Error).message).toBe(
      'the query took longer than 300 ms; narrow the time range or group by fewer fields'
    );
    expect(Date.now() - started).toBeLessThan(300 + 1500);
    expect(worker.busy()).toBeNull();
    const frames = await worker.request<Array<{ fields: unknown[] }>>({
      op: 'analyse',
      query: { queryType: 'summary' },
      range: {},
    });
    expect(frames).toHaveLength(1);
  });

  it('drops a queued request whose caller went away, and stops the running one', async () => {
    const running = new AbortController();
    const queued = new AbortController();
    const first = worker.request(SLOW, { signal: running.signal }).catch((e: unknown) => e);
    const second = worker.request(SLOW, { signal: queued.signal }).catch((e: unknown) => e);
    queued.abort();
    expect(await second).toMatchObject({ reason: 'cancelled' });
    expect(worker.busy()?.doing).toBe('correlation query S');
    const stopped = Date.now();
    running.abort();
    expect(await first).toMatchObject({ reason: 'cancelled' });
    expect(Date.now() - stopped).toBeLessThan(1500);
  });

  it('answers a description within the wait while busy, from the last one posted', async () => {
    const running = new AbortController();
    const slow = worker.request(SLOW, { signal: running.signal }).catch(() => undefined);
    const started = Date.now();
    const { status, busy } = await worker.describe(50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(status?.description.requests).toBe(ROWS);
    expect(busy?.doing).toBe('correlation query S');
    running.abort();
    await slow;
  });

  it('streams the export chunk by chunk, waiting for each to be written', async () => {
    const chunks: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const exported = worker.request<number>(
      { op: 'export', range: {}, filters: {}, limit: 20_000 },
      {
        onChunk: async (text) => {
          chunks.push(text);
          if (chunks.length === 1) {
            await held; // the first chunk is not written yet: the worker must wait
          }
        },
      }
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(chunks).toHaveLength(1);
    release();
    expect(await exported).toBe(20_000);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.join('')).toBe(await csvInProcess(20_000));
  });

  it('says what is wrong with the paths as the error the doors classify', async () => {
    const missing = new DataWorker({
      paths: [path.join(dir, 'nope')],
      sourceConfig: {},
      follow: false,
      cacheDirs: [],
      readTimeoutMs: 30_000,
    });
    try {
      const error = await missing.request({ op: 'read' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceError);
      expect((error as Error).message).toMatch(/no such file or directory/);
    } finally {
      await missing.close();
    }
  });

  it('takes the spare thread started ahead of need, and starts its own when there is none', async () => {
    startSpareWorker();
    const config = { paths: [dir], sourceConfig: {}, follow: false, cacheDirs: [], readTimeoutMs: 30_000 };
    const first = new DataWorker(config);
    const second = new DataWorker(config);
    try {
      const asked = first.request<WorkerStatus>({ op: 'describe' });
      expect(takeSpare()).toBeNull(); // taken by the first
      const statuses = await Promise.all([asked, second.request<WorkerStatus>({ op: 'describe' })]);
      expect(statuses.map((status) => status.description.requests)).toEqual([ROWS, ROWS]);
      const frames = await first.request<Array<{ fields: unknown[] }>>({
        op: 'analyse',
        query: { refId: 'A', queryType: 'summary', groupBy: ['model'] },
        range: {},
      });
      expect(frames[0].fields.length).toBeGreaterThan(0);
      // The interruption flag reached the spare with its config: a deadline still stops a running query.
      const stopped = await first
        .request(SLOW, { deadline: Date.now() + 300, timeoutMs: 300 })
        .catch((e: unknown) => e);
      expect(stopped).toBeInstanceOf(QueryInterrupted);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
