/**
 * The bounds on an answer's size, checked before the work: a trend's series (one per group) and cells (series ×
 * buckets), a summary's groups. Both the in-memory engine and ClickHouse count the groups cheaply first (counting
 * stops one past the bound) and refuse here, with the same words, so a query grouped by a unique field fails at
 * once instead of building a series per value.
 */
import type { AnswerLimits } from './answer';
import { QueryError } from './errors';

const NARROW_TREND = 'group by a field with fewer values, filter, widen the window or shorten the range';
const NARROW_GROUPS = 'group by a field with fewer values, filter or shorten the range';

/**
 * How many groups a trend of `buckets` buckets must count to decide (one past the most it may have), or undefined
 * when nothing bounds it.
 */
export function trendGroupsToCount(limits: AnswerLimits | undefined, buckets: number): number | undefined {
  const bounds: number[] = [];
  if (limits?.maxSeries !== undefined) {
    bounds.push(limits.maxSeries);
  }
  if (limits?.maxCells !== undefined) {
    bounds.push(Math.floor(limits.maxCells / Math.max(1, buckets)));
  }
  return bounds.length === 0 ? undefined : Math.min(...bounds) + 1;
}

/** "at least " when counting stopped at its limit (so there may be more groups), else nothing. */
const atLeast = (counted: number, countLimit: number | undefined): string =>
  countLimit !== undefined && counted >= countLimit ? 'at least ' : '';

/**
 * Refuses a trend of `groups` series (counted up to `countLimit`, trendGroupsToCount) over `buckets` buckets
 * beyond maxSeries or maxCells.
 */
export function checkTrendBounds(
  groupBy: string[],
  groups: number,
  countLimit: number | undefined,
  buckets: number,
  limits: AnswerLimits | undefined
): void {
  const what = groupBy.length > 0 ? `trend grouped by ${groupBy.join(', ')}` : 'trend';
  const { maxSeries, maxCells } = limits ?? {};
  const more = atLeast(groups, countLimit);
  if (maxSeries !== undefined && groups > maxSeries) {
    throw new QueryError(
      `${what} has ${more}${groups} series, more than the ${maxSeries} allowed (maxSeries); ${NARROW_TREND}`
    );
  }
  if (maxCells !== undefined && groups * buckets > maxCells) {
    throw new QueryError(
      `${what} has ${more}${groups} series × ${buckets} buckets = ${more}${groups * buckets} cells, ` +
        `more than the ${maxCells} allowed (maxCells); ${NARROW_TREND}`
    );
  }
}

/** How many groups a summary must count to decide: one past maxRows, or undefined when unbounded. */
export function summaryGroupsToCount(limits: AnswerLimits | undefined): number | undefined {
  return limits?.maxRows === undefined ? undefined : limits.maxRows + 1;
}

/** Refuses a summary or compare (`what`) of more than maxRows groups (counted up to `countLimit`). */
export function checkGroupBound(
  what: string,
  groupBy: string[],
  groups: number,
  countLimit: number | undefined,
  limits: AnswerLimits | undefined
): void {
  const maxRows = limits?.maxRows;
  if (groupBy.length > 0 && maxRows !== undefined && groups > maxRows) {
    throw new QueryError(
      `${what} grouped by ${groupBy.join(', ')} has ${atLeast(groups, countLimit)}${groups} groups, more than the ${maxRows} rows allowed (maxRows); ${NARROW_GROUPS}`
    );
  }
}
