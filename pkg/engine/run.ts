import type { DataFrameJSON, QueryResultMeta } from '@grafana/data';
import { AnalysisQuery, QUERY_TYPES, QueryType } from '../model/query';
import { Store } from '../store/store';
import { anomalies } from './anomalies';
import { compare } from './compare';
import { AnalysisContext } from './context';
import { correlation } from './correlation';
import { QueryError } from './errors';
import { Frame, inputNotices, toDataFrameJSON } from './frames';
import { logs } from './logs';
import { spike } from './spike';
import { summary } from './summary';
import { trend } from './trend';

const ANALYSES: Record<QueryType, (ctx: AnalysisContext) => Frame[]> = {
  summary,
  anomalies,
  trend,
  correlation,
  compare,
  spike,
  logs,
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
  return analysis({ store, query, ...ctx });
}

/** Runs one analysis: its frames and the input's notices (lines skipped, ids that could not be read back). */
export function analyseWithNotices(
  store: Store,
  query: AnalysisQuery,
  ctx: Omit<AnalysisContext, 'store' | 'query'>
): { frames: Frame[]; notices: NonNullable<QueryResultMeta['notices']> } {
  const unavailableBefore = store.requestIds?.unavailable ?? 0;
  const frames = analyse(store, query, ctx);
  const unavailable = (store.requestIds?.unavailable ?? 0) - unavailableBefore;
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

/** Runs one analysis and returns Grafana DataFrameJSON frames, with the input's notices on the first. */
export function runQuery(
  store: Store,
  query: AnalysisQuery,
  ctx: Omit<AnalysisContext, 'store' | 'query'>
): DataFrameJSON[] {
  return framesWithNotices(store, query, ctx).map((frame) => toDataFrameJSON(frame, query.refId));
}
