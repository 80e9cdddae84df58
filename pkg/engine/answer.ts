/**
 * The one way a door asks for an analysis: `answer(source, query, range, limits)` checks the query
 * and the range, applies the row cap, and has the source run it. The CLI, the HTTP proxy and the
 * Grafana backend all call it, so a query means the same through each of them.
 */
import type { AnalysisQuery, QueryType, TimeRange } from '../model/query';
import { checkRange } from '../model/request';
import { parseQuery } from '../model/validate';
import { Frame } from './frames';
import { DEFAULT_SLOWEST } from './spike';

/** Where the requests are: the in-memory store (StoreSource) now, a database later. */
export interface AnalysisSource {
  /**
   * One checked and capped query over the range: its frames, any notices about the input on the first. `limits`
   * bound the work (groups, series, cells: see bounds.ts) before it is done; none when absent.
   */
  analyse(query: AnalysisQuery, range: TimeRange, intervalMs?: number, limits?: AnswerLimits): Promise<Frame[]>;
}

/** The bounds a door holds its answers to. */
export interface AnswerLimits {
  /** Most requests one list holds (anomalies, logs, spike's slowest requests); no bound when absent. */
  maxRows?: number;
  /** Most series one trend may have (a series per group); refused before any is built. No bound when absent. */
  maxSeries?: number;
  /** Most (group, bucket) cells one trend may compute (series × buckets); refused before. No bound when absent. */
  maxCells?: number;
}

/** The length of each list of requests when the query sets no limit: all of them, or spike's few slowest. */
const LIST_DEFAULTS: Partial<Record<QueryType, number | 'maxRows'>> = {
  anomalies: 'maxRows',
  logs: 'maxRows',
  spike: DEFAULT_SLOWEST,
};

/**
 * The row cap, the same for every door: a query listing requests gets at most `maxRows` of them —
 * its `limit` is cut to maxRows, and without one anomalies and logs list maxRows, spike its default.
 */
export function capRows(query: AnalysisQuery, maxRows: number | undefined): AnalysisQuery {
  const fallback = LIST_DEFAULTS[query.queryType];
  if (maxRows === undefined || fallback === undefined) {
    return query;
  }
  const limit = query.limit ?? (fallback === 'maxRows' ? maxRows : fallback);
  return { ...query, limit: Math.min(limit, maxRows) };
}

/**
 * Answers one query: `query` as the door has it (JSON of a request, or built from options) is checked
 * against the query model, the range must not end before it starts, lists are capped, then the source
 * runs it, refusing groups beyond maxRows (summary, compare) and series or cells beyond maxSeries / maxCells (trend)
 * before it computes them. `intervalMs` is Grafana's suggested interval, for `window: "auto"`.
 */
export async function answer(
  source: AnalysisSource,
  query: unknown,
  range: TimeRange,
  limits: AnswerLimits,
  intervalMs?: number
): Promise<Frame[]> {
  const checked = capRows(parseQuery(query), limits.maxRows);
  return source.analyse(checked, checkRange(range), intervalMs, limits);
}
