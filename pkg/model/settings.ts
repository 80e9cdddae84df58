/**
 * The data source's settings (Grafana `jsonData`), shared by the config editor, provisioning and
 * the backend.
 */
export interface DataSourceSettings {
  /** Log files, directories (read recursively) or globs. */
  paths?: string[];
  /** Our field name to the log's, e.g. `{ "latency_ms": "duration" }`. */
  fieldMap?: Record<string, string>;
  /** Statuses that are not errors (case-insensitive); 2xx always counts as success. */
  successStatuses?: string[];
  /** Zone of timestamps written without one: `UTC` (default), `+02:00` or an IANA name. */
  timezone?: string;
  /** Most rows one frame may hold (anomalies, logs); default 10,000. */
  maxRows?: number;
}

export const DEFAULT_MAX_ROWS = 10_000;
