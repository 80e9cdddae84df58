/**
 * LLM serving measures for summary and compare: where the logs have token counts and the time to first token,
 * each group gets their averages and percentiles — time to first token, time per output token (derived, see
 * store/derived.ts), output tokens per second, and the average input and output token counts.
 */
import { Store } from '../store/store';
import { FrameField } from './frames';
import { checkpoint } from './interrupt';
import { quantilesInPlace } from './quantiles';
import { gatherNumeric, mean } from './reductions';

type Statistic = 'avg' | 'p50' | 'p95' | 'p99';

interface LlmMeasure {
  field: string;
  statistics: readonly Statistic[];
  unit: string;
}

const TIMES: readonly Statistic[] = ['avg', 'p50', 'p95', 'p99'];

export const LLM_MEASURES: readonly LlmMeasure[] = [
  { field: 'ttft_ms', statistics: TIMES, unit: 'ms' },
  { field: 'tpot_ms', statistics: TIMES, unit: 'ms' },
  { field: 'output_tokens_per_s', statistics: TIMES, unit: 'short' },
  { field: 'input_tokens', statistics: ['avg'], unit: 'short' },
  { field: 'output_tokens', statistics: ['avg'], unit: 'short' },
];

const QUANTILE: Record<Exclude<Statistic, 'avg'>, number> = { p50: 0.5, p95: 0.95, p99: 0.99 };

/** The value column names of a measure, as summary and compare name them: `avg_ttft_ms`, `p99_tpot_ms`, ... */
export function llmColumnNames(measure: LlmMeasure): string[] {
  return measure.statistics.map((statistic) => `${statistic}_${measure.field}`);
}

/** Every LLM value column name (for editors and documentation). */
export const LLM_COLUMNS: readonly string[] = LLM_MEASURES.flatMap(llmColumnNames);

/** Is `name` an LLM field (given or derived), which logs may well not have? */
export function isLlmField(name: string): boolean {
  return LLM_MEASURES.some((m) => m.field === name);
}

/**
 * The LLM value columns of groups (rows of each group, in the frame's row order): the columns of each measure the
 * store has as a numeric field (a derived one when its inputs are there), none otherwise. Missing values are
 * skipped; a group without any value of a measure gets NaN.
 */
export function llmFields(store: Store, groups: Uint32Array[]): FrameField[] {
  const fields: FrameField[] = [];
  for (const measure of LLM_MEASURES) {
    const column = store.numberColumn(measure.field);
    if (!column) {
      continue;
    }
    const raw = column.raw();
    // Percentiles only for the measures that report them (token counts report their average alone).
    const qs = measure.statistics.filter((st) => st !== 'avg').map((st) => QUANTILE[st as Exclude<Statistic, 'avg'>]);
    const perGroup = groups.map((rows) => {
      checkpoint();
      const values = gatherNumeric(raw, rows);
      const stats: Partial<Record<Statistic, number>> = { avg: mean(values) };
      const quantiles = qs.length > 0 ? quantilesInPlace(values, qs) : [];
      measure.statistics.filter((st) => st !== 'avg').forEach((st, k) => (stats[st] = quantiles[k]));
      return stats;
    });
    for (const statistic of measure.statistics) {
      fields.push({
        name: `${statistic}_${measure.field}`,
        type: 'number',
        values: perGroup.map((s) => s[statistic]!),
        unit: measure.unit,
      });
    }
  }
  return fields;
}

/** Does the store have any LLM measure (so that summary and compare add columns)? */
export function hasLlmMeasures(store: Store): boolean {
  return LLM_MEASURES.some((m) => store.numberColumn(m.field) !== undefined);
}
