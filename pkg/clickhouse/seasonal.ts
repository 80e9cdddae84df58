/**
 * Seasonal trend and anomalies, and forecast, in ClickHouse mode: ClickHouse computes the trend (over the range
 * extended back by the look-back, or over the history's whole buckets), the engine's own code reads it
 * (engine/seasonal.ts, engine/forecast.ts) — so both doors give the same answer from the same buckets.
 */
import { Frame } from '../engine/frames';
import { forecastPlan, forecastSeries } from '../engine/forecast';
import { seasonalAnomalyTable, seasonalPlan, seasonalSeries } from '../engine/seasonal';
import { selection, SqlContext } from './context';
import { dataSpan } from './summary';
import { trend } from './trend';

/** The query's span in µs: its range where closed, else the selected rows' first or last time; null without rows. */
async function spanOf(ctx: SqlContext): Promise<{ startUs: number; endUs: number } | null> {
  const { from, to } = ctx.range;
  if (from !== undefined && to !== undefined) {
    return { startUs: from * 1000, endUs: to * 1000 };
  }
  const data = await dataSpan(ctx, selection(ctx));
  if (!data) {
    return null;
  }
  return { startUs: from !== undefined ? from * 1000 : data.loUs, endUs: to !== undefined ? to * 1000 : data.hiUs };
}

async function seasonalOf(ctx: SqlContext) {
  const span = await spanOf(ctx);
  if (!span) {
    return null;
  }
  const plan = seasonalPlan(ctx.query, span, ctx.intervalMs);
  return { plan, series: seasonalSeries(await trend({ ...ctx, query: plan.query, range: plan.range }), plan) };
}

/** trend, with `seasonality` its seasonal fields. */
export async function seasonalTrend(ctx: SqlContext): Promise<Frame[]> {
  return (await seasonalOf(ctx))?.series ?? [];
}

/** anomalies with `seasonality`: the anomalous buckets. */
export async function seasonalAnomalies(ctx: SqlContext): Promise<Frame[]> {
  const found = await seasonalOf(ctx);
  return found ? [seasonalAnomalyTable(found.series, found.plan, ctx.query.groupBy ?? [], ctx.query.limit)] : [];
}

/** forecast: Holt's method over ClickHouse's trend of the history. */
export async function forecast(ctx: SqlContext): Promise<Frame[]> {
  const span = await spanOf(ctx);
  if (!span) {
    return [];
  }
  const plan = forecastPlan(ctx.query, span, ctx.intervalMs);
  return forecastSeries(await trend({ ...ctx, query: plan.query, range: plan.range }), plan);
}
