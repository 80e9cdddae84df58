/**
 * The logs in ClickHouse as an AnalysisSource: every query type computed inside ClickHouse (no aggregate pulls
 * rows into Node; range queries read only their range), answering with the same frames as the in-memory
 * StoreSource. The SQL dialect (functions used, present in 18.16 and current releases) is listed in sql.ts.
 */
import type { AnalysisSource, AnswerLimits } from '../engine/answer';
import { QueryError } from '../engine/errors';
import { Frame } from '../engine/frames';
import type { QueryResultMeta } from '@grafana/data';
import { AnalysisQuery, QUERY_TYPES, QueryType, TimeRange } from '../model/query';
import { anomalies } from './anomalies';
import { Queryable, SqlContext } from './context';
import { correlation } from './correlation';
import { logs } from './logs';
import { logTableName, skipTableName, TableRef } from './schema';
import { forecast, seasonalAnomalies, seasonalTrend } from './seasonal';
import { detectShardedByModel } from './sharding';
import { extraField, FieldSql, standardField, standardFields } from './sql';
import { spike } from './spike';
import { compare, summary } from './summary';
import { trend } from './trend';

const ANALYSES: Record<QueryType, (ctx: SqlContext) => Promise<Frame[]>> = {
  summary,
  // With `seasonality`: the engine's seasonal reading of ClickHouse's trend (seasonal.ts).
  anomalies: (ctx) => (ctx.query.seasonality ? seasonalAnomalies(ctx) : anomalies(ctx)),
  trend: (ctx) => (ctx.query.seasonality ? seasonalTrend(ctx) : trend(ctx)),
  correlation,
  compare,
  spike,
  logs,
  forecast,
};

export class ClickHouseSource implements AnalysisSource {
  /** The log table, quoted and qualified. */
  readonly table: string;
  /** Whether the table is sharded by model, once known (asked once per source). */
  private modelSharded?: Promise<boolean>;

  constructor(
    readonly client: Queryable,
    readonly ref: TableRef
  ) {
    this.table = logTableName(ref);
  }

  async analyse(query: AnalysisQuery, range: TimeRange, intervalMs?: number, limits?: AnswerLimits): Promise<Frame[]> {
    const analysis = ANALYSES[query.queryType];
    if (!analysis) {
      throw new QueryError(`unknown query type "${query.queryType}"; use one of ${QUERY_TYPES.join(', ')}`);
    }
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) {
      throw new QueryError(`limit must be a whole number of rows, 0 or more (got ${query.limit})`);
    }
    if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
      throw new QueryError('the time range ends before it starts');
    }
    // The table's extra fields are looked up only when the query names a field that is not a standard one.
    const named = [
      ...Object.keys(query.filters ?? {}),
      ...(query.groupBy ?? []),
      ...(query.metrics ?? []),
      query.metric ?? 'latency_ms',
    ];
    const needsAll = query.queryType === 'logs' || named.some((name) => !standardField(name));
    const [fields, shardedByModel] = await Promise.all([
      needsAll ? this.fields() : standardFields(),
      this.shardedByModel(),
    ]);
    const [frames, notices] = await Promise.all([
      analysis({ client: this.client, table: this.table, query, range, intervalMs, fields, shardedByModel, limits }),
      this.notices(),
    ]);
    if (notices.length > 0 && frames.length > 0) {
      const meta = (frames[0].meta ??= {});
      meta.notices = [...(meta.notices ?? []), ...notices];
    }
    return frames;
  }

  /**
   * Whether the log table is Distributed by cityHash64(model) (sharding.ts), so per-model aggregates can be
   * finished on the shards. Kept once known; not kept when the table is missing or the question failed (then
   * false: the queries merge at the initiator, which is right for any table), so a table made later is seen.
   */
  shardedByModel(): Promise<boolean> {
    this.modelSharded ??= detectShardedByModel(this.client, this.ref).then(
      (known) => {
        if (known === undefined) {
          this.modelSharded = undefined;
        }
        return known ?? false;
      },
      () => {
        this.modelSharded = undefined;
        return false;
      }
    );
    return this.modelSharded;
  }

  /** The input's notices, as the store gives them: lines the shipper skipped, by reason, most first. */
  async notices(): Promise<NonNullable<QueryResultMeta['notices']>> {
    const rows = await this.client.query<{ reason: string; n: number }>(
      `SELECT reason, sum(lines) AS n FROM ${skipTableName(this.ref)} ` +
        'GROUP BY reason HAVING n > 0 ORDER BY n DESC, reason'
    );
    const total = rows.reduce((sum, r) => sum + Number(r.n), 0);
    if (total === 0) {
      return [];
    }
    const parts = rows.map((r) => `${r.reason} ${Number(r.n)}`);
    return [{ severity: 'warning', text: `Skipped ${total} log line${total === 1 ? '' : 's'}: ${parts.join(', ')}` }];
  }

  /** Template variables: the models, sorted. */
  async models(): Promise<string[]> {
    const rows = await this.client.query<{ m: string }>(`SELECT DISTINCT model AS m FROM ${this.table}`);
    return rows.map((r) => String(r.m)).sort();
  }

  /** Template variables: the fields and their kinds, as the store lists them. */
  async fieldList(): Promise<Array<{ name: string; type: 'number' | 'string' }>> {
    return (await this.fields()).map(({ name, type }) => ({ name, type }));
  }

  /** Template variables: up to `max` distinct values of a field, as text, sorted. */
  async values(name: string, max = 10_000): Promise<string[]> {
    const fields = await this.fields();
    const field = fields.find((f) => f.name === name);
    if (!field) {
      throw new QueryError(`unknown field "${name}"; fields: ${fields.map((f) => f.name).join(', ')}`);
    }
    const rows = await this.client.query<{ v: string | number }>(
      `SELECT DISTINCT ${field.expr} AS v FROM ${this.table} WHERE isNotNull(v) LIMIT ${Math.max(0, Math.floor(max))}`
    );
    return rows.map((r) => String(r.v)).sort();
  }

  /**
   * Every field: the standard ones, then the extra fields in the order they first appear (by time, then place
   * on the line; a line's text fields before its number fields, which the table keeps apart), each a number
   * when only numbers were stored under it, else text.
   */
  async fields(): Promise<FieldSql[]> {
    // Aliases unlike the columns and keywords they aggregate, and tuples of expressions on both sides of the UNION
    // (24.7 names a tuple of plain columns): the same meaning under the old and the new query analyzer.
    const rows = await this.client.query<{ k: string; _text: number; _numbers: number }>(
      'SELECT k, max(is_text) AS _text, max(is_number) AS _numbers, min(at) AS _first FROM (' +
        `SELECT str_keys[i] AS k, 1 AS is_text, 0 AS is_number, (ts_us, i + 0) AS at FROM ${this.table} ARRAY JOIN arrayEnumerate(str_keys) AS i ` +
        'UNION ALL ' +
        `SELECT num_keys[i] AS k, 0 AS is_text, 1 AS is_number, (ts_us, i + 1000) AS at FROM ${this.table} ARRAY JOIN arrayEnumerate(num_keys) AS i` +
        ') GROUP BY k ORDER BY _first, k'
    );
    const standard = standardFields();
    const extras = rows
      .filter((r) => !standardField(r.k))
      .map((r) => extraField(r.k, Number(r._text) === 1, Number(r._numbers) === 1));
    return [...standard, ...extras];
  }
}
