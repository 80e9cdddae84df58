/**
 * The backend in ClickHouse mode, in-process: QueryData (panel and alert-style requests), CheckHealth and the
 * resources against a private ClickHouse server (Debian's clickhouse-server; without it these tests fail, they are
 * not skipped), each answer equal to local mode's over the same logs.
 */
import { tableFromIPC } from 'apache-arrow';
import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { ClickHouseClient } from '../clickhouse/client';
import { ClickHouseServer, serverPorts, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { expectSameReport, withoutColumn } from '../../test/support/same-report';
import { expectSameNumbers, shipGeneratedLogs, ShippedLogs } from '../../test/support/shipped-logs';
import { checkHealth } from './health';
import { DataSourceInstance, InstanceManager } from './instances';
import { DataQuery, PluginContext, QueryDataResponse } from './messages';
import { BackendMetrics } from './metrics';
import { queryData } from './query-data';
import { callResource } from './resources';
import { pluginContext } from '../../test/support/plugin-context';

jest.setTimeout(120_000);

const PASSWORD = 'grafana-pa55';
const MINUTE = 60_000;

let server: ClickHouseServer;
let dir: string;
let shipped: ShippedLogs;
/** The last request's time, epoch ms: alert evaluations happen "now", just after it. */
let last: number;
let first: number;
const instances = new InstanceManager();
const metrics = new BackendMetrics(instances);

function context(jsonData: object, secrets: Record<string, string>, uid: string): PluginContext {
  return pluginContext(jsonData, { secrets, uid });
}

function clickhouse(more: object = {}, password = PASSWORD, uid = 'ch'): PluginContext {
  return context(
    {
      mode: 'clickhouse',
      clickhouseUrl: server.url,
      clickhouseDatabase: shipped.ref.database,
      clickhouseTable: shipped.ref.table,
      clickhouseUser: 'default',
      ...more,
    },
    { clickhousePassword: password },
    uid
  );
}

const local = (): PluginContext => context({ paths: [shipped.dir] }, {}, 'local');

function dataQuery(refId: string, model: object, from: number, to: number, intervalMS = MINUTE): DataQuery {
  return {
    refId,
    maxDataPoints: 1000,
    intervalMS,
    timeRange: { fromEpochMS: from, toEpochMS: to },
    json: Buffer.from(JSON.stringify({ refId, ...model })),
    queryType: '',
  };
}

/** An Arrow frame as plain data: its metadata and every field's name, type, metadata and values. */
function plain(bytes: Uint8Array) {
  const table = tableFromIPC(bytes);
  return {
    metadata: Object.fromEntries(table.schema.metadata),
    fields: table.schema.fields.map((field, i) => ({
      name: field.name,
      type: String(field.type),
      metadata: Object.fromEntries(field.metadata),
      values: Array.from({ length: table.numRows }, (_, row) => {
        const value: unknown = table.getChildAt(i)!.get(row);
        return typeof value === 'bigint' ? Number(value) : value;
      }),
    })),
  };
}

function plainResponses(response: QueryDataResponse) {
  return Object.fromEntries(
    Object.entries(response.responses).map(([refId, r]) => [
      refId,
      { status: r.status, error: r.error, frames: r.frames.map(plain) },
    ])
  );
}

/** The same request from local mode and from ClickHouse mode: both answers, as plain data. */
async function both(queries: DataQuery[], headers: Record<string, string> = {}) {
  const format = 'ARROW';
  const fromFiles = await queryData({ pluginContext: local(), headers, queries, format }, instances, metrics);
  const fromClickHouse = await queryData({ pluginContext: clickhouse(), headers, queries, format }, instances, metrics);
  return { files: plainResponses(fromFiles), clickhouse: plainResponses(fromClickHouse) };
}

beforeAll(async () => {
  server = await startClickHouse({ password: PASSWORD });
  dir = mkdtempSync(path.join(os.tmpdir(), 'grafana-clickhouse-'));
  const client = new ClickHouseClient({ url: server.url, password: PASSWORD });
  shipped = await shipGeneratedLogs(client, path.join(dir, 'logs'), { database: 'default', table: 'inference_logs' });
  const [span] = await client.query<{ lo: number; hi: number }>(
    'SELECT min(ts_us) AS lo, max(ts_us) AS hi FROM default.inference_logs'
  );
  first = Math.floor(Number(span.lo) / 1000);
  last = Math.floor(Number(span.hi) / 1000);
});

afterAll(async () => {
  const files = instances.all().find(([uid]) => uid === 'local')?.[1] as DataSourceInstance | undefined;
  await files?.stop();
  if (server) {
    await stopClickHouse(server);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('QueryData in ClickHouse mode', () => {
  it('answers panel queries as local mode does over the same logs', async () => {
    const [from, to] = [first, last];
    const { files, clickhouse: ch } = await both([
      dataQuery('A', { queryType: 'summary', groupBy: ['model'] }, from, to),
      dataQuery('B', { queryType: 'trend', aggregation: 'p95', window: 'auto', groupBy: ['model'] }, from, to, 30_000),
      dataQuery('C', { queryType: 'compare' }, from, to),
      dataQuery('D', { queryType: 'anomalies', method: 'iqr', limit: 20 }, from, to),
      dataQuery('E', { queryType: 'correlation', correlation: 'pearson' }, from, to),
      dataQuery('F', { queryType: 'spike' }, last - 5 * MINUTE, last),
      dataQuery('G', { queryType: 'summary', filters: { nosuch: ['x'] } }, from, to),
    ]);
    for (const refId of ['A', 'B', 'C', 'D', 'E', 'F']) {
      expect(files[refId].status).toBe(200);
      expect(files[refId].frames.length).toBeGreaterThan(0);
    }
    expect(ch.G).toMatchObject({ status: 400 });
    // The same message, but the table has a host column (ship --host-label) the files do not have.
    expect(ch.G.error).toBe(`${files.G.error}, host`);
    ch.G.error = files.G.error;
    expectSameNumbers(ch, files);
  });

  it('answers alert-style queries (FromAlert) as local mode: a rolling-window summary with one measure', async () => {
    const now = last + 20_000;
    const { files, clickhouse: ch } = await both(
      [
        dataQuery(
          'A',
          { queryType: 'summary', groupBy: ['model'], measures: ['p99_latency_ms'] },
          now - 5 * MINUTE,
          now
        ),
        dataQuery('B', { queryType: 'summary', measures: ['error_rate'] }, now - 5 * MINUTE, now),
        dataQuery('C', { queryType: 'summary', groupBy: ['model'] }, now - 5 * MINUTE, now),
      ],
      { FromAlert: 'true' }
    );
    expect(ch.A.status).toBe(200);
    expect(ch.A.frames[0].fields.map((f) => f.name)).toEqual(['model', 'p99_latency_ms']);
    expect(JSON.parse(ch.A.frames[0].metadata.meta).type).toBe('numeric-long');
    expect(ch.A.frames[0].fields[0].values.length).toBeGreaterThan(1);
    // Several measures per model cannot be an alert condition: the same 400 as local mode.
    expect(ch.C.status).toBe(400);
    expect(ch.C.error).toContain('set "measures" to one of');
    expectSameNumbers(ch, files);
  });

  it('for alerting, a trend gives only whole buckets, the same as local mode', async () => {
    // Evaluated 40 s into a minute over the last 10 minutes and 17 seconds: the first bucket is cut by the start,
    // the last is still being filled; only whole minutes are read.
    const now = Math.floor(last / MINUTE) * MINUTE + 40_000;
    const from = now - 10 * MINUTE - 17_000;
    const query = dataQuery(
      'A',
      { queryType: 'trend', aggregation: 'p99', window: '1m', groupBy: ['model'] },
      from,
      now
    );
    const { files, clickhouse: ch } = await both([query], { FromAlert: 'true' });
    expect(ch.A.status).toBe(200);
    expect(ch.A.frames.length).toBeGreaterThan(1);
    for (const frame of ch.A.frames) {
      const times = frame.fields[0].values as number[];
      expect(times.length).toBeGreaterThan(0);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(from);
      expect(Math.max(...times) + MINUTE).toBeLessThanOrEqual(now);
      expect(JSON.parse(frame.metadata.meta).type).toBe('timeseries-multi');
    }
    expectSameNumbers(ch, files);
    // The same query from a panel also has the bucket still being filled.
    const panel = plainResponses(
      await queryData(
        { pluginContext: clickhouse(), headers: {}, queries: [query], format: 'ARROW' },
        instances,
        metrics
      )
    );
    const panelTimes = panel.A.frames[0].fields[0].values as number[];
    expect(Math.max(...panelTimes) + MINUTE).toBeGreaterThan(now);
  });

  it('fails every query with what to fix when ClickHouse cannot answer', async () => {
    const response = await queryData(
      {
        pluginContext: clickhouse({}, 'wrong', 'ch-wrong'),
        headers: {},
        queries: [dataQuery('A', { queryType: 'summary' }, first, last)],
        format: 'ARROW',
      },
      instances,
      metrics
    );
    expect(response.responses.A).toMatchObject({ status: 503, errorSource: 'downstream', frames: [] });
    expect(response.responses.A.error).toMatch(/refused user "default" or its password/);
  });
});

describe('CheckHealth in ClickHouse mode', () => {
  const health = (pluginContext: PluginContext) => checkHealth({ pluginContext, headers: {} }, new InstanceManager());

  it('reports the server version, rows, time span, models and skipped lines', async () => {
    const res = await health(clickhouse());
    expect(res.status).toBe('OK');
    expect(res.message).toMatch(
      new RegExp(
        `^ClickHouse 18\\.16\\.\\d+ at ${server.url}, table default\\.inference_logs: 3000 requests from 1 host\\(s\\), ` +
          '2026-11-20 00:00 to 2026-11-20 \\d\\d:\\d\\d UTC; models: .+; skipped \\d+ lines \\(.+\\)\\.$'
      )
    );
    const details = JSON.parse(res.jsonDetails.toString());
    expect(details).toMatchObject({ requests: 3000, files: 2, hosts: 1, table: 'default.inference_logs' });
    expect(details.skipped).toEqual(shipped.skipped);
    const files = JSON.parse((await health(local())).jsonDetails.toString());
    expect(details.models).toEqual(files.models);
    expect(details.from).toBe(files.from);
    expect(details.to).toBe(files.to);
    expect(JSON.stringify(details)).not.toContain(PASSWORD);
  });

  it('says what to fix: unreachable, wrong password, no table, no URL', async () => {
    const { httpPort } = await serverPorts();
    const down = await health(clickhouse({ clickhouseUrl: `http://127.0.0.1:${httpPort}` }));
    expect(down.status).toBe('ERROR');
    expect(down.message).toMatch(
      new RegExp(
        `^ClickHouse at http://127\\.0\\.0\\.1:${httpPort} is unreachable \\(ECONNREFUSED\\): check the ClickHouse URL`
      )
    );

    const refused = await health(clickhouse({}, 'wrong-secret'));
    expect(refused.status).toBe('ERROR');
    expect(refused.message).toBe(
      `ClickHouse at ${server.url} refused user "default" or its password: check User and Password in the data source settings`
    );
    expect(refused.message).not.toContain('wrong-secret');

    const noTable = await health(clickhouse({ clickhouseTable: 'nope' }));
    expect(noTable.status).toBe('ERROR');
    expect(noTable.message).toBe(
      `ClickHouse at ${server.url} has no table default.nope: create it with ` +
        `\`inference-logs clickhouse init --clickhouse ${server.url} --database default --table nope\`, then ship logs ` +
        `into it with \`inference-logs ship --logs PATH --clickhouse ${server.url} --database default --table nope\``
    );

    const noUrl = await health(context({ mode: 'clickhouse' }, {}, 'no-url'));
    expect(noUrl.message).toMatch(/ClickHouse mode needs the ClickHouse URL/);
    const secretInUrl = await health(context({ mode: 'clickhouse', clickhouseUrl: 'http://u:p@127.0.0.1:1' }, {}, 'u'));
    expect(secretInUrl.message).toMatch(/holds a password: remove it/);
  });

  it('an empty table: answers, and says to ship logs', async () => {
    const client = new ClickHouseClient({ url: server.url, password: PASSWORD });
    await client.exec('CREATE TABLE IF NOT EXISTS default.empty AS default.inference_logs');
    await client.exec('CREATE TABLE IF NOT EXISTS default.empty_skips AS default.inference_logs_skips');
    const res = await health(clickhouse({ clickhouseTable: 'empty' }));
    expect(res.status).toBe('ERROR');
    expect(res.message).toMatch(/table default\.empty: no requests yet\. Ship logs into it with `inference-logs ship/);
  });
});

describe('CallResource in ClickHouse mode', () => {
  const get = async (pluginContext: PluginContext, pathAndQuery: string) => {
    const [p] = pathAndQuery.split('?');
    const response = await callResource(
      { pluginContext, path: p, method: 'GET', url: pathAndQuery, headers: {}, body: Buffer.alloc(0) },
      instances
    );
    return { code: response.code, body: JSON.parse(response.body.toString()) as unknown };
  };

  it('lists models and values as local mode does; fields, stats', async () => {
    for (const resource of ['models', 'values?field=model', 'values?field=status']) {
      const [ch, files] = [await get(clickhouse(), resource), await get(local(), resource)];
      expect(ch.code).toBe(200);
      expect(ch.body).toEqual(files.body);
    }
    const fields = (await get(clickhouse(), 'fields')).body as Array<{ name: string; type: string }>;
    expect(fields).toEqual(
      expect.arrayContaining([
        { name: 'latency_ms', type: 'number' },
        { name: 'model', type: 'string' },
      ])
    );
    const stats = await get(clickhouse(), 'stats');
    expect(stats).toMatchObject({ code: 200, body: { requests: 3000, version: expect.stringMatching(/^18\.16/) } });
  });

  it('makes the HTML report and the CSV export as local mode does', async () => {
    const raw = async (pluginContext: PluginContext, pathAndQuery: string) => {
      const [p] = pathAndQuery.split('?');
      const response = await callResource(
        { pluginContext, path: p, method: 'GET', url: pathAndQuery, headers: {}, body: Buffer.alloc(0) },
        instances
      );
      return { code: response.code, type: response.headers['Content-Type']?.values[0], body: response.body.toString() };
    };
    const from = new Date(first + 5 * MINUTE).toISOString();
    for (const resource of ['report.html?title=Fleet', `report.html?from=${from}&model=llama-3-8b`]) {
      const [ch, files] = [await raw(clickhouse(), resource), await raw(local(), resource)];
      expect(ch.code).toBe(200);
      expect(ch.type).toBe('text/html; charset=utf-8');
      expectSameReport(ch.body, files.body);
    }
    for (const resource of ['export.csv', `export.csv?from=${from}&filter=status=error`, 'export.csv?limit=5']) {
      const [ch, files] = [await raw(clickhouse(), resource), await raw(local(), resource)];
      expect(ch.code).toBe(200);
      expect(ch.type).toBe('text/csv; charset=utf-8');
      // The table has a host column (ship --host-label) the files do not have; the rest is the same bytes.
      const { csv, values } = withoutColumn(ch.body, 'host');
      expect(csv).toBe(files.body);
      expect([...values]).toEqual(['gpu-test-1']);
    }
  });

  it('answers mistakes with a status and a message', async () => {
    expect(await get(clickhouse(), 'values')).toMatchObject({
      code: 400,
      body: { message: expect.stringMatching(/values needs \?field=NAME/) },
    });
    expect(await get(clickhouse(), 'values?field=nosuch')).toMatchObject({ code: 400 });
    expect(await get(clickhouse(), 'export.csv?limit=x')).toMatchObject({ code: 400 });
    expect(await get(clickhouse(), 'report.html?filter=nosuch=1')).toMatchObject({ code: 400 });
    expect(await get(clickhouse(), 'nosuch')).toMatchObject({ code: 404 });
    for (const resource of ['models', 'report.html', 'export.csv']) {
      expect(await get(clickhouse({}, 'wrong', 'ch-wrong-2'), resource)).toMatchObject({ code: 503 });
    }
  });
});
