/**
 * Seasonal baselines: a trend bucket judged against the same time of day (or of week) over the previous N periods,
 * not against the average of the range — so the afternoon peak of every day is usual, and a 03:00 burst that only
 * reaches the afternoon's level is not. For each bucket: the median and MAD of the same bucket in each previous
 * period, and the modified z-score 0.6745 (value − median) / MAD. The previous periods are read from the store even
 * when they lie before the query's range (the trend is computed over the range extended back by N periods, under
 * the same series and cell bounds as any trend). Used by `trend` (extra fields per series) and `anomalies` (the
 * anomalous buckets as a table).
 */
import {
  AnalysisQuery,
  DEFAULT_SEASONAL_PERIODS,
  DEFAULT_SEASONAL_THRESHOLD,
  formatWindow,
  MAX_SEASONAL_PERIODS,
  NICE_WINDOWS_MS,
  Seasonality,
  TimeRange,
} from '../model/query';
import { AnalysisContext } from './context';
import { QueryError } from './errors';
import { Frame, FrameField } from './frames';
import { checkpoint } from './interrupt';
import { select, selectionSpan } from './select';
import { median } from './quantiles';
import { bucketOf, resolveWindowMs, trend } from './trend';

export const PERIOD_MS: Record<Seasonality, number> = { daily: 86_400_000, weekly: 604_800_000 };

/** Fewer previous values than this and a bucket has no expectation (null): a median of two is no baseline. */
export const MIN_SEASONAL_HISTORY = 3;

/** What a seasonal query computes: the trend to run (over the range extended back) and how to read it. */
export interface SeasonalPlan {
  seasonality: Seasonality;
  periods: number;
  threshold: number;
  windowMs: number;
  /** Buckets in one period: bucket i and i − k·periodBuckets are the same time of day (week). */
  periodBuckets: number;
  /** The plain trend query, its window fixed (so `auto` keeps the width the range alone gives). */
  query: AnalysisQuery;
  /** The query's span extended back by `periods` periods, epoch ms. */
  range: Required<TimeRange>;
  /** Start (µs) of the first bucket of the query's own span: buckets before it are look-back only. */
  targetStartUs: number;
}

/** The plan for a seasonal query over `span` (µs). A window that does not divide the period is refused. */
export function seasonalPlan(
  query: AnalysisQuery,
  span: { startUs: number; endUs: number },
  intervalMs?: number
): SeasonalPlan {
  const seasonality = query.seasonality!;
  const periodMs = PERIOD_MS[seasonality];
  if (periodMs === undefined) {
    throw new QueryError(`unknown seasonality "${seasonality}"; use daily or weekly`);
  }
  const periods = query.seasonalPeriods ?? DEFAULT_SEASONAL_PERIODS[seasonality];
  if (!Number.isInteger(periods) || periods < 1 || periods > MAX_SEASONAL_PERIODS) {
    throw new QueryError(`seasonalPeriods must be a whole number from 1 to ${MAX_SEASONAL_PERIODS} (got ${periods})`);
  }
  const auto = query.window === undefined || query.window === '' || query.window === 'auto';
  let windowMs = resolveWindowMs(query.window, (span.endUs - span.startUs) / 1000, intervalMs);
  if (auto && periodMs % windowMs !== 0) {
    // `auto` may land on a width that does not divide a day (Grafana's interval): the next nice one that does.
    windowMs = NICE_WINDOWS_MS.find((w) => w >= windowMs && periodMs % w === 0) ?? windowMs;
  }
  if (periodMs % windowMs !== 0) {
    const unit = seasonality === 'daily' ? 'day' : 'week';
    throw new QueryError(
      `a ${seasonality} baseline needs a window that divides a ${unit} evenly, got ${formatWindow(windowMs)}; ` +
        'use e.g. 1m, 5m, 15m, 30m or 1h'
    );
  }
  const plain: AnalysisQuery = { ...query, queryType: 'trend', window: formatWindow(windowMs) };
  delete plain.seasonality;
  delete plain.seasonalPeriods;
  const w = windowMs * 1000;
  return {
    seasonality,
    periods,
    threshold: query.threshold ?? DEFAULT_SEASONAL_THRESHOLD,
    windowMs,
    periodBuckets: periodMs / windowMs,
    query: plain,
    range: { from: span.startUs / 1000 - periods * periodMs, to: span.endUs / 1000 },
    targetStartUs: bucketOf(span.startUs, w) * w,
  };
}

/** Median, MAD, score and band of one bucket from the same bucket's values in previous periods. */
export interface SeasonalPoint {
  expected: number;
  lower: number;
  upper: number;
  score: number;
}

/**
 * The seasonal point of `values[i]`: the non-missing values[i − k·periodBuckets], k = 1..periods, give the median
 * and the MAD; score = 0.6745 (x − median) / MAD (±infinity when MAD is 0 and x is off the median, as the formula
 * gives); the band is median ± threshold · MAD / 0.6745, where |score| = threshold. All NaN with too little history.
 */
export function seasonalPoint(
  values: ArrayLike<number>,
  i: number,
  periodBuckets: number,
  periods: number,
  threshold: number
): SeasonalPoint {
  const history: number[] = [];
  for (let k = 1; k <= periods; k++) {
    const j = i - k * periodBuckets;
    if (j >= 0 && !Number.isNaN(values[j])) {
      history.push(values[j]);
    }
  }
  if (history.length < MIN_SEASONAL_HISTORY) {
    return { expected: NaN, lower: NaN, upper: NaN, score: NaN };
  }
  const med = median(Float64Array.from(history));
  const mad = median(Float64Array.from(history, (v) => Math.abs(v - med)));
  const half = (threshold * mad) / 0.6745;
  const x = values[i];
  return { expected: med, lower: med - half, upper: med + half, score: (0.6745 * (x - med)) / mad };
}

/** Whether a series has requests in its buckets from `from` on: count and rate are 0 where there are none. */
function hasRequests(values: ArrayLike<number>, from: number, countLike: boolean): boolean {
  for (let i = from; i < values.length; i++) {
    const v = values[i];
    if (!Number.isNaN(v) && !(countLike && v === 0)) {
      return true;
    }
  }
  return false;
}

/**
 * The series of a trend over the extended range, cut back to the query's span, each with the seasonal fields
 * after its value: `expected` (the median), `lower`, `upper` (the band) and `score`, labelled as the value. The
 * value stays the frame's first number field, so an alert rule reads the series as ever. A grouped series without
 * requests in the span (only in the look-back) is left out.
 */
export function seasonalSeries(frames: Frame[], plan: SeasonalPlan): Frame[] {
  const out: Frame[] = [];
  const aggregation = plan.query.aggregation ?? 'mean';
  const countLike = aggregation === 'count' || aggregation === 'rate';
  for (const frame of frames) {
    checkpoint();
    const [time, value] = frame.fields;
    if (time?.type !== 'time' || value?.type !== 'number') {
      continue;
    }
    let first = 0;
    while (first < time.values.length && time.values[first] < plan.targetStartUs) {
      first++;
    }
    const labels = value.labels ?? {};
    if (Object.keys(labels).length > 0 && !hasRequests(value.values, first, countLike)) {
      continue;
    }
    const n = time.values.length - first;
    const expected = new Float64Array(n);
    const lower = new Float64Array(n);
    const upper = new Float64Array(n);
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = seasonalPoint(value.values, first + i, plan.periodBuckets, plan.periods, plan.threshold);
      expected[i] = p.expected;
      lower[i] = p.lower;
      upper[i] = p.upper;
      score[i] = p.score;
    }
    const slice = (values: ArrayLike<number>) => Float64Array.from({ length: n }, (_, i) => values[first + i]);
    const unit = value.unit;
    const fields: FrameField[] = [
      { name: time.name, type: 'time', values: slice(time.values) },
      { ...value, values: slice(value.values) },
      { name: 'expected', type: 'number', values: expected, labels, unit },
      { name: 'lower', type: 'number', values: lower, labels, unit },
      { name: 'upper', type: 'number', values: upper, labels, unit },
      { name: 'score', type: 'number', values: score, labels },
    ];
    const custom = { ...(frame.meta?.custom ?? {}), ...seasonalMeta(plan) };
    out.push({ ...frame, fields, meta: { ...frame.meta, custom } });
  }
  return out;
}

function seasonalMeta(plan: SeasonalPlan): Record<string, unknown> {
  return { seasonality: plan.seasonality, seasonalPeriods: plan.periods, threshold: plan.threshold };
}

/**
 * The anomalous buckets of seasonal series (|score| > threshold) as one table, most extreme first (ties by time,
 * then series order): `timestamp`, the group fields, `value`, `expected`, `lower`, `upper`, `score`; at most `limit`
 * rows. `meta.custom` says how many were found before the limit.
 */
export function seasonalAnomalyTable(series: Frame[], plan: SeasonalPlan, groupBy: string[], limit?: number): Frame {
  const found: Array<{ s: number; i: number; score: number; time: number }> = [];
  series.forEach((frame, s) => {
    const time = frame.fields[0].values as ArrayLike<number>;
    const score = frame.fields[5].values as ArrayLike<number>;
    for (let i = 0; i < time.length; i++) {
      if (Math.abs(score[i]) > plan.threshold) {
        found.push({ s, i, score: score[i], time: time[i] });
      }
    }
  });
  found.sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.time - b.time || a.s - b.s);
  const kept = limit !== undefined && limit >= 0 ? found.slice(0, limit) : found;
  const column = (f: number) =>
    Float64Array.from(kept, (a) => (series[a.s].fields[f].values as ArrayLike<number>)[a.i]);
  const unit = series.length > 0 && series[0].fields[1].type === 'number' ? series[0].fields[1].unit : undefined;
  const fields: FrameField[] = [{ name: 'timestamp', type: 'time', values: kept.map((a) => a.time) }];
  for (const name of groupBy) {
    fields.push({
      name,
      type: 'string',
      values: kept.map((a) => series[a.s].fields[1].labels?.[name] ?? null),
    });
  }
  fields.push(
    { name: 'value', type: 'number', values: column(1), unit },
    { name: 'expected', type: 'number', values: column(2), unit },
    { name: 'lower', type: 'number', values: column(3), unit },
    { name: 'upper', type: 'number', values: column(4), unit },
    { name: 'score', type: 'number', values: kept.map((a) => a.score) }
  );
  const query = plan.query;
  return {
    name: 'anomalies',
    fields,
    meta: {
      custom: {
        ...seasonalMeta(plan),
        method: 'seasonal',
        metric: query.metric ?? 'latency_ms',
        aggregation: query.aggregation ?? 'mean',
        windowMs: plan.windowMs,
        found: found.length,
      },
    },
  };
}

/** The seasonal plan and series of a query over the store: the span is the query's (or the data's). */
function seasonalOverStore(ctx: AnalysisContext): { plan: SeasonalPlan; series: Frame[] } | null {
  const span = selectionSpan(select(ctx.store, ctx.range, ctx.query.filters));
  if (!span) {
    return null;
  }
  const plan = seasonalPlan(ctx.query, span, ctx.intervalMs);
  const frames = trend({ ...ctx, query: plan.query, range: plan.range });
  return { plan, series: seasonalSeries(frames, plan) };
}

/** trend with `seasonality`: each series with its seasonal expectation, band and score. */
export function seasonalTrend(ctx: AnalysisContext): Frame[] {
  return seasonalOverStore(ctx)?.series ?? [];
}

/** anomalies with `seasonality`: the buckets whose aggregate is unusual for their time of day (week). */
export function seasonalAnomalies(ctx: AnalysisContext): Frame[] {
  const found = seasonalOverStore(ctx);
  if (!found) {
    return [];
  }
  return [seasonalAnomalyTable(found.series, found.plan, ctx.query.groupBy ?? [], ctx.query.limit)];
}
