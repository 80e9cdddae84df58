/** The answer check's numbers from an engine's frames (ours and ClickHouseSource answer with the same frames). */
import type { Frame, FrameField } from '../pkg/engine/frames';
import type { AnalysisQuery, TimeRange } from '../pkg/model/query';
import { ANOMALY_LIMIT, Answers, BenchInput, num, QueryName, SummaryRow } from './common';

/** What each timed query asks, as an analysis query and range (the trend asks two: mean, then p99). */
export function benchJobs(input: BenchInput): Array<[QueryName, Array<[AnalysisQuery, TimeRange]>]> {
  const hour = { from: input.hourFrom, to: input.hourTo };
  const alert = { from: input.alertFrom, to: input.alertTo };
  const byModel: AnalysisQuery = { queryType: 'summary', groupBy: ['model'] };
  const trend = (aggregation: 'mean' | 'p99'): AnalysisQuery => ({
    queryType: 'trend',
    groupBy: ['model'],
    window: '1m',
    aggregation,
  });
  return [
    ['summary by model', [[byModel, {}]]],
    [
      'trend per model per minute (mean + p99)',
      [
        [trend('mean'), {}],
        [trend('p99'), {}],
      ],
    ],
    [
      'z-score anomalies per model',
      [[{ queryType: 'anomalies', method: 'zscore', groupBy: ['model'], limit: ANOMALY_LIMIT }, {}]],
    ],
    ['4x4 Pearson matrix', [[{ queryType: 'correlation', correlation: 'pearson' }, {}]]],
    ['one-hour summary by model', [[byModel, hour]]],
    ['alert: p99 last 5 min per model', [[byModel, alert]]],
  ];
}

function fieldOf(frame: Frame, name: string): FrameField {
  const found = frame.fields.find((f) => f.name === name);
  if (!found) {
    throw new Error(`no field ${name} in frame ${frame.name}`);
  }
  return found;
}

function summaryRows(frames: Frame[]): SummaryRow[] {
  const frame = frames[0];
  const models = Array.from(fieldOf(frame, 'model').values as ArrayLike<string>);
  const col = (name: string): ArrayLike<number> => fieldOf(frame, name).values as ArrayLike<number>;
  return models.map((model, i) => ({
    model,
    requests: col('requests')[i],
    avg: num(col('avg_latency_ms')[i]),
    p50: num(col('p50_latency_ms')[i]),
    p95: num(col('p95_latency_ms')[i]),
    p99: num(col('p99_latency_ms')[i]),
    max: num(col('max_latency_ms')[i]),
    errorRate: num(col('error_rate')[i]),
  }));
}

/** The answers, from each query's frames (the trend job gives [mean frames, p99 frames]). */
export function answersOf(frames: (name: QueryName) => Frame[] | Frame[][]): Answers {
  const trend: Answers['trend'] = {};
  const [means, p99s] = frames('trend per model per minute (mean + p99)') as Frame[][];
  means.forEach((frame, s) => {
    const model = (frame.fields[1].labels ?? {}).model;
    const times = frame.fields[0].values as ArrayLike<number>;
    const meanValues = frame.fields[1].values as ArrayLike<number>;
    const p99Values = p99s[s].fields[1].values as ArrayLike<number>;
    const series: Record<string, [number | null, number | null]> = {};
    for (let i = 0; i < times.length; i++) {
      if (!Number.isNaN(meanValues[i])) {
        series[String(times[i] / 1000)] = [num(meanValues[i]), num(p99Values[i])];
      }
    }
    trend[model] = series;
  });
  const anomalyFrame = (frames('z-score anomalies per model') as Frame[])[0];
  const correlation = (frames('4x4 Pearson matrix') as Frame[])[0];
  return {
    summary: summaryRows(frames('summary by model') as Frame[]),
    hour: summaryRows(frames('one-hour summary by model') as Frame[]),
    alert: summaryRows(frames('alert: p99 last 5 min per model') as Frame[]),
    trend,
    anomaliesFound: Number(anomalyFrame.meta?.custom?.found ?? NaN),
    anomalyScores: Array.from(fieldOf(anomalyFrame, 'score').values as ArrayLike<number>, (s) => Math.abs(s)),
    anomalyIds: Array.from(fieldOf(anomalyFrame, 'request_id').values as ArrayLike<string | null>),
    pearson: correlation.fields.slice(1).map((f) => Array.from(f.values as ArrayLike<number>, num)),
  };
}
