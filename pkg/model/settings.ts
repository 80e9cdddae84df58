/**
 * The data source's settings (Grafana `jsonData`), shared by the config editor, provisioning and
 * the backend.
 */
export interface DataSourceSettings {
  /** Log files, directories (read recursively) or globs. */
  paths?: string[];
  /** Our field name to the log's, e.g. `{ "latency_ms": "duration" }`. */
  fieldMap?: Record<string, string>;
  /** A named field map for a known format (`otel-genai`, `litellm`, ...: pkg/sources/presets.ts); fieldMap overrides it. */
  preset?: string;
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
  /** The restart cache (what was read, kept on disk for a restart): on unless false. */
  cache?: boolean;
  /** Folder of the restart cache; default $GF_PATHS_DATA/plugins-cache/<plugin id> or the user's cache folder. */
  cacheDir?: string;
  /**
   * `local` reads `paths` on the Grafana server; `remote` forwards queries to an HTTP proxy (`inference-logs serve`);
   * `clickhouse` computes every answer inside ClickHouse, from the logs `inference-logs ship` put there.
   */
  mode?: 'local' | 'remote' | 'clickhouse';
  /** The proxy's base URL in remote mode, e.g. `http://gpu-host-7:8686`. Its token is a secret (secureJsonData.proxyToken). */
  proxyUrl?: string;
  /** ClickHouse mode: the HTTP interface, e.g. `http://127.0.0.1:8123`. Its password is a secret (secureJsonData.clickhousePassword). */
  clickhouseUrl?: string;
  /** ClickHouse mode: the database (default `default`). */
  clickhouseDatabase?: string;
  /** ClickHouse mode: the log table (default `inference_logs`; its skips are in `<table>_skips`). */
  clickhouseTable?: string;
  /** ClickHouse mode: the user (default `default`). */
  clickhouseUser?: string;
}

/** Secrets of a data source (Grafana `secureJsonData`): write-only from the browser. */
export interface DataSourceSecrets {
  /** Bearer token of the remote proxy. */
  proxyToken?: string;
  /** ClickHouse mode: the user's password. */
  clickhousePassword?: string;
}

export const DEFAULT_MAX_ROWS = 10_000;

/** Most series one trend may have (a series per group), checked before any is built; the proxy's maxFrames. */
export const DEFAULT_MAX_SERIES = 1000;

/** Most (group, bucket) cells one trend may compute, checked before any is built: series × buckets. */
export const DEFAULT_MAX_CELLS = 1_000_000;
