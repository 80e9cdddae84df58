import { AnalysisQuery, QUERY_TYPES, QueryType } from '../model/query';
import { REQUEST_ID, Store } from '../store/store';
import { anomalies } from './anomalies';
import { compare } from './compare';
import { AnalysisContext } from './context';
import { correlation } from './correlation';
import { AbsentFieldError, QueryError } from './errors';
import { Frame, inputNotices, Notice } from './frames';
import { forecast } from './forecast';
import { logs } from './logs';
import { seasonalAnomalies, seasonalTrend } from './seasonal';
import { spike } from './spike';
import { summary } from './summary';
import { trend } from './trend';

const ANALYSES: Record<QueryType, (ctx: AnalysisContext) => Frame[]> = {
  summary,
  // With `seasonality`, buckets against the same time of day or week (seasonal.ts) instead of requests or plain series.
  anomalies: (ctx) => (ctx.query.seasonality ? seasonalAnomalies(ctx) : anomalies(ctx)),
  trend: (ctx) => (ctx.query.seasonality ? seasonalTrend(ctx) : trend(ctx)),
  correlation,
  compare,
  spike,
  logs,
  forecast,
};

/** Runs one analysis and returns its frames, unencoded. */
export function analyse(store: Store, query: AnalysisQuery, ctx: Omit<AnalysisContext, 'store' | 'query'>): Frame[] {
  const analysis = ANALYSES[query.queryType];
  if (!analysis) {
    throw new QueryError(`unknown query type "${query.queryType}"; use one of ${QUERY_TYPES.join(', ')}`);
  }
  if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) {
    throw new QueryError(`limit must be a whole number of rows, 0 or more (got ${query.limit})`);
  }
  const { from, to } = ctx.range;
  if (from !== undefined && to !== undefined && from > to) {
    throw new QueryError('the time range ends before it starts');
  }
  try {
    return analysis({ store, query, ...ctx });
  } catch (error) {
    if (error instanceof AbsentFieldError) {
      return []; // "No data": an optional field these logs do not have
    }
    throw error;
  }
}

/** Runs one analysis: its frames and the input's notices (lines skipped, ids that could not be read back). */
export function analyseWithNotices(
  store: Store,
  query: AnalysisQuery,
  ctx: Omit<AnalysisContext, 'store' | 'query'>
): { frames: Frame[]; notices: Notice[] } {
  // Ids are read back only where the store keeps them (a projected load may not).
  const ids = store.loads(REQUEST_ID) ? store.requestIds : undefined;
  const unavailableBefore = ids?.unavailable ?? 0;
  const frames = analyse(store, query, ctx);
  const unavailable = (ids?.unavailable ?? 0) - unavailableBefore;
  return { frames, notices: inputNotices(store, unavailable) };
}

/** Runs one analysis: its frames, the input's notices on the first (where Grafana shows them on the panel). */
export function framesWithNotices(
  store: Store,
  query: AnalysisQuery,
  ctx: Omit<AnalysisContext, 'store' | 'query'>
): Frame[] {
  const { frames, notices } = analyseWithNotices(store, query, ctx);
  if (notices.length > 0 && frames.length > 0) {
    const meta = (frames[0].meta ??= {});
    meta.notices = [...(meta.notices ?? []), ...notices];
  }
  return frames;
}
