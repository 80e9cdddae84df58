/**
 * summary and compare pushed down: the request stats of each group computed by ClickHouse in one query (exact
 * numpy-linear percentiles over arraySort(groupArray(latency_ms))), the frames built by the engine's own code.
 */
import { checkGroupBound, summaryGroupsToCount } from '../engine/bounds';
import { compareFrame } from '../engine/compare';
import { resolveBaseline, wantsSignificance } from '../engine/compare-significance';
import { sampleFromCounts, SortedSample } from '../engine/significance';
import { Frame } from '../engine/frames';
import { RequestStats, summaryFrame } from '../engine/summary';
import { compareKeys, countGroups, finishOnShards, groupKeys, selection, SqlContext } from './context';
import { num, quantileSql, UsRange, whereClause } from './sql';

const PERCENTILES = [0.5, 0.9, 0.95, 0.99];

/** Stats of each group of the rows `conditions` select, groups sorted by key; seconds for the throughput. */
export async function groupedStats(
  ctx: SqlContext,
  groupBy: string[],
  conditions: string[],
  seconds: number
): Promise<{ keys: string[][]; stats: RequestStats[] }> {
  const keys = groupKeys(ctx, groupBy);
  const aliases = keys.fields.map((_, i) => `_k${i}`);
  const percentiles = PERCENTILES.map((q, i) => `${quantileSql('_s', '_n', q)} AS _q${i}`);
  // One SELECT over the table, the sorted values named in WITH (not selected): finished on the shards, only these
  // columns travel, not the values. Groups come back in any order (sorted below).
  const sql =
    'WITH arraySort(groupArray(latency_ms)) AS _s, count(latency_ms) AS _n ' +
    `SELECT ${[...keys.select, 'count() AS _requests', 'sum(is_error) AS _errors', 'avg(latency_ms) AS _avg'].join(', ')}, ` +
    'max(latency_ms) AS _max, avg(batch_size) AS _batch, avg(gpu_util) AS _gpu, avg(memory_used_gb) AS _memory, ' +
    `${percentiles.join(', ')} FROM ${ctx.table} ${whereClause([...conditions, ...keys.present])}` +
    (aliases.length ? ` GROUP BY ${aliases.join(', ')}` : '');
  const rows = await ctx.client.query(sql, finishOnShards(ctx, groupBy));
  const groups = rows.map((r) => ({ key: aliases.map((a) => String(r[a])), stats: statsOf(r, seconds) }));
  groups.sort((a, b) => compareKeys(a.key, b.key));
  return { keys: groups.map((g) => g.key), stats: groups.map((g) => g.stats) };
}

function statsOf(r: Record<string, unknown>, seconds: number): RequestStats {
  const requests = num(r._requests);
  return {
    requests,
    avg: num(r._avg),
    p50: num(r._q0),
    p90: num(r._q1),
    p95: num(r._q2),
    p99: num(r._q3),
    max: num(r._max),
    errorRate: requests ? num(r._errors) / requests : NaN,
    throughput: seconds > 0 ? requests / seconds : NaN,
    avgBatch: num(r._batch),
    avgGpu: num(r._gpu),
    avgMemory: num(r._memory),
  };
}

/** The first and last time (µs) of the rows `conditions` select, null when there are none. */
export async function dataSpan(ctx: SqlContext, conditions: string[]): Promise<UsRange | null> {
  const [row] = await ctx.client.query(
    `SELECT count() AS n, min(ts_us) AS lo, max(ts_us) AS hi FROM ${ctx.table} ${whereClause(conditions)}`
  );
  return num(row.n) > 0 ? { loUs: num(row.lo), hiUs: num(row.hi) } : null;
}

/** Seconds the throughput is measured over: the query's range if closed, else the selection's first-to-last span. */
export async function spanSeconds(ctx: SqlContext, conditions: string[]): Promise<number> {
  const { from, to } = ctx.range;
  if (from !== undefined && to !== undefined) {
    return (to * 1000 - from * 1000) / 1e6;
  }
  const span = await dataSpan(ctx, conditions);
  return span ? (span.hiUs - span.loUs) / 1e6 : NaN;
}

/** Refuses more groups than maxRows, counted by a cheap query (no further than the bound) before the percentiles. */
async function checkGroups(what: string, ctx: SqlContext, groupBy: string[], conditions: string[]): Promise<void> {
  const countLimit = summaryGroupsToCount(ctx.limits);
  if (groupBy.length > 0 && countLimit !== undefined) {
    const groups = await countGroups(ctx, groupBy, conditions, countLimit);
    checkGroupBound(what, groupBy, groups, countLimit, ctx.limits);
  }
}

/** summary: one row overall, or one per group. */
export async function summary(ctx: SqlContext): Promise<Frame[]> {
  const conditions = selection(ctx);
  const groupBy = ctx.query.groupBy ?? [];
  await checkGroups('summary', ctx, groupBy, conditions);
  const { keys, stats } = await groupedStats(ctx, groupBy, conditions, await spanSeconds(ctx, conditions));
  return [summaryFrame({ fields: groupBy, keys }, stats, ctx.query.measures)];
}

/** compare: models side by side, each tested against the baseline with the engine's own statistics. */
export async function compare(ctx: SqlContext): Promise<Frame[]> {
  const conditions = selection(ctx);
  await checkGroups('compare', ctx, ['model'], conditions);
  const { keys, stats } = await groupedStats(ctx, ['model'], conditions, await spanSeconds(ctx, conditions));
  const total = stats.reduce((n, s) => n + s.requests, 0);
  const models = keys.map((k) => k[0]);
  const baseline = resolveBaseline(models, ctx.query.baseline);
  const significance =
    baseline !== undefined && wantsSignificance(ctx.query.measures)
      ? { baseline, samples: await latencySamples(ctx, conditions, models) }
      : undefined;
  return [compareFrame(models, stats, total, ctx.query.measures, significance)];
}

/**
 * Each model's non-missing latencies as (value, count) pairs: exactly the values the engine ranks, one row per
 * distinct latency of a model rather than one per request. No ORDER BY (finished on the shards when the table is
 * sharded by model): sampleFromCounts sorts them.
 */
async function latencySamples(ctx: SqlContext, conditions: string[], models: string[]): Promise<SortedSample[]> {
  const keys = groupKeys(ctx, ['model']);
  const rows = await ctx.client.query(
    `SELECT ${keys.select[0]}, latency_ms AS _v, count() AS _c FROM ${ctx.table} ` +
      `${whereClause([...conditions, ...keys.present, 'isNotNull(latency_ms)'])} ` +
      'GROUP BY _k0, _v',
    finishOnShards(ctx, ['model'])
  );
  const byModel = new Map<string, { values: number[]; counts: number[] }>(
    models.map((m) => [m, { values: [], counts: [] }])
  );
  for (const r of rows) {
    const pairs = byModel.get(String(r._k0));
    if (pairs) {
      pairs.values.push(num(r._v));
      pairs.counts.push(num(r._c));
    }
  }
  return models.map((m) => sampleFromCounts(byModel.get(m)!.values, byModel.get(m)!.counts));
}
