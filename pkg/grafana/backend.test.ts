import { tableFromIPC } from 'apache-arrow';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { checkHealth } from './health';
import { InstanceManager } from './instances';
import { CallResourceRequest, DataQuery, PluginContext, QueryDataRequest } from './messages';
import { BackendMetrics } from './metrics';
import { queryData } from './query-data';
import { callResource } from './resources';
import { pluginContext } from '../../test/support/plugin-context';

// Each data source instance starts its worker thread (pkg/worker), which loads the engine, and vega at its first
// report: tests that make several instances take seconds on a loaded machine.
jest.setTimeout(30_000);

const line = (t: string, model: string, latency: number, status = 'success', region = 'eu') =>
  JSON.stringify({ timestamp: t, request_id: `r-${t}`, model, latency_ms: latency, status, region }) + '\n';

let dir: string;
let logFile: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'backend-'));
  logFile = path.join(dir, 'app.log');
  writeFileSync(
    logFile,
    line('2026-11-27T10:00:00', 'a', 10) +
      line('2026-11-27T10:01:00', 'a', 20) +
      line('2026-11-27T10:02:00', 'b', 40, 'error', 'us') +
      line('2026-11-27T10:06:00', 'b', 50) +
      'not json\n'
  );
});
/** Every test's instances, stopped after it: their data worker threads would outlive the test. */
const managers: InstanceManager[] = [];
function instanceManager(): InstanceManager {
  const manager = new InstanceManager();
  managers.push(manager);
  return manager;
}
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function context(jsonData: object, lastUpdatedMS = 1, uid = 'ds1'): PluginContext {
  return pluginContext(jsonData, { uid, lastUpdatedMS });
}

const FROM = Date.UTC(2026, 10, 27, 10, 0);
const TO = Date.UTC(2026, 10, 27, 10, 9, 59);

function dataQuery(refId: string, model: object, intervalMS = 60_000): DataQuery {
  return {
    refId,
    maxDataPoints: 1000,
    intervalMS,
    timeRange: { fromEpochMS: FROM, toEpochMS: TO },
    json: Buffer.from(JSON.stringify({ refId, ...model })),
    queryType: '',
  };
}

function request(queries: DataQuery[], jsonData: object = { paths: [dir] }, headers = {}): QueryDataRequest {
  return { pluginContext: context(jsonData), headers, queries, format: 'ARROW' };
}

function setup() {
  const instances = instanceManager();
  return { instances, metrics: new BackendMetrics(instances) };
}

const decode = (bytes: Uint8Array) => tableFromIPC(bytes);

describe('QueryData', () => {
  it('answers each query on its own: a bad one fails with 400 and a message, the others answer', async () => {
    const { instances, metrics } = setup();
    const res = await queryData(
      request([
        dataQuery('A', { queryType: 'summary', groupBy: ['model'] }),
        dataQuery('B', { queryType: 'trend', window: 'banana' }),
        dataQuery('C', { queryType: 'anomalies', method: 'bogus' }),
        dataQuery('D', { queryType: 'summary', filters: { nosuch: ['x'] } }),
      ]),
      instances,
      metrics
    );
    expect(res.responses.A.status).toBe(200);
    const table = decode(res.responses.A.frames[0]);
    expect(table.getChild('model')!.toArray()).toEqual(['a', 'b']);
    expect(Array.from(table.getChild('requests')!.toArray() as Float64Array)).toEqual([2, 2]);
    expect(res.responses.B).toMatchObject({ status: 400, errorSource: 'downstream', frames: [] });
    expect(res.responses.B.error).toContain('invalid window "banana"');
    expect(res.responses.C.error).toBe('invalid query: method must be one of zscore, mad, iqr');
    expect(res.responses.D.error).toContain('unknown filter field "nosuch"');
    const text = await metrics.text();
    expect(text).toContain('inference_logs_queries_total{query_type="summary",outcome="ok"} 1');
    expect(text).toContain('inference_logs_queries_total{query_type="trend",outcome="error"} 1');
    expect(text).toContain('inference_logs_skipped_lines{datasource="ds1",reason="invalid_json"} 1');
  });

  it('types frames for alerting: trend as timeseries-multi with a labelled series per model, summary numeric-long/wide', async () => {
    const { instances, metrics } = setup();
    const res = await queryData(
      request(
        [
          dataQuery('A', { queryType: 'trend', aggregation: 'p99', window: '5m', groupBy: ['model'] }, 1000),
          dataQuery('B', { queryType: 'summary', groupBy: ['model'] }),
          dataQuery('C', { queryType: 'summary' }),
        ],
        { paths: [dir] }
      ),
      instances,
      metrics
    );
    const series = res.responses.A.frames.map(decode);
    expect(series).toHaveLength(2);
    for (const [i, model] of ['a', 'b'].entries()) {
      const meta = JSON.parse(series[i].schema.metadata.get('meta')!);
      expect(meta).toMatchObject({ type: 'timeseries-multi', typeVersion: [0, 1] });
      const value = series[i].schema.fields[1];
      expect(JSON.parse(value.metadata.get('labels')!)).toEqual({ model });
      expect(series[i].schema.fields[0].nullable).toBe(false);
    }
    // Buckets 10:00 and 10:05: a has [10, 20] then nothing; b has [40] then [50].
    expect(Array.from(series[0].getChildAt(1)!.toArray() as Float64Array)).toEqual([19.9, 0]);
    expect(series[0].getChildAt(1)!.get(1)).toBeNull();
    expect(Array.from(series[1].getChildAt(1)!.toArray() as Float64Array)).toEqual([40, 50]);
    expect(JSON.parse(decode(res.responses.B.frames[0]).schema.metadata.get('meta')!).type).toBe('numeric-long');
    expect(JSON.parse(decode(res.responses.C.frames[0]).schema.metadata.get('meta')!).type).toBe('numeric-wide');
  });

  it('gives a typed empty frame for a trend with no data, so alerting reads "no data"', async () => {
    const { instances, metrics } = setup();
    // Grouped by model with no model left: no series at all.
    const empty = dataQuery('A', { queryType: 'trend', groupBy: ['model'], filters: { model: ['zzz'] } });
    const res = await queryData(request([empty]), instances, metrics);
    const frames = res.responses.A.frames.map(decode);
    expect(frames).toHaveLength(1);
    expect(frames[0].schema.fields).toHaveLength(0);
    expect(JSON.parse(frames[0].schema.metadata.get('meta')!).type).toBe('timeseries-multi');
  });

  it('for alerting, reads only whole trend buckets: never the one still being filled, nor one cut by the start', async () => {
    const { instances, metrics } = setup();
    // Evaluated at 10:07:30 over the last 10 minutes, 5m buckets: 09:55 is cut by the start, 10:05 is
    // still being filled; only 10:00 (a: 10, 20; b: 40) is whole.
    const at = Date.UTC(2026, 10, 27, 10, 7, 30);
    const q = dataQuery('A', { queryType: 'trend', aggregation: 'count', window: '5m', groupBy: ['model'] }, 1000);
    q.timeRange = { fromEpochMS: at - 600_000, toEpochMS: at };
    const alert = await queryData(request([q], { paths: [dir] }, { FromAlert: 'true' }), instances, metrics);
    const series = alert.responses.A.frames.map(decode);
    expect(
      series.map((t) => Array.from(t.getChildAt(0)!.toArray() as BigInt64Array, (ns) => Number(ns / 1000000n)))
    ).toEqual([[Date.UTC(2026, 10, 27, 10, 0)], [Date.UTC(2026, 10, 27, 10, 0)]]);
    expect(series.map((t) => Array.from(t.getChildAt(1)!.toArray() as Float64Array))).toEqual([[2], [1]]);
    // The same query from a panel shows every bucket of the range, the unfinished one included.
    const panel = await queryData(request([q]), instances, metrics);
    expect(decode(panel.responses.A.frames[1]).numRows).toBe(3);
    // A range too short for one whole bucket is "no data" for alerting.
    q.timeRange = { fromEpochMS: at - 120_000, toEpochMS: at };
    const none = await queryData(request([q], { paths: [dir] }, { fromalert: 'true' }), instances, metrics);
    expect(none.responses.A.status).toBe(200);
    expect(none.responses.A.frames.map(decode).map((t) => t.schema.fields.length)).toEqual([0]);
  });

  it('for alerting, refuses (400) a summary or comparison that gives several numbers with the same labels', async () => {
    const { instances, metrics } = setup();
    const res = await queryData(
      request(
        [
          dataQuery('A', { queryType: 'summary', groupBy: ['model'] }),
          dataQuery('B', { queryType: 'summary', groupBy: ['model'], measures: ['p99_latency_ms'] }),
          dataQuery('C', { queryType: 'compare' }),
          dataQuery('D', { queryType: 'compare', measures: ['error_rate'] }),
          dataQuery('E', { queryType: 'summary', measures: ['requests'] }),
          dataQuery('F', { queryType: 'summary', measures: ['p99_latency'] }),
        ],
        { paths: [dir] },
        { FromAlert: 'true' }
      ),
      instances,
      metrics
    );
    expect(res.responses.A).toMatchObject({ status: 400, errorSource: 'downstream' });
    expect(res.responses.A.error).toContain('several labelled {model=a}');
    expect(res.responses.A.error).toContain('set "measures" to one of requests, avg_latency_ms');
    expect(res.responses.C.status).toBe(400);
    expect(res.responses.F.error).toContain('unknown measure "p99_latency" for summary');
    const b = decode(res.responses.B.frames[0]);
    expect(b.schema.fields.map((f) => f.name)).toEqual(['model', 'p99_latency_ms']);
    expect(Array.from(b.getChild('p99_latency_ms')!.toArray() as Float64Array)).toEqual([19.9, 49.9]);
    expect(decode(res.responses.D.frames[0]).schema.fields.map((f) => f.name)).toEqual(['model', 'error_rate']);
    expect(Array.from(decode(res.responses.E.frames[0]).getChild('requests')!.toArray() as Float64Array)).toEqual([4]);
    // Without the header (a panel), all measures are fine.
    const panel = await queryData(
      request([dataQuery('A', { queryType: 'summary', groupBy: ['model'] })]),
      instances,
      metrics
    );
    expect(panel.responses.A.status).toBe(200);
  });

  it('answers a grouped summary with no group as the data plane no-data frame', async () => {
    const { instances, metrics } = setup();
    const res = await queryData(
      request([dataQuery('A', { queryType: 'summary', groupBy: ['model'], filters: { model: ['zzz'] } })]),
      instances,
      metrics
    );
    const frames = res.responses.A.frames.map(decode);
    expect(frames).toHaveLength(1);
    expect(frames[0].schema.fields).toHaveLength(0);
    const meta = JSON.parse(frames[0].schema.metadata.get('meta')!);
    expect(meta).toMatchObject({ type: 'numeric-long', typeVersion: [0, 1] });
    // The skipped line is still reported.
    expect(meta.notices[0].text).toContain('invalid_json 1');
  });

  it("caps row lists at the data source maxRows, spike's slowest requests too, as the proxy does", async () => {
    const { instances, metrics } = setup();
    const res = await queryData(
      request(
        [
          dataQuery('A', { queryType: 'logs' }),
          dataQuery('B', { queryType: 'logs', limit: 1 }),
          dataQuery('C', { queryType: 'spike', limit: 10 }),
          dataQuery('D', { queryType: 'anomalies', threshold: 0, limit: 100 }),
        ],
        { paths: [dir], maxRows: 3 }
      ),
      instances,
      metrics
    );
    expect(decode(res.responses.A.frames[0]).numRows).toBe(3);
    expect(decode(res.responses.B.frames[0]).numRows).toBe(1);
    const slowest = decode(res.responses.C.frames[2]);
    expect(Array.from(slowest.getChild('latency_ms')!.toArray() as Float64Array)).toEqual([50, 40, 20]);
    expect(decode(res.responses.D.frames[0]).numRows).toBe(3);
  });

  it('refuses a trend of more than 1000 series, and a summary of more groups than maxRows, before building them', async () => {
    // 1000 more requests, each its own id, as model u: 1004 ids in all.
    let more = '';
    for (let i = 0; i < 1000; i++) {
      more += JSON.stringify({ timestamp: FROM + i * 500, request_id: `u${i}`, model: 'u', latency_ms: i }) + '\n';
    }
    appendFileSync(logFile, more);
    const { instances, metrics } = setup();
    const trend = { queryType: 'trend', groupBy: ['request_id'], window: '1m', aggregation: 'count' };
    const res = await queryData(
      request(
        [
          dataQuery('A', trend),
          dataQuery('B', { ...trend, filters: { model: ['u'] } }),
          dataQuery('C', { queryType: 'summary', groupBy: ['request_id'] }),
          dataQuery('D', { queryType: 'summary', groupBy: ['model'] }),
        ],
        { paths: [dir], maxRows: 3 }
      ),
      instances,
      metrics
    );
    expect(res.responses.A).toMatchObject({ status: 400, errorSource: 'downstream', frames: [] });
    expect(res.responses.A.error).toBe(
      'trend grouped by request_id has at least 1001 series, more than the 1000 allowed (maxSeries); ' +
        'group by a field with fewer values, filter, widen the window or shorten the range'
    );
    // Just at the bound: the 1000 ids of model u answer, a series each.
    expect(res.responses.B.status).toBe(200);
    expect(res.responses.B.frames).toHaveLength(1000);
    expect(res.responses.C).toMatchObject({ status: 400, frames: [] });
    expect(res.responses.C.error).toContain(
      'summary grouped by request_id has at least 4 groups, more than the 3 rows allowed (maxRows)'
    );
    expect(decode(res.responses.D.frames[0]).numRows).toBe(3);
  });

  it('reads only what was appended between requests, and starts afresh when the settings change', async () => {
    const { instances, metrics } = setup();
    const count = async (jsonData: object, lastUpdatedMS: number) => {
      const req = request([dataQuery('A', { queryType: 'summary' })], jsonData);
      req.pluginContext = context(jsonData, lastUpdatedMS);
      const res = await queryData(req, instances, metrics);
      return (decode(res.responses.A.frames[0]).getChild('requests')!.toArray() as Float64Array)[0];
    };
    expect(await count({ paths: [dir] }, 1)).toBe(4);
    appendFileSync(logFile, line('2026-11-27T10:07:00', 'a', 5));
    expect(await count({ paths: [dir] }, 1)).toBe(5);
    const instance = instances.all()[0][1];
    const before = instance.status!.bytesRead;
    expect(await count({ paths: [dir] }, 1)).toBe(5);
    expect(instance.status!.bytesRead).toBe(before);
    // Saved settings (new lastUpdatedMS) give a new instance; the success statuses now count "success" as an error.
    expect(await count({ paths: [dir], successStatuses: ['fine'] }, 2)).toBe(5);
    expect(instances.all()[0][1]).not.toBe(instance);
  });

  it('fails every query with the settings problem when the settings are wrong', async () => {
    const { instances, metrics } = setup();
    const res = await queryData(request([dataQuery('A', { queryType: 'summary' })], { paths: [] }), instances, metrics);
    expect(res.responses.A.error).toContain('no log paths configured');
    const missing = await queryData(
      request([dataQuery('A', { queryType: 'summary' })], { paths: [path.join(dir, 'nope')] }),
      setup().instances,
      metrics
    );
    expect(missing.responses.A).toMatchObject({ status: 404, errorSource: 'downstream' });
    expect(missing.responses.A.error).toContain('no such file or directory');
    const badShape = await queryData(
      request([dataQuery('A', { queryType: 'summary' })], { paths: 'not-a-list' }),
      setup().instances,
      metrics
    );
    expect(badShape.responses.A.error).toBe('invalid data source settings: paths must be array');
  });

  it('serves two requests at once from one read of the logs', async () => {
    const { instances, metrics } = setup();
    const [one, two] = await Promise.all([
      queryData(request([dataQuery('A', { queryType: 'summary' })]), instances, metrics),
      queryData(request([dataQuery('A', { queryType: 'compare' })]), instances, metrics),
    ]);
    expect((decode(one.responses.A.frames[0]).getChild('requests')!.toArray() as Float64Array)[0]).toBe(4);
    expect(Array.from(decode(two.responses.A.frames[0]).getChild('requests')!.toArray() as Float64Array)).toEqual([
      2, 2,
    ]);
    expect(instances.all()[0][1].status!.description.requests).toBe(4);
  });
});

describe('CheckHealth', () => {
  const health = (jsonData: object) =>
    checkHealth({ pluginContext: context(jsonData), headers: {} }, instanceManager());

  it('says what it found', async () => {
    const res = await health({ paths: [dir] });
    expect(res.status).toBe('OK');
    expect(res.message).toBe(
      'Read 4 requests from 1 file(s) (0.0 MB), 2026-11-27 10:00 to 2026-11-27 10:06 UTC; models: a, b; skipped 1 lines (invalid_json 1).'
    );
    const details = JSON.parse(res.jsonDetails.toString());
    expect(details).toMatchObject({ files: 1, requests: 4, models: ['a', 'b'], skipped: { invalid_json: 1 } });
    expect(details.features).toEqual({
      query: true,
      alerting: true,
      health: true,
      resources: ['models', 'fields', 'values', 'stats', 'report.html', 'export.csv'],
      metrics: true,
      streaming: false,
    });
  });

  it('names only features it serves: every resource it lists answers, and plugin.json claims no streaming', async () => {
    const details = JSON.parse((await health({ paths: [dir] })).jsonDetails.toString());
    for (const resource of details.features.resources as string[]) {
      const query = resource === 'values' ? '?field=model' : '';
      const res = await callResource(
        {
          pluginContext: context({ paths: [dir] }),
          path: resource,
          method: 'GET',
          url: resource + query,
          headers: {},
          body: Buffer.alloc(0),
        },
        instanceManager()
      );
      expect({ resource, code: res.code }).toEqual({ resource, code: 200 });
    }
    const plugin = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'src', 'plugin.json'), 'utf8'));
    expect(plugin).toMatchObject({ backend: true, alerting: details.features.alerting });
    expect(plugin.streaming ?? false).toBe(details.features.streaming);
    // Errors carry the list too, so a failing "Save & test" still says what the backend does.
    expect(JSON.parse((await health({})).jsonDetails.toString()).features).toEqual(details.features);
  });

  it('says what to fix: a missing path, a folder without logs, logs without requests', async () => {
    expect(await health({ paths: [path.join(dir, 'missing')] })).toMatchObject({
      status: 'ERROR',
      message: `no such file or directory: ${path.join(dir, 'missing')}`,
    });
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'notes.md'), 'hello');
    const none = await health({ paths: [empty] });
    expect(none.status).toBe('ERROR');
    expect(none.message).toContain('No log files under');
    const junk = path.join(dir, 'junk');
    mkdirSync(junk);
    writeFileSync(path.join(junk, 'x.log'), '{"ts": 1}\nplain text\n');
    const noRequests = await health({ paths: [junk] });
    expect(noRequests.status).toBe('ERROR');
    expect(noRequests.message).toBe(
      'No requests in 1 file(s): skipped 2 lines (invalid_json 1, missing_timestamp 1). Check the field mapping (timestamp, model and latency_ms are required).'
    );
    expect((await health({})).message).toContain('no log paths configured');
  });
});

describe('CallResource', () => {
  const resource = async (pathAndQuery: string, method = 'GET') => {
    const [p] = pathAndQuery.split('?');
    const req: CallResourceRequest = {
      pluginContext: context({ paths: [dir] }),
      path: p,
      method,
      url: pathAndQuery,
      headers: {},
      body: Buffer.alloc(0),
    };
    const res = await callResource(req, instanceManager());
    return { code: res.code, body: JSON.parse(res.body.toString()) as unknown, type: res.headers['Content-Type'] };
  };

  it('lists models, fields and the values of a field', async () => {
    expect(await resource('models')).toMatchObject({
      code: 200,
      body: ['a', 'b'],
      type: { values: ['application/json'] },
    });
    expect((await resource('fields')).body).toEqual(
      expect.arrayContaining([
        { name: 'latency_ms', type: 'number' },
        { name: 'region', type: 'string' },
      ])
    );
    expect((await resource('values?field=region')).body).toEqual(['eu', 'us']);
    expect((await resource('stats')).body).toMatchObject({ requests: 4, files: 1 });
  });

  it('builds the HTML report and the CSV export for a range and filters', async () => {
    const get = (pathAndQuery: string) =>
      callResource(
        {
          pluginContext: context({ paths: [dir] }),
          path: pathAndQuery.split('?')[0],
          method: 'GET',
          url: pathAndQuery,
          headers: {},
          body: Buffer.alloc(0),
        },
        instanceManager()
      );
    const report = await get(`report.html?from=${FROM}&to=${TO}&model=b&title=Incident%2042`);
    expect(report.code).toBe(200);
    expect(report.headers['Content-Type'].values[0]).toBe('text/html; charset=utf-8');
    expect(report.body.toString()).toContain('Incident 42');
    const csv = await get('export.csv?model=b&filter=region=us');
    expect(csv.code).toBe(200);
    expect(csv.headers['Content-Type'].values[0]).toBe('text/csv; charset=utf-8');
    const rows = csv.body.toString().split('\r\n').filter(Boolean);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(/^2026-11-27T10:02:00\.000000Z,40,/);
    expect((await get('export.csv?from=yesterday')).code).toBe(400);
  });

  it('answers mistakes with a status and a message', async () => {
    expect(await resource('values?field=nope')).toMatchObject({ code: 400 });
    expect(await resource('nothing-here')).toMatchObject({
      code: 404,
      body: {
        message:
          'no resource "nothing-here"; available: models, fields, values?field=NAME, stats, report.html, export.csv',
      },
    });
    expect((await resource('models', 'POST')).code).toBe(405);
  });
});
