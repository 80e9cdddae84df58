/**
 * spike pushed down: the request stats of the window and of the same length just before it, overall and per
 * model (summary's query), and the window's slowest requests (ORDER BY … LIMIT), as the engine's spike frames.
 */
import { QueryError } from '../engine/errors';
import { Frame } from '../engine/frames';
import { DEFAULT_SLOWEST, slowestFields, spikeFrames } from '../engine/spike';
import { RequestStats } from '../engine/summary';
import { selection, SqlContext } from './context';
import { groupedStats } from './summary';
import { num, usRange, whereClause } from './sql';

export async function spike(ctx: SqlContext): Promise<Frame[]> {
  const { from, to } = ctx.range;
  if (from === undefined || to === undefined || to <= from) {
    throw new QueryError('spike needs a time window: both from and to, with from before to');
  }
  const length = to - from;
  const seconds = length / 1000;
  const windowWhere = selection(ctx);
  // The baseline ends just before `from`: `from` itself belongs to the window.
  const baselineWhere = selection(ctx, {
    loUs: usRange({ from: from - length }).loUs,
    hiUs: Math.ceil(from * 1000) - 1,
  });
  const limit = ctx.query.limit ?? DEFAULT_SLOWEST;
  const [a, b, mixBefore, mixWindow, slowest] = await Promise.all([
    groupedStats(ctx, [], baselineWhere, seconds),
    groupedStats(ctx, [], windowWhere, seconds),
    groupedStats(ctx, ['model'], baselineWhere, seconds),
    groupedStats(ctx, ['model'], windowWhere, seconds),
    ctx.client.query(
      'SELECT ts_us, request_id, model, latency_ms, batch_size, status, gpu_util, memory_used_gb ' +
        `FROM ${ctx.table} ${whereClause([...windowWhere, 'isNotNull(latency_ms)'])} ` +
        `ORDER BY latency_ms DESC, ts_us, src_file, src_end LIMIT ${limit}`
    ),
  ]);
  const models = [...new Set([...mixBefore.keys, ...mixWindow.keys].map((k) => k[0]))].sort();
  // A model absent from one side: no requests there (throughput 0, every other number missing).
  const none: RequestStats = {
    requests: 0,
    avg: NaN,
    p50: NaN,
    p90: NaN,
    p95: NaN,
    p99: NaN,
    max: NaN,
    errorRate: NaN,
    throughput: seconds > 0 ? 0 : NaN,
    avgBatch: NaN,
    avgGpu: NaN,
    avgMemory: NaN,
  };
  const statsOf = (mix: { keys: string[][]; stats: RequestStats[] }, model: string): RequestStats => {
    const i = mix.keys.findIndex((k) => k[0] === model);
    return i < 0 ? none : mix.stats[i];
  };
  const perModel = models.map((m) => ({ before: statsOf(mixBefore, m), window: statsOf(mixWindow, m) }));
  const text = (name: string) => slowest.map((r) => (r[name] === '' ? null : String(r[name])));
  const number = (name: string) => slowest.map((r) => num(r[name]));
  return spikeFrames(
    { from, to },
    a.stats[0],
    b.stats[0],
    models,
    perModel,
    slowestFields(number('ts_us'), text, number)
  );
}
