/**
 * Fields a store computes from others when its logs have those: the LLM serving measures that servers rarely write
 * themselves but that follow from what they do write (the end-to-end latency, the time to first token and the
 * count of output tokens). Each is what pandas gives for the same formula over the same columns: missing (NaN)
 * where an input is missing or the formula has no meaning.
 */
export interface DerivedField {
  name: string;
  /** The fields it is computed from, all numeric. */
  inputs: readonly string[];
  /** Grafana unit of its values. */
  unit: string;
  /** Its value from the inputs' values of one row (NaN for a missing input). */
  value(inputs: Float64Array): number;
}

export const DERIVED_FIELDS: readonly DerivedField[] = [
  {
    // Time per output token after the first, as vLLM's serving benchmark defines TPOT: (e2e - ttft) / (tokens - 1).
    name: 'tpot_ms',
    inputs: ['latency_ms', 'ttft_ms', 'output_tokens'],
    unit: 'ms',
    value: ([latency, ttft, tokens]) => (tokens > 1 && latency >= ttft ? (latency - ttft) / (tokens - 1) : NaN),
  },
  {
    // Output tokens over the request's end-to-end time.
    name: 'output_tokens_per_s',
    inputs: ['latency_ms', 'output_tokens'],
    unit: 'short',
    value: ([latency, tokens]) => (latency > 0 && tokens >= 0 ? tokens / (latency / 1000) : NaN),
  },
];

const BY_NAME = new Map(DERIVED_FIELDS.map((field) => [field.name, field]));

/** The derived field of that name, if there is one. */
export function derivedField(name: string): DerivedField | undefined {
  return BY_NAME.get(name);
}
