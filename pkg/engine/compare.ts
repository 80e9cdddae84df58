import {
  resolveBaseline,
  Significance,
  significanceFields,
  significanceMeta,
  wantsSignificance,
} from './compare-significance';
import { AnalysisContext, numericColumn } from './context';
import { Frame, FrameField } from './frames';
import { hasLlmMeasures, llmFields } from './llm';
import { pickMeasures } from './measures';
import { groupRows, select, Selection } from './select';
import { sampleOf, SortedSample } from './significance';
import { checkGroups, groupedRequestStats, RequestStats, spanSeconds } from './summary';
import { gatherNumeric, min } from './reductions';

/**
 * compare: models side by side, with each model's share of requests and its p99 against the fastest, and each
 * model tested against the baseline (compare-significance.ts).
 */
export function compare(ctx: AnalysisContext): Frame[] {
  const selection = select(ctx.store, ctx.range, ctx.query.filters);
  const seconds = spanSeconds(selection);
  checkGroups('compare', selection, ['model'], ctx.limits);
  const { groups, stats } = groupedRequestStats(selection, ['model'], seconds);
  const models = groups.keys.map((k) => k[0]);
  const baseline = resolveBaseline(models, ctx.query.baseline);
  // Each model's rows, grouped once for whichever of the two below needs them.
  let modelRows: Uint32Array[] | undefined;
  const rowsByModel = (): Uint32Array[] => (modelRows ??= rowsOf(selection, models));
  const significance =
    baseline !== undefined && wantsSignificance(ctx.query.measures)
      ? { baseline, samples: latencySamples(selection, rowsByModel()) }
      : undefined;
  const llm = hasLlmMeasures(ctx.store) ? llmFields(ctx.store, rowsByModel()) : [];
  return [compareFrame(models, stats, selection.rows.length, ctx.query.measures, significance, llm)];
}

/** Each model's selected rows, in the order of `models`. */
function rowsOf(selection: Selection, models: string[]): Uint32Array[] {
  const groups = groupRows(selection, ['model']);
  const byModel = new Map(groups.keys.map((k, g) => [k[0], groups.rows[g]]));
  return models.map((m) => byModel.get(m) ?? new Uint32Array(0));
}

/** Each model's non-missing latencies, sorted (in the order of `rowsByModel`). */
function latencySamples(selection: Selection, rowsByModel: Uint32Array[]): SortedSample[] {
  const latency = numericColumn(selection.store, 'latency_ms').raw();
  return rowsByModel.map((rows) => sampleOf(gatherNumeric(latency, rows)));
}

/**
 * The compare frame of models (sorted), their stats and the requests selected in all (for the shares); the
 * tests against the baseline when `significance` is given (else those fields are empty).
 */
export function compareFrame(
  models: string[],
  stats: RequestStats[],
  total: number,
  measures?: string[],
  significance?: Significance,
  extra: FrameField[] = []
): Frame {
  const bestP99 = min(Float64Array.from(stats.map((s) => s.p99).filter((v) => !Number.isNaN(v))));
  const number = (name: string, values: number[], unit?: string): FrameField => ({
    name,
    type: 'number',
    values,
    unit,
  });
  const frame: Frame = {
    name: 'compare',
    fields: [
      { name: 'model', type: 'string', values: models },
      number(
        'requests',
        stats.map((s) => s.requests)
      ),
      number(
        'avg_latency_ms',
        stats.map((s) => s.avg),
        'ms'
      ),
      number(
        'p50_latency_ms',
        stats.map((s) => s.p50),
        'ms'
      ),
      number(
        'p95_latency_ms',
        stats.map((s) => s.p95),
        'ms'
      ),
      number(
        'p99_latency_ms',
        stats.map((s) => s.p99),
        'ms'
      ),
      number(
        'error_rate',
        stats.map((s) => s.errorRate),
        'percentunit'
      ),
      number(
        'throughput_rps',
        stats.map((s) => s.throughput),
        'reqps'
      ),
      number(
        'request_share',
        stats.map((s) => (total ? s.requests / total : NaN)),
        'percentunit'
      ),
      number(
        'p99_vs_fastest',
        stats.map((s) => s.p99 / bestP99)
      ),
      ...significanceFields(models, stats, significance),
      ...extra,
    ],
  };
  if (significance) {
    frame.meta = { custom: significanceMeta(significance.baseline) };
  }
  return pickMeasures(frame, 1, measures, 'compare');
}
