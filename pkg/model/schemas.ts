import { AGGREGATIONS, ANOMALY_METHODS, CORRELATION_METHODS, QUERY_TYPES, SEASONALITIES } from './query';
import { PRESET_NAMES } from '../sources/presets';

// The JSON Schemas the inputs are checked against. Their validation code is generated ahead of time
// (scripts/validators.mjs writes validators.generated.js): run it after changing a schema.

const stringList = { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 100 };

/** JSON Schema of the query model. Extra keys (Grafana adds datasource, intervalMs, hide, ...) are allowed. */
export const QUERY_SCHEMA = {
  type: 'object',
  properties: {
    refId: { type: 'string' },
    queryType: { enum: [...QUERY_TYPES] },
    metric: { type: 'string', minLength: 1 },
    aggregation: { enum: [...AGGREGATIONS] },
    window: { type: 'string' },
    method: { enum: [...ANOMALY_METHODS] },
    threshold: { type: 'number', minimum: 0 },
    metrics: { ...stringList, maxItems: 32 },
    correlation: { enum: [...CORRELATION_METHODS] },
    groupBy: { ...stringList, maxItems: 8 },
    filters: {
      type: 'object',
      additionalProperties: { type: 'array', items: { type: ['string', 'number'] }, maxItems: 1000 },
    },
    limit: { type: 'integer', minimum: 0 },
    measures: { ...stringList, minItems: 1, maxItems: 32, uniqueItems: true },
    baseline: { type: 'string', minLength: 1 },
    seasonality: { enum: [...SEASONALITIES] },
    // Its range (1 to MAX_SEASONAL_PERIODS) is checked where it applies, with seasonality (engine/seasonal.ts).
    seasonalPeriods: { type: 'integer' },
    horizon: { type: 'string', minLength: 1 },
  },
} as const;

/** JSON Schema of the data source settings (jsonData). */
export const SETTINGS_SCHEMA = {
  type: 'object',
  properties: {
    paths: stringList,
    fieldMap: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    preset: { enum: PRESET_NAMES },
    successStatuses: stringList,
    timezone: { type: 'string' },
    maxRows: { type: 'integer', minimum: 1 },
    retentionHours: { type: 'number', exclusiveMinimum: 0 },
    retentionRows: { type: 'integer', minimum: 1 },
    cache: { type: 'boolean' },
    cacheDir: { type: 'string' },
    mode: { enum: ['local', 'remote', 'clickhouse'] },
    proxyUrl: { type: 'string' },
    clickhouseUrl: { type: 'string' },
    clickhouseDatabase: { type: 'string', minLength: 1 },
    clickhouseTable: { type: 'string', minLength: 1 },
    clickhouseUser: { type: 'string' },
  },
} as const;
