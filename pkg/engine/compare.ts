import { AnalysisContext } from './context';
import { Frame, FrameField } from './frames';
import { pickMeasures } from './measures';
import { select } from './select';
import { groupedRequestStats, spanSeconds } from './summary';
import { min } from './stats';

/** compare: models side by side, with each model's share of requests and its p99 against the fastest. */
export function compare(ctx: AnalysisContext): Frame[] {
  const selection = select(ctx.store, ctx.range, ctx.query.filters);
  const seconds = spanSeconds(selection);
  const { groups, stats } = groupedRequestStats(selection, ['model'], seconds);
  const bestP99 = min(Float64Array.from(stats.map((s) => s.p99).filter((v) => !Number.isNaN(v))));
  const total = selection.rows.length;
  const number = (name: string, values: number[], unit?: string): FrameField => ({
    name,
    type: 'number',
    values,
    unit,
  });
  const frame: Frame = {
    name: 'compare',
    fields: [
      { name: 'model', type: 'string', values: groups.keys.map((k) => k[0]) },
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
  return [pickMeasures(frame, 1, ctx.query.measures, 'compare')];
}
