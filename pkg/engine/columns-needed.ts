/**
 * The columns a query reads, for loads that keep only those (store/projection.ts): a one-shot CLI question. Kept
 * beside the analyses, whose reads it mirrors; a read it forgets throws ColumnNotLoadedError instead of answering
 * on empty data (columns-needed.test.ts runs every query type on such a load).
 */
import { type AnalysisQuery, STANDARD_METRICS } from '../model/query';
import { derivedField } from '../store/derived';
import type { Projection } from '../store/projection';
import { REQUEST_ID } from '../store/store';
import { LLM_MEASURES } from './llm';

/** What requestStats reads (summary, compare, spike): the model, the four standard numbers and the error flags. */
const REQUEST_STATS = ['model', ...STANDARD_METRICS];

/** The columns `query` reads; null when it reads every column (logs shows them all). */
export function columnsNeeded(query: AnalysisQuery): Projection | null {
  const metric = query.metric ?? 'latency_ms';
  const columns: string[] = [];
  let errors = false;
  switch (query.queryType) {
    case 'summary':
    case 'compare':
      // Their LLM measures appear when the logs have those fields: asked for whether or not they are there.
      columns.push(...REQUEST_STATS, ...LLM_MEASURES.map((m) => m.field));
      errors = true;
      break;
    case 'spike':
      // Its slowest requests show every standard field.
      columns.push(...REQUEST_STATS, 'status', REQUEST_ID);
      errors = true;
      break;
    case 'trend':
    case 'forecast':
      // Seasonal and forecast answers are trends too. The error flags only for the error rate.
      columns.push(metric);
      errors = query.aggregation === 'error_rate';
      break;
    case 'anomalies':
      // Per request: the rows shown with their request id and model; seasonal: buckets of a trend.
      columns.push(metric, ...(query.seasonality ? [] : ['model', REQUEST_ID]));
      errors = query.seasonality !== undefined && query.aggregation === 'error_rate';
      break;
    case 'correlation': {
      const metrics = query.metrics && query.metrics.length > 0 ? query.metrics : STANDARD_METRICS;
      // Standard metrics only: the matrix comes from per-block moments of all four.
      const standard = metrics.every((m) => (STANDARD_METRICS as readonly string[]).includes(m));
      columns.push(...(standard ? STANDARD_METRICS : metrics));
      break;
    }
    default:
      return null;
  }
  columns.push(...(query.groupBy ?? []), ...Object.keys(query.filters ?? {}));
  // A derived field is read from the logs when they have it, else computed from its inputs.
  for (const name of [...columns]) {
    columns.push(...(derivedField(name)?.inputs ?? []));
  }
  return { columns: [...new Set(columns)], errors };
}

/** `projection` with more columns (null stays null: every column). */
export function withColumns(projection: Projection | null, names: string[]): Projection | null {
  return projection && { ...projection, columns: [...new Set([...projection.columns, ...names])] };
}
