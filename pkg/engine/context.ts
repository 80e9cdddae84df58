import type { AnalysisQuery, TimeRange } from '../model/query';
import { Store } from '../store/store';
import { QueryError } from './errors';

/** What every analysis is given. */
export interface AnalysisContext {
  store: Store;
  query: AnalysisQuery;
  /** Epoch ms, both ends inclusive. */
  range: TimeRange;
  /** Grafana's suggested interval, used by `window: "auto"`. */
  intervalMs?: number;
}

/** The values of a numeric field, or a clear error naming the numeric fields there are. */
export function numericValues(store: Store, field: string): Float64Array {
  const column = store.numberColumn(field);
  if (!column) {
    const numeric = store
      .fields()
      .filter((f) => f.type === 'number')
      .map((f) => f.name);
    throw new QueryError(`"${field}" is not a numeric field; numeric fields: ${numeric.join(', ')}`);
  }
  return column.values();
}
