/**
 * The CSV export from ClickHouse is byte for byte the export from the files, on the same logs shipped into a private
 * ClickHouse server (Debian's clickhouse-server; without it these tests fail, they are not skipped): extra fields
 * (text, numbers, a field holding both), missing values, text that CSV must quote, equal timestamps, ranges,
 * filters and limits.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';
import { Writable } from 'stream';
import { CsvOptions, writeCsvExport } from '../format/csv';
import { generateLines } from '../generator/generate';
import type { Filters, TimeRange } from '../model/query';
import { LogReader } from '../sources/reader';
import { Store } from '../store/store';
import { ClickHouseServer, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { ClickHouseClient } from './client';
import { writeClickHouseCsv } from './export';
import { createStatements } from './schema';
import { Shipper } from './ship';
import { ClickHouseSource } from './source';

jest.setTimeout(120_000);

const HOST = 'gpu-test-1';
const START = Date.parse('2026-11-20T00:00:00Z');
const REF = { database: 'default', table: 'export_logs' };

let server: ClickHouseServer;
let dir: string;
let store: Store;
let source: ClickHouseSource;

/**
 * Generated lines with extra fields, each line's host the shipper's label (ClickHouse's host column is the label),
 * then lines with missing values, quoting, equal times, a numeric extra field and one that later holds text.
 */
function logLines(): string[] {
  const lines = [...generateLines({ rows: 2500, seed: 21, extras: true, noise: 0.01, start: START })].map((line) =>
    line.replace(/"host": "[^"]*"/, `"host": "${HOST}"`)
  );
  const t = (s: number) => new Date(START + 86_400_000 + s * 1000).toISOString().replace('Z', '');
  const more = [
    `{"timestamp": "${t(0)}", "model": "edge-model", "latency_ms": 12.5, "host": "${HOST}", "tokens": 7}`,
    `{"timestamp": "${t(0)}", "model": "edge-model", "latency_ms": 13, "gpu_util": null, "host": "${HOST}", "tokens": 8}`,
    `{"timestamp": "${t(1)}", "model": "edge-model", "latency_ms": 0.1, "status": "error", "host": "${HOST}", "note": "a, \\"quoted\\"\\nline", "shard": 3}`,
    `{"timestamp": "${t(2)}", "model": "edge-model", "latency_ms": 1e-7, "batch_size": 2, "host": "${HOST}", "shard": 4}`,
    `{"timestamp": "${t(2)}", "request_id": "r,1", "model": "m\\"x", "latency_ms": 250, "host": "${HOST}", "shard": "four"}`,
    `{"timestamp": "${t(3)}", "model": "edge-model", "latency_ms": 99.75, "memory_used_gb": 3.28, "host": "${HOST}"}`,
    // Text a spreadsheet would run as a formula, a negative number and a negative number written as text.
    ...['=1+1', '@SUM(A1)', '+x', '-x', '\\tx', '\\rx'].map(
      (note, i) =>
        `{"timestamp": "${t(4 + i)}", "model": "edge-model", "latency_ms": -1.5, "host": "${HOST}", "note": "${note}", "tokens": -2, "shard": "-1.5"}`
    ),
  ];
  return [...lines, ...more];
}

beforeAll(async () => {
  server = await startClickHouse();
  dir = mkdtempSync(path.join(os.tmpdir(), 'export-clickhouse-'));
  const logs = path.join(dir, 'logs');
  mkdirSync(logs);
  const lines = logLines();
  // Two files, the older first, as a rotated log.
  const half = Math.floor(lines.length / 2);
  writeFileSync(path.join(logs, 'inference.log.1'), lines.slice(0, half).join('\n') + '\n');
  writeFileSync(path.join(logs, 'inference.log'), lines.slice(half).join('\n') + '\n');
  const client = new ClickHouseClient({ url: server.url });
  for (const statement of createStatements(REF)) {
    await client.exec(statement);
  }
  await new Shipper({ paths: [logs], client, ref: REF, host: HOST }).shipNew();
  const reader = new LogReader([logs]);
  await reader.refresh();
  store = reader.store;
  source = new ClickHouseSource(client, REF);
});

afterAll(async () => {
  if (server) {
    await stopClickHouse(server);
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Collects what is written, answering `false` now and then (a full buffer) so that backpressure is exercised. */
class Collect extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    setImmediate(done);
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

async function both(range: TimeRange, filters: Filters = {}, limit?: number, options: CsvOptions = {}) {
  const [files, clickhouse] = [new Collect({ highWaterMark: 1024 }), new Collect({ highWaterMark: 1024 })];
  const fileRows = await writeCsvExport(store, range, filters, files, limit, options);
  const clickhouseRows = await writeClickHouseCsv(source, range, filters, clickhouse, limit, options);
  expect(clickhouseRows).toBe(fileRows);
  return { files: files.text, clickhouse: clickhouse.text, rows: fileRows };
}

const mid = (): Required<TimeRange> => ({ from: START + 20 * 60_000, to: START + 40 * 60_000 });

describe('CSV export from ClickHouse', () => {
  it('the whole logs: the same bytes as from the files, columns in the store order', async () => {
    const { files, clickhouse, rows } = await both({});
    expect(rows).toBe(store.length);
    expect(clickhouse).toBe(files);
    const header = files.slice(0, files.indexOf('\r\n'));
    expect(header).toBe(
      'timestamp,latency_ms,batch_size,gpu_util,memory_used_gb,model,status,request_id,host,region,gpu_type,tokens,note,shard'
    );
    // Quoting, missing values, text and numbers under one field, equal times in log order.
    expect(files).toContain(',"m""x",,"r,1",gpu-test-1,,,,,four\r\n');
    expect(files).toContain('"a, ""quoted""\nline",3\r\n');
    expect(files).toMatch(/T00:00:00\.000000Z,12\.5,.*\r\n.*T00:00:00\.000000Z,13,/);
    expect(files).toContain(',1e-7,2,');
  });

  it.each<[string, () => TimeRange, Filters, number | undefined]>([
    ['a range', mid, {}, undefined],
    ['a range from a start only', () => ({ from: mid().from }), {}, undefined],
    ['a filter on a standard field', () => ({}), { model: ['llama-3-8b', 'edge-model'] }, undefined],
    ['filters on extra fields', () => ({}), { region: ['eu-west-1'], status: ['success', 200] }, undefined],
    ['a numeric extra field', () => ({}), { tokens: [8] }, undefined],
    ['a limit', () => ({}), {}, 7],
    ['a limit of 0', () => ({}), {}, 0],
    ['a range, a filter and a limit', mid, { model: ['gpt-j-6b'] }, 25],
    ['nothing selected', () => ({ from: START - 3_600_000, to: START - 1 }), {}, undefined],
  ])('%s: the same bytes as from the files', async (_, range, filters, limit) => {
    const { files, clickhouse, rows } = await both(range(), filters, limit);
    expect(clickhouse).toBe(files);
    if (limit !== undefined) {
      expect(rows).toBeLessThanOrEqual(limit);
    }
  });

  it('neutralises text a spreadsheet would run, never numbers, unless keepFormulas: the same bytes both ways', async () => {
    const { files, clickhouse } = await both({ from: START + 86_400_000 + 4000 });
    expect(clickhouse).toBe(files);
    const rows = files.trimEnd().split('\r\n').slice(1);
    expect(rows.map((row) => row.split(',').slice(1, 2)[0])).toEqual(Array(6).fill('-1.5'));
    expect(rows.map((row) => row.split(',').slice(-3))).toEqual(
      ["'=1+1", "'@SUM(A1)", "'+x", "'-x", "'\tx", `"'\rx"`].map((note) => ['-2', note, "'-1.5"])
    );
    const kept = await both({ from: START + 86_400_000 + 4000 }, {}, undefined, { keepFormulas: true });
    expect(kept.clickhouse).toBe(kept.files);
    expect(
      kept.files
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((row) => row.split(',').slice(-3))
    ).toEqual(['=1+1', '@SUM(A1)', '+x', '-x', '\tx', '"\rx"'].map((note) => ['-2', note, '-1.5']));
  });

  it('streams: each write is a chunk of rows, not the whole export', async () => {
    const out = new Collect({ highWaterMark: 1024 });
    const rows = await writeClickHouseCsv(source, {}, {}, out);
    expect(rows).toBe(store.length);
    // Header, then chunks of at most 5,000 rows each.
    expect(out.chunks.length).toBeGreaterThanOrEqual(2);
  });

  it('fails as the files do on a field that is not there', async () => {
    await expect(writeClickHouseCsv(source, {}, { nosuch: ['x'] }, new Collect())).rejects.toThrow(
      /unknown filter field "nosuch"/
    );
  });
});
