import { tableFromIPC } from 'apache-arrow';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { InstanceManager } from '../pkg/grafana/instances';
import { checkHealth } from '../pkg/grafana/health';
import { DataQuery, PluginContext, QueryDataRequest } from '../pkg/grafana/messages';
import { BackendMetrics } from '../pkg/grafana/metrics';
import { queryData } from '../pkg/grafana/query-data';
import { callResource } from '../pkg/grafana/resources';
import { RunningProxy, startProxy } from '../pkg/http/server';
import { pluginContext } from './support/plugin-context';

/**
 * Remote mode: a Grafana data source pointing at `inference-logs serve` on another host must
 * answer exactly as one reading the same logs locally.
 */
const TOKEN = 's3cret-token';
let dir: string;
let proxy: RunningProxy;

const line = (t: string, model: string, latency: number, status = 'success') =>
  JSON.stringify({ timestamp: t, request_id: `r-${t}-${model}`, model, latency_ms: latency, status }) + '\n';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'remote-'));
  let text = '';
  for (let i = 0; i < 120; i++) {
    const t = new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + i * 15_000).toISOString().replace('Z', '');
    text += line(t, i % 3 ? 'a' : 'b', 10 + (i % 17) * 3.5 + (i === 77 ? 900 : 0), i % 11 ? 'success' : 'error');
  }
  writeFileSync(path.join(dir, 'app.log'), text + 'garbage line\n');
  proxy = await startProxy({ paths: [dir], port: 0, token: TOKEN, log: () => undefined });
});
afterAll(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

function context(jsonData: object, secrets: Record<string, string> = {}, uid = 'u'): PluginContext {
  return pluginContext(jsonData, { secrets, uid });
}

const FROM = Date.UTC(2026, 10, 27, 10, 0);
const TO = Date.UTC(2026, 10, 27, 10, 30);
const QUERIES: object[] = [
  { queryType: 'summary', groupBy: ['model'] },
  { queryType: 'trend', aggregation: 'p99', window: '5m', groupBy: ['model'] },
  { queryType: 'anomalies', method: 'mad' },
  { queryType: 'correlation' },
  { queryType: 'compare' },
  { queryType: 'logs', limit: 5 },
];
const dataQueries = (queries: object[] = QUERIES): DataQuery[] =>
  queries.map((model, i) => ({
    refId: String.fromCharCode(65 + i),
    maxDataPoints: 100,
    intervalMS: 60_000,
    timeRange: { fromEpochMS: FROM, toEpochMS: TO },
    json: Buffer.from(JSON.stringify(model)),
    queryType: '',
  }));

async function run(pluginContext: PluginContext, headers: Record<string, string> = {}, queries = QUERIES) {
  const instances = new InstanceManager();
  const request: QueryDataRequest = { pluginContext, headers, queries: dataQueries(queries), format: 'ARROW' };
  try {
    return await queryData(request, instances, new BackendMetrics(instances));
  } finally {
    await instances.stop(); // a local data source's worker thread ends with the query
  }
}

/** Every frame of every refId, decoded, as plain JSON (schema names, labels and values). */
function decoded(responses: Awaited<ReturnType<typeof run>>['responses']) {
  return Object.fromEntries(
    Object.entries(responses).map(([refId, r]) => [
      refId,
      {
        status: r.status,
        error: r.error,
        frames: r.frames.map((bytes) => {
          const table = tableFromIPC(bytes);
          return table.schema.fields.map((f, i) => ({
            name: f.name,
            type: String(f.type),
            labels: f.metadata.get('labels') ?? null,
            values: Array.from(table.getChildAt(i)!.toArray() as ArrayLike<unknown>, (v) =>
              typeof v === 'bigint' ? String(v) : v
            ),
            nulls: Array.from({ length: table.numRows }, (_, row) => table.getChildAt(i)!.isValid(row)),
          }));
        }),
      },
    ])
  );
}

describe('remote mode', () => {
  it('answers every query type exactly as local mode does on the same logs', async () => {
    const local = decoded((await run(context({ paths: [dir] }, {}, 'local'))).responses);
    const remote = decoded(
      (await run(context({ mode: 'remote', proxyUrl: proxy.url }, { proxyToken: TOKEN }, 'remote'))).responses
    );
    expect(Object.keys(remote).sort()).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    for (const refId of Object.keys(local)) {
      expect(remote[refId].status).toBe(200);
      expect(remote[refId].frames.length).toBeGreaterThan(0);
    }
    expect(remote).toEqual(local);
  });

  it('answers alert rules exactly as local mode does: whole trend buckets, one measure, 400 for duplicate labels', async () => {
    const alertQueries: object[] = [
      { queryType: 'trend', aggregation: 'p99', window: '7m', groupBy: ['model'] },
      { queryType: 'summary', groupBy: ['model'], measures: ['p99_latency_ms'] },
      { queryType: 'compare' },
    ];
    const headers = { FromAlert: 'true' };
    const local = decoded((await run(context({ paths: [dir] }, {}, 'local'), headers, alertQueries)).responses);
    const remote = decoded(
      (
        await run(
          context({ mode: 'remote', proxyUrl: proxy.url }, { proxyToken: TOKEN }, 'remote'),
          headers,
          alertQueries
        )
      ).responses
    );
    expect(remote).toEqual(local);
    // Epoch-aligned 7-minute buckets wholly inside 10:00–10:30: start >= FROM and start + 7m <= TO.
    const w = 7 * 60_000;
    const whole: string[] = [];
    for (let start = Math.ceil(FROM / w) * w; start + w <= TO; start += w) {
      whole.push(String(BigInt(start) * 1_000_000n));
    }
    expect(whole.length).toBeGreaterThanOrEqual(3);
    expect(local.A.frames[0][0].values).toEqual(whole);
    expect(local.B.status).toBe(200);
    expect(local.C).toMatchObject({ status: 400 });
  });

  it('says the token is wrong, per query, when the proxy refuses it', async () => {
    const res = await run(context({ mode: 'remote', proxyUrl: proxy.url }, { proxyToken: 'wrong' }, 'bad-token'));
    expect(res.responses.A.status).toBe(401);
    expect(res.responses.A.error).toContain('check the token in the data source settings');
  });

  it('says the proxy cannot be reached', async () => {
    const res = await run(context({ mode: 'remote', proxyUrl: 'http://127.0.0.1:9' }, { proxyToken: TOKEN }, 'down'));
    expect(res.responses.A.status).toBe(502);
    expect(res.responses.A.error).toContain('cannot reach the proxy at http://127.0.0.1:9');
  });

  it('needs a proxy URL', async () => {
    const res = await run(context({ mode: 'remote' }, {}, 'no-url'));
    expect(res.responses.A.error).toContain("remote mode needs the proxy's URL");
  });

  it('checks health and serves lookups through the proxy', async () => {
    const pluginContext = context({ mode: 'remote', proxyUrl: proxy.url }, { proxyToken: TOKEN }, 'remote-health');
    const instances = new InstanceManager();
    const health = await checkHealth({ pluginContext, headers: {} }, instances);
    expect(health.status).toBe('OK');
    expect(health.message).toBe(`Proxy at ${proxy.url} answers: 120 requests from 1 file(s); models: a, b.`);
    const models = await callResource(
      { pluginContext, path: 'models', method: 'GET', url: 'models', headers: {}, body: Buffer.alloc(0) },
      instances
    );
    expect(JSON.parse(models.body.toString())).toEqual(['a', 'b']);
  });
});
