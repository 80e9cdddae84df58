/**
 * One server against a 2-shard cluster, on the same shipped logs: every query type answered by ClickHouseSource
 * through the Distributed table (init --cluster, sharded by model) equals its answer from a single server's table
 * (counts and quantiles to the last bit, other numbers to 1e-9), with the per-model aggregates finished on the
 * shards (distributed_group_by_no_merge) and the others merged at the initiator. Private Debian clickhouse-server
 * processes; the test fails, not skips, when they cannot start.
 */
import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { writeLogs } from '../generator/write';
import { AGGREGATIONS, AnalysisQuery, TimeRange } from '../model/query';
import { initTables } from '../cli/clickhouse';
import { ClickHouseServer, serverPorts, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { expectSameFrames, maxDiff } from '../../test/support/same-frames';
import { ClickHouseClient } from './client';
import { Queryable, QuerySettings } from './context';
import { DEFAULT_DATABASE, DEFAULT_TABLE } from './schema';
import { distributedArguments, shardedByModel } from './sharding';
import { Shipper } from './ship';
import { ClickHouseSource } from './source';

jest.setTimeout(180_000);

const REF = { database: DEFAULT_DATABASE, table: DEFAULT_TABLE };

const servers: ClickHouseServer[] = [];
let dir: string;
let single: ClickHouseSource;
let sharded: ClickHouseSource;
let shardClients: ClickHouseClient[];
let middle: Required<TimeRange>;
const empty: TimeRange = { from: Date.parse('2020-01-01T00:00:00Z'), to: Date.parse('2020-01-01T01:00:00Z') };

/** A client that remembers the settings each query was sent with (the sharded sources go through one). */
function recording(client: ClickHouseClient): Queryable & { asked: Array<{ sql: string; settings?: QuerySettings }> } {
  const asked: Array<{ sql: string; settings?: QuerySettings }> = [];
  return {
    asked,
    query: <T = Record<string, unknown>>(sql: string, settings?: QuerySettings) => {
      asked.push({ sql, settings });
      return client.query<T>(sql, settings);
    },
  };
}
let shardedClient: ReturnType<typeof recording>;

beforeAll(async () => {
  const ports = [await serverPorts(), await serverPorts()];
  const cluster = { name: 'two', shards: ports.map((p) => ({ tcpPort: p.tcpPort })) };
  for (const p of ports) {
    servers.push(await startClickHouse({ ports: p, cluster }));
  }
  servers.push(await startClickHouse());
  shardClients = servers.slice(0, 2).map((s) => new ClickHouseClient({ url: s.url }));
  const singleClient = new ClickHouseClient({ url: servers[2].url });
  for (const client of shardClients) {
    await initTables(client, { ...REF, cluster: 'two' });
  }
  await initTables(singleClient, REF);

  dir = mkdtempSync(path.join(os.tmpdir(), 'sharded-test.'));
  const logs = path.join(dir, 'logs');
  await writeLogs(logs, { rows: 30_000, files: 2, gzipOlder: true, noise: 0.01, extras: true });
  // Small blocks: many inserts, so that rows of each model arrive on its shard over many parts.
  for (const client of [singleClient, shardClients[0]]) {
    await new Shipper({ paths: [logs], client, ref: REF, host: 'gpu-1', blockBytes: 512 << 10 }).shipNew();
  }
  single = new ClickHouseSource(singleClient, REF);
  shardedClient = recording(shardClients[1]);
  sharded = new ClickHouseSource(shardedClient, REF); // asked through the other shard's Distributed table
  const [{ lo, hi }] = await singleClient.query<{ lo: number; hi: number }>(
    `SELECT min(ts_us) AS lo, max(ts_us) AS hi FROM ${DEFAULT_TABLE}`
  );
  const third = (Number(hi) - Number(lo)) / 3;
  middle = { from: Math.floor((Number(lo) + third) / 1000), to: Math.floor((Number(lo) + 2 * third) / 1000) };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => stopClickHouse(s)));
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`max relative differences, sharded vs single: ${JSON.stringify(maxDiff)}`);
});

async function same(kind: string, query: AnalysisQuery, range: TimeRange = {}, skip?: string[]) {
  const expected = await single.analyse(query, range);
  const actual = await sharded.analyse(query, range);
  expectSameFrames(kind, actual, expected, skip);
  return actual;
}

test('the rows are split by model over both shards', async () => {
  const perShard = await Promise.all(
    shardClients.map((c) => c.query<{ model: string }>(`SELECT DISTINCT model FROM ${DEFAULT_TABLE}_local`))
  );
  expect(perShard.every((rows) => rows.length > 0)).toBe(true);
  const [whole] = await same('summary', { queryType: 'summary' });
  expect(whole.fields.find((f) => f.name === 'requests')?.values).toEqual([30_000]); // noise lines come on top
  const found = await same('anomalies', { queryType: 'anomalies', method: 'zscore', groupBy: ['model'] });
  expect(found[0].fields[0].values.length).toBeGreaterThan(10);
});

describe.each([
  ['whole table', () => ({})],
  ['middle third', () => middle],
  ['empty range', () => empty],
])('%s', (_, range) => {
  it.each([
    ['overall', {}],
    ['by model', { groupBy: ['model'] }],
    ['by model and status', { groupBy: ['model', 'status'] }],
    ['by region', { groupBy: ['region'] }],
    ['by host, filtered', { groupBy: ['host'], filters: { model: ['llama-3-8b'] } }],
    ['overall, one model', { filters: { model: ['llama-3-8b'] } }],
    ['by batch size', { groupBy: ['batch_size'] }],
  ])('summary %s', async (__, q) => {
    await same('summary', { queryType: 'summary', ...q } as AnalysisQuery, range());
  });

  it('compare', async () => {
    await same('compare', { queryType: 'compare' }, range());
    await same('compare', { queryType: 'compare', filters: { region: ['us-east-1'] } }, range());
  });

  it('trend: every aggregation, not grouped and by model', async () => {
    for (const aggregation of AGGREGATIONS) {
      for (const groupBy of [[], ['model']]) {
        await same('trend', { queryType: 'trend', aggregation, window: '5m', groupBy } as AnalysisQuery, range());
      }
    }
    await same('trend', { queryType: 'trend', aggregation: 'p95', metric: 'gpu_util', groupBy: ['region'] }, range());
    await same('trend', { queryType: 'trend', aggregation: 'p99', filters: { model: ['mistral-7b'] } }, range());
  });

  it.each([
    ['z-score', { method: 'zscore' }],
    ['z-score by model', { method: 'zscore', groupBy: ['model'] }],
    ['MAD by model', { method: 'mad', groupBy: ['model'] }],
    ['IQR by region, limited', { method: 'iqr', groupBy: ['region'], limit: 20 }],
    ['IQR by model and region, limited', { method: 'iqr', groupBy: ['model', 'region'], limit: 20 }],
    ['z-score, one model', { method: 'zscore', filters: { model: ['llama-3-8b'] } }],
  ])('anomalies %s', async (__, q) => {
    await same('anomalies', { queryType: 'anomalies', ...q } as AnalysisQuery, range());
  });

  it('correlation', async () => {
    for (const correlation of ['pearson', 'spearman']) {
      await same('correlation', { queryType: 'correlation', correlation } as AnalysisQuery, range());
    }
  });

  it('logs', async () => {
    await same('logs', { queryType: 'logs', limit: 50 }, range(), ['id']);
    await same('logs', { queryType: 'logs', filters: { status: ['error'] }, limit: 20 }, range(), ['id']);
  });
});

test('spike', async () => {
  await same('spike', { queryType: 'spike' }, middle);
  await same('spike', { queryType: 'spike', limit: 3, filters: { region: ['eu-west-1'] } }, middle);
});

test('template variable lookups', async () => {
  expect(await sharded.models()).toEqual(await single.models());
  expect(await sharded.fieldList()).toEqual(await single.fieldList());
  for (const name of ['region', 'status', 'batch_size', 'host']) {
    expect(await sharded.values(name)).toEqual(await single.values(name));
  }
});

/** The SQL of the queries `source` sent with distributed_group_by_no_merge=1 to answer `query`. */
async function finishedOnShards(query: AnalysisQuery, range: TimeRange = {}, source = sharded, client = shardedClient) {
  client.asked.length = 0;
  await source.analyse(query, range);
  return client.asked.filter((a) => a.settings?.distributed_group_by_no_merge === 1).map((a) => a.sql);
}

describe('distributed_group_by_no_merge', () => {
  it('is used for the aggregates grouped by model (or over one model) on the table init --cluster made', async () => {
    expect(await sharded.shardedByModel()).toBe(true);
    expect(await single.shardedByModel()).toBe(false);
    const p99 = { aggregation: 'p99', window: '5m' } as const;
    expect(await finishedOnShards({ queryType: 'summary', groupBy: ['model'] })).toHaveLength(1);
    expect(await finishedOnShards({ queryType: 'summary', groupBy: ['status', 'model'] })).toHaveLength(1);
    expect(
      await finishedOnShards({ queryType: 'summary', groupBy: ['host'], filters: { model: ['bert-large'] } })
    ).toHaveLength(1);
    // compare: the stats, and each model's (latency, count) pairs for the tests against the baseline
    expect(await finishedOnShards({ queryType: 'compare' })).toHaveLength(2);
    expect(await finishedOnShards({ queryType: 'compare', measures: ['requests'] })).toHaveLength(1);
    expect(await finishedOnShards({ queryType: 'trend', ...p99, groupBy: ['model'] })).toHaveLength(1);
    expect(await finishedOnShards({ queryType: 'trend', ...p99, filters: { model: ['gpt-j-6b'] } })).toHaveLength(1);
    // anomalies: the count and the listing, each with the per-group parameters inside
    expect(await finishedOnShards({ queryType: 'anomalies', method: 'mad', groupBy: ['model'] })).toHaveLength(2);
    // spike: the per-model mix before and in the window; not its totals or its slowest requests (ORDER BY … LIMIT)
    const mix = await finishedOnShards({ queryType: 'spike' }, middle);
    expect(mix).toHaveLength(2);
    expect(mix.every((sql) => sql.includes('GROUP BY _k0'))).toBe(true);
  });

  it('is not used where a group can span shards', async () => {
    const filtered = { filters: { model: ['bert-large', 'gpt-j-6b'] } };
    for (const query of [
      { queryType: 'summary' },
      { queryType: 'summary', filters: { model: ['bert-large'] } }, // no GROUP BY: every shard would give a row
      { queryType: 'summary', groupBy: ['region'] },
      { queryType: 'summary', groupBy: ['host'], ...filtered },
      { queryType: 'trend', aggregation: 'p99', groupBy: ['region'] },
      { queryType: 'trend', aggregation: 'count' },
      { queryType: 'anomalies', method: 'zscore' },
      { queryType: 'anomalies', method: 'iqr', groupBy: ['region'] },
      { queryType: 'correlation', correlation: 'spearman' },
      { queryType: 'logs', limit: 5 },
    ] as AnalysisQuery[]) {
      expect([query, await finishedOnShards(query)]).toEqual([query, []]);
    }
  });

  it('is not used on a Distributed table with another sharding key', async () => {
    // Over the same shards' tables, sharded by rand(): same rows, so the same answers, merged at the initiator.
    const client = shardClients[1];
    await client.exec(
      `CREATE TABLE ${DEFAULT_TABLE}_rand AS ${DEFAULT_TABLE}_local ` +
        `ENGINE = Distributed(two, ${DEFAULT_DATABASE}, ${DEFAULT_TABLE}_local, rand())`
    );
    await client.exec(`CREATE TABLE ${DEFAULT_TABLE}_rand_skips AS ${DEFAULT_TABLE}_skips`);
    const byRand = recording(client);
    const source = new ClickHouseSource(byRand, { ...REF, table: `${DEFAULT_TABLE}_rand` });
    expect(await source.shardedByModel()).toBe(false);
    const query: AnalysisQuery = { queryType: 'summary', groupBy: ['model'] };
    expect(await finishedOnShards(query, {}, source, byRand)).toEqual([]);
    expectSameFrames('summary', await source.analyse(query, {}), await single.analyse(query, {}));
  });

  it('reads the sharding key from the engine as 18.16 and current releases write it', () => {
    expect(
      distributedArguments("Distributed('two', 'default', 'a,b(', cityHash64(model), 'policy') SETTINGS x = 1")
    ).toEqual(["'two'", "'default'", "'a,b('", 'cityHash64(model)', "'policy'"]);
    expect(shardedByModel('Distributed(two, default, inference_logs_local, cityHash64(model))')).toBe(true);
    expect(shardedByModel("Distributed('two', 'db', 't_local', cityHash64(`model`))")).toBe(true);
    for (const engine of [
      'Distributed(two, default, inference_logs_local, rand())',
      'Distributed(two, default, inference_logs_local)',
      'Distributed(two, default, inference_logs_local, cityHash64(model, host))',
      'Distributed(two, default, inference_logs_local, cityHash64(host))',
      'Distributed(two, default, inference_logs_local, sipHash64(model))',
      'MergeTree PARTITION BY toYYYYMM(ts) ORDER BY (model, ts_us) SETTINGS index_granularity = 8192',
      'Distributed(two, default, inference_logs_local, cityHash64(model)',
    ]) {
      expect([engine, shardedByModel(engine)]).toEqual([engine, false]);
    }
  });
});
