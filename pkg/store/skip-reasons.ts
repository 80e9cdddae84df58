/**
 * The reasons a log line is not kept as a request, as the store counts them (Store.skipped) and every door
 * describes them. Here, with the store, so that the engine can describe skips without knowing how lines are read.
 */
/** Why a line was not kept as a request. */
export const SKIP_REASONS: Record<string, string> = {
  invalid_json: 'not valid JSON (a plain-text line, or cut short)',
  not_an_object: 'valid JSON, but not an object',
  missing_timestamp: 'no timestamp field',
  invalid_timestamp: 'a timestamp that is neither ISO-8601 nor an epoch number',
  missing_model: 'no model field, or an empty one',
  invalid_model: 'a model that is not a string or number',
  missing_latency: 'no latency field',
  no_spans: 'an OTLP line (preset otel-genai) whose resourceSpans hold no span',
  invalid_latency: 'a latency that is not a number',
  line_too_long: 'longer than 1 MiB',
  corrupt_gzip_file: 'a .gz file that is damaged (counted once per file; lines before the damage are kept)',
};
