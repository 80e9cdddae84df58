/** Child process: loads the benchmark file into our store, then times the queries. */
import type { AnalysisQuery, TimeRange } from '../pkg/model/query';
import { analyse } from '../pkg/engine/run';
import type { Frame, FrameField } from '../pkg/engine/frames';
import { loadLogs } from '../pkg/sources/load';
import { Store } from '../pkg/store/store';
import {
  ANOMALY_LIMIT,
  Answers,
  EngineReport,
  heldBytes,
  inputOf,
  num,
  peakRss,
  QueryName,
  report,
  SummaryRow,
  timeRuns,
} from './common';

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

async function main(): Promise<void> {
  const input = inputOf(process.argv);
  const before = heldBytes();
  const start = performance.now();
  const store: Store = await loadLogs([input.file]);
  const loadMs = performance.now() - start;
  const peakAfterLoad = peakRss();
  const held = heldBytes() - before;
  process.stderr.write(`ours: loaded ${store.length} rows in ${(loadMs / 1000).toFixed(2)} s\n`);

  const run = (query: AnalysisQuery, range: TimeRange = {}): Frame[] => analyse(store, query, { range });
  const hour = { from: input.hourFrom, to: input.hourTo };
  const alert = { from: input.alertFrom, to: input.alertTo };
  const byModel: AnalysisQuery = { queryType: 'summary', groupBy: ['model'] };
  const trendQuery = (aggregation: 'mean' | 'p99'): AnalysisQuery => ({
    queryType: 'trend',
    groupBy: ['model'],
    window: '1m',
    aggregation,
  });
  const jobs: Array<[QueryName, () => Frame[] | Frame[][]]> = [
    ['summary by model', () => run(byModel)],
    ['trend per model per minute (mean + p99)', () => [run(trendQuery('mean')), run(trendQuery('p99'))]],
    [
      'z-score anomalies per model',
      () => run({ queryType: 'anomalies', method: 'zscore', groupBy: ['model'], limit: ANOMALY_LIMIT }),
    ],
    ['4x4 Pearson matrix', () => run({ queryType: 'correlation', correlation: 'pearson' })],
    ['one-hour summary by model', () => run(byModel, hour)],
    ['alert: p99 last 5 min per model', () => run(byModel, alert)],
  ];
  const queries: Record<string, number> = {};
  const runsMs: Record<string, number[]> = {};
  const firstRunMs: Record<string, number> = {};
  const results = new Map<QueryName, Frame[] | Frame[][]>();
  for (const [name, job] of jobs) {
    const timed = await timeRuns(input.warmups, input.runs, job);
    queries[name] = timed.ms;
    runsMs[name] = timed.all;
    firstRunMs[name] = timed.firstMs;
    results.set(name, timed.result);
    process.stderr.write(`ours: ${name}: ${timed.ms.toFixed(1)} ms\n`);
  }

  const trend: Answers['trend'] = {};
  const [means, p99s] = results.get('trend per model per minute (mean + p99)') as Frame[][];
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
  const anomalyFrame = (results.get('z-score anomalies per model') as Frame[])[0];
  const correlation = (results.get('4x4 Pearson matrix') as Frame[])[0];
  const answers: Answers = {
    summary: summaryRows(results.get('summary by model') as Frame[]),
    hour: summaryRows(results.get('one-hour summary by model') as Frame[]),
    alert: summaryRows(results.get('alert: p99 last 5 min per model') as Frame[]),
    trend,
    anomaliesFound: Number(anomalyFrame.meta?.custom?.found ?? NaN),
    anomalyScores: Array.from(fieldOf(anomalyFrame, 'score').values as ArrayLike<number>, (s) => Math.abs(s)),
    anomalyIds: Array.from(fieldOf(anomalyFrame, 'request_id').values as ArrayLike<string | null>),
    pearson: correlation.fields.slice(1).map((f) => Array.from(f.values as ArrayLike<number>, num)),
  };
  const result: EngineReport = {
    loadMs,
    rows: store.length,
    peakRssBytes: peakAfterLoad,
    bytesPerRow: held / store.length,
    queries,
    firstRunMs,
    runsMs,
    answers,
    notes: [],
  };
  report(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
