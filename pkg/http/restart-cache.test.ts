import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { startProxy } from './server';

const line = (i: number) =>
  JSON.stringify({
    timestamp: new Date(Date.UTC(2026, 10, 27, 10) + i * 1000).toISOString(),
    request_id: `r${i}`,
    model: i % 2 ? 'a' : 'b',
    latency_ms: 10 + i,
    status: 'success',
  }) + '\n';

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(from + k)).join('');

let dir: string;
let logs: string;
let cacheDir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'serve-cache-'));
  logs = path.join(dir, 'logs');
  cacheDir = path.join(dir, 'cache');
  mkdirSync(logs);
  writeFileSync(path.join(logs, 'app.log'), lines(0, 30));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `serve` started in-process; its health and the summary it answers. */
async function serve(
  options: { cacheDir?: string; retention?: { maxAgeMs?: number; maxRows?: number } } = { cacheDir }
) {
  const said: string[] = [];
  const proxy = await startProxy({ paths: [logs], port: 0, ...options, cacheLog: (l) => said.push(l) });
  const get = async (url: string, init?: RequestInit) => (await fetch(`${proxy.url}${url}`, init)).json();
  const summary = () =>
    get('/api/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queries: [{ refId: 'A', queryType: 'summary', groupBy: ['model'] }] }),
    });
  return { proxy, said, health: () => get('/api/health'), summary };
}

describe('serve with a restart cache', () => {
  it('a restarted proxy restores what was read, reads only what is new, answers as one without a cache', async () => {
    const first = await serve();
    expect(await first.health()).toMatchObject({ requests: 30, cache: { state: 'new', bytes: 0 } });
    await first.proxy.close(); // writes the cache

    appendFileSync(path.join(logs, 'app.log'), lines(30, 35));
    const second = await serve();
    const health = await second.health();
    expect(health).toMatchObject({ requests: 35, cache: { state: 'restored', restoredRows: 30, rows: 30 } });
    expect(health.cache.bytes).toBeGreaterThan(0);
    expect(second.said.some((l) => l.includes('30 rows restored'))).toBe(true);
    const plain = await serve({});
    expect(await plain.health()).not.toHaveProperty('cache');
    expect(await second.summary()).toEqual(await plain.summary());
    await plain.proxy.close();
    await second.proxy.close();

    const third = await serve();
    expect((await third.health()).cache).toMatchObject({ state: 'restored', restoredRows: 35 });
    await third.proxy.close();
  });
});

describe('serve with retention (--retention-hours, --retention-rows)', () => {
  it('keeps the newest requests after every read, with and without the cache', async () => {
    for (const withCache of [false, true]) {
      writeFileSync(path.join(logs, 'app.log'), lines(0, 30));
      const proxy = await serve({ ...(withCache ? { cacheDir } : {}), retention: { maxRows: 10 } });
      expect(await proxy.health()).toMatchObject({ requests: 10 });
      appendFileSync(path.join(logs, 'app.log'), lines(30, 34));
      const health = await proxy.health();
      // The newest 10 of 34: r24..r33 (the line times are a second apart).
      expect(health).toMatchObject({ requests: 10, to: new Date(Date.UTC(2026, 10, 27, 10) + 33_000).toISOString() });
      expect(health.from).toBe(new Date(Date.UTC(2026, 10, 27, 10) + 24_000).toISOString());
      await proxy.proxy.close();
    }
    // By age: requests more than 5 s older than the newest (r33 at +33 s) leave.
    const aged = await serve({ retention: { maxAgeMs: 5_000 } });
    expect(await aged.health()).toMatchObject({ requests: 6 });
    await aged.proxy.close();
  });
});
