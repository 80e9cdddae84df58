import { tableFromIPC } from 'apache-arrow';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { pluginContext } from '../../test/support/plugin-context';
import { checkHealth } from './health';
import { InstanceManager } from './instances';
import { BackendMetrics } from './metrics';
import { queryData } from './query-data';

const line = (minute: number, model: string, latency: number) =>
  JSON.stringify({
    timestamp: `2026-11-27T10:${String(minute).padStart(2, '0')}:00`,
    request_id: `r-${minute}`,
    model,
    latency_ms: latency,
    status: 'success',
    region: 'eu',
  }) + '\n';

let dir: string;
let logs: string;
let cacheDir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'backend-cache-'));
  logs = path.join(dir, 'logs');
  cacheDir = path.join(dir, 'cache');
  require('fs').mkdirSync(logs);
  writeFileSync(path.join(logs, 'app.log'), line(0, 'a', 10) + line(1, 'a', 20) + line(2, 'b', 40) + 'not json\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function health(instances: InstanceManager, jsonData: object = { paths: [logs] }) {
  const res = await checkHealth({ pluginContext: pluginContext(jsonData), headers: {} }, instances);
  return { ...res, details: JSON.parse(res.jsonDetails.toString()) };
}

async function summary(instances: InstanceManager) {
  const res = await queryData(
    {
      pluginContext: pluginContext({ paths: [logs] }),
      headers: {},
      format: 'ARROW',
      queries: [
        {
          refId: 'A',
          maxDataPoints: 100,
          intervalMS: 60_000,
          timeRange: { fromEpochMS: Date.UTC(2026, 10, 27, 10), toEpochMS: Date.UTC(2026, 10, 27, 11) },
          json: Buffer.from(JSON.stringify({ refId: 'A', queryType: 'summary', groupBy: ['model'] })),
          queryType: '',
        },
      ],
    },
    instances,
    new BackendMetrics(instances)
  );
  const table = tableFromIPC(res.responses.A.frames[0]);
  return { models: table.getChild('model')!.toArray(), requests: Array.from(table.getChild('requests')!.toArray()) };
}

describe('the backend restart cache', () => {
  it('a restarted plugin answers from the cache, reads only what was appended, and says so in the health check', async () => {
    const first = new InstanceManager({ cacheDirs: [cacheDir] });
    const before = await health(first);
    expect(before.details.cache).toMatchObject({ state: 'new', bytes: 0 });
    expect(await summary(first)).toEqual({ models: ['a', 'b'], requests: [2, 1] });
    await first.flushCaches(); // as at Grafana's Shutdown call
    await first.all()[0][1].stop();

    appendFileSync(path.join(logs, 'app.log'), line(3, 'b', 50));
    const restarted = new InstanceManager({ cacheDirs: [cacheDir] });
    const after = await health(restarted);
    expect(after.status).toBe('OK');
    expect(after.details).toMatchObject({ requests: 4, skipped: { invalid_json: 1 } });
    expect(after.details.cache).toMatchObject({ state: 'restored', restoredRows: 3, rows: 3 });
    expect(after.details.cache.bytes).toBeGreaterThan(0);
    expect(after.details.cache.file.startsWith(cacheDir)).toBe(true);
    expect(restarted.all()[0][1].status!.bytesRead).toBe(Buffer.byteLength(line(3, 'b', 50)));
    expect(after.message).toContain('Read 4 requests from 1 file(s)');
    expect(await summary(restarted)).toEqual({ models: ['a', 'b'], requests: [2, 2] });
    await restarted.all()[0][1].stop(); // a stopped instance writes what it read since
    const again = new InstanceManager({ cacheDirs: [cacheDir] });
    expect((await health(again)).details.cache).toMatchObject({ state: 'restored', restoredRows: 4 });
    await again.all()[0][1].stop();
  });

  it('jsonData turns it off (cache: false) or puts it elsewhere (cacheDir)', async () => {
    const off = new InstanceManager({ cacheDirs: [cacheDir] });
    expect((await health(off, { paths: [logs], cache: false })).details.cache).toEqual({
      state: 'off',
      reason: 'cache: false in the settings',
    });
    await off.flushCaches();
    const elsewhere = path.join(dir, 'elsewhere');
    const chosen = new InstanceManager();
    const details = (await health(chosen, { paths: [logs], cacheDir: elsewhere })).details;
    expect(details.cache).toMatchObject({ state: 'new', file: expect.stringContaining(elsewhere) });
    await chosen.flushCaches();
    expect(readdirSync(elsewhere)).toHaveLength(1);
    expect(() => readdirSync(cacheDir)).toThrow(); // never made
    await off.all()[0][1].stop();
    await chosen.all()[0][1].stop();
  });
});
