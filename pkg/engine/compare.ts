import { AnalysisContext } from './context';
import { Frame, FrameField } from './frames';
import { pickMeasures } from './measures';
import { select } from './select';
import { checkGroups, groupedRequestStats, RequestStats, spanSeconds } from './summary';
import { min } from './stats';

/** compare: models side by side, with each model's share of requests and its p99 against the fastest. */
export function compare(ctx: AnalysisContext): Frame[] {
  const selection = select(ctx.store, ctx.range, ctx.query.filters);
  const seconds = spanSeconds(selection);
  checkGroups('compare', selection, ['model'], ctx.limits);
  const { groups, stats } = groupedRequestStats(selection, ['model'], seconds);
  return [
    compareFrame(
      groups.keys.map((k) => k[0]),
      stats,
      selection.rows.length,
      ctx.query.measures
    ),
  ];
}

/** The compare frame of models (sorted), their stats and the requests selected in all (for the shares). */
export function compareFrame(models: string[], stats: RequestStats[], total: number, measures?: string[]): Frame {
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
    ],
  };
  return pickMeasures(frame, 1, measures, 'compare');
}
