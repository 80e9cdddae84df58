import type { DataFrameType } from '@grafana/data';
import type { AnalysisQuery, TimeRange } from '../model/query';
import { InvalidInputError } from '../model/validate';
import { Frame } from '../engine/frames';
import { completeBuckets } from '../engine/trend';

/**
 * Whether Grafana's alerting sent the request: rule evaluations (and the rule editor's preview) carry
 * the `FromAlert` header (grafana-plugin-sdk-go `backend.FromAlertHeaderName`); Grafana's own data
 * sources test its presence. Newer Grafana may forward it as `http_FromAlert`.
 */
export function isFromAlert(headers: Record<string, string> | undefined): boolean {
  return Object.keys(headers ?? {}).some((key) => /^(http_)?fromalert$/i.test(key));
}

/**
 * What an alert evaluation asks of a query: a trend reads only the buckets wholly inside the range —
 * never the bucket still being filled at evaluation time. Null when no whole bucket fits (no data).
 * Other query types are computed over the range as it is (a rolling window ending at evaluation time).
 */
export function alertQuery(
  query: AnalysisQuery,
  range: TimeRange,
  intervalMs?: number
): { query: AnalysisQuery; range: TimeRange } | null {
  const seasonal = isSeasonalAnomalies(query);
  if ((query.queryType !== 'trend' && !seasonal) || range.from === undefined || range.to === undefined) {
    return { query, range };
  }
  const narrowed = completeBuckets(query, { from: range.from, to: range.to }, intervalMs);
  // Seasonal anomalies are read as the seasonal trend (its scores), then one score per series (alertFrames).
  return narrowed && seasonal ? { ...narrowed, query: { ...narrowed.query, queryType: 'trend' } } : narrowed;
}

/** An anomalies query with a seasonal baseline: a table of buckets in panels, one score per series in alerts. */
export function isSeasonalAnomalies(query: AnalysisQuery): boolean {
  return query.queryType === 'anomalies' && query.seasonality !== undefined;
}

/**
 * The frames an alert condition reads for the query as asked. For seasonal anomalies (answered as the seasonal
 * trend over whole buckets, alertQuery): one `numeric-long` frame, a row per series — its group fields and the
 * seasonal `score` of its last whole bucket (null without history) — so the condition gets one number per series,
 * e.g. Threshold |score| > 3.5 through a Math expression `abs($A)`. Other queries' frames as they are.
 */
export function alertFrames(asked: AnalysisQuery, frames: Frame[]): Frame[] {
  if (!isSeasonalAnomalies(asked)) {
    return frames;
  }
  const groupBy = asked.groupBy ?? [];
  const scores: number[] = [];
  const labels: Array<Record<string, string>> = [];
  for (const frame of frames) {
    const score = frame.fields.find((f) => f.name === 'score');
    const value = frame.fields[1];
    if (score?.type !== 'number' || score.values.length === 0) {
      continue;
    }
    scores.push(score.values[score.values.length - 1]);
    labels.push(value?.labels ?? {});
  }
  if (scores.length === 0) {
    return [];
  }
  return [
    {
      name: 'anomalies',
      fields: [
        ...groupBy.map((name) => ({
          name,
          type: 'string' as const,
          values: labels.map((l) => l[name] ?? null),
        })),
        { name: 'score', type: 'number' as const, values: scores },
      ],
      // Typed here: in panels the same query is a plain table (frame-types.ts).
      meta: { type: 'numeric-long' as unknown as DataFrameType, typeVersion: [0, 1] },
    },
  ];
}

/** Labels as text, keys sorted: `{model=a, region=eu}`. */
function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return `{${keys.map((k) => `${k}=${labels[k]}`).join(', ')}}`;
}

/**
 * The labels of every number (or series) Grafana's server-side expressions make of typed frames, by
 * the data plane readers (grafana/dataplane sdata/numeric, sdata/timeseries): numeric-long gives one
 * number per row and value field, labelled by the row's string fields; numeric-wide one per value
 * field, labelled by the field's labels; timeseries-multi one series per frame.
 */
export function alertInstanceLabels(frames: Frame[]): string[] {
  const out: string[] = [];
  for (const frame of frames) {
    const type = frame.meta?.type as string | undefined;
    if (type === 'numeric-long') {
      const strings = frame.fields.filter((f) => f.type === 'string');
      const numbers = frame.fields.filter((f) => f.type === 'number');
      const rows = frame.fields[0]?.values.length ?? 0;
      for (let row = 0; row < rows; row++) {
        const labels: Record<string, string> = {};
        for (const field of strings) {
          labels[field.name] = String(field.values[row] ?? '');
        }
        for (let n = 0; n < numbers.length; n++) {
          out.push(labelText(labels));
        }
      }
    } else if (type === 'numeric-wide' || type === 'timeseries-multi') {
      for (const field of frame.fields) {
        if (field.type === 'number') {
          out.push(labelText(field.labels ?? {}));
          if (type === 'timeseries-multi') {
            break; // the first value field is the series; others are remainder data
          }
        }
      }
    }
  }
  return out;
}

/**
 * Grafana's alerting refuses a condition with two numbers of the same labels ("frame cannot uniquely
 * be identified by its labels"): say so up front, with what to change.
 */
export function checkAlertLabels(query: AnalysisQuery, frames: Frame[]): void {
  const seen = new Set<string>();
  for (const labels of alertInstanceLabels(frames)) {
    if (seen.has(labels)) {
      const measures = frames[0].fields.filter((f) => f.type === 'number').map((f) => f.name);
      const hint =
        query.queryType === 'summary' || query.queryType === 'compare'
          ? `set "measures" to one of ${measures.join(', ')}, e.g. ["p99_latency_ms"]`
          : 'group by fields that tell the series apart';
      throw new InvalidInputError(
        `an alert condition needs one number per set of labels, but this ${query.queryType} gives several labelled ${labels}: ${hint}`
      );
    }
    seen.add(labels);
  }
}
