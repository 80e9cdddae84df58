/**
 * The proxy serving from ClickHouse (`serve --clickhouse`) answers as the proxy serving the same logs from files:
 * a private ClickHouse server (Debian's clickhouse-server; without it these tests fail, they are not skipped), the
 * same generated logs shipped into it, every route compared over real HTTP on 127.0.0.1 with a token.
 */
import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { ClickHouseClient } from '../clickhouse/client';
import { ClickHouseSource } from '../clickhouse/source';
import { ClickHouseServer, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { expectSameReport, withoutColumn } from '../../test/support/same-report';
import { expectSameNumbers, shipGeneratedLogs, ShippedLogs } from '../../test/support/shipped-logs';
import { clickhouseData } from './data';
import { buildProxy, RunningProxy, startProxy } from './server';

jest.setTimeout(120_000);

const TOKEN = 'proxy-t0ken';
const PASSWORD = 'proxy-pa55';

let server: ClickHouseServer;
let dir: string;
let shipped: ShippedLogs;
let files: RunningProxy;
let clickhouse: RunningProxy;

function source(password = PASSWORD): ClickHouseSource {
  return new ClickHouseSource(new ClickHouseClient({ url: server.url, password }), shipped.ref);
}

async function call(proxy: RunningProxy, route: string, body?: object) {
  const response = await fetch(`${proxy.url}${route}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${TOKEN}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A GET answered with text: status, content type, disposition and body. */
async function text(proxy: RunningProxy, route: string) {
  const response = await fetch(`${proxy.url}${route}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    disposition: response.headers.get('content-disposition'),
    body: await response.text(),
  };
}

beforeAll(async () => {
  server = await startClickHouse({ password: PASSWORD });
  dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-clickhouse-'));
  const client = new ClickHouseClient({ url: server.url, password: PASSWORD });
  shipped = await shipGeneratedLogs(client, path.join(dir, 'logs'), { database: 'default', table: 'inference_logs' });
  const common = { port: 0, token: TOKEN, limits: { maxRows: 40 }, log: () => undefined };
  files = await startProxy({ paths: [shipped.dir], ...common });
  clickhouse = await startProxy({ clickhouse: source(), ...common });
});

afterAll(async () => {
  await files?.close();
  await clickhouse?.close();
  if (server) {
    await stopClickHouse(server);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('serve --clickhouse', () => {
  it('binds 127.0.0.1 and needs the token', async () => {
    expect(clickhouse.host).toBe('127.0.0.1');
    const response = await fetch(`${clickhouse.url}/api/models`);
    expect(response.status).toBe(401);
  });

  it('answers POST /api/query as the proxy over the files, row caps included', async () => {
    const body = {
      queries: [
        { refId: 'A', queryType: 'summary', groupBy: ['model'] },
        { refId: 'B', queryType: 'trend', aggregation: 'p99', window: '5m', groupBy: ['model'] },
        { refId: 'C', queryType: 'anomalies', method: 'zscore', threshold: 0.5 },
        { refId: 'D', queryType: 'compare', measures: ['p99_latency_ms', 'error_rate'] },
        { refId: 'E', queryType: 'correlation', correlation: 'spearman' },
        { refId: 'F', queryType: 'spike', limit: 500 },
        { refId: 'G', queryType: 'trend', aggregation: 'median' },
      ],
      from: '2026-11-20T00:05:00',
      to: '2026-11-20T00:15:00Z',
    };
    const [fromFiles, fromClickHouse] = [
      await call(files, '/api/query', body),
      await call(clickhouse, '/api/query', body),
    ];
    expect(fromClickHouse.status).toBe(200);
    const results = fromClickHouse.json.results as Record<
      string,
      { frames?: Array<{ data: { values: unknown[][] } }> }
    >;
    // Anomalies without a limit and spike's slowest requests are cut to --max-rows (40).
    expect(results.C.frames![0].data.values[0]).toHaveLength(40);
    expect(results.F.frames![2].data.values[0]).toHaveLength(40);
    expect(results.G).toMatchObject({ status: 400 });
    expectSameNumbers(fromClickHouse, fromFiles);
  });

  it('answers health, models and values from ClickHouse', async () => {
    const health = await call(clickhouse, '/api/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: 'ok',
      requests: 3000,
      files: 2,
      hosts: 1,
      version: expect.stringMatching(/^18\.16\./),
      table: 'default.inference_logs',
      skipped: shipped.skipped,
    });
    const fileHealth = await call(files, '/api/health');
    for (const key of ['requests', 'from', 'to', 'models', 'skipped']) {
      expect(health.json[key]).toEqual(fileHealth.json[key]);
    }
    for (const route of ['/api/models', '/api/values?field=model', '/api/values?field=batch_size']) {
      expect((await call(clickhouse, route)).json).toEqual((await call(files, route)).json);
    }
    const fields = (await call(clickhouse, '/api/fields')).json as unknown as Array<{ name: string }>;
    expect(fields.map((f) => f.name)).toContain('host');
    expect(await call(clickhouse, '/api/values')).toMatchObject({ status: 400 });
    expect(await call(clickhouse, '/api/values?field=nosuch')).toMatchObject({ status: 400 });
  });

  it('serves the HTML report as the proxy over the files, its top list cut to --max-rows', async () => {
    const route = '/api/report.html?model=llama-3-8b&top=100&threshold=0.5&title=Fleet';
    const [fromFiles, fromClickHouse] = [await text(files, route), await text(clickhouse, route)];
    expect(fromClickHouse.status).toBe(200);
    expect(fromClickHouse.type).toBe('text/html; charset=utf-8');
    expect(fromClickHouse.body).toContain('The 40 most extreme:');
    expectSameReport(fromClickHouse.body, fromFiles.body);
    for (const other of [
      '/api/report.html?from=2026-11-20T00:05:00Z&to=2026-11-20T00:15:00Z&filter=status=success&window=1m',
      '/api/report.html?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z',
    ]) {
      expectSameReport((await text(clickhouse, other)).body, (await text(files, other)).body);
    }
  });

  it('streams the CSV export as the proxy over the files, with the host column the table adds', async () => {
    for (const query of ['', '?from=2026-11-20T00:05:00Z&to=2026-11-20T00:15:00Z&filter=status=error', '?limit=9']) {
      const [fromFiles, fromClickHouse] = [
        await text(files, `/api/export.csv${query}`),
        await text(clickhouse, `/api/export.csv${query}`),
      ];
      expect(fromClickHouse.status).toBe(200);
      expect(fromClickHouse.type).toBe('text/csv; charset=utf-8');
      expect(fromClickHouse.disposition).toBe(fromFiles.disposition);
      // The generated logs have no host field: the table's host column (ship --host-label) is the one difference.
      const { csv, values } = withoutColumn(fromClickHouse.body, 'host');
      expect(csv).toBe(fromFiles.body);
      expect([...values]).toEqual(['gpu-test-1']);
    }
    const wrong = await text(clickhouse, '/api/export.csv?filter=nosuch=1');
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatch(/unknown filter field/);
  });

  it('answers 503 with the reason when ClickHouse refuses, and never says the password', async () => {
    await expect(startProxy({ clickhouse: source('nope-secret'), port: 0 })).rejects.toThrow(
      /refused the user or password/
    );
    // Refused after start (the password changed on the server): every route says why.
    const app = buildProxy(clickhouseData(source('nope-secret')), { token: TOKEN, log: () => undefined });
    try {
      for (const route of ['/api/models', '/api/health', '/api/report.html', '/api/export.csv']) {
        const response = await app.inject({ url: route, headers: { authorization: `Bearer ${TOKEN}` } });
        expect(response.statusCode).toBe(503);
        expect(response.json().message).toMatch(/refused the user or password/);
        expect(response.body).not.toContain('nope-secret');
      }
      const query = await app.inject({
        method: 'POST',
        url: '/api/query',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { queries: [{ refId: 'A', queryType: 'summary' }] },
      });
      expect(query.json().results.A).toMatchObject({ status: 503 });
    } finally {
      await app.close();
    }
  });
});
