/**
 * Sample answers of the backend resources (`models`, `fields`, `values?field=`, `stats`, shapes as in
 * pkg/grafana/resources.ts) and the queries and settings each screenshot shows.
 */

export const MODELS = ['bert-large', 'gpt-j-6b', 'llama-3-8b', 'mistral-7b'];

export const FIELDS: Array<{ name: string; type: 'number' | 'string' }> = [
  { name: 'timestamp', type: 'number' },
  { name: 'request_id', type: 'string' },
  { name: 'model', type: 'string' },
  { name: 'latency_ms', type: 'number' },
  { name: 'batch_size', type: 'number' },
  { name: 'status', type: 'string' },
  { name: 'gpu_util', type: 'number' },
  { name: 'memory_used_gb', type: 'number' },
  { name: 'region', type: 'string' },
  { name: 'gpu_type', type: 'string' },
  { name: 'host', type: 'string' },
];

export const VALUES: Record<string, string[]> = {
  model: MODELS,
  status: ['error', 'success', 'timeout'],
  region: ['eu-west-1', 'us-east-1', 'us-west-2'],
  gpu_type: ['A100', 'H100', 'L4'],
  host: ['gpu-host-1', 'gpu-host-2', 'gpu-host-3', 'gpu-host-7'],
};

export const STATS = {
  files: 3,
  bytes: 45_100_000,
  requests: 200_000,
  from: '2026-11-20T00:00:00.000Z',
  to: '2026-11-25T03:11:00.000Z',
  models: MODELS,
  skipped: { invalid_json: 77, missing_latency: 61, invalid_timestamp: 52 },
  span: '2026-11-20 00:00 to 2026-11-25 03:11 UTC',
};

/** The answer of GET resources/<path>; undefined for a resource the backend does not have. */
export function resource(path: string, params?: Record<string, unknown>): unknown {
  switch (path.replace(/^\/+|\/+$/g, '')) {
    case 'models':
      return MODELS;
    case 'fields':
      return FIELDS;
    case 'values':
      return VALUES[String(params?.field ?? '')] ?? [];
    case 'stats':
      return STATS;
    default:
      return undefined;
  }
}

/** What each query-editor screenshot shows. */
export const QUERIES: Record<string, Record<string, unknown>> = {
  trend: {
    refId: 'A',
    queryType: 'trend',
    metric: 'latency_ms',
    aggregation: 'p99',
    window: '5m',
    groupBy: ['model'],
    filters: { region: ['us-east-1'] },
    schemaVersion: 1,
  },
  anomalies: {
    refId: 'A',
    queryType: 'anomalies',
    metric: 'latency_ms',
    method: 'mad',
    threshold: 3.5,
    groupBy: ['model'],
    limit: 100,
    schemaVersion: 1,
  },
};

/** The data source settings the config-editor screenshot shows (jsonData as in pkg/model/settings.ts). */
export const JSON_DATA = {
  mode: 'local',
  paths: ['/var/log/inference/*.jsonl', '/mnt/shared/llm-gateway/'],
  fieldMap: { latency_ms: 'duration_ms', model: 'model_name' },
  successStatuses: ['success', 'ok'],
  timezone: 'UTC',
  maxRows: 10000,
  retentionHours: 168,
};

/** Template variables offered by the stub template service. */
export const VARIABLES = [
  { name: 'model', label: 'Model', type: 'query', current: { text: 'llama-3-8b', value: 'llama-3-8b' } },
  { name: 'region', label: 'Region', type: 'custom', current: { text: 'us-east-1', value: 'us-east-1' } },
];
