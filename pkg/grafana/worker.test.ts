import { EventEmitter } from 'events';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { performance } from 'perf_hooks';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { writeLogs } from '../generator/write';
import { checkHealth } from './health';
import { DataSourceInstance, InstanceManager, LOCAL_QUERY_TIMEOUT_MS } from './instances';
import { DataQuery, QueryDataRequest } from './messages';
import { BackendMetrics } from './metrics';
import { queryData } from './query-data';
import { callOptions } from './server';
import { pluginContext } from '../../test/support/plugin-context';

/** Local data sources read and query their logs in a worker thread, held to the call's deadline and cancellation. */

let dir: string;
let instances: InstanceManager;
let metrics: BackendMetrics;
const ROWS = 60_000;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'backend-worker-'));
  await writeLogs(dir, { rows: ROWS, seed: 9 });
  instances = new InstanceManager();
  metrics = new BackendMetrics(instances);
}, 60_000);

afterAll(async () => {
  await Promise.all(instances.all().map(([, instance]) => instance.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const context = () => pluginContext({ paths: [dir] }, { uid: 'worker', lastUpdatedMS: 1 });

function dataQuery(refId: string, model: object): DataQuery {
  return {
    refId,
    maxDataPoints: 1000,
    intervalMS: 60_000,
    timeRange: { fromEpochMS: 0, toEpochMS: Date.UTC(2030, 0, 1) },
    json: Buffer.from(JSON.stringify({ refId, ...model })),
    queryType: '',
  };
}

/** A Spearman matrix of 32 metrics: 528 rankings of every row, far longer than any test waits. */
const SLOW = {
  queryType: 'correlation',
  correlation: 'spearman',
  metrics: Array.from({ length: 32 }, (_, i) => ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'][i % 4]),
};

const request = (queries: DataQuery[]): QueryDataRequest => ({
  pluginContext: context(),
  headers: {},
  queries,
  format: 'ARROW',
});

const local = (): DataSourceInstance => instances.get(context()) as DataSourceInstance;

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

describe('the backend over local logs, in a worker thread', () => {
  it('stops a query past the call deadline (504) and answers the next', async () => {
    const started = Date.now();
    const res = await queryData(request([dataQuery('A', SLOW)]), instances, metrics, {
      deadline: started + 2000, // the first read of the logs is inside it too
      timeoutMs: 2000,
    });
    expect(Date.now() - started).toBeLessThan(2000 + 1500);
    expect(res.responses.A).toMatchObject({
      status: 504,
      errorSource: 'downstream',
      error: 'the query took longer than 2000 ms; narrow the time range or group by fewer fields',
    });
    const next = await queryData(request([dataQuery('B', { queryType: 'summary' })]), instances, metrics);
    expect(next.responses.B.status).toBe(200);
  }, 30_000);

  it('answers CheckHealth within 100 ms while a query runs, then stops the query when Grafana cancels it', async () => {
    await checkHealth({ pluginContext: context(), headers: {} }, instances); // the first check reads the logs
    const call = new AbortController();
    const slow = queryData(request([dataQuery('A', SLOW)]), instances, metrics, { signal: call.signal });
    await waitFor(() => local().worker.busy()?.doing === 'correlation query A', 10_000);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const health = await checkHealth({ pluginContext: context(), headers: {} }, instances);
      times.push(performance.now() - started);
      expect(health.status).toBe('OK');
      expect(health.message).toMatch(/^Read 60000 requests .* Busy with a correlation query A for \d+\.\d s/);
      const details = JSON.parse(health.jsonDetails.toString());
      expect(details).toMatchObject({ requests: ROWS, busy: { doing: 'correlation query A' } });
    }
    expect(times.sort((a, b) => a - b)[2]).toBeLessThan(100);

    call.abort(); // Grafana cancelled the call
    const res = await slow;
    expect(res.responses.A).toMatchObject({ status: 503, error: 'the query was cancelled: its client went away' });
    expect(await waitFor(() => local().worker.busy() === null, 5000)).toBeLessThan(2000);
  }, 60_000);

  it('takes the deadline and cancellation from the gRPC call', () => {
    const fake = (deadline: Date | number) =>
      Object.assign(new EventEmitter(), { getDeadline: () => deadline }) as unknown as ServerUnaryCall<
        unknown,
        unknown
      >;
    const soon = Date.now() + 5000;
    const given = fake(new Date(soon));
    const options = callOptions(given);
    expect(options.deadline).toBe(soon);
    expect(options.signal!.aborted).toBe(false);
    given.emit('cancelled', 'cancelled');
    expect(options.signal!.aborted).toBe(true);
    const none = callOptions(fake(Infinity));
    expect(none.deadline! - Date.now()).toBeGreaterThan(LOCAL_QUERY_TIMEOUT_MS - 1000);
    expect(none.deadline! - Date.now()).toBeLessThanOrEqual(LOCAL_QUERY_TIMEOUT_MS);
  });
});
