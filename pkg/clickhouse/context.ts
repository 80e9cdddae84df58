import type { AnalysisQuery, TimeRange } from '../model/query';
import type { AnswerLimits } from '../engine/answer';
import { QueryError } from '../engine/errors';
import { FieldSql, filterConditions, num, numericField, rangeConditions, usRange, UsRange, whereClause } from './sql';

/** ClickHouse settings for one query (sent as URL parameters). */
export type QuerySettings = Record<string, string | number>;

/** What runs SQL: the project's ClickHouseClient, or anything with its `query`. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, settings?: QuerySettings): Promise<T[]>;
  /** The answer's lines as they arrive (ClickHouseClient.lines), for exports too big to hold. */
  lines?(sql: string, settings?: QuerySettings): AsyncIterable<string>;
}

/** What every pushed-down analysis is given. */
export interface SqlContext {
  client: Queryable;
  /** The log table, quoted and qualified (`db`.`t`). */
  table: string;
  query: AnalysisQuery;
  range: TimeRange;
  intervalMs?: number;
  /** Every field of the table (standard ones, then extras), as the store lists them. */
  fields: FieldSql[];
  /** The table is Distributed by cityHash64(model): each model's rows are all on one shard (sharding.ts). */
  shardedByModel?: boolean;
  /** The bounds checked before the heavy query (engine/bounds.ts); none when absent. */
  limits?: AnswerLimits;
}

/** A field by name, or the store's error for an unknown one. */
export function fieldOf(ctx: SqlContext, name: string, use: string): FieldSql {
  const field = ctx.fields.find((f) => f.name === name);
  if (!field) {
    throw new QueryError(`unknown ${use} field "${name}"; fields: ${ctx.fields.map((f) => f.name).join(', ')}`);
  }
  return field;
}

/** A numeric field by name, or the store's error naming the numeric fields. */
export function metricOf(ctx: SqlContext, name: string): FieldSql {
  return numericField(
    ctx.fields.find((f) => f.name === name),
    name,
    ctx.fields
  );
}

/** The conditions selecting the query's rows: its time range (or `us`), then its filters. */
export function selection(ctx: SqlContext, us: UsRange = usRange(ctx.range)): string[] {
  return [...rangeConditions(us), ...filterConditions(ctx.query.filters, (name) => fieldOf(ctx, name, 'filter'))];
}

/** The group-by fields with SQL aliases _k0, _k1, … and the conditions dropping rows without a key (as pandas). */
export function groupKeys(
  ctx: SqlContext,
  names: string[]
): { fields: FieldSql[]; select: string[]; present: string[] } {
  const fields = names.map((name) => fieldOf(ctx, name, 'group-by'));
  return {
    fields,
    select: fields.map((f, i) => `${f.expr} AS _k${i}`),
    present: fields.map((f) => `isNotNull(${f.expr})`),
  };
}

/**
 * How many groups of `groupBy` the rows `conditions` select, counted no further than `atMost`: a cheap query
 * (DISTINCT keys with a LIMIT stops reading once it has that many) run before the heavy one, to refuse early.
 */
export async function countGroups(
  ctx: SqlContext,
  groupBy: string[],
  conditions: string[],
  atMost: number
): Promise<number> {
  if (groupBy.length === 0) {
    return 1;
  }
  const keys = groupKeys(ctx, groupBy);
  const [row] = await ctx.client.query(
    `SELECT count() AS n FROM (SELECT DISTINCT ${keys.select.join(', ')} FROM ${ctx.table} ` +
      `${whereClause([...conditions, ...keys.present])} LIMIT ${Math.max(0, Math.floor(atMost))})`
  );
  return num(row.n);
}

/**
 * Settings for an aggregate over the table grouped by the fields `groupBy` (and other keys, e.g. a time bucket, when
 * `otherKeys`): `distributed_group_by_no_merge=1` when every group's rows are provably on one shard, so each shard
 * finishes its groups and the initiator only concatenates them (no values cross the network). That holds on a
 * model-sharded table when the key has the model, or the query is filtered to one model and there is a key at all
 * (with none, every shard would answer its own total row). The caller's SELECT over the table must have no ORDER BY,
 * LIMIT or aggregate without these keys: with the setting those apply per shard.
 */
export function finishOnShards(ctx: SqlContext, groupBy: string[], otherKeys = false): QuerySettings | undefined {
  if (!ctx.shardedByModel || (groupBy.length === 0 && !otherKeys)) {
    return undefined;
  }
  const models = ctx.query.filters?.model;
  const oneModel = models !== undefined && new Set(models.map(String)).size === 1;
  return groupBy.includes('model') || oneModel ? { distributed_group_by_no_merge: 1 } : undefined;
}

/** Sorts groups by their keys as the store does (string order, field by field). */
export function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return a[i] < b[i] ? -1 : 1;
    }
  }
  return 0;
}
