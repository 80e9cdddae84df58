import type { DataFrameJSON } from '@grafana/data';
import type { FastifyInstance } from 'fastify';
import { IncomingHttpHeaders, request as httpRequest } from 'http';
import type { AddressInfo } from 'net';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { runQuery } from '../format/dataframe-json';
import { req } from '../../test/support/test-store';
import type { AnalysisQuery } from '../model/query';
import { SourceError } from '../sources/files';
import { loadLogs } from '../sources/load';
import { LogReader } from '../sources/reader';
import { Store } from '../store/store';
import { bearerMatches, hostName } from './auth';
import { buildProxy, LogSource, RunningProxy, startProxy } from './server';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const S = 1000;

/** 40 requests over two models and two regions, a few slow ones, some errors, and awkward text for CSV. */
function records(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 40; i++) {
    out.push(
      req(T0 + i * 60 * S, {
        request_id: `r${i}`,
        model: i % 2 ? 'alpha' : 'beta',
        latency_ms: i === 17 ? 5000 : 100 + (i % 7) * 10,
        batch_size: 1 + (i % 4),
        gpu_util: 50 + (i % 5),
        memory_used_gb: 10 + (i % 3),
        status: i % 10 === 3 ? 'error' : 'success',
        region: i % 3 ? 'eu' : 'us',
        note: i === 4 ? 'has, a comma and "quotes"' : i === 6 ? 'two\nlines' : 'plain',
      })
    );
  }
  return out;
}

function writeLog(dir: string, lines: Array<Record<string, unknown> | string>): string {
  const file = path.join(dir, 'app.log');
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
}

/** JSON as it travels: NaN and undefined gone, as the proxy sends it. */
function overTheWire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Minimal RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}

/** An answer as the tests read it. */
interface Answer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): unknown;
}

interface Call {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

/** One HTTP request to a listening proxy (node's http, so any Host header can be sent). */
function call(base: string, options: Call | string): Promise<Answer> {
  const { method = 'GET', url, headers = {}, payload } = typeof options === 'string' ? { url: options } : options;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${url}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
    });
    // A server may answer (413, 401) before it has read a large body, and then close the connection.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : reject(error)));
    req.end(payload);
  });
}

/** Listens on a free loopback port and returns the base URL. */
async function listen(server: FastifyInstance): Promise<string> {
  await server.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}

/** A listening app, called like fastify.inject. */
function injector(server: FastifyInstance): (options: Call | string) => Promise<Answer> {
  let base: Promise<string> | undefined;
  return async (options) => call(await (base ??= listen(server)), options);
}

/** Error bodies seen by the tests, checked for stack traces at the end. */
const errorBodies: string[] = [];

function json(response: Answer): Record<string, unknown> {
  if (response.statusCode >= 400) {
    errorBodies.push(response.body);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  }
  return response.json() as Record<string, unknown>;
}

let dir: string;
let logFile: string;
let reader: LogReader;
let server: FastifyInstance;
let app: { inject: (options: Call | string) => Promise<Answer> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-'));
  logFile = writeLog(dir, [...records(), 'not json at all', '{"timestamp": "2026-03-01T10:00:00"}']);
  reader = new LogReader([dir]);
  await reader.refresh();
  server = buildProxy(reader, { limits: { maxRows: 30 } });
  app = { inject: injector(server) };
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/api/query',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('GET routes', () => {
  it('/api/health describes the logs', async () => {
    const response = await app.inject('/api/health');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(json(response)).toEqual({
      status: 'ok',
      requests: 40,
      files: 1,
      from: '2026-03-01T10:00:00.000Z',
      to: new Date(T0 + 39 * 60 * S).toISOString(),
      models: ['alpha', 'beta'],
      skipped: { invalid_json: 1, missing_model: 1 },
    });
  });

  it('/api/fields lists fields with their kinds', async () => {
    const fields = json(await app.inject('/api/fields')) as unknown as Array<{ name: string; type: string }>;
    expect(fields).toEqual(
      expect.arrayContaining([
        { name: 'latency_ms', type: 'number' },
        { name: 'model', type: 'string' },
        { name: 'region', type: 'string' },
      ])
    );
  });

  it('/api/models lists the models', async () => {
    expect(json(await app.inject('/api/models'))).toEqual(['alpha', 'beta']);
  });

  it('/api/values lists the values of a field', async () => {
    expect(json(await app.inject('/api/values?field=region'))).toEqual(['eu', 'us']);
    expect(json(await app.inject('/api/values?field=batch_size'))).toEqual(['1', '2', '3', '4']);
  });

  it('/api/values without a field, or an unknown one, is 400 naming the fields', async () => {
    for (const url of ['/api/values', '/api/values?field=nope']) {
      const response = await app.inject(url);
      expect(response.statusCode).toBe(400);
      expect(json(response).message).toMatch(/field.*latency_ms, .*region/);
    }
  });

  it('unknown routes and methods are 404 JSON listing the routes', async () => {
    for (const [method, url] of [
      ['GET', '/nope'],
      ['GET', '/api/query'],
      ['DELETE', '/api/health'],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode).toBe(404);
      expect(json(response).message).toMatch(/^no route .*routes: POST \/api\/query/);
    }
  });
});

describe('POST /api/query', () => {
  const range = { from: T0, to: T0 + 30 * 60 * S };
  const queries: AnalysisQuery[] = [
    { refId: 'A', queryType: 'summary', groupBy: ['model'] },
    { refId: 'B', queryType: 'compare' },
    { refId: 'C', queryType: 'anomalies', method: 'mad', groupBy: ['model'], limit: 5 },
    { refId: 'D', queryType: 'trend', aggregation: 'p99', window: '5m', groupBy: ['model'] },
    { refId: 'E', queryType: 'correlation' },
    { refId: 'F', queryType: 'spike', limit: 3 },
    { refId: 'G', queryType: 'logs', limit: 4, filters: { region: ['us'] } },
  ];

  it('answers each query with the frames runQuery gives on the same logs', async () => {
    const response = await post({ queries, range });
    expect(response.statusCode).toBe(200);
    const { results } = json(response) as { results: Record<string, { frames: DataFrameJSON[] }> };
    const store = await loadLogs([dir]);
    expect(Object.keys(results)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G']);
    for (const query of queries) {
      expect(results[query.refId!]).toEqual({ frames: overTheWire(runQuery(store, { ...query }, { range })) });
    }
  });

  it('takes Grafana-style from/to as ISO or epoch strings, and intervalMs for auto windows', async () => {
    const query: AnalysisQuery = { refId: 'A', queryType: 'trend', window: 'auto' };
    const store = await loadLogs([dir]);
    const expected = overTheWire(runQuery(store, query, { range, intervalMs: 120_000 }));
    for (const body of [
      { queries: [query], from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() },
      { queries: [query], from: String(range.from), to: String(range.to) },
      { queries: [query], range: { from: String(range.from), to: new Date(range.to).toISOString() } },
    ]) {
      const { results } = json(await post({ ...body, intervalMs: 120_000 })) as {
        results: Record<string, unknown>;
      };
      expect(results.A).toEqual({ frames: expected });
    }
  });

  it('runs a query without queryType or refId as a summary named A', async () => {
    const { results } = json(await post({ queries: [{}] })) as { results: Record<string, { frames: unknown[] }> };
    expect(Object.keys(results)).toEqual(['A']);
    expect(results.A.frames).toHaveLength(1);
  });

  it('gives queries without a refId ones the others do not use', async () => {
    const { results } = json(await post({ queries: [{ refId: 'A' }, {}, { refId: 'C' }, {}] })) as {
      results: Record<string, unknown>;
    };
    expect(Object.keys(results).sort()).toEqual(['A', 'B', 'C', 'D']);
  });

  it('fails a bad query alone, with its message and status', async () => {
    const response = await post({
      queries: [
        { refId: 'good', queryType: 'compare' },
        { refId: 'filter', queryType: 'summary', filters: { nope: ['x'] } },
        { refId: 'schema', queryType: 'trend', window: 5 },
        { refId: 'type', queryType: 'histogram' },
        { refId: 'metric', queryType: 'anomalies', metric: 'region' },
        'not an object',
        null,
      ],
    });
    expect(response.statusCode).toBe(200);
    const { results } = json(response) as {
      results: Record<string, { frames?: unknown[]; error?: string; status?: number }>;
    };
    expect(results.good.frames).toHaveLength(1);
    expect(results.filter).toEqual({
      error: expect.stringMatching(/unknown filter field "nope"; fields: /),
      status: 400,
    });
    expect(results.schema).toEqual({ error: 'invalid query: window must be string', status: 400 });
    expect(results.type).toEqual({ error: expect.stringMatching(/queryType must be one of summary, /), status: 400 });
    expect(results.metric).toEqual({ error: expect.stringMatching(/"region" is not a numeric field/), status: 400 });
    expect(results.A).toEqual({ error: 'the query must be a JSON object', status: 400 });
    expect(results.B).toEqual({ error: 'the query must be a JSON object', status: 400 });
    for (const result of Object.values(results)) {
      if (result.error) {
        errorBodies.push(result.error);
      }
    }
  });

  it('answers {"queries": [null]} with the query failing alone as 400, not a 500', async () => {
    const response = await post({ queries: [null] });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ results: { A: { error: 'the query must be a JSON object', status: 400 } } });
  });

  it('cuts anomalies and logs to --max-rows, and fails other answers larger than that', async () => {
    const { results } = json(
      await post({
        queries: [
          { refId: 'all', queryType: 'logs' },
          { refId: 'few', queryType: 'logs', limit: 3 },
          { refId: 'many', queryType: 'logs', limit: 1000 },
          { refId: 'anomalies', queryType: 'anomalies', threshold: 0 },
          { refId: 'huge', queryType: 'summary', groupBy: ['request_id'] },
        ],
      })
    ) as { results: Record<string, { frames: DataFrameJSON[]; error?: string; status?: number }> };
    const rows = (refId: string) => results[refId].frames[0].data!.values[0].length;
    expect(rows('all')).toBe(30);
    expect(rows('few')).toBe(3);
    expect(rows('many')).toBe(30);
    expect(rows('anomalies')).toBe(30);
    // Refused before its percentiles are computed: the groups are counted first, no further than the bound.
    expect(results.huge).toEqual({
      error: expect.stringMatching(
        /summary grouped by request_id has at least 31 groups, more than the 30 rows allowed/
      ),
      status: 400,
    });
  });

  it('refuses a trend of more series than --max-frames or more cells than maxCells before building it', async () => {
    // 40 ids, one a minute: a series each; 40 one-minute buckets.
    const trend = { refId: 'T', queryType: 'trend', groupBy: ['request_id'], window: '1m', aggregation: 'count' };
    const ask = async (limits: { maxFrames: number; maxCells?: number }) => {
      const proxy = buildProxy(reader, { limits });
      try {
        const response = await injector(proxy)({
          method: 'POST',
          url: '/api/query',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ queries: [trend] }),
        });
        expect(response.statusCode).toBe(200);
        return (json(response) as { results: Record<string, { frames?: DataFrameJSON[]; error?: string }> }).results.T;
      } finally {
        await proxy.close();
      }
    };
    expect(await ask({ maxFrames: 39 })).toEqual({
      error:
        'trend grouped by request_id has at least 40 series, more than the 39 allowed (maxSeries); ' +
        'group by a field with fewer values, filter, widen the window or shorten the range',
      status: 400,
    });
    expect((await ask({ maxFrames: 40 })).frames).toHaveLength(40);
    expect((await ask({ maxFrames: 40, maxCells: 40 * 40 - 1 })).error).toMatch(
      /has at least 40 series × 40 buckets = at least 1600 cells, more than the 1599 allowed \(maxCells\)/
    );
    expect((await ask({ maxFrames: 40, maxCells: 40 * 40 })).frames).toHaveLength(40);
  });

  it('answers bad JSON with 400 and a message', async () => {
    const response = await post('{"queries": [');
    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({ message: 'the request body is not valid JSON' });
  });

  it('answers a __proto__ or constructor.prototype key with 400 saying so, not "not valid JSON"', async () => {
    for (const body of [
      '{"queries": [{"refId": "A", "__proto__": {"queryType": "logs"}}]}',
      '{"queries": [{"refId": "A", "constructor": {"prototype": {"x": 1}}}]}',
    ]) {
      const response = await post(body, { 'content-type': 'application/json; charset=utf-8' });
      expect(response.statusCode).toBe(400);
      expect(json(response).message).toMatch(/has a "__proto__" key .* is refused/);
    }
  });

  it('answers an empty body, or one that is not JSON, with a message', async () => {
    const empty = await post('');
    expect(empty.statusCode).toBe(400);
    expect(json(empty).message).toMatch(/empty/);
    const text = await post('queries', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    expect(json(text).message).toMatch(/application\/json/);
  });

  it('answers a body that breaks the schema with 400 naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /body must have the field "queries"/],
      [{ queries: 'A' }, /body\.queries must be array/],
      [{ queries: [], intervalMs: 'soon' }, /body\.intervalMs must be number/],
      [{ queries: [], range: { from: true } }, /body\.range\.from must be number,string/],
      [{ queries: [{ refId: 7 }] }, /body\.queries\.0\.refId must be string/],
      [{ queries: Array.from({ length: 51 }, () => ({})) }, /body\.queries must NOT have more than 50 items/],
      [[], /body must be object/],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      expect(response.statusCode).toBe(400);
      expect(json(response).message).toMatch(message);
    }
  });

  it('answers a time it cannot read, a reversed range or a refId used twice with 400', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ queries: [], from: 'yesterday' }, /range\.from "yesterday" is not a time/],
      [{ queries: [{ refId: 'A' }, { refId: 'A' }] }, /refId "A" is used by more than one query/],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      expect(response.statusCode).toBe(400);
      expect(json(response).message).toMatch(message);
    }
    const reversed = json(await post({ queries: [{}], range: { from: T0 + S, to: T0 } })) as {
      results: Record<string, unknown>;
    };
    expect(reversed.results.A).toEqual({ error: 'the time range ends before it starts', status: 400 });
  });

  it('answers a body over the limit with 413', async () => {
    const big = JSON.stringify({ queries: [{ refId: 'A', note: 'x'.repeat((1 << 20) + 10) }] });
    const response = await post(big);
    expect(response.statusCode).toBe(413);
    expect(json(response)).toEqual({ message: 'the request body is larger than 1048576 bytes' });
  });
});

describe('GET /api/export.csv', () => {
  it('streams the filtered requests as RFC 4180 CSV, quoting where needed', async () => {
    const response = await app.inject('/api/export.csv?model=beta&filter=region=us&filter=region=eu');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="inference-logs-start-end.csv"');
    expect(response.body).toContain('"has, a comma and ""quotes"""');
    expect(response.body).toContain('"two\nlines"');
    const rows = parseCsv(response.body);
    const header = rows[0];
    expect(header.slice(0, 2)).toEqual(['timestamp', 'latency_ms']);
    expect(rows).toHaveLength(21);
    const model = header.indexOf('model');
    expect(new Set(rows.slice(1).map((r) => r[model]))).toEqual(new Set(['beta']));
    const note = header.indexOf('note');
    expect(rows[3][note]).toBe('has, a comma and "quotes"');
    expect(rows[4][note]).toBe('two\nlines');
  });

  it('takes the time range and a limit, and names the file after the range', async () => {
    const from = new Date(T0 + 10 * 60 * S).toISOString();
    const response = await app.inject(
      `/api/export.csv?from=${from}&to=${T0 + 20 * 60 * S}&model=alpha&model=beta&filter=region=us&limit=2`
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="inference-logs-20260301T101000Z-20260301T102000Z.csv"'
    );
    const rows = parseCsv(response.body);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['2026-03-01T10:12:00.000000Z', '2026-03-01T10:15:00.000000Z']);
  });

  it("prefixes text a spreadsheet would run with ', never numbers; formulas=keep writes it as it is", async () => {
    const own = mkdtempSync(path.join(tmpdir(), 'proxy-formulas-'));
    const notes = ['=1+1', '@SUM(A1)', '+x', '-x', '\tx', '-1.5'];
    writeLog(
      own,
      notes.map((note, i) => req(T0 + i * S, { model: 'm', latency_ms: -1.5, note }))
    );
    const source = new LogReader([own]);
    await source.refresh();
    const proxy = buildProxy(source);
    try {
      const cells = async (url: string) => {
        const response = await proxy.inject(url);
        expect(response.statusCode).toBe(200);
        const rows = parseCsv(response.body);
        const [latency, note] = [rows[0].indexOf('latency_ms'), rows[0].indexOf('note')];
        return rows.slice(1).map((row) => [row[latency], row[note]]);
      };
      expect(await cells('/api/export.csv')).toEqual(notes.map((note) => ['-1.5', `'${note}`]));
      expect(await cells('/api/export.csv?formulas=keep')).toEqual(notes.map((note) => ['-1.5', note]));
      const bad = await proxy.inject('/api/export.csv?formulas=run');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toMatch(/formulas must be "keep"/);
    } finally {
      await proxy.close();
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('answers an unknown filter field, a bad filter, time or limit with 400 JSON', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/export.csv?filter=nope=1', /unknown filter field "nope"/],
      ['/api/export.csv?filter=region', /filter "region" is not FIELD=VALUE/],
      ['/api/export.csv?from=tuesday', /from "tuesday" is not a time/],
      ['/api/export.csv?limit=-1', /limit "-1" is not a whole number/],
      ['/api/export.csv?from=2&to=1', /ends before it starts/],
      ['/api/export.csv?from=1&from=2', /from is given 2 times/],
    ];
    for (const [url, message] of cases) {
      const response = await app.inject(url);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-disposition']).toBeUndefined();
      expect(json(response).message).toMatch(message);
    }
  });
});

describe('GET /api/report.html', () => {
  it('renders the report as HTML for the range and filters', async () => {
    const response = await app.inject(`/api/report.html?from=${T0}&to=${T0 + 3_600_000}&model=alpha&title=Weekly`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toMatch(/^<!DOCTYPE html>/i);
    expect(response.body).toContain('Weekly');
    // Self-contained HTML: nothing to load, no script to run (test/report-browser.test.ts renders it so).
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('answers bad options with 400 JSON', async () => {
    for (const [url, message] of [
      ['/api/report.html?window=soon', /window "soon" is not a window/],
      ['/api/report.html?method=guess', /method must be one of zscore, mad, iqr/],
      ['/api/report.html?filter=nope=1', /nope/],
    ] as const) {
      const response = await app.inject(url);
      expect(response.statusCode).toBe(400);
      expect(json(response).message).toMatch(message);
    }
  });
});

describe('freshness', () => {
  it('sees lines appended to the logs on the next request', async () => {
    const before = json(await app.inject('/api/health')).requests as number;
    appendFileSync(logFile, JSON.stringify(req(T0 + 3_600_000, { model: 'gamma' })) + '\n');
    const health = json(await app.inject('/api/health'));
    expect(health.requests).toBe(before + 1);
    expect(health.models).toEqual(['alpha', 'beta', 'gamma']);
    const { results } = json(await post({ queries: [{ refId: 'A', queryType: 'summary', groupBy: ['model'] }] })) as {
      results: Record<string, { frames: DataFrameJSON[] }>;
    };
    expect(results.A.frames[0].data!.values[0]).toEqual(['alpha', 'beta', 'gamma']);
  });
});

/** A source whose refresh does what the test says. */
function sourceThat(refresh: () => Promise<unknown>): LogSource {
  return { store: new Store(), fileCount: 0, refresh };
}

describe('failures of the logs and the proxy', () => {
  it('answers logs that cannot be read with 503 and the reason', async () => {
    const failing = buildProxy(
      sourceThat(() => Promise.reject(new SourceError('no such file or directory: /var/log/gone')))
    );
    try {
      const response = await injector(failing)('/api/health');
      expect(response.statusCode).toBe(503);
      expect(json(response)).toEqual({ message: 'cannot read the logs: no such file or directory: /var/log/gone' });
    } finally {
      await failing.close();
    }
  });

  it('answers a read that takes too long with 503', async () => {
    const slow = buildProxy(
      sourceThat(() => new Promise(() => undefined)),
      { limits: { timeoutMs: 100 } }
    );
    try {
      const response = await injector(slow)('/api/models');
      expect(response.statusCode).toBe(503);
      expect(json(response).message).toMatch(/took longer than 100 ms/);
    } finally {
      await slow.close();
    }
  });

  it('answers its own failures with 500 and one line, no stack', async () => {
    const lines: string[] = [];
    const broken = buildProxy(
      sourceThat(() => Promise.reject(new TypeError('boom\n    at somewhere (/src/file.ts:1:1)'))),
      { log: (line) => lines.push(line) }
    );
    try {
      const response = await injector(broken)('/api/fields');
      expect(response.statusCode).toBe(500);
      expect(json(response)).toEqual({ message: 'internal error: boom' });
      expect(lines.join('\n')).toMatch(/GET \/api\/fields: TypeError: boom/);
    } finally {
      await broken.close();
    }
  });
});

describe('token', () => {
  const TOKEN = 's3cret-token';
  let guardedServer: FastifyInstance;
  let guarded: { inject: (options: Call | string) => Promise<Answer> };

  beforeAll(() => {
    guardedServer = buildProxy(reader, { token: TOKEN });
    guarded = { inject: injector(guardedServer) };
  });
  afterAll(() => guardedServer.close());

  it('answers calls without the token, or with a wrong one, with 401 JSON', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /needs a token: send Authorization: Bearer <token>/],
      [{ authorization: 'Bearer wrong' }, /token is not valid/],
      [{ authorization: `Bearer ${TOKEN}x` }, /token is not valid/],
      [{ authorization: TOKEN }, /token is not valid/],
      [{ authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }, /token is not valid/],
    ];
    for (const [headers, message] of cases) {
      for (const url of ['/api/health', '/api/export.csv', '/nope']) {
        const response = await guarded.inject({ url, headers });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="inference-logs"');
        expect(json(response).message).toMatch(message);
      }
      const query = await guarded.inject({
        method: 'POST',
        url: '/api/query',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: '{"queries": [{}]}',
      });
      expect(query.statusCode).toBe(401);
    }
  });

  it('checks the token before reading a body', async () => {
    const response = await guarded.inject({
      method: 'POST',
      url: '/api/query',
      headers: { 'content-type': 'application/json' },
      payload: 'x'.repeat((1 << 20) + 1),
    });
    expect(response.statusCode).toBe(401);
  });

  it('answers with the token', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect((await guarded.inject({ url: '/api/health', headers })).statusCode).toBe(200);
    const query = await guarded.inject({
      method: 'POST',
      url: '/api/query',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"queries": [{}]}',
    });
    expect(query.statusCode).toBe(200);
    expect(
      (await guarded.inject({ url: '/api/health', headers: { authorization: `bearer  ${TOKEN} ` } })).statusCode
    ).toBe(200);
  });

  it('with a token, answers to any host name', async () => {
    const response = await guarded.inject({
      url: '/api/health',
      headers: { host: 'gpu-host-7:8686', authorization: `Bearer ${TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
  });

  it('compares tokens exactly', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches('Bearer ', TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN)).toBe(false);
  });
});

describe('without a token on loopback', () => {
  it('answers only to loopback host names (no DNS rebinding)', async () => {
    for (const host of ['localhost:8686', '127.0.0.1:8686', '[::1]:8686', 'localhost']) {
      expect((await app.inject({ url: '/api/models', headers: { host } })).statusCode).toBe(200);
    }
    const response = await app.inject({ url: '/api/models', headers: { host: 'attacker.example:8686' } });
    expect(response.statusCode).toBe(403);
    expect(json(response).message).toMatch(/localhost/);
    expect(hostName('[::1]:80')).toBe('[::1]');
  });
});

describe('startProxy over real HTTP', () => {
  let proxy: RunningProxy;
  let own: string;

  beforeAll(async () => {
    own = mkdtempSync(path.join(tmpdir(), 'proxy-http-'));
    writeLog(own, records());
    proxy = await startProxy({ paths: [own], port: 0 });
  });
  afterAll(async () => {
    await proxy.close();
    rmSync(own, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 by default, on a free port', () => {
    expect(proxy.host).toBe('127.0.0.1');
    expect(proxy.port).toBeGreaterThan(0);
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
    expect(proxy.app.server.address()).toMatchObject({ address: '127.0.0.1', port: proxy.port });
  });

  it('answers health, queries and a streamed export', async () => {
    const health = await fetch(`${proxy.url}/api/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { requests: number }).requests).toBe(40);

    const query = await fetch(`${proxy.url}/api/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queries: [{ refId: 'A', queryType: 'compare' }] }),
    });
    expect(query.status).toBe(200);
    const store = await loadLogs([own]);
    expect(await query.json()).toEqual({
      results: { A: { frames: overTheWire(runQuery(store, { refId: 'A', queryType: 'compare' }, { range: {} })) } },
    });

    const csv = await fetch(`${proxy.url}/api/export.csv?filter=region=us`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="inference-logs-start-end.csv"');
    expect(parseCsv(await csv.text())).toHaveLength(1 + 14);

    const bad = await fetch(`${proxy.url}/api/export.csv?filter=nope=1`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/unknown filter field/);
  });

  it('streams an export larger than the socket buffers', async () => {
    const big = mkdtempSync(path.join(tmpdir(), 'proxy-big-'));
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      lines.push(JSON.stringify(req(T0 + i * S, { request_id: `request-${i}`, padding: 'p'.repeat(40) })));
    }
    writeFileSync(path.join(big, 'big.log'), lines.join('\n') + '\n');
    const bigProxy = await startProxy({ paths: [big], port: 0 });
    try {
      const response = await fetch(`${bigProxy.url}/api/export.csv`);
      const text = await response.text();
      expect(text.split('\r\n')).toHaveLength(30_000 + 2);
      expect(text.endsWith('\r\n')).toBe(true);
    } finally {
      await bigProxy.close();
      rmSync(big, { recursive: true, force: true });
    }
  });

  it('refuses to start on a path that names nothing', async () => {
    await expect(startProxy({ paths: [path.join(own, 'missing')], port: 0 })).rejects.toThrow(
      /no such file or directory/
    );
  });

  it('refuses a non-loopback host without a token unless insecureNoToken says so', async () => {
    await expect(startProxy({ paths: [own], port: 0, host: '0.0.0.0' })).rejects.toThrow(
      /refusing to serve on 0\.0\.0\.0 without a token/
    );
    const withToken = await startProxy({ paths: [own], port: 0, host: '0.0.0.0', token: 'secret' });
    await withToken.close();
    const allowed = await startProxy({ paths: [own], port: 0, host: '0.0.0.0', insecureNoToken: true });
    try {
      expect((await fetch(`http://127.0.0.1:${allowed.port}/api/health`)).status).toBe(200);
    } finally {
      await allowed.close();
    }
  });

  it('stops listening when closed', async () => {
    const other = await startProxy({ paths: [own], port: 0 });
    await other.close();
    await expect(fetch(`${other.url}/api/health`)).rejects.toThrow();
  });
});

afterAll(() => {
  expect(errorBodies.length).toBeGreaterThan(20);
  for (const body of errorBodies) {
    expect(body).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|stack/);
  }
});
