import type { DataFrameType } from '@grafana/data';
import type { AnalysisQuery } from '../model/query';
import { Frame } from '../engine/frames';

// Grafana's DataFrameType is a string enum; its values are these strings (dataplane contract).
const type = (name: string): DataFrameType => name as unknown as DataFrameType;

/** The data plane's "no data": one frame of the type with no fields (not fields with no rows). */
function noData(frameType: string): Frame {
  return { name: '', fields: [], meta: { type: type(frameType), typeVersion: [0, 1] } };
}

/** The data plane type of a query's frames, or undefined for plain tables. */
function dataplaneType(query: AnalysisQuery): string | undefined {
  switch (query.queryType) {
    case 'trend':
    case 'forecast':
      return 'timeseries-multi';
    case 'compare':
      return 'numeric-long';
    case 'summary':
      return (query.groupBy?.length ?? 0) > 0 ? 'numeric-long' : 'numeric-wide';
    case 'logs':
      return 'log-lines';
    default:
      return undefined;
  }
}

/**
 * Marks frames with their data plane type so that Grafana's alerting (server-side expressions) and
 * Explore read them without guessing: trend series as `timeseries-multi`, a grouped summary or the
 * model comparison as `numeric-long` (one labelled number per group and measure), an overall
 * summary as `numeric-wide`, logs as `log-lines`. An answer with nothing in it is the contract's
 * no-data frame, which alerting reads as "No data" rather than an error.
 */
export function typeFrames(query: AnalysisQuery, frames: Frame[]): Frame[] {
  const frameType = dataplaneType(query);
  if (!frameType) {
    return frames;
  }
  const notices = frames[0]?.meta?.notices;
  const empty =
    frameType === 'timeseries-multi'
      ? frames.length === 0
      : frameType === 'numeric-long' && frames.every((f) => (f.fields[0]?.values.length ?? 0) === 0);
  if (empty) {
    const frame = noData(frameType);
    if (notices?.length) {
      frame.meta!.notices = notices;
    }
    return [frame];
  }
  for (const frame of frames) {
    const meta = (frame.meta ??= {});
    meta.type = type(frameType);
    // log-lines is at version 0.0 of the contract; the numeric and time series kinds at 0.1.
    meta.typeVersion = frameType === 'log-lines' ? [0, 0] : [0, 1];
  }
  return frames;
}
