/**
 * The query model: one JSON shape shared by the frontend (`src/`), the Grafana backend, the HTTP
 * proxy, provisioning files, alert rules and the CLI. Defined once, here.
 */

/** Version of the saved query shape; `migrateSavedQuery` (migrate.ts) brings older saved queries up to it. */
export const QUERY_SCHEMA_VERSION = 1;

/** Every analysis the engine answers. */
export const QUERY_TYPES = [
  'summary',
  'anomalies',
  'trend',
  'correlation',
  'compare',
  'spike',
  'logs',
  'forecast',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/** Per-bucket aggregations of `trend`. */
export const AGGREGATIONS = [
  'count',
  'rate',
  'sum',
  'mean',
  'min',
  'max',
  'stddev',
  'p50',
  'p90',
  'p95',
  'p99',
  'p999',
  'error_rate',
] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Anomaly detection methods. */
export const ANOMALY_METHODS = ['zscore', 'mad', 'iqr'] as const;
export type AnomalyMethod = (typeof ANOMALY_METHODS)[number];

/** Default threshold per method: |z| > 3, |modified z| > 3.5, Tukey fences at 1.5 IQR. */
export const DEFAULT_THRESHOLDS: Record<AnomalyMethod, number> = { zscore: 3, mad: 3.5, iqr: 1.5 };

/** Seasonal baselines of `trend` and `anomalies`: a bucket against the same time of day, or of week. */
export const SEASONALITIES = ['daily', 'weekly'] as const;
export type Seasonality = (typeof SEASONALITIES)[number];

/** Previous periods a seasonal baseline looks back over when `seasonalPeriods` is absent. */
export const DEFAULT_SEASONAL_PERIODS: Record<Seasonality, number> = { daily: 7, weekly: 4 };

/** Most previous periods a seasonal baseline may look back over (a bound on the look-back's cells). */
export const MAX_SEASONAL_PERIODS = 52;

/** |seasonal score| above this is anomalous unless `threshold` says otherwise (the modified z-score's 3.5). */
export const DEFAULT_SEASONAL_THRESHOLD = 3.5;

/** How far `forecast` looks ahead when `horizon` is absent. */
export const DEFAULT_FORECAST_HORIZON = '30m';

export const CORRELATION_METHODS = ['pearson', 'spearman'] as const;
export type CorrelationMethod = (typeof CORRELATION_METHODS)[number];

/** The numeric fields every inference log has (others may appear as extra columns). */
export const STANDARD_METRICS = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'] as const;

/** The value columns of a summary, in frame order (after the group fields). */
export const SUMMARY_MEASURES = [
  'requests',
  'avg_latency_ms',
  'p50_latency_ms',
  'p90_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'max_latency_ms',
  'error_rate',
  'throughput_rps',
  'avg_batch_size',
  'avg_gpu_util',
  'avg_memory_used_gb',
] as const;

/**
 * Value columns summary and compare add after their own where the logs have LLM fields (engine/llm.ts): averages
 * and p50/p95/p99 of the time to first token, the time per output token and output tokens per second, and the
 * average token counts.
 */
export const LLM_MEASURE_COLUMNS = [
  'avg_ttft_ms',
  'p50_ttft_ms',
  'p95_ttft_ms',
  'p99_ttft_ms',
  'avg_tpot_ms',
  'p50_tpot_ms',
  'p95_tpot_ms',
  'p99_tpot_ms',
  'avg_output_tokens_per_s',
  'p50_output_tokens_per_s',
  'p95_output_tokens_per_s',
  'p99_output_tokens_per_s',
  'avg_input_tokens',
  'avg_output_tokens',
] as const;

/** The value columns compare adds for each model against the baseline (engine/compare-significance.ts); empty on the baseline's row. */
export const SIGNIFICANCE_MEASURES = [
  'p50_diff_ms',
  'p50_diff_ci_low_ms',
  'p50_diff_ci_high_ms',
  'p99_diff_ms',
  'p99_diff_ci_low_ms',
  'p99_diff_ci_high_ms',
  'latency_u',
  'latency_p_value',
  'error_rate_z',
  'error_rate_p_value',
  'verdict',
] as const;

/** The value columns of a model comparison, in frame order (after `model`). */
export const COMPARE_MEASURES = [
  'requests',
  'avg_latency_ms',
  'p50_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'error_rate',
  'throughput_rps',
  'request_share',
  'p99_vs_fastest',
  ...SIGNIFICANCE_MEASURES,
] as const;

/** Equality filters: field name to the accepted values (any of them). */
export type Filters = Record<string, Array<string | number>>;

/** One query, as JSON. Fields that do not apply to a query type are ignored. */
export interface AnalysisQuery {
  refId?: string;
  queryType: QueryType;
  /** Numeric field analysed by anomalies and trend (default `latency_ms`). */
  metric?: string;
  /** Trend aggregation per bucket (default `mean`). */
  aggregation?: Aggregation;
  /** Trend bucket width: `30s`, `1m`, `5m`, `1h`, `1d`, ... or `auto`. */
  window?: string;
  method?: AnomalyMethod;
  /** Anomaly threshold; the method's default when absent. */
  threshold?: number;
  /** Fields of the correlation matrix, in order. */
  metrics?: string[];
  correlation?: CorrelationMethod;
  /** String fields to group by (summary, anomalies, trend). */
  groupBy?: string[];
  filters?: Filters;
  /** Most rows returned (anomalies, spike's slowest requests, logs). No limit when absent. */
  limit?: number;
  /**
   * Value columns of summary and compare to return, in the order given (default all). An alert condition
   * asks for one, e.g. `["p99_latency_ms"]`: Grafana needs one number per set of labels.
   */
  measures?: string[];
  /** compare: the model the others are tested against (default the first model in compare's order, by name). */
  baseline?: string;
  /**
   * trend and anomalies: judge each bucket's aggregate against the same time of day (`daily`) or of week
   * (`weekly`) over the previous `seasonalPeriods` periods (seasonal.ts). Absent: trend as ever, anomalies per request.
   */
  seasonality?: Seasonality;
  /** How many previous days or weeks the seasonal baseline reads (default 7 days, 4 weeks; at most 52). */
  seasonalPeriods?: number;
  /** forecast: how far ahead, as a window text (`30m`, `2h`; default 30m). */
  horizon?: string;
}

/** A time range in epoch milliseconds, both ends inclusive. Either end may be open. */
export interface TimeRange {
  from?: number;
  to?: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a window such as `30s`, `1m`, `5m`, `1h`, `1d`, `250ms` into milliseconds; null if it is not one. */
export function parseWindow(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) {
    return null;
  }
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return ms >= 1 && Number.isFinite(ms) ? ms : null;
}

/** Window widths `auto` picks from, the smallest giving at most the wanted number of buckets. */
export const NICE_WINDOWS_MS = [
  1000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
  10_800_000, 21_600_000, 43_200_000, 86_400_000, 604_800_000,
];

/** The window `auto` resolves to: Grafana's interval when given, else one giving at most `maxBuckets`. */
export function autoWindowMs(spanMs: number, intervalMs?: number, maxBuckets = 300): number {
  if (intervalMs && intervalMs > 0) {
    return intervalMs;
  }
  for (const w of NICE_WINDOWS_MS) {
    // A span of s ms covers at most ceil(s / w) + 1 epoch-aligned buckets.
    if (Math.ceil(spanMs / w) + 1 <= maxBuckets) {
      return w;
    }
  }
  return NICE_WINDOWS_MS[NICE_WINDOWS_MS.length - 1];
}

/** Formats milliseconds back into the shortest window text (`60000` gives `1m`). */
export function formatWindow(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) {
      return `${ms / UNIT_MS[unit]}${unit}`;
    }
  }
  return `${ms}ms`;
}
