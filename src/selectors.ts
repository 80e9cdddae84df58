/**
 * `data-testid` values of the editors, shared by the unit tests (src/components/**\/*.test.tsx) and the
 * plugin-e2e specs (tests/). Grafana's convention: a `data-testid ` prefix, then a readable name.
 * Rows that repeat (log paths, field mappings, filters) take their index.
 */
export const Components = {
  QueryEditor: {
    container: 'data-testid inferencelog query editor',
    queryType: 'data-testid inferencelog query type',
    metric: 'data-testid inferencelog metric',
    aggregation: 'data-testid inferencelog aggregation',
    window: 'data-testid inferencelog window',
    method: 'data-testid inferencelog anomaly method',
    threshold: 'data-testid inferencelog threshold',
    metrics: 'data-testid inferencelog correlation metrics',
    correlation: 'data-testid inferencelog correlation method',
    groupBy: 'data-testid inferencelog group by',
    measures: 'data-testid inferencelog measures',
    baseline: 'data-testid inferencelog baseline',
    limit: 'data-testid inferencelog limit',
    seasonality: 'data-testid inferencelog seasonality',
    seasonalPeriods: 'data-testid inferencelog seasonal periods',
    horizon: 'data-testid inferencelog horizon',
    modelFilter: 'data-testid inferencelog model filter',
    filters: {
      container: 'data-testid inferencelog filters',
      add: 'data-testid inferencelog add filter',
      field: (index: number) => `data-testid inferencelog filter field ${index}`,
      values: (index: number) => `data-testid inferencelog filter values ${index}`,
      remove: (index: number) => `data-testid inferencelog remove filter ${index}`,
    },
  },
  ConfigEditor: {
    mode: 'data-testid inferencelog mode',
    paths: {
      container: 'data-testid inferencelog log paths',
      input: (index: number) => `data-testid inferencelog log path ${index}`,
      remove: (index: number) => `data-testid inferencelog remove log path ${index}`,
      add: 'data-testid inferencelog add log path',
    },
    fieldMap: {
      container: 'data-testid inferencelog field map',
      ours: (index: number) => `data-testid inferencelog field map ours ${index}`,
      theirs: (index: number) => `data-testid inferencelog field map theirs ${index}`,
      remove: (index: number) => `data-testid inferencelog remove field map ${index}`,
      add: 'data-testid inferencelog add field map',
    },
    preset: 'data-testid inferencelog preset',
    successStatuses: 'data-testid inferencelog success statuses',
    timezone: 'data-testid inferencelog timezone',
    maxRows: 'data-testid inferencelog max rows',
    retentionHours: 'data-testid inferencelog retention hours',
    retentionRows: 'data-testid inferencelog retention rows',
    proxyUrl: 'data-testid inferencelog proxy url',
    proxyToken: 'data-testid inferencelog proxy token',
    clickhouseUrl: 'data-testid inferencelog clickhouse url',
    clickhouseDatabase: 'data-testid inferencelog clickhouse database',
    clickhouseTable: 'data-testid inferencelog clickhouse table',
    clickhouseUser: 'data-testid inferencelog clickhouse user',
    clickhousePassword: 'data-testid inferencelog clickhouse password',
  },
} as const;
