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
  /** Most requests one list holds (anomalies, logs, spike's slowest requests: answer()'s row cap); default 10,000. */
  maxRows?: number;
  /** Keep at most this many hours of requests in memory (oldest leave first); unset keeps all. */
  retentionHours?: number;
  /** Keep at most this many requests in memory; unset keeps all. */
  retentionRows?: number;
  /** `local` reads `paths` on the Grafana server; `remote` forwards queries to an HTTP proxy (`inference-logs serve`). */
  mode?: 'local' | 'remote';
  /** The proxy's base URL in remote mode, e.g. `http://gpu-host-7:8686`. Its token is a secret (secureJsonData.proxyToken). */
  proxyUrl?: string;
}

/** Secrets of a data source (Grafana `secureJsonData`): write-only from the browser. */
export interface DataSourceSecrets {
  /** Bearer token of the remote proxy. */
  proxyToken?: string;
}

export const DEFAULT_MAX_ROWS = 10_000;
