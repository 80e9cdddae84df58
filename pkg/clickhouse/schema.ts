/**
 * The one definition of the ClickHouse tables that hold shipped logs: DDL, column list, row type and the SQL
 * expressions that read an extra field. Written in the portable subset that runs on Debian's ClickHouse 18.16
 * (what CI installs) and on current ClickHouse alike. Everything used here, checked present in 18.16 (server)
 * and in the current docs (clickhouse.com/docs/sql-reference):
 * - types Int64, UInt8, UInt64, Float64, String, DateTime, Nullable(T), Array(T);
 * - engines MergeTree (`PARTITION BY` / `ORDER BY` clause syntax) and Distributed(cluster, db, table, key);
 * - `CREATE DATABASE|TABLE IF NOT EXISTS`, `ON CLUSTER` is NOT used (no ZooKeeper: init runs on each shard);
 * - functions toYYYYMM, indexOf, has, arrayElement (`a[i]`), if, cityHash64, max;
 * - `GLOBAL ANY LEFT JOIN … USING` (a missing right row gives the column's default, 0, with join_use_nulls=0, the
 *   default in both).
 */

/** Where the tables live; `cluster` set: T_local on each shard plus T as a Distributed table over them. */
export interface TableRef {
  database: string;
  table: string;
  cluster?: string;
}

export const DEFAULT_DATABASE = 'default';
export const DEFAULT_TABLE = 'inference_logs';

/** Columns of the log table, in insert order (the shipper's RowBinary rows follow this order). */
export const LOG_COLUMNS = [
  ['ts_us', 'Int64'], // epoch microseconds, UTC (18.16 has no DateTime64)
  ['ts', 'DateTime'], // whole seconds: partitions and coarse range filters
  ['host', 'String'],
  ['model', 'String'], // String, not LowCardinality: experimental on 18.16 and breaks Distributed aggregation
  ['request_id', 'String'],
  ['status', 'String'],
  ['is_error', 'UInt8'],
  ['latency_ms', 'Nullable(Float64)'], // NULL = missing (the in-memory store's NaN)
  ['batch_size', 'Nullable(Float64)'],
  ['gpu_util', 'Nullable(Float64)'],
  ['memory_used_gb', 'Nullable(Float64)'],
  ['str_keys', 'Array(String)'], // extra fields with a text value (booleans as true/false, objects as JSON)
  ['str_values', 'Array(String)'],
  ['num_keys', 'Array(String)'], // extra fields with a number value
  ['num_values', 'Array(Float64)'],
  ['src_file', 'String'], // shipping bookkeeping: the file's identity (survives rename, copy, gzip)
  ['src_end', 'UInt64'], // offset just after the row's line in the file's (uncompressed) content
] as const;

/** Columns of the skips table: lines skipped by reason, per shipped block (exactly once, like the rows). */
export const SKIP_COLUMNS = [
  ['host', 'String'],
  ['reason', 'String'],
  ['lines', 'UInt64'],
  ['src_file', 'String'],
  ['src_end', 'UInt64'], // offset just after the last line of the block these skips were counted in
] as const;

/** One row as the shipper writes it (nulls: missing numbers). */
export interface LogRow {
  ts_us: number;
  ts: number; // epoch seconds
  host: string;
  model: string;
  request_id: string;
  status: string;
  is_error: 0 | 1;
  latency_ms: number | null;
  batch_size: number | null;
  gpu_util: number | null;
  memory_used_gb: number | null;
  str_keys: string[];
  str_values: string[];
  num_keys: string[];
  num_values: number[];
  src_file: string;
  src_end: number;
}

/** A ClickHouse identifier, back-quoted (works on 18.16 and current). */
export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** A ClickHouse string literal (values are inlined: 18.16 has no query parameters). */
export function quoteString(text: string): string {
  return "'" + text.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

/** `db`.`name`. */
function qualified(database: string, name: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(name)}`;
}

/** The name queries and inserts use: T (the Distributed table when clustered). */
export function logTableName(ref: TableRef): string {
  return qualified(ref.database, ref.table);
}

/** The skips table queries and inserts use: T_skips (Distributed when clustered). */
export function skipTableName(ref: TableRef): string {
  return qualified(ref.database, `${ref.table}_skips`);
}

function columnList(columns: ReadonlyArray<readonly [string, string]>): string {
  return columns.map(([name, type]) => `  ${quoteIdentifier(name)} ${type}`).join(',\n');
}

/**
 * Sharding key of the Distributed tables: the model. Every row of a model lands on one shard, so a per-model
 * exact quantile (which needs all of its values in one place) can be finished where the values are, with
 * `distributed_group_by_no_merge=1`, and no values cross the network; with rand() every shard sends every value
 * (8 bytes a row). ClickHouseSource recognises this key (sharding.ts) and then sets it for its per-model aggregates
 * (context.ts finishOnShards; README.md, Sharded).
 */
export const SHARDING_KEY = 'cityHash64(model)';

/** The statements `clickhouse init` runs, in order, all idempotent (IF NOT EXISTS). */
export function createStatements(ref: TableRef): string[] {
  const statements = [`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(ref.database)}`];
  const logs = ref.cluster ? qualified(ref.database, `${ref.table}_local`) : logTableName(ref);
  const skips = ref.cluster ? qualified(ref.database, `${ref.table}_skips_local`) : skipTableName(ref);
  statements.push(
    `CREATE TABLE IF NOT EXISTS ${logs} (\n${columnList(LOG_COLUMNS)}\n) ENGINE = MergeTree ` +
      'PARTITION BY toYYYYMM(ts) ORDER BY (model, ts_us)',
    // Few rows (one per reason per block): ordered by file for the resume query.
    `CREATE TABLE IF NOT EXISTS ${skips} (\n${columnList(SKIP_COLUMNS)}\n) ENGINE = MergeTree ` +
      'ORDER BY (src_file, src_end)'
  );
  if (ref.cluster) {
    const cluster = quoteIdentifier(ref.cluster);
    const db = quoteIdentifier(ref.database);
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${logTableName(ref)} AS ${logs} ` +
        `ENGINE = Distributed(${cluster}, ${db}, ${quoteIdentifier(`${ref.table}_local`)}, ${SHARDING_KEY})`,
      // Skips carry no model: sharded by file, so each block's skips go to one shard whole.
      `CREATE TABLE IF NOT EXISTS ${skipTableName(ref)} AS ${skips} ` +
        `ENGINE = Distributed(${cluster}, ${db}, ${quoteIdentifier(`${ref.table}_skips_local`)}, cityHash64(src_file))`
    );
  }
  return statements;
}

/**
 * SQL for an extra field's text value, NULL when the row has no such text field
 * (`str_values[indexOf(str_keys, name)]` alone would give '' for an absent key).
 */
export function stringFieldExpr(name: string): string {
  const key = quoteString(name);
  return `if(has(str_keys, ${key}), str_values[indexOf(str_keys, ${key})], NULL)`;
}

/** SQL for an extra field's number value, NULL when the row has no such number field. */
export function numberFieldExpr(name: string): string {
  const key = quoteString(name);
  return `if(has(num_keys, ${key}), num_values[indexOf(num_keys, ${key})], NULL)`;
}

/**
 * Rows in the table past their file's resume point (the end of its last complete block, skipPositionsQuery; 0 for a
 * file without one): what inserts still in flight when a shipper was killed left, any subset of their rows (inserts
 * run two at a time, and one through a Distributed table is atomic per shard only). A restarted shipper re-reads from
 * the resume point and sends only the rows not listed here, a row being identified by (src_file, src_end).
 */
export function rowsPastResumeQuery(ref: TableRef): string {
  return (
    `SELECT src_file, src_end FROM ${logTableName(ref)} ` +
    `GLOBAL ANY LEFT JOIN (${skipPositionsQuery(ref)}) AS _done USING src_file WHERE src_end > _end`
  );
}

/** Where each file's skip counts were shipped to: the end of its last fully shipped block (reading resumes there). */
export function skipPositionsQuery(ref: TableRef): string {
  return `SELECT src_file, max(src_end) AS _end FROM ${skipTableName(ref)} GROUP BY src_file`;
}
