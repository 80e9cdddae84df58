/** Child process: DuckDB (`read_json` into a table, both cores) on the same file and the same questions. */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  ANOMALY_LIMIT,
  Answers,
  EngineReport,
  inputOf,
  num,
  peakRss,
  QueryName,
  report,
  SummaryRow,
  timeRuns,
} from './common';

type Row = Record<string, unknown>;

const nanToNull = (column: string): string => `CASE WHEN isnan(${column}) THEN NULL ELSE ${column} END AS ${column}`;

/** The same rows our store holds: NaN is missing (as pandas), the error flag decided at load, as ours is. */
function loadSql(file: string): string {
  const columns =
    "{timestamp: 'TIMESTAMP', request_id: 'VARCHAR', model: 'VARCHAR', latency_ms: 'DOUBLE', batch_size: 'DOUBLE', " +
    "status: 'VARCHAR', gpu_util: 'DOUBLE', memory_used_gb: 'DOUBLE'}";
  return `CREATE TABLE logs AS
    SELECT timestamp AS ts, request_id, model, ${nanToNull('latency_ms')}, batch_size, status,
      ${nanToNull('gpu_util')}, ${nanToNull('memory_used_gb')},
      status IS NOT NULL AND NOT (lower(trim(status)) IN ('success', 'ok') OR regexp_full_match(trim(status), '2[0-9][0-9]'))
        AS is_error
    FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited', columns = ${columns})`;
}

function summarySql(where: string): string {
  return `SELECT model, count(*) AS requests, avg(latency_ms) AS avg,
      quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99]) AS q, max(latency_ms) AS max,
      avg(is_error::INTEGER) AS error_rate, avg(batch_size) AS batch, avg(gpu_util) AS gpu, avg(memory_used_gb) AS mem
    FROM logs ${where} GROUP BY model ORDER BY model`;
}

const rangeWhere = (fromMs: number, toMs: number): string =>
  `WHERE ts BETWEEN make_timestamp(${fromMs * 1000}::BIGINT) AND make_timestamp(${toMs * 1000}::BIGINT)`;

const TREND_SQL = `SELECT model, (epoch_us(ts) // 60000000) * 60000 AS bucket, avg(latency_ms) AS mean,
    quantile_cont(latency_ms, 0.99) AS p99
  FROM logs GROUP BY ALL ORDER BY model, bucket`;

const ANOMALY_SQL = `WITH s AS (SELECT model, avg(latency_ms) AS m, stddev_samp(latency_ms) AS sd FROM logs GROUP BY model),
  a AS (SELECT l.ts, l.request_id, l.model, l.latency_ms, (l.latency_ms - s.m) / s.sd AS score
        FROM logs l JOIN s USING (model) WHERE abs((l.latency_ms - s.m) / s.sd) > 3)
  SELECT *, count(*) OVER () AS found FROM a ORDER BY abs(score) DESC, ts LIMIT ${ANOMALY_LIMIT}`;

const METRICS = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'];
const PAIRS: Array<[number, number]> = [];
for (let i = 0; i < METRICS.length; i++) {
  for (let j = i; j < METRICS.length; j++) {
    PAIRS.push([i, j]);
  }
}
const PEARSON_SQL = `SELECT ${PAIRS.map(([i, j]) => `corr(${METRICS[i]}, ${METRICS[j]}) AS c${i}${j}`).join(', ')} FROM logs`;

function summaryRows(rows: Row[]): SummaryRow[] {
  return rows.map((r) => {
    const q = (r.q as unknown[] | null) ?? [];
    return {
      model: String(r.model),
      requests: Number(r.requests),
      avg: num(r.avg),
      p50: num(q[0]),
      p95: num(q[2]),
      p99: num(q[3]),
      max: num(r.max),
      errorRate: num(r.error_rate),
    };
  });
}

async function main(): Promise<void> {
  const input = inputOf(process.argv);
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection: DuckDBConnection = await instance.connect();
  const read = async (sql: string): Promise<Row[]> => (await connection.runAndReadAll(sql)).getRowObjectsJS();
  const threads = (await read(`SELECT current_setting('threads') AS t`))[0].t;

  const start = performance.now();
  await connection.run(loadSql(input.file));
  const loadMs = performance.now() - start;
  const peakAfterLoad = peakRss();
  const rows = Number((await read('SELECT count(*) AS n FROM logs'))[0].n);
  const memory = Number((await read('SELECT sum(memory_usage_bytes) AS b FROM duckdb_memory()'))[0].b);
  process.stderr.write(`duckdb: loaded ${rows} rows in ${(loadMs / 1000).toFixed(2)} s (threads ${String(threads)})\n`);

  const jobs: Array<[QueryName, string]> = [
    ['summary by model', summarySql('')],
    ['trend per model per minute (mean + p99)', TREND_SQL],
    ['z-score anomalies per model', ANOMALY_SQL],
    ['4x4 Pearson matrix', PEARSON_SQL],
    ['one-hour summary by model', summarySql(rangeWhere(input.hourFrom, input.hourTo))],
    ['alert: p99 last 5 min per model', summarySql(rangeWhere(input.alertFrom, input.alertTo))],
  ];
  const queries: Record<string, number> = {};
  const runsMs: Record<string, number[]> = {};
  const firstRunMs: Record<string, number> = {};
  const results = new Map<QueryName, Row[]>();
  for (const [name, sql] of jobs) {
    const timed = await timeRuns(input.warmups, input.runs, () => read(sql));
    queries[name] = timed.ms;
    runsMs[name] = timed.all;
    firstRunMs[name] = timed.firstMs;
    results.set(name, timed.result);
    process.stderr.write(`duckdb: ${name}: ${timed.ms.toFixed(1)} ms\n`);
  }

  const trend: Answers['trend'] = {};
  for (const r of results.get('trend per model per minute (mean + p99)') ?? []) {
    const model = String(r.model);
    (trend[model] ??= {})[String(Number(r.bucket))] = [num(r.mean), num(r.p99)];
  }
  const anomalies = results.get('z-score anomalies per model') ?? [];
  const pearsonRow = (results.get('4x4 Pearson matrix') ?? [])[0] ?? {};
  const pearson = METRICS.map(() => METRICS.map((): number | null => null));
  for (const [i, j] of PAIRS) {
    pearson[i][j] = pearson[j][i] = num(pearsonRow[`c${i}${j}`]);
  }
  const answers: Answers = {
    summary: summaryRows(results.get('summary by model') ?? []),
    hour: summaryRows(results.get('one-hour summary by model') ?? []),
    alert: summaryRows(results.get('alert: p99 last 5 min per model') ?? []),
    trend,
    anomaliesFound: anomalies.length ? Number(anomalies[0].found) : 0,
    anomalyScores: anomalies.map((r) => Math.abs(Number(r.score))),
    anomalyIds: anomalies.map((r) => (r.request_id === null ? null : String(r.request_id))),
    pearson,
  };
  const result: EngineReport = {
    loadMs,
    rows,
    peakRssBytes: peakAfterLoad,
    bytesPerRow: memory / rows,
    queries,
    firstRunMs,
    runsMs,
    answers,
    notes: [`threads=${String(threads)}`],
  };
  connection.closeSync();
  instance.closeSync();
  report(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
