/**
 * End-to-end test of the BUILT backend (dist/gpx_inference_log_analytics_linux_amd64) under the Grafana plugin host
 * (test/grafana-host): the host starts the executable the way Grafana does (go-plugin handshake,
 * gRPC, GF_* environment), makes one call per run and checks what comes back the way Grafana reads it.
 *
 * Every run uses `--skip-host-env` (the plugin gets only the go-plugin/GF variables: no PATH, no HOME) and the host
 * itself is started with a minimal environment. One test also hides every Node.js binary of the machine (a private
 * mount namespace with /dev/null bound over them) to show the executable needs no Node.js installed.
 *
 * Frame values are not only checked for shape: every .arrow file the host writes is decoded with apache-arrow and
 * compared, value by value, with what the engine (`runQuery`, the CLI's code path) answers on the same logs.
 *
 * ClickHouse mode ships the same logs into a private ClickHouse server (Debian's clickhouse-server, as CI installs it;
 * without it those tests fail) and checks alert-style answers computed there against the engine's.
 *
 * Needs the build: run `npm run build` (or `npm run build:backend`) first. The host binary comes from
 * $GRAFANA_PLUGIN_HOST (set by .ci/run), else test/grafana-host/bin/grafana-host (bash test/grafana-host/build.sh).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { DataFrameJSON } from '@grafana/data';
import { Field as ArrowField, Precision, Table, tableFromIPC, TimeUnit, Type, Vector } from 'apache-arrow';

import { runQuery } from '../pkg/format/dataframe-json';
import { DEFAULT_MODELS } from '../pkg/generator/generate';
import { writeLogs } from '../pkg/generator/write';
import { RunningProxy, startProxy } from '../pkg/http/server';
import { ClickHouseClient } from '../pkg/clickhouse/client';
import { createStatements } from '../pkg/clickhouse/schema';
import { Shipper } from '../pkg/clickhouse/ship';
import { ClickHouseServer, startClickHouse, stopClickHouse } from './support/clickhouse-server';
import { expectSameNumbers } from './support/shipped-logs';
import type { AnalysisQuery } from '../pkg/model/query';
import { expectExit, findHost, HOST_ENV, PLUGIN, requireBuilt, run } from './support/plugin-host';
import { DEFAULT_MAX_ROWS } from '../pkg/model/settings';
import { loadLogs } from '../pkg/sources/load';
import type { Store } from '../pkg/store/store';

jest.setTimeout(120_000);

// ---------------------------------------------------------------------------------------------------------------
// Test data and request files

const START_MS = Date.UTC(2026, 10, 20); // --start 2026-11-20T00:00:00Z
const RANGE = { from: START_MS, to: START_MS + 6 * 3_600_000 }; // the ~5 h of 20,000 requests at 2 rps
/** RANGE's whole 5-minute buckets, what an alert's trend reads (RANGE starts on a bucket edge). */
const WHOLE_BUCKETS = { from: RANGE.from, to: RANGE.to - 1 };
const SPIKE_RANGE = { from: START_MS + 2 * 3_600_000, to: START_MS + 3 * 3_600_000 };

let work: string;
let logsDir: string;
let store: Store;
let HOST: string;

interface RequestQuery {
  refId: string;
  model: Record<string, unknown>;
  intervalMs?: number;
  maxDataPoints?: number;
  timeRange?: { from: number; to: number };
}

interface RequestFile {
  datasource: {
    uid: string;
    name: string;
    jsonData: Record<string, unknown>;
    decryptedSecureJsonData?: Record<string, string>;
  };
  timeRange?: { from: number; to: number };
  headers?: Record<string, string>;
  queries?: RequestQuery[];
}

/** Without the restart cache: each host run is a fresh start that reads the logs (what most tests count on). */
function datasource() {
  return { uid: 'inference-logs', name: 'Inference logs', jsonData: { paths: [logsDir], cache: false } };
}

let fileCounter = 0;
function writeRequest(request: RequestFile): string {
  const file = join(work, `request-${++fileCounter}.json`);
  writeFileSync(file, JSON.stringify(request, null, 2));
  return file;
}

function hostArgs(...rest: string[]): string[] {
  return ['--skip-host-env', PLUGIN, ...rest];
}

// ---------------------------------------------------------------------------------------------------------------
// The host's query output

interface RefResult {
  status: number;
  frames: number;
  error?: string;
  files: string[];
}

/** Parses "refId X: status N, frames M, format F", its "error:" line and its "frame i: ... -> FILE" lines. */
function parseQueryOutput(stdout: string): Map<string, RefResult> {
  const results = new Map<string, RefResult>();
  let current: RefResult | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^refId (\S+): status (\d+), frames (\d+)/.exec(line);
    if (head) {
      current = { status: Number(head[2]), frames: Number(head[3]), files: [] };
      results.set(head[1], current);
      continue;
    }
    if (line.startsWith('--- decode-frames.mjs')) {
      current = undefined;
      continue;
    }
    const error = /^\s+error: (.*)$/.exec(line);
    if (error && current) {
      current.error = error[1];
    }
    const frame = /^\s+frame \d+: .* -> (\S+\.arrow)\s+(.*)$/.exec(line);
    if (frame && current) {
      current.files.push(frame[1]);
      expect(frame[2]).toContain('Arrow IPC file format');
    }
  }
  return results;
}

/** Runs `query` on a request file: the results per refId, the decoded frames per refId, the raw run. */
async function query(request: RequestFile, expectCode: number) {
  const file = writeRequest(request);
  const out = join(work, `frames-${fileCounter}`);
  mkdirSync(out);
  const r = await run(HOST, hostArgs('query', '--json', file, '--out', out, '--rows', '1'));
  expectExit(r, expectCode);
  const results = parseQueryOutput(r.stdout);
  const written = readdirSync(out).sort();
  let total = 0;
  for (const [refId, res] of results) {
    expect(res.files).toHaveLength(res.frames);
    res.files.forEach((f, i) => expect(f).toBe(join(out, `${refId}-${i}.arrow`)));
    total += res.frames;
  }
  expect(written).toHaveLength(total);
  // The host ran decode-frames.mjs on every frame and Grafana's rules accepted each one.
  if (total > 0) {
    expect(r.stdout).toContain('--- decode-frames.mjs ---');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('OK: Grafana can read this frame'))).toHaveLength(total);
  }
  const tables = new Map<string, Table[]>();
  for (const [refId, res] of results) {
    tables.set(
      refId,
      res.files.map((f) => tableFromIPC(readFileSync(f)))
    );
  }
  return { run: r, results, tables };
}

// ---------------------------------------------------------------------------------------------------------------
// Arrow frames against the engine's DataFrameJSON

/** The raw values of an Arrow column: bigint ns for timestamps, number/string, null where invalid. */
function rawValues(vector: Vector, field: ArrowField): Array<bigint | number | string | null> {
  const out: Array<bigint | number | string | null> = [];
  const isTime = field.type.typeId === Type.Timestamp;
  for (const chunk of vector.data) {
    for (let i = 0; i < chunk.length; i++) {
      if (!chunk.getValid(i)) {
        out.push(null);
      } else if (isTime) {
        out.push((chunk.values as BigInt64Array)[i]);
      } else {
        out.push(vector.get(out.length) as number | string);
      }
    }
  }
  return out;
}

/** What the engine's JSON says a value is, in Arrow terms (ns bigint, ±Infinity from entities, null). */
function expectedValues(frame: DataFrameJSON, index: number): Array<bigint | number | string | null> {
  const field = frame.schema!.fields[index];
  const values = (frame.data!.values[index] ?? []) as Array<number | string | null>;
  const entities = frame.data!.entities?.[index];
  const nanos = frame.data!.nanos?.[index];
  return values.map((v, row) => {
    if (field.type === 'time') {
      return v === null ? null : BigInt(v as number) * 1_000_000n + BigInt(nanos?.[row] ?? 0);
    }
    if (v === null && field.type === 'number') {
      if (entities?.Inf?.includes(row)) {
        return Infinity;
      }
      if (entities?.NegInf?.includes(row)) {
        return -Infinity;
      }
      if (entities?.NaN?.includes(row)) {
        return NaN;
      }
    }
    return v;
  });
}

/** Compares decoded frames with the engine's frames: count, names, field names/types/labels and every value. */
function expectSameFrames(refId: string, tables: Table[], engine: DataFrameJSON[]): void {
  expect(tables.map((t) => t.schema.metadata.get('name'))).toEqual(engine.map((f) => f.schema!.name));
  tables.forEach((table, k) => {
    const want = engine[k];
    const where = `${refId} frame ${k} (${want.schema!.name})`;
    expect(table.schema.metadata.get('refId')).toBe(refId);
    expect(table.schema.fields.map((f) => f.name)).toEqual(want.schema!.fields.map((f) => f.name));
    const rows = want.data!.values[0]?.length ?? 0;
    expect(table.numRows).toBe(rows);
    table.schema.fields.forEach((field, i) => {
      const schema = want.schema!.fields[i];
      const labels = field.metadata.get('labels');
      expect({ where, field: field.name, labels: labels ? JSON.parse(labels) : undefined }).toEqual({
        where,
        field: field.name,
        labels: schema.labels,
      });
      const typeOk =
        schema.type === 'time'
          ? field.type.typeId === Type.Timestamp && field.type.unit === TimeUnit.NANOSECOND
          : schema.type === 'number'
            ? field.type.typeId === Type.Float && field.type.precision === Precision.DOUBLE
            : field.type.typeId === Type.Utf8;
      expect({ where, field: field.name, type: String(field.type), typeOk }).toEqual({
        where,
        field: field.name,
        type: String(field.type),
        typeOk: true,
      });
      const got = rawValues(table.getChildAt(i)!, field);
      const expected = expectedValues(want, i);
      // One clear message for the first differing value; Object.is tells NaN, -0 and null apart.
      const bad = expected.findIndex((v, row) => !Object.is(v, got[row]));
      if (bad >= 0 || got.length !== expected.length) {
        throw new Error(
          `${where}, field "${field.name}": ${got.length} values vs ${expected.length} from the engine; first ` +
            `difference at row ${bad}: plugin ${String(got[bad])}, engine ${String(expected[bad])}`
        );
      }
    });
  });
}

/** The engine's answer for a query as the backend receives it (the backend caps row lists at maxRows). */
function engineAnswer(q: RequestQuery, range = RANGE): DataFrameJSON[] {
  const query = { ...(q.model as unknown as AnalysisQuery), refId: q.refId };
  if (query.queryType === 'anomalies' || query.queryType === 'logs') {
    query.limit = Math.min(query.limit ?? DEFAULT_MAX_ROWS, DEFAULT_MAX_ROWS);
  }
  return runQuery(store, query, { range: q.timeRange ?? range, intervalMs: q.intervalMs ?? 1000 });
}

function meta(table: Table): Record<string, unknown> {
  return JSON.parse(table.schema.metadata.get('meta') ?? '{}');
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  requireBuilt();
  HOST = findHost();
  work = mkdtempSync(join(tmpdir(), 'plugin-host-test-'));
  logsDir = join(work, 'logs');
  // = `inference-logs generate --out DIR --rows 20000 --files 3 --gzip --noise 0.01 --extras --start 2026-11-20T00:00:00Z`
  await writeLogs(logsDir, {
    rows: 20_000,
    seed: 1,
    files: 3,
    gzipOlder: true,
    noise: 0.01,
    extras: true,
    start: START_MS,
  });
  store = await loadLogs([logsDir]);
  expect(store.length).toBe(20_000);
});

afterAll(() => {
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('built plugin under the Grafana plugin host (--skip-host-env, minimal host environment)', () => {
  it('health: OK, and the message counts the requests read', async () => {
    const file = writeRequest({ datasource: datasource() });
    const r = await run(HOST, hostArgs('health', '--json', file));
    expectExit(r, 0);
    expect(r.stdout).toContain('CheckHealth: status=OK');
    const message = /^CheckHealth: message=(.*)$/m.exec(r.stdout)?.[1] ?? '';
    expect(message).toContain(`Read ${store.length} requests from 3 file(s)`);
    // The plugin got no host environment: only go-plugin's and Grafana's variables.
    expect(r.stderr).toContain('(--skip-host-env)');
    expect(r.stderr).toContain('host: RESULT: OK');
  });

  it('restart cache: each host run is a restart; the second answers from what the first read, as the engine does', async () => {
    const cached = { ...datasource(), jsonData: { paths: [logsDir], cacheDir: join(work, 'restart-cache') } };
    const first = await run(HOST, hostArgs('health', '--json', writeRequest({ datasource: cached })));
    expectExit(first, 0);
    expect(healthDetails(first.stdout)[0].cache).toMatchObject({ state: 'new' });
    // Written as the host stopped the plugin (GRPCController.Shutdown).
    const second = await run(HOST, hostArgs('health', '--json', writeRequest({ datasource: cached })));
    expectExit(second, 0);
    expect(second.stdout).toContain(`Read ${store.length} requests from 3 file(s)`);
    expect(healthDetails(second.stdout)[0].cache).toMatchObject({ state: 'restored', restoredRows: store.length });
    const q = { refId: 'A', model: { queryType: 'summary', groupBy: ['model'] } };
    const { results, tables } = await query({ datasource: cached, timeRange: RANGE, queries: [q] }, 0);
    expect(results.get('A')).toMatchObject({ status: 200, frames: 1 });
    expectSameFrames('A', tables.get('A')!, engineAnswer(q));
  });

  it('every query type in one request: status 200, frames, values equal to the engine', async () => {
    const queries: RequestQuery[] = [
      { refId: 'sumModel', model: { queryType: 'summary', groupBy: ['model'] } },
      { refId: 'sumAll', model: { queryType: 'summary' } },
      { refId: 'anomZ', model: { queryType: 'anomalies', method: 'zscore', limit: 200 } },
      { refId: 'anomMad', model: { queryType: 'anomalies', method: 'mad', groupBy: ['model'], limit: 100 } },
      { refId: 'anomIqr', model: { queryType: 'anomalies', method: 'iqr', metric: 'gpu_util', limit: 50 } },
      { refId: 'trendP99', model: { queryType: 'trend', aggregation: 'p99', window: '1h', groupBy: ['model'] } },
      { refId: 'trendCount', model: { queryType: 'trend', aggregation: 'count', window: '15m' } },
      { refId: 'trendRate', model: { queryType: 'trend', aggregation: 'rate', window: '5m', groupBy: ['region'] } },
      {
        refId: 'corrPearson',
        model: { queryType: 'correlation', correlation: 'pearson', metrics: ['latency_ms', 'batch_size', 'gpu_util'] },
      },
      { refId: 'corrSpearman', model: { queryType: 'correlation', correlation: 'spearman' } },
      { refId: 'compare', model: { queryType: 'compare' } },
      { refId: 'spike', model: { queryType: 'spike', limit: 20 }, timeRange: SPIKE_RANGE },
      // A window at the very start: an empty baseline, so changes in % are +Infinity (Arrow) / entities (JSON).
      { refId: 'spikeStart', model: { queryType: 'spike' }, timeRange: { from: START_MS, to: START_MS + 1_800_000 } },
      { refId: 'logs', model: { queryType: 'logs', limit: 50 } },
    ];
    const { results, tables } = await query({ datasource: datasource(), timeRange: RANGE, queries }, 0);
    expect([...results.keys()].sort()).toEqual(queries.map((q) => q.refId).sort());
    for (const q of queries) {
      const res = results.get(q.refId)!;
      expect({ refId: q.refId, status: res.status, error: res.error }).toEqual({
        refId: q.refId,
        status: 200,
        error: undefined,
      });
      expect(res.frames).toBeGreaterThanOrEqual(1);
      expectSameFrames(q.refId, tables.get(q.refId)!, engineAnswer(q));
    }
    // Sanity of the data itself, so that the comparison is not between two empty answers.
    expect(tables.get('logs')![0].numRows).toBe(50);
    expect(tables.get('trendP99')!).toHaveLength(DEFAULT_MODELS.length);
    expect(tables.get('anomZ')![0].numRows).toBeGreaterThan(0);
    const spikeStart = tables.get('spikeStart')![0];
    const measures = rawValues(spikeStart.getChild('measure')!, spikeStart.schema.fields[0]);
    const changePct = spikeStart.getChild('change_pct')!;
    expect(changePct.get(measures.indexOf('requests'))).toBe(Infinity);
  });

  it('alert rule (FromAlert): trend as timeseries-multi per model, grouped summary as numeric-long', async () => {
    const queries: RequestQuery[] = [
      {
        refId: 'A',
        intervalMs: 1000,
        maxDataPoints: 43200,
        model: { queryType: 'trend', aggregation: 'p99', window: '5m', groupBy: ['model'] },
      },
      {
        refId: 'B',
        intervalMs: 1000,
        maxDataPoints: 43200,
        model: { queryType: 'summary', groupBy: ['model'], measures: ['p99_latency_ms'] },
      },
      // Twelve measures a model: two numbers with the same labels, which alerting refuses — a 400 that says why.
      { refId: 'C', model: { queryType: 'summary', groupBy: ['model'] } },
    ];
    const { results, tables } = await query(
      { datasource: datasource(), timeRange: RANGE, headers: { FromAlert: 'true', 'X-Rule-Uid': 'abc' }, queries },
      3
    );
    expect(results.get('A')!.status).toBe(200);
    expect(results.get('B')!.status).toBe(200);
    expect(results.get('C')).toMatchObject({ status: 400, frames: 0 });
    expect(results.get('C')!.error).toContain('set "measures" to one of');

    const series = tables.get('A')!;
    expect(series).toHaveLength(DEFAULT_MODELS.length);
    const models: string[] = [];
    for (const frame of series) {
      expect(meta(frame)).toMatchObject({ type: 'timeseries-multi', typeVersion: [0, 1] });
      expect(frame.schema.fields).toHaveLength(2);
      const [time, value] = frame.schema.fields;
      expect(time.type.typeId).toBe(Type.Timestamp);
      expect((time.type as { unit: TimeUnit }).unit).toBe(TimeUnit.NANOSECOND);
      expect(time.nullable).toBe(false);
      expect(value.type.typeId).toBe(Type.Float);
      expect((value.type as { precision: Precision }).precision).toBe(Precision.DOUBLE);
      const labels = JSON.parse(value.metadata.get('labels') ?? '{}');
      expect(Object.keys(labels)).toEqual(['model']);
      models.push(labels.model);
      expect(frame.numRows).toBeGreaterThan(50); // 5-minute buckets over ~5 h
    }
    expect(models.sort()).toEqual([...DEFAULT_MODELS].sort());
    // For alerting only whole buckets: the one starting at the range's end (holding only that instant) is left out.
    expectSameFrames('A', series, engineAnswer(queries[0], WHOLE_BUCKETS));

    const summary = tables.get('B')!;
    expect(summary.length).toBeGreaterThanOrEqual(1);
    for (const frame of summary) {
      expect(meta(frame)).toMatchObject({ type: 'numeric-long', typeVersion: [0, 1] });
    }
    expectSameFrames('B', summary, engineAnswer(queries[1]));
  });

  it('bad queries fail alone (status 400 with an error, host exit 3); the good one still answers', async () => {
    const queries: RequestQuery[] = [
      { refId: 'good', model: { queryType: 'compare' } },
      { refId: 'badMethod', model: { queryType: 'anomalies', method: 'bogus' } },
      { refId: 'badWindow', model: { queryType: 'trend', window: 'banana' } },
    ];
    const { run: r, results, tables } = await query({ datasource: datasource(), timeRange: RANGE, queries }, 3);
    expect(r.stderr).toContain('PLUGIN REPORTED A FAILURE');
    expect(results.get('badMethod')).toMatchObject({ status: 400, frames: 0 });
    expect(results.get('badMethod')!.error).toContain('method must be one of zscore, mad, iqr');
    expect(results.get('badWindow')).toMatchObject({ status: 400, frames: 0 });
    expect(results.get('badWindow')!.error).toContain('invalid window "banana"');
    const good = results.get('good')!;
    expect(good.status).toBe(200);
    expect(good.error).toBeUndefined();
    expect(good.frames).toBeGreaterThanOrEqual(1);
    expectSameFrames('good', tables.get('good')!, engineAnswer(queries[0]));
  });

  describe('resources', () => {
    async function resource(path: string, expectCode: number): Promise<unknown> {
      const file = writeRequest({ datasource: datasource() });
      const body = join(work, `body-${fileCounter}.json`);
      const r = await run(HOST, hostArgs('resource', '--path', path, '--json', file, '--body-out', body));
      expectExit(r, expectCode);
      expect(r.stdout).toMatch(expectCode === 0 ? /status 200\b/ : /status 404\b/);
      return JSON.parse(readFileSync(body, 'utf8'));
    }

    it('report.html and export.csv: the report (with its SVG charts) and the CSV, from the single executable', async () => {
      const file = writeRequest({ datasource: datasource() });
      const html = join(work, `report-${fileCounter}.html`);
      const r = await run(
        HOST,
        hostArgs('resource', '--path', 'report.html?model=llama-3-8b', '--json', file, '--body-out', html)
      );
      expectExit(r, 0);
      const text = readFileSync(html, 'utf8');
      expect(text).toContain('<!DOCTYPE html>');
      expect((text.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
      const csv = join(work, `export-${fileCounter}.csv`);
      const c = await run(
        HOST,
        hostArgs('resource', '--path', 'export.csv?model=bert-large&limit=5', '--json', file, '--body-out', csv)
      );
      expectExit(c, 0);
      const rows = readFileSync(csv, 'utf8').split('\r\n').filter(Boolean);
      expect(rows).toHaveLength(6);
      expect(rows[0]).toMatch(/^timestamp,/);
    });

    it('models: the generated models', async () => {
      expect(await resource('models', 0)).toEqual([...DEFAULT_MODELS].sort());
    });

    it('fields: the stored fields', async () => {
      const fields = (await resource('fields', 0)) as Array<{ name: string }>;
      expect(fields).toEqual(JSON.parse(JSON.stringify(store.fields())));
      expect(fields.map((f) => f.name)).toEqual(expect.arrayContaining(['latency_ms', 'model', 'region', 'gpu_type']));
    });

    it('values?field=region: the distinct regions of the logs', async () => {
      const column = store.columns.get('region')!;
      const regions = new Set<string>();
      for (let row = 0; row < store.length; row++) {
        const v = column.get(row);
        if (v !== null) {
          regions.add(String(v));
        }
      }
      const got = await resource('values?field=region', 0);
      expect(got).toEqual([...regions].sort());
      expect((got as string[]).length).toBeGreaterThan(1);
    });

    it('stats: requests, files, models and skipped lines', async () => {
      const stats = (await resource('stats', 0)) as Record<string, unknown>;
      expect(stats).toMatchObject({
        files: 3,
        requests: store.length,
        models: [...DEFAULT_MODELS].sort(),
        skipped: { ...store.skipped },
      });
    });

    it('an unknown path: 404 (host exit 3)', async () => {
      const body = (await resource('no-such-thing', 3)) as { message: string };
      expect(body.message).toContain('no resource "no-such-thing"');
    });
  });

  it('metrics: Prometheus text with inference_logs_queries_total', async () => {
    const file = writeRequest({ datasource: datasource() });
    const r = await run(HOST, hostArgs('metrics', '--json', file));
    expectExit(r, 0);
    expect(r.stdout).toMatch(/^CollectMetrics: \d+ bytes of Prometheus text/m);
    expect(r.stdout).toContain('# TYPE inference_logs_queries_total counter');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// No Node.js on the machine

/** Every Node.js binary this machine could run by name: this process's, and each `node`/`nodejs` on a usual PATH. */
function nodeBinaries(): string[] {
  const dirs = new Set([
    dirname(process.execPath),
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/local/bin',
    '/usr/bin',
    '/bin',
  ]);
  const found = new Set<string>();
  for (const dir of dirs) {
    for (const name of ['node', 'nodejs']) {
      const file = join(dir, name);
      if (dir && existsSync(file)) {
        found.add(realpathSync(file));
      }
    }
  }
  return [...found];
}

/** Whether this sandbox lets us make a private mount namespace and bind-mount in it (needs root). */
const CAN_UNSHARE = (() => {
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind /dev/null /dev/null'], { stdio: 'ignore' });
  return probe.status === 0;
})();

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The jsonDetails objects of the CheckHealth answers in the host's output, in order. */
function healthDetails(stdout: string): Array<Record<string, unknown>> {
  const marker = 'CheckHealth: jsonDetails=';
  const found: Array<Record<string, unknown>> = [];
  for (let at = stdout.indexOf(marker); at >= 0; at = stdout.indexOf(marker, at + 1)) {
    const start = at + marker.length;
    const end = stdout.indexOf('\n             }', start); // the host indents the object by 13 spaces
    found.push(JSON.parse(stdout.slice(start, end + 15)));
  }
  return found;
}

/** A data source over a log large enough (> 16 MB) to be read by scan workers: 90,000 requests. */
async function largeLogs(): Promise<{ datasource: RequestFile['datasource']; rows: number; bytes: number }> {
  const dir = join(work, 'large-logs');
  const result = await writeLogs(dir, { rows: 90_000, seed: 7, start: START_MS });
  const bytes = result.files.reduce((sum, file) => sum + statSync(file).size, 0);
  expect(bytes).toBeGreaterThan(16 << 20);
  const jsonData = { paths: [dir], cache: false };
  return { datasource: { uid: 'large-logs', name: 'Large logs', jsonData }, rows: 90_000, bytes };
}

/** The health answer for the large logs: every byte read by the scan workers, every request counted. */
function expectReadByWorkers(stdout: string, large: { rows: number; bytes: number }): void {
  expect(stdout).toContain(`Read ${large.rows} requests from 1 file(s)`);
  const details = healthDetails(stdout).find((d) => d.requests === large.rows);
  expect(details?.scanWorkers).toEqual({ bytes: large.bytes, unavailable: null, layoutScanner: 'WebAssembly' });
}

describe('no Node.js installed', () => {
  if (CAN_UNSHARE) {
    it('runs with every node binary hidden (unshare -m, /dev/null bound over them) and an empty plugin env', async () => {
      requireBuilt();
      const hidden = nodeBinaries();
      expect(hidden.length).toBeGreaterThan(0);
      const health = writeRequest({ datasource: datasource() });
      const large = await largeLogs();
      const largeHealth = writeRequest({ datasource: large.datasource });
      const queryFile = writeRequest({
        datasource: datasource(),
        timeRange: RANGE,
        queries: [{ refId: 'A', model: { queryType: 'summary', groupBy: ['model'] } }],
      });
      const out = join(work, 'frames-no-node');
      mkdirSync(out);
      const host = shellQuote(HOST);
      const plugin = shellQuote(PLUGIN);
      const script = [
        'set -e',
        ...hidden.map((n) => `mount --bind /dev/null ${shellQuote(n)}`),
        // Prove node cannot start any more, by name or by path.
        ...['node', ...hidden].map(
          (n) => `if ${shellQuote(n)} -e 0 >/dev/null 2>&1; then echo "NODE STILL RUNS: ${n}"; exit 90; fi`
        ),
        'echo NODE HIDDEN',
        `${host} --skip-host-env ${plugin} health --json ${shellQuote(health)}`,
        `${host} --skip-host-env ${plugin} health --json ${shellQuote(largeHealth)}`,
        `${host} --skip-host-env ${plugin} query --no-decode --json ${shellQuote(queryFile)} --out ${shellQuote(out)}`,
      ].join('\n');
      const r = await run('unshare', ['-m', 'sh', '-c', script], {
        ...HOST_ENV,
        PATH: `${HOST_ENV.PATH}${delimiter}/usr/sbin:/sbin`,
      });
      expectExit(r, 0);
      expect(r.stdout).toContain('NODE HIDDEN');
      expect(r.stdout).toContain('CheckHealth: status=OK');
      expect(r.stdout).toContain(`Read ${store.length} requests`);
      // Worker threads start inside the executable too (their code is embedded in it).
      expectReadByWorkers(r.stdout, large);
      const results = parseQueryOutput(r.stdout);
      expect(results.get('A')).toMatchObject({ status: 200, frames: 1 });
      expectSameFrames(
        'A',
        results.get('A')!.files.map((f) => tableFromIPC(readFileSync(f))),
        engineAnswer({ refId: 'A', model: { queryType: 'summary', groupBy: ['model'] } })
      );
    });
  } else {
    it('FALLBACK (unshare not permitted here, node NOT hidden): the ELF names no node binary and runs with an empty env', async () => {
      requireBuilt();
      // The launcher Grafana starts (PLUGIN) execs the shipped loader on this ELF.
      const bytes = readFileSync(join(dirname(PLUGIN), 'runtime', 'linux_amd64', 'backend'));
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      for (const path of ['/usr/bin/node', '/usr/local/bin/node', '/usr/bin/env node', process.execPath]) {
        expect({ path, found: bytes.includes(Buffer.from(path)) }).toEqual({ path, found: false });
      }
      const health = writeRequest({ datasource: datasource() });
      const r = await run(HOST, hostArgs('health', '--json', health), {});
      expectExit(r, 0);
      expect(r.stdout).toContain('CheckHealth: status=OK');
      const large = await largeLogs();
      const big = await run(HOST, hostArgs('health', '--json', writeRequest({ datasource: large.datasource })), {});
      expectExit(big, 0);
      expectReadByWorkers(big.stdout, large);
    });
  }
});

describe('remote mode under the plugin host: the backend forwards to an `inference-logs serve` proxy', () => {
  const TOKEN = 'plugin-host-remote-token';
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy({ paths: [logsDir], port: 0, token: TOKEN, log: () => undefined });
  });
  afterAll(() => proxy?.close());

  const remote = (token = TOKEN) => ({
    uid: 'remote-logs',
    name: 'Remote logs',
    jsonData: { mode: 'remote', proxyUrl: proxy.url },
    decryptedSecureJsonData: { proxyToken: token },
  });

  it('health goes through the proxy', async () => {
    const r = await run(HOST, hostArgs('health', '--json', writeRequest({ datasource: remote() })));
    expectExit(r, 0);
    expect(r.stdout).toContain(`answers: ${store.length} requests from 3 file(s)`);
  });

  it('queries answer with the same frames as local logs, alert headers and all', async () => {
    const queries: RequestQuery[] = [
      {
        refId: 'p99',
        model: { queryType: 'trend', aggregation: 'p99', window: '5m', groupBy: ['model'] },
        intervalMs: 1000,
      },
      { refId: 'sum', model: { queryType: 'summary', groupBy: ['model'], measures: ['error_rate'] } },
      { refId: 'anom', model: { queryType: 'anomalies', method: 'iqr', limit: 30 } },
    ];
    const { results, tables } = await query(
      { datasource: remote(), timeRange: RANGE, headers: { FromAlert: 'true' }, queries },
      0
    );
    for (const q of queries) {
      expect(results.get(q.refId)!.status).toBe(200);
      expectSameFrames(q.refId, tables.get(q.refId)!, engineAnswer(q, q.refId === 'p99' ? WHOLE_BUCKETS : RANGE));
    }
    expect(tables.get('p99')!).toHaveLength(DEFAULT_MODELS.length);
    expect(meta(tables.get('p99')![0])).toMatchObject({ type: 'timeseries-multi', typeVersion: [0, 1] });
  });

  it('a wrong token fails each query with 401 and a hint', async () => {
    const { results } = await query(
      { datasource: remote('wrong'), timeRange: RANGE, queries: [{ refId: 'A', model: { queryType: 'summary' } }] },
      3
    );
    expect(results.get('A')!.status).toBe(401);
    expect(results.get('A')!.error).toContain('check the token');
  });
});

describe('ClickHouse mode under the plugin host: the logs shipped into ClickHouse, every answer computed there', () => {
  const PASSWORD = 'plugin-host-clickhouse';
  let server: ClickHouseServer;
  beforeAll(async () => {
    server = await startClickHouse({ password: PASSWORD });
    const client = new ClickHouseClient({ url: server.url, password: PASSWORD });
    const ref = { database: 'default', table: 'inference_logs' };
    for (const statement of createStatements(ref)) {
      await client.exec(statement);
    }
    const stats = await new Shipper({ paths: [logsDir], client, ref, host: 'gpu-host-1' }).shipNew();
    expect(stats.rows).toBe(store.length);
  });
  afterAll(async () => {
    if (server) {
      await stopClickHouse(server);
    }
  });

  const clickhouse = (password = PASSWORD) => ({
    uid: 'clickhouse-logs',
    name: 'ClickHouse logs',
    jsonData: { mode: 'clickhouse', clickhouseUrl: server.url, clickhouseUser: 'default' },
    decryptedSecureJsonData: { clickhousePassword: password },
  });

  /** Decoded frames against the engine's, every number within 1e-9 (ClickHouse sums in another order). */
  function expectCloseFrames(tables: Table[], engine: DataFrameJSON[]): void {
    expect(tables.map((t) => t.schema.metadata.get('name'))).toEqual(engine.map((f) => f.schema!.name));
    tables.forEach((table, k) => {
      const plain = (values: Array<bigint | number | string | null>) =>
        values.map((v) => (typeof v === 'bigint' ? Number(v) : v));
      const got = table.schema.fields.map((field, i) => ({
        name: field.name,
        labels: field.metadata.get('labels') ? JSON.parse(field.metadata.get('labels')!) : undefined,
        values: plain(rawValues(table.getChildAt(i)!, field)),
      }));
      const want = engine[k].schema!.fields.map((field, i) => ({
        name: field.name,
        labels: field.labels,
        values: plain(expectedValues(engine[k], i)),
      }));
      expectSameNumbers(got, want, `frame ${k}`);
    });
  }

  it('health names the server version, the requests, the models and the skipped lines', async () => {
    const r = await run(HOST, hostArgs('health', '--json', writeRequest({ datasource: clickhouse() })));
    expectExit(r, 0);
    expect(r.stdout).toMatch(
      /ClickHouse 18\.16\.\d+ at http:\/\/127\.0\.0\.1:\d+, table default\.inference_logs: 20000 requests/
    );
    expect(r.stdout).toContain(`models: ${DEFAULT_MODELS.slice().sort().join(', ')}`);
    expect(r.stdout).not.toContain(PASSWORD);
  });

  it("alert-style queries (FromAlert) answer with the engine's numbers: whole trend buckets, a rolling summary", async () => {
    const now = RANGE.from + 3 * 3_600_000 + 137_000; // an evaluation 2 min 17 s into a 5-minute bucket
    const rolling = { from: now - 5 * 60_000, to: now };
    const queries: RequestQuery[] = [
      {
        refId: 'p99',
        model: { queryType: 'trend', aggregation: 'p99', window: '5m', groupBy: ['model'] },
        intervalMs: 1000,
        timeRange: { from: now - 30 * 60_000, to: now },
      },
      {
        refId: 'sum',
        model: { queryType: 'summary', groupBy: ['model'], measures: ['p99_latency_ms'] },
        timeRange: rolling,
      },
    ];
    const { results, tables } = await query(
      { datasource: clickhouse(), timeRange: RANGE, headers: { FromAlert: 'true' }, queries },
      0
    );
    expect(results.get('p99')!.status).toBe(200);
    expect(results.get('sum')!.status).toBe(200);
    // The trend reads only the buckets wholly inside the range: from the first edge after its start to the last
    // edge before the evaluation.
    const bucket = 5 * 60_000;
    const whole = { from: Math.ceil((now - 30 * 60_000) / bucket) * bucket, to: Math.floor(now / bucket) * bucket - 1 };
    expectCloseFrames(tables.get('p99')!, engineAnswer({ ...queries[0], timeRange: whole }));
    expect(tables.get('p99')!).toHaveLength(DEFAULT_MODELS.length);
    expect(meta(tables.get('p99')![0])).toMatchObject({ type: 'timeseries-multi' });
    expectCloseFrames(tables.get('sum')!, engineAnswer(queries[1]));
    expect(meta(tables.get('sum')![0])).toMatchObject({ type: 'numeric-long' });
  });

  it('a wrong password fails each query with 503 and what to fix', async () => {
    const { results } = await query(
      {
        datasource: clickhouse('wrong'),
        timeRange: RANGE,
        queries: [{ refId: 'A', model: { queryType: 'summary' } }],
      },
      3
    );
    expect(results.get('A')!.status).toBe(503);
    expect(results.get('A')!.error).toContain('check User and Password in the data source settings');
  });
});
