/**
 * ClickHouseSource against StoreSource on the same logs: a private ClickHouse server (Debian's 18.16 in CI), the
 * generated log loaded into both, every pushed-down query type compared frame by frame. Needs clickhouse-server:
 * without it these tests fail (startClickHouse throws), they are not skipped.
 */
import { modelsOf } from '../engine/describe';
import { StoreSource } from '../engine/store-source';
import { storeOf } from '../../test/support/test-store';
import { generateLines } from '../generator/generate';
import { AGGREGATIONS, AnalysisQuery, TimeRange } from '../model/query';
import { Store } from '../store/store';
import { ClickHouseServer, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { expectSameFrames, maxDiff } from '../../test/support/same-frames';
import { ClickHouseClient } from './client';
import { Queryable, QuerySettings } from './context';
import { createStatements, LOG_COLUMNS, logTableName, LogRow, rowsPastResumeQuery, skipTableName } from './schema';
import { ClickHouseSource } from './source';

jest.setTimeout(120_000);

const ROWS = 4000;
const START = Date.parse('2026-11-20T00:00:00Z');
const REF = { database: 'default', table: 'inference_logs' };

/** A field name and values that SQL must quote: backticks, quotes, backslashes. */
const ODD_NAME = "we'ird`key\\";
const ODD_VALUES = ["it's \\ `x`", "'); DROP TABLE inference_logs; --"];

/** The generated log, plus lines with a numeric extra field and a missing status. */
function logLines(): string[] {
  const lines = [...generateLines({ rows: ROWS, seed: 13, extras: true, noise: 0.01, start: START })];
  // After the generated ones, in time as in the file: the store lists fields in the order it first reads them.
  // (Text fields before number fields on a line: the table keeps them in two arrays, so their order on one line
  // is not kept; ClickHouseSource lists a line's text fields first.)
  const last = Date.parse(
    `${JSON.parse(lines.filter((l) => l.includes('"gpu_type"')).pop()!).timestamp.slice(0, 23)}Z`
  );
  for (let i = 0; i < 40; i++) {
    const t = new Date(last + 1000 + 15_000 * i).toISOString().replace('Z', '');
    const status = i % 3 === 0 ? '' : `, "status": "${i % 5 === 0 ? 'error' : 'ok'}"`;
    lines.push(
      `{"timestamp": "${t}", "model": "edge-model", "latency_ms": ${10 + (i % 7) * 1.25}${status}, "host": "gpu-node-01", ${JSON.stringify(ODD_NAME)}: ${JSON.stringify(ODD_VALUES[i % 2])}, "tokens": ${i % 9}}`
    );
  }
  return lines;
}

/** The store's rows as the shipper writes them (extra fields into the key/value arrays). */
function rowsOf(store: Store): LogRow[] {
  const time = store.time.values();
  const errors = store.errors.values();
  const standard = new Set([
    'latency_ms',
    'batch_size',
    'gpu_util',
    'memory_used_gb',
    'model',
    'status',
    'request_id',
    'host',
  ]);
  const text = (name: string, row: number): string => (store.stringColumn(name)?.get(row) as string | null) ?? '';
  const number = (name: string, row: number): number | null => {
    const v = store.numberColumn(name)?.get(row) ?? NaN;
    return Number.isNaN(v) ? null : v;
  };
  const rows: LogRow[] = [];
  for (let row = 0; row < store.length; row++) {
    const r: LogRow = {
      ts_us: time[row],
      ts: Math.floor(time[row] / 1e6),
      host: text('host', row),
      model: text('model', row),
      request_id: text('request_id', row),
      status: text('status', row),
      is_error: errors[row] ? 1 : 0,
      latency_ms: number('latency_ms', row),
      batch_size: number('batch_size', row),
      gpu_util: number('gpu_util', row),
      memory_used_gb: number('memory_used_gb', row),
      str_keys: [],
      str_values: [],
      num_keys: [],
      num_values: [],
      src_file: 'test',
      src_end: row + 1,
    };
    for (const [name, column] of store.columns) {
      if (standard.has(name)) {
        continue;
      }
      const v = column.get(row);
      if (typeof v === 'number' && !Number.isNaN(v)) {
        r.num_keys.push(name);
        r.num_values.push(v);
      } else if (typeof v === 'string') {
        r.str_keys.push(name);
        r.str_values.push(v);
      }
    }
    rows.push(r);
  }
  return rows;
}

/**
 * Rows in ClickHouse's RowBinary format, in LOG_COLUMNS order: the doubles go in bit for bit (18.16 parses
 * decimal text to the nearest double only mostly: JSON's 3.28 becomes 3.2800000000000002).
 */
function rowBinary(rows: LogRow[]): Buffer {
  const parts: Buffer[] = [];
  const fixed = (size: number, write: (b: Buffer) => void) => {
    const b = Buffer.alloc(size);
    write(b);
    parts.push(b);
  };
  const varint = (n: number) => {
    const bytes: number[] = [];
    do {
      bytes.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
      n = Math.floor(n / 128);
    } while (n > 0);
    parts.push(Buffer.from(bytes));
  };
  const string = (text: string) => {
    const b = Buffer.from(text, 'utf8');
    varint(b.length);
    parts.push(b);
  };
  const float = (x: number) => fixed(8, (b) => b.writeDoubleLE(x));
  const nullable = (x: number | null) =>
    x === null ? fixed(1, (b) => b.writeUInt8(1)) : (fixed(1, () => {}), float(x));
  for (const r of rows) {
    fixed(8, (b) => b.writeBigInt64LE(BigInt(r.ts_us)));
    fixed(4, (b) => b.writeUInt32LE(r.ts));
    [r.host, r.model, r.request_id, r.status].forEach(string);
    fixed(1, (b) => b.writeUInt8(r.is_error));
    [r.latency_ms, r.batch_size, r.gpu_util, r.memory_used_gb].forEach(nullable);
    for (const [keys, values] of [
      [r.str_keys, r.str_values],
      [r.num_keys, r.num_values],
    ] as const) {
      varint(keys.length);
      keys.forEach(string);
      varint(values.length);
      values.forEach((v) => (typeof v === 'number' ? float(v) : string(v)));
    }
    string(r.src_file);
    fixed(8, (b) => b.writeBigUInt64LE(BigInt(r.src_end)));
  }
  return Buffer.concat(parts);
}

/** Runs queries and remembers how many rows the server read for them. */
class CountingClient implements Queryable {
  rowsRead = 0;
  queries = 0;
  /** Every query sent, for the dialect check at the end. */
  readonly sent: string[] = [];
  constructor(private readonly client: ClickHouseClient) {}
  async query<T = Record<string, unknown>>(sql: string, settings?: QuerySettings): Promise<T[]> {
    const text = await this.client.exec(`${sql} FORMAT JSON`, {
      settings: { ...settings, output_format_json_quote_64bit_integers: 0 },
    });
    const body = JSON.parse(text) as { data: T[]; statistics?: { rows_read?: number } };
    this.rowsRead += body.statistics?.rows_read ?? 0;
    this.queries++;
    this.sent.push(sql);
    return body.data;
  }
}

let server: ClickHouseServer;
let client: ClickHouseClient;
let counting: CountingClient;
let ch: ClickHouseSource;
let ref: StoreSource;
let firstUs: number;
let lastUs: number;

beforeAll(async () => {
  server = await startClickHouse();
  client = new ClickHouseClient({ url: server.url });
  for (const statement of createStatements(REF)) {
    await client.exec(statement);
  }
  const store = storeOf(logLines());
  const rows = rowsOf(store);
  expect(LOG_COLUMNS.map(([name]) => name)).toEqual(Object.keys(rows[0]));
  await client.exec(`INSERT INTO ${logTableName(REF)} FORMAT RowBinary`, { body: new Uint8Array(rowBinary(rows)) });
  // The skip counts as the shipper keeps them: one row per reason, in the order first seen.
  const skips = Object.entries(store.skipped).map(([reason, lines], i) => ({
    host: '',
    reason,
    lines,
    src_file: 'test',
    src_end: i,
  }));
  await client.exec(`INSERT INTO ${skipTableName(REF)} FORMAT JSONEachRow`, {
    body: skips.map((r) => JSON.stringify(r)).join('\n'),
  });
  counting = new CountingClient(client);
  ch = new ClickHouseSource(counting, REF);
  ref = new StoreSource(store);
  const times = Array.from(store.time.values());
  firstUs = Math.min(...times);
  lastUs = Math.max(...times);
});

afterAll(async () => {
  if (server) {
    await stopClickHouse(server);
  }
  console.log(`max relative differences: ${JSON.stringify(maxDiff)}`);
});

async function same(kind: string, query: AnalysisQuery, range: TimeRange = {}, intervalMs?: number, skip?: string[]) {
  const expected = await ref.analyse(query, range, intervalMs);
  const actual = await ch.analyse(query, range, intervalMs);
  expectSameFrames(kind, actual, expected, skip);
  return actual;
}

/** A range inside the data: the middle third, in ms. */
const middle = (): Required<TimeRange> => {
  const third = (lastUs - firstUs) / 3;
  return { from: Math.floor((firstUs + third) / 1000), to: Math.floor((firstUs + 2 * third) / 1000) };
};
const empty: TimeRange = { from: Date.parse('2020-01-01T00:00:00Z'), to: Date.parse('2020-01-01T01:00:00Z') };

describe('summary', () => {
  it.each([
    ['overall', {}],
    ['by model', { groupBy: ['model'] }],
    ['by model and status', { groupBy: ['model', 'status'] }],
    ['by an extra text field', { groupBy: ['region'] }],
    ['by host', { groupBy: ['host'] }],
    ['by a numeric field', { groupBy: ['batch_size'] }],
    ['by a numeric extra field', { groupBy: ['tokens'] }],
    ['filtered', { filters: { model: ['llama-3-8b', 'edge-model'], region: ['us-east-1', 'eu-west-1'] } }],
    ['filtered by numbers', { groupBy: ['model'], filters: { batch_size: [8, '16'], tokens: [2, 3] } }],
    ['filtered by status', { groupBy: ['status'], filters: { status: ['error', 'timeout'] } }],
    ['measures', { groupBy: ['model'], measures: ['p99_latency_ms', 'requests'] }],
  ])('%s', async (_, q) => {
    const query = { queryType: 'summary', ...q } as AnalysisQuery;
    await same('summary', query);
    await same('summary', query, middle());
    await same('summary', query, empty);
    await same('summary', query, { from: middle().from });
  });
});

describe('compare', () => {
  it.each([
    ['all', {}],
    ['filtered', { filters: { region: ['ap-south-1'] } }],
    ['measures', { measures: ['p99_vs_fastest'] }],
    ['baseline', { baseline: 'llama-3-8b' }],
    ['significance measures', { baseline: 'mistral-7b', measures: ['verdict', 'latency_u', 'p99_diff_ci_low_ms'] }],
  ])('%s', async (_, q) => {
    const query = { queryType: 'compare', ...q } as AnalysisQuery;
    await same('compare', query);
    await same('compare', query, middle());
    await same('compare', query, empty);
  });

  it('tests each model against the baseline with the same numbers as the engine', async () => {
    const [frame] = await same('compare', { queryType: 'compare', baseline: 'llama-3-8b' } as AnalysisQuery);
    const verdicts = frame.fields.find((f) => f.name === 'verdict')!.values as string[];
    expect(verdicts.filter((v) => v === 'baseline')).toHaveLength(1);
    expect(verdicts.every((v) => v === 'baseline' || /latency distributions/.test(v))).toBe(true);
  });

  it('refuses an unknown baseline as the engine does', async () => {
    const query = { queryType: 'compare', baseline: 'nope' } as AnalysisQuery;
    await expect(ch.analyse(query, {})).rejects.toThrow(/unknown baseline model "nope"/);
    await expect(ref.analyse(query, {})).rejects.toThrow(/unknown baseline model "nope"/);
  });
});

describe('seasonal baselines and forecast: the engine reading ClickHouse trend', () => {
  it('gives the frames the store gives', async () => {
    for (const groupBy of [[], ['model']]) {
      const bucketed = { aggregation: 'p99', window: '1m', groupBy } as const;
      await same('trend', { queryType: 'trend', seasonality: 'daily', ...bucketed } as AnalysisQuery, middle());
      await same('anomalies', { queryType: 'anomalies', seasonality: 'daily', ...bucketed } as AnalysisQuery, middle());
      await same('forecast', { queryType: 'forecast', horizon: '10m', ...bucketed } as AnalysisQuery);
      await same('forecast', { queryType: 'forecast', ...bucketed } as AnalysisQuery, middle());
      await same('forecast', { queryType: 'forecast', ...bucketed } as AnalysisQuery, empty);
    }
  });
});

describe('trend', () => {
  it.each(AGGREGATIONS.map((a) => [a]))('%s, not grouped and by model', async (aggregation) => {
    for (const groupBy of [[], ['model']]) {
      const query = { queryType: 'trend', aggregation, window: '1m', groupBy } as AnalysisQuery;
      await same('trend', query, middle());
      await same('trend', query);
    }
  });

  it('other metrics, groups and windows', async () => {
    await same('trend', {
      queryType: 'trend',
      aggregation: 'p95',
      metric: 'gpu_util',
      window: '5m',
      groupBy: ['region'],
    });
    await same('trend', { queryType: 'trend', aggregation: 'mean', metric: 'tokens', groupBy: ['model', 'status'] });
    await same('trend', {
      queryType: 'trend',
      aggregation: 'stddev',
      window: '30s',
      filters: { host: ['gpu-node-01'] },
    });
    await same('trend', { queryType: 'trend', aggregation: 'p99', window: 'auto' }, middle(), 15_000);
    await same('trend', { queryType: 'trend', aggregation: 'count', window: '7s' }, { from: middle().from });
  });

  it('empty ranges: every bucket of the range when not grouped, no series when grouped', async () => {
    const count = await same('trend', { queryType: 'trend', aggregation: 'count', window: '5m' }, empty);
    expect(count).toHaveLength(1);
    await same('trend', { queryType: 'trend', aggregation: 'p99', window: '5m' }, empty);
    expect(await same('trend', { queryType: 'trend', aggregation: 'p99', groupBy: ['model'] }, empty)).toEqual([]);
    expect(await same('trend', { queryType: 'trend', filters: { model: ['none'] } }, { from: 0 })).toEqual([]);
  });

  it("refuses more series, cells or groups than the limits, with the engine's words, before the heavy query", async () => {
    const limits = { maxRows: 100, maxSeries: 1000, maxCells: 1_000_000 };
    const refusal = async (source: StoreSource | ClickHouseSource, query: AnalysisQuery, l: typeof limits) => {
      const error = await source.analyse(query, {}, undefined, l).then(
        () => undefined,
        (e: Error) => e.message
      );
      expect(error).toBeDefined();
      return error;
    };
    const models = modelsOf(ref.store).length;
    const cases: Array<[AnalysisQuery, typeof limits]> = [
      [{ queryType: 'trend', groupBy: ['request_id'], window: '1h' }, limits],
      [
        { queryType: 'trend', groupBy: ['model'], window: '1m' },
        { ...limits, maxSeries: models - 1 },
      ],
      [
        { queryType: 'trend', groupBy: ['model'], window: '1m' },
        { ...limits, maxCells: 100 },
      ],
      [{ queryType: 'summary', groupBy: ['request_id'] }, limits],
      [{ queryType: 'compare' }, { ...limits, maxRows: models - 1 }],
    ];
    for (const [query, l] of cases) {
      const sent = counting.sent.length;
      const message = await refusal(ch, query, l);
      expect(message).toBe(await refusal(ref, query, l));
      expect(message).toMatch(/more than the \d+ (rows )?allowed \((maxSeries|maxCells|maxRows)\); group by a field/);
      // Only the cheap count reached the table: no GROUP BY of the heavy query was sent.
      expect(counting.sent.slice(sent).filter((sql) => sql.includes('GROUP BY _k'))).toEqual([]);
    }
    // At the bounds both answer, the same.
    const at = { ...limits, maxRows: models, maxSeries: models };
    for (const query of [
      { queryType: 'trend', groupBy: ['model'], window: '1h' },
      { queryType: 'summary', groupBy: ['model'] },
      { queryType: 'compare' },
    ] as AnalysisQuery[]) {
      expectSameFrames(
        query.queryType!,
        await ch.analyse(query, {}, undefined, at),
        await ref.analyse(query, {}, undefined, at)
      );
    }
  });

  it('refuses what the engine refuses', async () => {
    const query = { queryType: 'trend', window: '1ms' } as AnalysisQuery;
    await expect(ch.analyse(query, middle())).rejects.toThrow(/buckets over this range/);
    await expect(ch.analyse({ queryType: 'trend', metric: 'region' }, {})).rejects.toThrow(/not a numeric field/);
  });
});

describe('an alert-style query', () => {
  it('reads about the rows of its range, not the table', async () => {
    // The same rows in a table with small granules, so that 4,000 rows span many of them.
    const smallRef = { database: 'default', table: 'small_granules' };
    const small = logTableName(smallRef);
    await client.exec(
      `CREATE TABLE ${small} AS ${logTableName(REF)} ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY (model, ts_us) ` +
        'SETTINGS index_granularity = 64'
    );
    await client.exec(`INSERT INTO ${small} SELECT * FROM ${logTableName(REF)}`);
    await client.exec(`CREATE TABLE ${skipTableName(smallRef)} AS ${skipTableName(REF)}`);
    await client.exec(`INSERT INTO ${skipTableName(smallRef)} SELECT * FROM ${skipTableName(REF)}`);
    const source = new ClickHouseSource(counting, smallRef);
    const to = middle().to;
    const range = { from: to - 5 * 60_000, to };
    const query = { queryType: 'summary', groupBy: ['model'], measures: ['p99_latency_ms'] } as AnalysisQuery;
    const inRange = (await ref.analyse({ queryType: 'summary' }, range))[0].fields[0].values[0] as number;
    expect(await source.shardedByModel()).toBe(false); // a MergeTree table; asked now, so not counted below
    counting.rowsRead = 0;
    expectSameFrames('summary', await source.analyse(query, range), await ref.analyse(query, range));
    const models = 5;
    expect(inRange).toBeGreaterThan(100);
    expect(counting.rowsRead).toBeGreaterThanOrEqual(inRange);
    expect(counting.rowsRead).toBeLessThan(inRange + 2 * 64 * models);
    console.log(`alert query: ${inRange} rows in range, ${counting.rowsRead} read, table ${ROWS + 40}`);
  });
});

describe('fields and values SQL must quote', () => {
  it('groups and filters by them as the store does', async () => {
    await same('summary', { queryType: 'summary', groupBy: [ODD_NAME] });
    await same('summary', { queryType: 'summary', groupBy: [ODD_NAME], filters: { [ODD_NAME]: [ODD_VALUES[1]] } });
    await same('trend', {
      queryType: 'trend',
      aggregation: 'count',
      groupBy: [ODD_NAME],
      filters: { model: ["x' OR '1'='1"] },
    });
    await expect(ch.analyse({ queryType: 'summary', groupBy: ['no`such'] }, {})).rejects.toThrow(
      /unknown group-by field/
    );
    expect(await ch.values(ODD_NAME)).toEqual([...ODD_VALUES].sort());
  });
});

describe('anomalies', () => {
  it.each([
    ['z-score', { method: 'zscore' }],
    ['z-score by model', { method: 'zscore', groupBy: ['model'] }],
    [
      'z-score by region and status, limited',
      { method: 'zscore', groupBy: ['region', 'status'], limit: 7, threshold: 2 },
    ],
    ['MAD', { method: 'mad' }],
    ['MAD by model, gpu_util', { method: 'mad', groupBy: ['model'], metric: 'gpu_util', threshold: 2 }],
    ['IQR', { method: 'iqr', threshold: 1 }],
    [
      'IQR by host, filtered, limited',
      { method: 'iqr', groupBy: ['host'], filters: { model: ['llama-3-8b'] }, limit: 5 },
    ],
  ])('%s', async (_, q) => {
    const query = { queryType: 'anomalies', ...q } as AnalysisQuery;
    const frames = await same('anomalies', query);
    expect(frames[0].fields[0].values.length).toBeGreaterThan(0);
    await same('anomalies', query, middle());
    await same('anomalies', query, empty);
  });
});

describe('correlation', () => {
  it.each([
    ['pearson', { correlation: 'pearson' }],
    ['spearman', { correlation: 'spearman' }],
    ['pearson, other metrics', { correlation: 'pearson', metrics: ['tokens', 'latency_ms', 'gpu_util'] }],
    ['spearman, other metrics', { correlation: 'spearman', metrics: ['tokens', 'latency_ms', 'batch_size'] }],
  ])('%s', async (_, q) => {
    const query = { queryType: 'correlation', ...q } as AnalysisQuery;
    await same('correlation', query);
    await same('correlation', query, middle());
    await same('correlation', query, empty);
    await same('correlation', { ...query, filters: { region: ['eu-west-1'] } });
  });
});

describe('logs', () => {
  it.each([
    ['all', {}],
    ['limited', { limit: 25 }],
    ['filtered', { filters: { status: ['error'], region: ['us-east-1'] }, limit: 10 }],
  ])('%s', async (_, q) => {
    const query = { queryType: 'logs', ...q } as AnalysisQuery;
    await same('logs', query, {}, undefined, ['id']);
    await same('logs', query, middle(), undefined, ['id']);
    await same('logs', query, empty, undefined, ['id']);
  });
});

describe('spike', () => {
  it.each([
    ['all', {}],
    ['limited and filtered', { limit: 3, filters: { region: ['eu-west-1'] } }],
  ])('%s', async (_, q) => {
    const query = { queryType: 'spike', ...q } as AnalysisQuery;
    await same('spike', query, middle());
    const end = middle().to;
    await same('spike', query, { from: end, to: end + 1 });
    await same('spike', query, empty);
    await expect(ch.analyse(query, {})).rejects.toThrow(/spike needs a time window/);
  });
});

describe('template variable lookups', () => {
  it('lists models, fields and the values of a field as the store does', async () => {
    const store = ref.store;
    expect(await ch.models()).toEqual(modelsOf(store));
    expect(await ch.fieldList()).toEqual(store.fields());
    for (const name of ['region', 'status', 'batch_size', 'tokens', 'host']) {
      const column = store.columns.get(name)!;
      const expected = new Set<string>();
      for (let row = 0; row < store.length; row++) {
        const v = column.get(row);
        if (v !== null && !(typeof v === 'number' && Number.isNaN(v))) {
          expected.add(String(v));
        }
      }
      expect(await ch.values(name)).toEqual([...expected].sort());
    }
    await expect(ch.values('nope')).rejects.toThrow(/unknown field "nope"/);
  });
});

/**
 * Only 18.16 runs here, so what current releases refuse or read differently is checked on the SQL itself
 * (docs/clickhouse-dialect.md): every subquery in a JOIN has an alias (joined_subquery_requires_alias), and no
 * ANY INNER JOIN (since 19.x it keeps one row per key on both sides).
 */
describe('the SQL sent is portable to current releases', () => {
  /** Problems of one query's JOINs. */
  function joinProblems(sql: string): string[] {
    const problems: string[] = [];
    for (const join of sql.matchAll(/\b(?:GLOBAL\s+)?(ANY|ALL)\s+(INNER|LEFT)\s+JOIN\b/g)) {
      if (join[1] === 'ANY' && join[2] === 'INNER') {
        problems.push(`ANY INNER JOIN: ${sql}`);
      }
      if (/\)\s*$/.test(sql.slice(0, join.index))) {
        problems.push(`left subquery without an alias: ${sql}`);
      }
      const after = sql.slice(join.index! + join[0].length);
      if (/^\s*\(/.test(after)) {
        let depth = 0;
        let end = after.indexOf('(');
        for (; end < after.length; end++) {
          depth += after[end] === '(' ? 1 : after[end] === ')' ? -1 : 0;
          if (depth === 0) {
            break;
          }
        }
        if (!/^\)\s*AS\s+\w+/.test(after.slice(end))) {
          problems.push(`right subquery without an alias: ${sql}`);
        }
      }
    }
    return problems;
  }

  it('aliases every joined subquery and uses no ANY INNER JOIN, in every query the tests above sent', () => {
    const sent = [...counting.sent, rowsPastResumeQuery(REF)];
    expect(sent.filter((sql) => /\bJOIN\b/.test(sql)).length).toBeGreaterThan(3);
    expect(sent.flatMap(joinProblems)).toEqual([]);
  });

  it('finds the problems it looks for', () => {
    expect(joinProblems('SELECT 1 FROM (SELECT 1) ANY INNER JOIN (SELECT 1) AS b USING x')).toHaveLength(2);
    expect(joinProblems('SELECT 1 FROM (SELECT 1) AS a GLOBAL ANY LEFT JOIN (SELECT (1)) USING x')).toHaveLength(1);
    expect(joinProblems('SELECT 1 FROM t GLOBAL ALL INNER JOIN (SELECT (1)) AS b USING x')).toEqual([]);
  });
});
