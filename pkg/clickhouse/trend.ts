/**
 * trend pushed down: one GROUP BY (group keys, epoch-aligned bucket) computing the aggregation per cell, the
 * buckets laid out and the frames built by the engine's own code (every bucket of the range present).
 */
import { checkTrendBounds, trendGroupsToCount } from '../engine/bounds';
import { QueryError } from '../engine/errors';
import { Frame } from '../engine/frames';
import { bucketPlan, seriesFrame } from '../engine/trend';
import { Aggregation, AGGREGATIONS } from '../model/query';
import { compareKeys, countGroups, finishOnShards, groupKeys, metricOf, selection, SqlContext } from './context';
import { dataSpan } from './summary';
import { bucketSql, num, quantileSql, whereClause } from './sql';

const QUANTILES: Partial<Record<Aggregation, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };

/** The aggregate of the metric `x` per cell (quantiles: the sorted values, lerped by the caller). */
function cellAggregate(aggregation: Aggregation, x: string): string {
  switch (aggregation) {
    case 'sum':
      return `sum(${x})`;
    case 'mean':
      return `avg(${x})`;
    case 'min':
      return `min(${x})`;
    case 'max':
      return `max(${x})`;
    case 'stddev':
      return `stddevSamp(${x})`;
    default:
      return QUANTILES[aggregation] === undefined ? '0' : `arraySort(groupArray(${x}))`;
  }
}

export async function trend(ctx: SqlContext): Promise<Frame[]> {
  const { query } = ctx;
  const aggregation = query.aggregation ?? 'mean';
  if (!AGGREGATIONS.includes(aggregation)) {
    throw new QueryError(`unknown aggregation "${aggregation}"; use one of ${AGGREGATIONS.join(', ')}`);
  }
  const metric = query.metric ?? 'latency_ms';
  const x = metricOf(ctx, metric).expr;
  const conditions = selection(ctx);
  // The span: the query's range where given, else the selected rows' first or last time.
  const { from, to } = ctx.range;
  let span = from !== undefined && to !== undefined ? { startUs: from * 1000, endUs: to * 1000 } : null;
  if (!span) {
    const data = await dataSpan(ctx, conditions);
    if (!data) {
      return [];
    }
    span = { startUs: from !== undefined ? from * 1000 : data.loUs, endUs: to !== undefined ? to * 1000 : data.hiUs };
  }
  const { windowMs, w, first, count, bucketStarts } = bucketPlan(span, query.window, ctx.intervalMs);

  const groupBy = query.groupBy ?? [];
  // The series and cells are counted by a cheap query first: a unique field would otherwise send a cell per row.
  const countLimit = trendGroupsToCount(ctx.limits, count);
  if (countLimit !== undefined) {
    checkTrendBounds(groupBy, await countGroups(ctx, groupBy, conditions, countLimit), countLimit, count, ctx.limits);
  }
  const keys = groupKeys(ctx, groupBy);
  const aliases = keys.fields.map((_, i) => `_k${i}`);
  const q = QUANTILES[aggregation];
  const cell = cellAggregate(aggregation, x);
  // One SELECT over the table, a quantile's sorted values named in WITH (not selected): keyed by (groups, bucket),
  // in any order, so finished on the shards when each group is on one, and only the cells' numbers travel.
  // (Not `WITH sum(x) AS _a … _a AS _v`: 18.16 loses such an alias of an alias when merging shards' results.)
  const value = q === undefined ? cell : quantileSql('_a', '_n', q);
  const rows = await ctx.client.query(
    (q === undefined ? '' : `WITH ${cell} AS _a `) +
      `SELECT ${[...keys.select, `${bucketSql(w)} AS _b`].join(', ')}, count() AS _rows, sum(is_error) AS _errors, ` +
      `count(${x}) AS _n, ${value} AS _v ` +
      `FROM ${ctx.table} ${whereClause([...conditions, ...keys.present])} GROUP BY ${[...aliases, '_b'].join(', ')}`,
    finishOnShards(ctx, groupBy, true)
  );

  // Cells into series: one per group with rows (grouped), or the one series even without rows (not grouped).
  const series = new Map<string, { key: string[]; values: Float64Array }>();
  const seriesOf = (key: string[]) => {
    const id = key.join('\u0000');
    let s = series.get(id);
    if (!s) {
      s = { key, values: emptyValues(aggregation, count) };
      series.set(id, s);
    }
    return s;
  };
  if (groupBy.length === 0) {
    seriesOf([]);
  }
  const scale = 1000 / windowMs;
  for (const r of rows) {
    const b = num(r._b) - first;
    if (b < 0 || b >= count) {
      continue;
    }
    const n = num(r._rows);
    const valueCount = num(r._n);
    let v: number;
    if (aggregation === 'count') {
      v = n;
    } else if (aggregation === 'rate') {
      v = n * scale;
    } else if (aggregation === 'error_rate') {
      v = n > 0 ? num(r._errors) / n : NaN;
    } else if (valueCount === 0 || (aggregation === 'stddev' && valueCount < 2)) {
      v = NaN;
    } else {
      v = num(r._v);
    }
    seriesOf(aliases.map((a) => String(r[a]))).values[b] = v;
  }
  return [...series.values()]
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((s) => {
      const labels: Record<string, string> = {};
      groupBy.forEach((field, i) => (labels[field] = s.key[i]));
      return seriesFrame(aggregation, metric, windowMs, bucketStarts, labels, s.values);
    });
}

/** Values of a series before any cell is known: 0 for count and rate, else missing. */
function emptyValues(aggregation: Aggregation, count: number): Float64Array {
  return new Float64Array(count).fill(aggregation === 'count' || aggregation === 'rate' ? 0 : NaN);
}
