import type { DataFrameType } from '@grafana/data';
import type { AnalysisQuery } from '../model/query';
import { Frame } from '../engine/frames';

// Grafana's DataFrameType is a string enum; its values are these strings (dataplane contract).
const type = (name: string): DataFrameType => name as unknown as DataFrameType;

/**
 * Marks frames with their dataplane type so that Grafana's alerting (server-side expressions)
 * reads them without guessing: trend series as `timeseries-multi`, a grouped summary or the model
 * comparison as `numeric-long` (one labelled number per group and field), an overall summary as
 * `numeric-wide`.
 */
export function typeFrames(query: AnalysisQuery, frames: Frame[]): Frame[] {
  if (query.queryType === 'trend' && frames.length === 0) {
    // "No data" for alerting: one typed frame with no fields.
    return [{ name: '', fields: [], meta: { type: type('timeseries-multi'), typeVersion: [0, 1] } }];
  }
  for (const frame of frames) {
    const meta = (frame.meta ??= {});
    if (query.queryType === 'trend') {
      meta.type = type('timeseries-multi');
    } else if (query.queryType === 'compare' || (query.queryType === 'summary' && (query.groupBy?.length ?? 0) > 0)) {
      meta.type = type('numeric-long');
    } else if (query.queryType === 'summary') {
      meta.type = type('numeric-wide');
    }
    if (meta.type) {
      meta.typeVersion = [0, 1];
    }
  }
  return frames;
}
