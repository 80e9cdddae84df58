/**
 * A projected load (only the columns a question reads: engine/columns-needed.ts) answers every query type exactly as
 * a full load does — read with scan workers, on one thread, and line by line — and holds the same rows, in the same
 * order, with the same skips, on generated logs with extra fields, noise and lines the scanner leaves to JSON.parse.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { AnalysisQuery, TimeRange } from '../model/query';
import { columnsNeeded } from '../engine/columns-needed';
import { StoreSource } from '../engine/store-source';
import { Frame } from '../engine/frames';
import type { Projection } from '../store/projection';
import { Store } from '../store/store';
import { LineParser, SourceConfig } from './parse-line';
import { LogReader, ReadOptions } from './reader';
import { linesWithExtras } from './test-lines';

const WORKERS: ReadOptions = { scanWorkers: 2, parallelFromBytes: 0, chunkBytes: 32 << 10 };
const ONE_THREAD: ReadOptions = { scanWorkers: 0 };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-20T00:00:00Z');

/** Every query type the CLI asks, with group, filter, derived and extra fields. */
const QUERIES: Array<[AnalysisQuery, TimeRange?]> = [
  [{ queryType: 'summary', groupBy: ['model'] }],
  [{ queryType: 'summary', groupBy: ['host'], filters: { region: ['eu-west-1'] }, measures: ['p99_latency_ms'] }],
  [{ queryType: 'summary' }, { from: T0 + HOUR, to: T0 + 3 * HOUR }],
  [{ queryType: 'trend', groupBy: ['model'], window: '1m', aggregation: 'p99' }],
  [{ queryType: 'trend', groupBy: ['host'], window: '5m', aggregation: 'error_rate' }],
  [{ queryType: 'trend', metric: 'tpot_ms', window: '10m', aggregation: 'mean', filters: { model: ['llama-3-8b'] } }],
  [{ queryType: 'trend', metric: 'queue_ms', window: '1h', aggregation: 'p50', seasonality: 'daily' }],
  [{ queryType: 'anomalies', groupBy: ['model'], limit: 100 }],
  [{ queryType: 'anomalies', groupBy: ['gpu_type'], method: 'mad', metric: 'prompt_tokens', limit: 50 }],
  [{ queryType: 'anomalies', window: '1h', seasonality: 'daily', aggregation: 'error_rate' }],
  [{ queryType: 'correlation' }],
  [{ queryType: 'correlation', metrics: ['latency_ms', 'gpu_util'] }],
  [{ queryType: 'correlation', metrics: ['latency_ms', 'queue_ms', 'ttft_ms'], correlation: 'spearman' }],
  [{ queryType: 'compare', baseline: 'bert-large' }],
  [
    { queryType: 'spike', limit: 20 },
    { from: T0 + 2 * HOUR, to: T0 + 3 * HOUR },
  ],
  [{ queryType: 'forecast', window: '10m', groupBy: ['model'], horizon: '30m' }],
  [{ queryType: 'logs', limit: 30, filters: { host: ['gpu-node-3'] } }],
];

/** Generated lines over a day and a half: LLM fields, 10 extra fields (nested, escaped, non-ASCII: some lines take JSON.parse), noise. */
function logText(seed: number, shuffle: boolean, rows = 6000): string {
  const lines = linesWithExtras({
    rows,
    seed,
    noise: 0.05,
    llm: true,
    extraFields: 10,
    shuffle,
    ratePerSecond: rows / 6000 / 20,
  });
  return lines.join('\n') + '\n';
}

async function load(file: string, projection: Projection | null, options: ReadOptions, config: SourceConfig = {}) {
  const reader = new LogReader([file], config, new Store(projection), options);
  await reader.refresh();
  return reader.store;
}

function lineByLine(text: string, projection: Projection | null): Store {
  const store = new Store(projection);
  const parser = new LineParser(store);
  for (const line of text.split('\n')) {
    parser.parse(line);
  }
  return store;
}

async function answers(store: Store, query: AnalysisQuery, range: TimeRange = {}): Promise<Frame[]> {
  return new StoreSource(store).analyse({ refId: 'A', ...query }, range);
}

/** The same rows: count, times, skips, values kept missing, and every column the projected store kept. */
function expectSameRows(projected: Store, full: Store): void {
  expect(projected.length).toBe(full.length);
  expect(projected.skipped).toEqual(full.skipped);
  expect(projected.invalidValues).toEqual(full.invalidValues);
  expect(projected.time.values()).toEqual(full.time.values());
  if (projected.loadsErrors) {
    expect(projected.errors.values()).toEqual(full.errors.values());
  }
  for (const [name, column] of projected.columns) {
    if (name === 'request_id') {
      continue; // read back from the file: compared through the answers that show them
    }
    const want = full.columns.get(name)!;
    expect([name, column.kind]).toEqual([name, want.kind]);
    // The first row that differs, if any (cheaper than comparing whole arrays).
    let row = 0;
    while (row < full.length && Object.is(column.get(row), want.get(row))) {
      row++;
    }
    expect([name, row, row < full.length ? column.get(row) : null]).toEqual([name, full.length, null]);
  }
}

jest.setTimeout(120_000);

describe('a projected load', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'projection-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['with scan workers', WORKERS, false],
    ['on one thread, keys shuffled', ONE_THREAD, true],
  ])('answers every query type as a full load does, %s', async (_, options, shuffle) => {
    const file = join(dir, `inference-${shuffle}.log`);
    writeFileSync(file, logText(shuffle ? 5 : 4, shuffle));
    const full = await load(file, null, options);
    expect(full.length).toBeGreaterThan(5000);
    expect(Object.keys(full.skipped).length).toBeGreaterThan(0);
    for (const [query, range] of QUERIES) {
      const projection = columnsNeeded(query);
      const projected = await load(file, projection, options);
      expectSameRows(projected, full);
      const got = await answers(projected, query, range);
      expect([query, got]).toEqual([query, await answers(full, query, range)]);
      expect(got.length).toBeGreaterThan(0);
    }
  });

  it('answers as a full load when read line by line (request ids kept in memory)', async () => {
    const text = logText(6, false, 1500); // line by line is slow: fewer
    const full = lineByLine(text, null);
    for (const [query, range] of QUERIES) {
      const projected = lineByLine(text, columnsNeeded(query));
      expectSameRows(projected, full);
      expect([query, await answers(projected, query, range)]).toEqual([query, await answers(full, query, range)]);
    }
  });

  it('keeps the rows of a full load when a field map renames the standard fields', async () => {
    const file = join(dir, 'renamed.log');
    writeFileSync(
      file,
      logText(7, false)
        .replace(/"latency_ms"/g, '"duration"')
        .replace(/"model"/g, '"engine"')
    );
    const config = { fieldMap: { latency_ms: 'duration', model: 'engine' } };
    const full = await load(file, null, WORKERS, config);
    const query: AnalysisQuery = { queryType: 'anomalies', groupBy: ['model'], limit: 40 };
    const projected = await load(file, columnsNeeded(query), WORKERS, config);
    expectSameRows(projected, full);
    expect(await answers(projected, query)).toEqual(await answers(full, query));
  });

  it('leaves out the columns the question does not read', async () => {
    const file = join(dir, 'left-out.log');
    writeFileSync(file, logText(8, false));
    const store = await load(file, columnsNeeded({ queryType: 'trend', groupBy: ['model'] }), WORKERS);
    expect([...store.columns.keys()].sort()).toEqual(['latency_ms', 'model']);
    expect(store.loadsErrors).toBe(false);
    expect(() => store.columns.get('host')).toThrow('the column "host" was not loaded');
    expect(() => store.errors).toThrow('the column "error flag" was not loaded');
  });
});
