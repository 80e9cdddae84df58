/**
 * One question answered by DuckDB straight from the log files, as a fresh process: what a user who runs DuckDB
 * instead of us does (plain JavaScript, so nothing is transpiled at start). Prints the answer's rows as JSON.
 *
 *   node bench/duckdb-oneshot.mjs summary|trend|anomalies GLOB [LIMIT]
 *
 * The rows are read as ours are: NaN is missing, the error flag is a status other than success/ok/2xx.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [question, glob, limit = '100'] = process.argv.slice(2);
/** Only the columns the question needs (DuckDB then parses only those): what a user who knows DuckDB writes. */
const NEEDS = {
  summary: { model: 'VARCHAR', latency_ms: 'DOUBLE', status: 'VARCHAR' },
  trend: { timestamp: 'TIMESTAMP', model: 'VARCHAR', latency_ms: 'DOUBLE' },
  anomalies: { timestamp: 'TIMESTAMP', request_id: 'VARCHAR', model: 'VARCHAR', latency_ms: 'DOUBLE' },
};
const needed = NEEDS[question] ?? {};
const columns = `{${Object.entries(needed)
  .map(([name, type]) => `${name}: '${type}'`)
  .join(', ')}}`;
const pick = (name, expression) => (name in needed ? `${expression}, ` : '');
const logs = `(SELECT ${pick('timestamp', 'timestamp AS ts')}${pick('request_id', 'request_id')}model,
    CASE WHEN isnan(latency_ms) THEN NULL ELSE latency_ms END AS latency_ms
    ${'status' in needed ? `, status IS NOT NULL AND NOT (lower(trim(status)) IN ('success', 'ok') OR (length(trim(status)) = 3 AND trim(status) BETWEEN '200' AND '299')) AS is_error` : ''}
  FROM read_json('${(glob ?? '').replace(/'/g, "''")}', format = 'newline_delimited', columns = ${columns}))`;

const SQL = {
  summary: `SELECT model, count(*) AS requests, avg(latency_ms) AS avg,
      quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99]) AS q, max(latency_ms) AS max, avg(is_error::INTEGER) AS error_rate
    FROM ${logs} GROUP BY model ORDER BY model`,
  trend: `SELECT model, (epoch_us(ts) // 60000000) * 60000 AS bucket, quantile_cont(latency_ms, 0.99) AS p99
    FROM ${logs} GROUP BY ALL ORDER BY model, bucket`,
  anomalies: `WITH l AS ${logs},
    s AS (SELECT model, avg(latency_ms) AS m, stddev_samp(latency_ms) AS sd FROM l GROUP BY model),
    a AS (SELECT l.ts, l.request_id, l.model, l.latency_ms, (l.latency_ms - s.m) / s.sd AS score
          FROM l JOIN s USING (model) WHERE abs((l.latency_ms - s.m) / s.sd) > 3)
    SELECT request_id, score, count(*) OVER () AS found FROM a ORDER BY abs(score) DESC, ts LIMIT ${Number(limit)}`,
};

if (!SQL[question]) {
  process.stderr.write(`unknown question ${question}: summary, trend or anomalies\n`);
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const rows = (await connection.runAndReadAll(SQL[question])).getRowObjectsJS();
process.stdout.write(JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v)) + '\n');
connection.closeSync();
instance.closeSync();
