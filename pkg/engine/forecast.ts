/**
 * forecast: the next `horizon` of a trend, per series, with a 95% band — so an alert can fire before a threshold is
 * crossed. The method is Holt's linear exponential smoothing (level and slope; additive errors, no seasonality) over
 * the trend's whole buckets, its two smoothing parameters fitted by least squares of the one-step-ahead errors on a
 * fixed grid; the band is the method's prediction interval, which widens with the steps ahead.
 */
import { AnalysisQuery, DEFAULT_FORECAST_HORIZON, formatWindow, parseWindow, TimeRange } from '../model/query';
import { AnalysisContext } from './context';
import { QueryError } from './errors';
import { Frame, FrameField, TIMESERIES_MULTI } from './frames';
import { checkpoint } from './interrupt';
import { select, selectionSpan } from './select';
import { resolveWindowMs, trend } from './trend';

/** A series needs this many buckets with values: two start the level and slope, two more give the errors' spread. */
export const MIN_FORECAST_HISTORY = 4;
/** Only the newest buckets are fitted: the recent past is what a short horizon extrapolates. */
export const MAX_FIT_BUCKETS = 1000;
/** At most this many buckets ahead (horizon / window). */
export const MAX_FORECAST_STEPS = 1000;
/** The band: a 95% normal prediction interval. */
export const FORECAST_LEVEL = 0.95;
const Z_95 = 1.959963984540054;
/** The grid both smoothing parameters are fitted on. */
const GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** A fitted Holt model at the last bucket of its history. */
export interface HoltFit {
  alpha: number;
  beta: number;
  level: number;
  slope: number;
  /** Root mean square of the one-step-ahead errors. */
  sigma: number;
  /** Buckets with values the fit used. */
  n: number;
}

/**
 * Holt's recursion over `values` (NaN = an empty bucket, stepped over on the model's own forecast): level and slope
 * start from the first two values; each later value's one-step-ahead error is added to `sse`.
 */
function holtRun(values: ArrayLike<number>, alpha: number, beta: number) {
  let i0 = 0;
  while (i0 < values.length && Number.isNaN(values[i0])) {
    i0++;
  }
  let i1 = i0 + 1;
  while (i1 < values.length && Number.isNaN(values[i1])) {
    i1++;
  }
  let level = values[i0];
  let slope = (values[i1] - values[i0]) / (i1 - i0);
  let sse = 0;
  let errors = 0;
  for (let t = i0 + 1; t < values.length; t++) {
    const predicted = level + slope;
    const y = values[t];
    if (Number.isNaN(y)) {
      level = predicted;
      continue;
    }
    if (t > i1) {
      sse += (y - predicted) ** 2;
      errors++;
    }
    const next = alpha * y + (1 - alpha) * predicted;
    slope = beta * (next - level) + (1 - beta) * slope;
    level = next;
  }
  return { level, slope, sse, errors };
}

/** Holt's model fitted to a series (its newest MAX_FIT_BUCKETS buckets); null with fewer than 4 values. */
export function fitHolt(series: ArrayLike<number>): HoltFit | null {
  const values = Array.from(series).slice(-MAX_FIT_BUCKETS);
  const n = values.filter((v) => !Number.isNaN(v)).length;
  if (n < MIN_FORECAST_HISTORY) {
    return null;
  }
  let best: HoltFit | null = null;
  let bestSse = Infinity;
  for (const alpha of GRID) {
    checkpoint();
    for (const beta of GRID) {
      const run = holtRun(values, alpha, beta);
      if (run.sse < bestSse) {
        bestSse = run.sse;
        best = { alpha, beta, level: run.level, slope: run.slope, sigma: Math.sqrt(run.sse / run.errors), n };
      }
    }
  }
  // Every sse is finite with 4 values; a series of infinities (none in practice) has no fit.
  return best;
}

/**
 * The forecast `h` buckets after the last and its band: level + h·slope ± z·σ·√v with Holt's h-step variance factor
 * v = 1 + (h − 1)(α² + αβh + β²h(2h − 1)/6) (Hyndman et al., Forecasting with Exponential Smoothing, ETS(A,A,N)).
 */
export function holtAt(fit: HoltFit, h: number): { value: number; lower: number; upper: number } {
  const { alpha: a, beta: b } = fit;
  const v = 1 + (h - 1) * (a * a + a * b * h + (b * b * h * (2 * h - 1)) / 6);
  const value = fit.level + h * fit.slope;
  const half = Z_95 * fit.sigma * Math.sqrt(v);
  return { value, lower: value - half, upper: value + half };
}

/** What a forecast query computes: the trend of its whole buckets, and how many buckets ahead. */
export interface ForecastPlan {
  query: AnalysisQuery;
  range: Required<TimeRange>;
  windowMs: number;
  horizonMs: number;
  steps: number;
  /** Start (µs) of the first bucket after the history. */
  nextStartUs: number;
}

/**
 * The plan over `span` (µs): the history is the buckets wholly inside it (the newest is still being filled when
 * the range ends now, the oldest is cut by its start); the forecast covers the `steps` buckets after them.
 */
export function forecastPlan(
  query: AnalysisQuery,
  span: { startUs: number; endUs: number },
  intervalMs?: number
): ForecastPlan {
  const horizonText = query.horizon ?? DEFAULT_FORECAST_HORIZON;
  const horizonMs = parseWindow(horizonText);
  if (horizonMs === null) {
    throw new QueryError(`invalid horizon "${horizonText}"; use a number and a unit (ms, s, m, h, d, w), e.g. 30m`);
  }
  const windowMs = resolveWindowMs(query.window, (span.endUs - span.startUs) / 1000, intervalMs);
  const steps = Math.ceil(horizonMs / windowMs);
  if (steps > MAX_FORECAST_STEPS) {
    throw new QueryError(
      `horizon ${horizonText} is ${steps} buckets of ${formatWindow(windowMs)} (at most ${MAX_FORECAST_STEPS}); ` +
        'use a larger window or a shorter horizon'
    );
  }
  const w = windowMs * 1000;
  const startUs = Math.ceil(span.startUs / w) * w;
  const endUs = Math.floor((span.endUs + 1) / w) * w;
  const whole = Math.max(0, (endUs - startUs) / w);
  if (whole < MIN_FORECAST_HISTORY) {
    throw new QueryError(
      `forecast needs at least ${MIN_FORECAST_HISTORY} whole ${formatWindow(windowMs)} buckets of history, ` +
        `the range holds ${whole}; widen the range or use a smaller window`
    );
  }
  const plain: AnalysisQuery = { ...query, queryType: 'trend', window: formatWindow(windowMs) };
  delete plain.horizon;
  delete plain.seasonality;
  return {
    query: plain,
    // Half a microsecond below the end: the range is in ms, and select() scales it back to µs.
    range: { from: startUs / 1000, to: endUs / 1000 - 0.0005 },
    windowMs,
    horizonMs,
    steps,
    nextStartUs: endUs,
  };
}

/** Values a count, rate or error rate cannot leave. */
function boundsOf(aggregation: string): [number, number] {
  if (aggregation === 'count' || aggregation === 'rate') {
    return [0, Infinity];
  }
  return aggregation === 'error_rate' ? [0, 1] : [-Infinity, Infinity];
}

/**
 * Each trend series' forecast: a timeseries-multi frame of the future bucket starts, the forecast (named and
 * labelled as the series' value, so an alert reads it as the series) and `lower`, `upper`. Series with fewer than
 * four buckets with values are left out; when that leaves none (but there were values), an error says so.
 */
export function forecastSeries(frames: Frame[], plan: ForecastPlan): Frame[] {
  const aggregation = plan.query.aggregation ?? 'mean';
  const [floor, ceiling] = boundsOf(aggregation);
  const clamp = (v: number) => Math.min(ceiling, Math.max(floor, v));
  const w = plan.windowMs * 1000;
  const time = Float64Array.from({ length: plan.steps }, (_, k) => plan.nextStartUs + k * w);
  const out: Frame[] = [];
  let someValues = false;
  for (const frame of frames) {
    const value = frame.fields[1];
    if (value?.type !== 'number') {
      continue;
    }
    someValues ||= Array.prototype.some.call(value.values, (v: number) => !Number.isNaN(v));
    const fit = fitHolt(value.values);
    if (!fit) {
      continue;
    }
    const forecast = new Float64Array(plan.steps);
    const lower = new Float64Array(plan.steps);
    const upper = new Float64Array(plan.steps);
    for (let k = 0; k < plan.steps; k++) {
      const at = holtAt(fit, k + 1);
      forecast[k] = clamp(at.value);
      lower[k] = clamp(at.lower);
      upper[k] = clamp(at.upper);
    }
    const labels = value.labels ?? {};
    const fields: FrameField[] = [
      { name: 'time', type: 'time', values: time },
      { ...value, values: forecast },
      { name: 'lower', type: 'number', values: lower, labels, unit: value.unit },
      { name: 'upper', type: 'number', values: upper, labels, unit: value.unit },
    ];
    const { alpha, beta, sigma, n } = fit;
    out.push({
      name: `forecast ${frame.name}`,
      fields,
      meta: {
        type: TIMESERIES_MULTI,
        custom: {
          ...(frame.meta?.custom ?? {}),
          method: 'holt',
          alpha,
          beta,
          sigma,
          history: n,
          level: FORECAST_LEVEL,
          horizonMs: plan.horizonMs,
        },
      },
    });
  }
  // No values at all is no data (an empty range); values too few to fit is the user's to fix.
  if (someValues && out.length === 0) {
    throw new QueryError(
      `forecast needs at least ${MIN_FORECAST_HISTORY} buckets with values in a series, and no series has them; ` +
        'widen the range or use a smaller window'
    );
  }
  return out;
}

/** forecast over the store: the range's whole buckets as history (the data's span when the range is open). */
export function forecast(ctx: AnalysisContext): Frame[] {
  const span = selectionSpan(select(ctx.store, ctx.range, ctx.query.filters));
  if (!span) {
    return [];
  }
  const plan = forecastPlan(ctx.query, span, ctx.intervalMs);
  return forecastSeries(trend({ ...ctx, query: plan.query, range: plan.range }), plan);
}
