/**
 * `clickhouse init` and `ship` against real, private ClickHouse servers (Debian's clickhouse-server; the tests fail
 * when it cannot start). Every count is compared with what the in-memory reader gives for the same files.
 */
import { spawn } from 'child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'fs';
import os from 'os';
import path from 'path';
import { gzipSync } from 'zlib';
import { generateLines } from '../generator/generate';
import { writeLogs } from '../generator/write';
import { LogReader } from '../sources/reader';
import type { SourceConfig } from '../sources/parse-line';
import { main } from '../cli/main';
import { ClickHouseServer, serverPorts, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { ClickHouseClient } from './client';
import { Shipper } from './ship';

jest.setTimeout(180_000);

/** What the in-memory store reads from `paths`: rows, per model, latency sum, skips by reason. */
async function expected(paths: string[], config: SourceConfig = {}) {
  const reader = new LogReader(paths, config, undefined, { scanWorkers: 0 });
  await reader.refresh();
  const store = reader.store;
  const models: Record<string, number> = {};
  const model = store.stringColumn('model')!;
  const latency = store.numberColumn('latency_ms')!;
  let latencySum = 0;
  for (let r = 0; r < store.length; r++) {
    const name = model.get(r)!;
    models[name] = (models[name] ?? 0) + 1;
    const v = latency.get(r);
    latencySum += v === v ? v : 0;
  }
  return { rows: store.length, models, latencySum, skipped: { ...store.skipped } };
}

/** The same figures from ClickHouse. */
async function actual(client: ClickHouseClient, table: string) {
  const [{ n, s }] = await client.query<{ n: number; s: number }>(
    `SELECT count() AS n, sum(latency_ms) AS s FROM ${table}`
  );
  const models: Record<string, number> = {};
  for (const r of await client.query<{ model: string; n: number }>(
    `SELECT model, count() AS n FROM ${table} GROUP BY model`
  )) {
    models[r.model] = Number(r.n);
  }
  const skipped: Record<string, number> = {};
  for (const r of await client.query<{ reason: string; n: number }>(
    `SELECT reason, sum(lines) AS n FROM ${table}_skips WHERE reason != '' GROUP BY reason`
  )) {
    skipped[r.reason] = Number(r.n);
  }
  return { rows: Number(n), models, latencySum: Number(s), skipped };
}

async function expectSame(client: ClickHouseClient, table: string, paths: string[], config: SourceConfig = {}) {
  const want = await expected(paths, config);
  const got = await actual(client, table);
  expect(got.rows).toBe(want.rows);
  expect(got.models).toEqual(want.models);
  expect(got.skipped).toEqual(want.skipped);
  expect(Math.abs(got.latencySum - want.latencySum)).toBeLessThanOrEqual(1e-9 * Math.abs(want.latencySum));
  return want;
}

/** Runs the CLI in this process; returns its exit status. */
async function cli(...args: string[]): Promise<number> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write; // keep the test output readable
  try {
    return await main(args);
  } finally {
    process.stdout.write = write;
  }
}

describe('ClickHouse shipping, one server', () => {
  let server: ClickHouseServer;
  let client: ClickHouseClient;
  let dir: string;

  beforeAll(async () => {
    server = await startClickHouse();
    client = new ClickHouseClient({ url: server.url });
    dir = mkdtempSync(path.join(os.tmpdir(), 'ship-test.'));
  });
  afterAll(async () => {
    if (server) {
      await stopClickHouse(server);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('init is idempotent and creates the tables of the schema', async () => {
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'idem')).toBe(0);
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'idem')).toBe(0);
    const tables = await client.query<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = 'default' AND name LIKE 'idem%' ORDER BY name"
    );
    expect(tables).toEqual([
      { name: 'idem', engine: 'MergeTree' },
      { name: 'idem_skips', engine: 'MergeTree' },
    ]);
  });

  test('errors name the fix: unknown table, unreachable server', async () => {
    const shipper = new Shipper({ paths: [dir], client, ref: { database: 'default', table: 'nope' }, host: 'h' });
    await expect(shipper.shipNew()).rejects.toThrow(/clickhouse init/);
    const { httpPort } = await serverPorts();
    const down = new ClickHouseClient({ url: `http://127.0.0.1:${httpPort}` });
    await expect(down.query('SELECT 1')).rejects.toThrow(/unreachable/);
  });

  test('ships a generated folder (noise, extra fields, gzip, CRLF, BOM) as the reader reads it; again ships nothing', async () => {
    const logs = path.join(dir, 'gen');
    await writeLogs(logs, {
      rows: 30_000,
      files: 3,
      gzipOlder: true,
      noise: 0.02,
      extras: true,
      crlf: true,
      bom: true,
      timestampStyle: 'mixed',
    });
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'gen')).toBe(0);
    expect(
      await cli('ship', '--clickhouse', server.url, '--table', 'gen', '--logs', logs, '--host-label', 'gpu-1')
    ).toBe(0);
    const want = await expectSame(client, 'gen', [logs]);
    expect(want.rows).toBe(30_000);
    expect(Object.keys(want.skipped).length).toBeGreaterThan(3);

    // A second run finds everything shipped.
    expect(await cli('ship', '--clickhouse', server.url, '--table', 'gen', '--logs', logs)).toBe(0);
    await expectSame(client, 'gen', [logs]);

    // Every row has the host label; extra fields are readable by name.
    const [row] = await client.query<{ hosts: string; regions: number; withRegion: number }>(
      "SELECT groupUniqArray(host)[1] AS hosts, uniqExact(str_values[indexOf(str_keys, 'region')]) AS regions, " +
        "countIf(has(str_keys, 'region')) AS withRegion FROM gen"
    );
    expect(row.hosts).toBe('gpu-1');
    expect(Number(row.regions)).toBeGreaterThan(1);
    expect(Number(row.withRegion)).toBe(30_000);
  });

  test('ships with a preset: several spans of one line, mapped columns, skips by reason; again ships nothing', async () => {
    const logs = path.join(__dirname, '..', 'sources', 'fixtures', 'otel-genai');
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'otel')).toBe(0);
    const ship = ['ship', '--clickhouse', server.url, '--table', 'otel', '--logs', logs, '--preset', 'otel-genai'];
    expect(await cli(...ship)).toBe(0);
    const want = await expectSame(client, 'otel', [logs], { preset: 'otel-genai' });
    expect(want.rows).toBe(2);
    expect(want.skipped).toEqual({
      missing_model: 1,
      no_spans: 1,
      invalid_timestamp: 1,
      missing_latency: 1,
      invalid_json: 1,
    });
    const rows = await client.query<Record<string, unknown>>(
      "SELECT ts_us, model, request_id, status, is_error, latency_ms, num_values[indexOf(num_keys, 'input_tokens')] AS input_tokens, " +
        "str_values[indexOf(str_keys, 'service')] AS service FROM otel ORDER BY ts_us"
    );
    expect(rows.map((r) => ({ ...r, ts_us: String(r.ts_us), is_error: Number(r.is_error) }))).toEqual([
      {
        ts_us: '1764774195123456',
        model: 'gpt-4o-2024-08-06',
        request_id: 'eee19b7ec3c1b174',
        status: '1',
        is_error: 0,
        latency_ms: 1250,
        input_tokens: 97,
        service: 'chat-api',
      },
      {
        ts_us: '1764774197000001',
        model: 'llama-3-8b',
        request_id: 'eee19b7ec3c1b175',
        status: '2',
        is_error: 1,
        latency_ms: 250.0005,
        input_tokens: 12,
        service: 'chat-api',
      },
    ]);
    expect(await cli(...ship)).toBe(0);
    await expectSame(client, 'otel', [logs], { preset: 'otel-genai' });
  });

  test('an insert that fails between rows and skips: the next shipper neither loses nor doubles', async () => {
    const logs = path.join(dir, 'fail');
    await writeLogs(logs, { rows: 20_000, noise: 0.02 });
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'fail')).toBe(0);
    const ref = { database: 'default', table: 'fail' };
    // The third block's skips insert fails: its rows are in, its "done" marker is not.
    let skipInserts = 0;
    const failing = {
      query: (sql: string) => client.query(sql),
      exec: async (sql: string, options?: Parameters<ClickHouseClient['exec']>[1]) => {
        if (sql.includes('fail_skips') && ++skipInserts === 3) {
          throw new Error('killed');
        }
        return client.exec(sql, options);
      },
    } as unknown as ClickHouseClient;
    const first = new Shipper({ paths: [logs], client: failing, ref, host: 'h', blockBytes: 256 << 10 });
    await expect(first.shipNew()).rejects.toThrow('killed');
    const second = new Shipper({ paths: [logs], client, ref, host: 'h', blockBytes: 256 << 10 });
    const stats = await second.shipNew();
    expect(stats.alreadyShipped).toBeGreaterThan(0); // the third block's rows were read again and not sent
    await expectSame(client, 'fail', [logs]);
  });

  test('two inserts in flight, the earlier fails after the later is in: the next shipper fills the gap', async () => {
    const logs = path.join(dir, 'gap');
    await writeLogs(logs, { rows: 20_000, noise: 0.02 });
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'gap')).toBe(0);
    const ref = { database: 'default', table: 'gap' };
    // The third block's rows insert fails, late: the fourth block's rows are in by then.
    let rowInserts = 0;
    const failing = {
      query: (sql: string) => client.query(sql),
      exec: async (sql: string, options?: Parameters<ClickHouseClient['exec']>[1]) => {
        if (sql.includes('`gap` (') && ++rowInserts === 3) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          throw new Error('killed');
        }
        return client.exec(sql, options);
      },
    } as unknown as ClickHouseClient;
    const blockBytes = 256 << 10;
    const first = new Shipper({ paths: [logs], client: failing, ref, host: 'h', blockBytes });
    await expect(first.shipNew()).rejects.toThrow('killed');
    // A gap: rows past the last complete block, but not the third block's.
    const [{ resume }] = await client.query<{ resume: number }>('SELECT max(src_end) AS resume FROM gap_skips');
    const [{ after }] = await client.query<{ after: number }>(
      `SELECT min(src_end) AS after FROM gap WHERE src_end > ${Number(resume)}`
    );
    expect(Number(after) - Number(resume)).toBeGreaterThan(blockBytes);
    const second = new Shipper({ paths: [logs], client, ref, host: 'h', blockBytes });
    const stats = await second.shipNew();
    expect(stats.alreadyShipped).toBeGreaterThan(0); // the fourth block's rows were read again and not sent
    await expectSame(client, 'gap', [logs]);
  });

  test('kill -9 of the shipper at several points, then a restart: exact totals', async () => {
    const logs = path.join(dir, 'kill');
    await writeLogs(logs, { rows: 60_000, files: 2, noise: 0.01, extras: true });
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'kill')).toBe(0);
    const want = await expected([logs]);
    const args = ['--import', 'tsx', 'pkg/cli/main.ts', 'ship', '--clickhouse', server.url, '--table', 'kill'];
    const shipArgs = [...args, '--logs', logs, '--block-bytes', String(128 << 10)];
    const count = async () => Number((await client.query<{ n: number }>('SELECT count() AS n FROM kill'))[0].n);
    let kills = 0;
    for (const fraction of [0.15, 0.5, 0.85]) {
      const child = spawn(process.execPath, shipArgs, { cwd: path.join(__dirname, '../..'), stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Kill once the table holds this fraction of the rows (or when the shipper is done anyway).
      let done = false;
      void exited.then(() => (done = true));
      while (!done && (await count()) < fraction * want.rows) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (!done) {
        child.kill('SIGKILL');
        kills++;
      }
      await exited;
    }
    expect(kills).toBeGreaterThanOrEqual(2); // the kills did land mid-way
    expect(await cli('ship', '--clickhouse', server.url, '--table', 'kill', '--logs', logs)).toBe(0);
    await expectSame(client, 'kill', [logs]);
  });

  test('--follow ships lines as they are appended, and stops on SIGTERM', async () => {
    const logs = path.join(dir, 'follow');
    mkdirSync(logs);
    const live = path.join(logs, 'app.log');
    const lines = [...generateLines({ rows: 3_000 })].map((l) => l + '\n');
    writeFileSync(live, lines.slice(0, 1000).join(''));
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'follow')).toBe(0);
    const args = ['--import', 'tsx', 'pkg/cli/main.ts', 'ship', '--clickhouse', server.url, '--table', 'follow'];
    const child = spawn(process.execPath, [...args, '--logs', logs, '--follow', '--poll-ms', '50'], {
      cwd: path.join(__dirname, '../..'),
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const count = async () => Number((await client.query<{ n: number }>('SELECT count() AS n FROM follow'))[0].n);
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 30_000;
      while ((await count()) < n && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return count();
    };
    try {
      expect(await waitFor(1000)).toBe(1000);
      appendFileSync(live, lines.slice(1000).join(''));
      expect(await waitFor(3000)).toBe(3000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    await expectSame(client, 'follow', [logs]);
  });

  test('rotation between ships: partial line, rename, copy-truncate, gzip: every line exactly once', async () => {
    const logs = path.join(dir, 'rot');
    const live = path.join(logs, 'app.log');
    const lines = [...generateLines({ rows: 8_000, noise: 0.02, extras: true })].map((l) => l + '\n');
    const part = (from: number, to: number) => lines.slice(from, to).join('');
    const n = lines.length;
    const cut = (i: number) => Math.floor((n * i) / 10);
    expect(await cli('clickhouse', 'init', '--clickhouse', server.url, '--table', 'rot')).toBe(0);
    const ship = async () =>
      expect(await cli('ship', '--clickhouse', server.url, '--table', 'rot', '--logs', logs)).toBe(0);
    const shipped = async () => Number((await client.query<{ n: number }>('SELECT count() AS n FROM rot'))[0].n);

    mkdirSync(logs);
    // A line still being written is not shipped until it is complete.
    const half = lines[cut(2)].slice(0, 40);
    writeFileSync(live, part(0, cut(2)) + half);
    await ship();
    const before = await shipped();
    appendFileSync(live, lines[cut(2)].slice(40) + part(cut(2) + 1, cut(3)));
    await ship();
    expect(await shipped()).toBeGreaterThan(before);

    // Rename rotation: app.log -> app.log.1 (with lines appended after the last ship), a new app.log.
    appendFileSync(live, part(cut(3), cut(4)));
    renameSync(live, `${live}.1`);
    writeFileSync(live, part(cut(4), cut(5)));
    await ship();

    // Copy-truncate: app.log.1 -> app.log.2, app.log copied to app.log.1 (after more lines), then truncated.
    renameSync(`${live}.1`, `${live}.2`);
    appendFileSync(live, part(cut(5), cut(6)));
    copyFileSync(live, `${live}.1`);
    truncateSync(live, 0);
    appendFileSync(live, part(cut(6), cut(7)));
    await ship();

    // Compression: app.log.2 -> app.log.2.gz; more lines in app.log.
    writeFileSync(`${live}.2.gz`, gzipSync(readFileSync(`${live}.2`)));
    rmSync(`${live}.2`);
    appendFileSync(live, part(cut(7), n));
    await ship();
    await ship();

    // The folder now holds every line once: the reader's totals over it are the log's totals.
    const want = await expectSame(client, 'rot', [logs]);
    writeFileSync(path.join(dir, 'whole.log'), part(0, n));
    const whole = await expected([path.join(dir, 'whole.log')]);
    expect(want).toEqual(whole);
  });
});

describe('ClickHouse shipping through a 2-shard Distributed table', () => {
  const servers: ClickHouseServer[] = [];
  let dir: string;

  beforeAll(async () => {
    const ports = [await serverPorts(), await serverPorts()];
    const cluster = { name: 'two', shards: ports.map((p) => ({ tcpPort: p.tcpPort })) };
    for (const p of ports) {
      servers.push(await startClickHouse({ ports: p, cluster }));
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'ship-cluster.'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => stopClickHouse(s)));
    rmSync(dir, { recursive: true, force: true });
  });

  test('init --cluster on each shard (twice), ship through the Distributed table: whole models per shard, exact', async () => {
    for (const s of servers) {
      for (let i = 0; i < 2; i++) {
        expect(await cli('clickhouse', 'init', '--clickhouse', s.url, '--cluster', 'two')).toBe(0);
      }
    }
    const clients = servers.map((s) => new ClickHouseClient({ url: s.url }));
    const engines = await clients[0].query<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = 'default' ORDER BY name"
    );
    expect(engines.map((t) => `${t.name}:${t.engine}`)).toEqual([
      'inference_logs:Distributed',
      'inference_logs_local:MergeTree',
      'inference_logs_skips:Distributed',
      'inference_logs_skips_local:MergeTree',
    ]);
    const logs = path.join(dir, 'gen');
    await writeLogs(logs, { rows: 20_000, files: 2, noise: 0.02, extras: true });
    expect(await cli('ship', '--clickhouse', servers[0].url, '--logs', logs)).toBe(0);
    expect(await cli('ship', '--clickhouse', servers[1].url, '--logs', logs)).toBe(0); // nothing new from either
    for (const c of clients) {
      await expectSame(c, 'inference_logs', [logs]);
    }
    // Sharded by model: no model on both shards.
    const perShard = await Promise.all(
      clients.map((c) => c.query<{ model: string }>('SELECT DISTINCT model FROM inference_logs_local'))
    );
    const [a, b] = perShard.map((rows) => rows.map((r) => r.model));
    expect(a.length + b.length).toBe(4);
    expect(a.filter((m) => b.includes(m))).toEqual([]);
  });
});
