/**
 * The SQL pieces the ClickHouse source builds its queries from: fields as SQL expressions, the time range and
 * filters as a WHERE clause, numpy's linear quantile over a sorted array, epoch-aligned time buckets. Every
 * identifier and value a user gives is quoted (schema.ts) or written as a number by JS: no text reaches SQL raw.
 *
 * The dialect: one SQL for ClickHouse 18.16 (Debian, what CI runs) and current releases, built only from what
 * 18.16 has. Every construct used here and by the query modules beside this one (functions, aggregates, JOINs,
 * types, engines, settings, formats, HTTP details) is listed, with where it is used, in docs/clickhouse-dialect.md.
 * That file gives each one's verdict against the current ClickHouse documentation (checked from the docs only:
 * just 18.16 can be installed and run here). This file itself uses if, has, indexOf, arrayElement (`a[i]`),
 * toString, nullIf, isNull, IN (…), toDateTime(epoch seconds), floor, toFloat64, toUInt64, least, and the
 * literals NULL, inf and -inf. All behave the same for our arguments (least's NULL handling changed in 24.12; ours
 * are never NULL).
 *
 * What current releases read differently is handled (docs/clickhouse-dialect.md, "Risks", status): joined subqueries
 * carry aliases, anomalies join with ALL INNER (not ANY INNER), and the client reads errors written inside an answer
 * with status 200; source.test.ts checks the SQL the source sends for the first two. stddevSamp and corr stay the
 * plain (less exact) forms: 18.16 cannot send the Stable forms' states through a Distributed table.
 *
 * Not used, though newer servers have them: window functions, quantileExactInclusive (R-7 without numpy's lerp
 * rounding), rankCorr, DateTime64, toStartOfInterval, query parameters. Text and names users give are inlined as
 * quoted literals and identifiers (schema.ts quoteString / quoteIdentifier): 18.16 has no parameters.
 */
import type { Filters } from '../model/query';
import { QueryError } from '../engine/errors';
import { numberFieldExpr, quoteIdentifier, quoteString } from './schema';

/** A field of the logs as SQL: its kind (as the in-memory store has it) and an expression, NULL when missing. */
export interface FieldSql {
  name: string;
  type: 'number' | 'string';
  expr: string;
}

/** The numeric fields every log has: Nullable(Float64) columns. */
const NUMBER_COLUMNS = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'];
/** The text fields every row has; '' is a missing value, as the store has no value there. */
const STRING_COLUMNS = ['model', 'status', 'request_id', 'host'];

/** The fields every table has, in the in-memory store's column order (host last: the shipper adds it). */
export function standardFields(): FieldSql[] {
  return [
    ...NUMBER_COLUMNS.map((name): FieldSql => ({ name, type: 'number', expr: quoteIdentifier(name) })),
    ...STRING_COLUMNS.map((name): FieldSql => ({
      name,
      type: 'string',
      expr: name === 'model' ? quoteIdentifier(name) : `nullIf(${quoteIdentifier(name)}, '')`,
    })),
  ];
}

/** The standard field of that name, if it is one. */
export function standardField(name: string): FieldSql | undefined {
  return standardFields().find((f) => f.name === name);
}

/**
 * An extra field: a number when only numbers were stored under its name, else text (numbers as their text, as
 * the store turns a field that later holds text into a text column).
 */
export function extraField(name: string, hasText: boolean, hasNumbers: boolean): FieldSql {
  if (!hasText) {
    return { name, type: 'number', expr: numberFieldExpr(name) };
  }
  const key = quoteString(name);
  const asText = hasNumbers
    ? `if(has(num_keys, ${key}), toString(num_values[indexOf(num_keys, ${key})]), NULL)`
    : 'NULL';
  return { name, type: 'string', expr: `if(has(str_keys, ${key}), str_values[indexOf(str_keys, ${key})], ${asText})` };
}

/** A number as an SQL literal (finite: JS's shortest round-trip text; infinities as inf). */
export function numberLiteral(x: number): string {
  if (Number.isNaN(x)) {
    throw new Error('NaN has no literal');
  }
  return x === Infinity ? 'inf' : x === -Infinity ? '-inf' : String(x);
}

/** Microseconds: an inclusive range of whole µs, both ends given (open ends are the extremes of Int64 in use). */
export interface UsRange {
  loUs: number;
  hiUs: number;
}

/** Far enough out for any timestamp, and exact in a double. */
const FAR_US = 2 ** 53;

/** A range in epoch ms (ends inclusive, either open) as whole microseconds. */
export function usRange(range: { from?: number; to?: number }): UsRange {
  return {
    loUs: range.from === undefined ? -FAR_US : Math.max(-FAR_US, Math.ceil(range.from * 1000)),
    hiUs: range.to === undefined ? FAR_US : Math.min(FAR_US, Math.floor(range.to * 1000)),
  };
}

/**
 * The time range as conditions on ts_us (exact) and on ts (whole seconds, what partitions and the primary key
 * index can prune by), so a query reads only about the rows of its range.
 */
export function rangeConditions({ loUs, hiUs }: UsRange): string[] {
  const conditions: string[] = [];
  const maxSeconds = 4294967295; // DateTime is UInt32 seconds
  if (loUs > -FAR_US) {
    conditions.push(`ts_us >= ${loUs}`);
    const s = Math.floor(loUs / 1e6);
    if (s > 0) {
      conditions.push(`ts >= toDateTime(${Math.min(s, maxSeconds)})`);
    }
  }
  if (hiUs < FAR_US) {
    conditions.push(`ts_us <= ${hiUs}`);
    const s = Math.floor(hiUs / 1e6);
    conditions.push(`ts <= toDateTime(${Math.max(0, Math.min(s, maxSeconds))})`);
  }
  return conditions;
}

/**
 * A filter as a condition, as the store applies it: a text field matches the values as text, a number field
 * matches them as numbers (a value that is not a number matches a missing value, as Set.has(NaN) does).
 */
export function filterCondition(field: FieldSql, accepted: Array<string | number>): string {
  if (field.type === 'string') {
    return `${field.expr} IN (${accepted.map((v) => quoteString(String(v))).join(', ')})`;
  }
  const wanted = [...new Set(accepted.map(Number))];
  const tests = wanted.map((x) => (Number.isNaN(x) ? `isNull(${field.expr})` : `${field.expr} = ${numberLiteral(x)}`));
  return `(${tests.join(' OR ')})`;
}

/** The filters as conditions (AND across fields, OR within one); `lookup` names the field or throws. */
export function filterConditions(filters: Filters | undefined, lookup: (name: string) => FieldSql): string[] {
  return Object.entries(filters ?? {})
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => filterCondition(lookup(name), values));
}

/** `WHERE a AND b …`, or nothing. */
export function whereClause(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}` : '';
}

/**
 * Quantile q of a sorted Array(Float64) `s` of `n` values, numpy's linear method with its lerp bit for bit (the
 * engine's quantileSorted): h = (n-1)q, a = s[floor h], b = the next, from the nearer end; NULL when n = 0.
 */
export function quantileSql(s: string, n: string, q: number): string {
  const h = `((toFloat64(${n}) - 1) * ${numberLiteral(q)})`;
  const lo = `toUInt64(floor(${h}))`;
  const t = `(${h} - floor(${h}))`;
  const a = `${s}[${lo} + 1]`;
  const b = `${s}[least(${lo} + 2, ${n})]`;
  return `if(${n} = 0, NULL, if(${t} >= 0.5, ${b} - (${b} - ${a}) * (1 - ${t}), ${a} + (${b} - ${a}) * ${t}))`;
}

/**
 * The epoch-aligned bucket number of ts_us for a width of w µs: floor(t / w), corrected as the engine's bucketOf
 * does so that float rounding never misplaces a row (the same double arithmetic, so the same bucket).
 */
export function bucketSql(w: number): string {
  const t = 'toFloat64(ts_us)';
  const f = `floor(${t} / ${numberLiteral(w)})`;
  return `(${f} - (${f} * ${numberLiteral(w)} > ${t}) + ((${f} + 1) * ${numberLiteral(w)} <= ${t}))`;
}

/** A field a query names that must be numeric, or the store's error naming the numeric fields. */
export function numericField(field: FieldSql | undefined, name: string, all: FieldSql[]): FieldSql {
  if (!field || field.type !== 'number') {
    const numeric = all.filter((f) => f.type === 'number').map((f) => f.name);
    throw new QueryError(`"${name}" is not a numeric field; numeric fields: ${numeric.join(', ')}`);
  }
  return field;
}

/** A value read back from ClickHouse's JSON as a number: null (NULL, nan, inf) as NaN. */
export function num(value: unknown): number {
  return value === null || value === undefined ? NaN : Number(value);
}
