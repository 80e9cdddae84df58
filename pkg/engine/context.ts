import type { AnalysisQuery, TimeRange } from '../model/query';
import { NumberColumn } from '../store/columns';
import { Store } from '../store/store';
import type { AnswerLimits } from './answer';
import { AbsentFieldError, UnknownFieldError } from './errors';
import { isLlmField } from './llm';

/** What every analysis is given. */
export interface AnalysisContext {
  store: Store;
  query: AnalysisQuery;
  /** Epoch ms, both ends inclusive. */
  range: TimeRange;
  /** Grafana's suggested interval, used by `window: "auto"`. */
  intervalMs?: number;
  /** The bounds checked before the work (bounds.ts); none when absent. */
  limits?: AnswerLimits;
}

/** A numeric field's column, or a clear error naming the numeric fields there are. */
export function numericColumn(store: Store, field: string): NumberColumn {
  const column = store.numberColumn(field);
  if (!column && isLlmField(field) && !store.columns.has(field)) {
    throw new AbsentFieldError(`the logs have no ${field} (an LLM field: see the field map and presets)`);
  }
  if (!column) {
    const numeric = store
      .fields()
      .filter((f) => f.type === 'number')
      .map((f) => f.name);
    throw new UnknownFieldError(`"${field}" is not a numeric field; numeric fields: ${numeric.join(', ')}`);
  }
  return column;
}

/** The values of a numeric field by row: filled for `rows` at least (all rows when not given). */
export function numericValues(store: Store, field: string, rows?: ArrayLike<number>): Float64Array {
  const column = numericColumn(store, field);
  return rows ? column.valuesAt(rows) : column.values();
}
