import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import { QUERY_SCHEMA_VERSION, type AnalysisQuery, type QueryType } from '../pkg/model/query';
import type { DataSourceSecrets, DataSourceSettings } from '../pkg/model/settings';

export type { AnalysisQuery, QueryType } from '../pkg/model/query';

export { QUERY_SCHEMA_VERSION };

/**
 * A Grafana query of this data source: the shared query model (pkg/model/query.ts) plus Grafana's
 * own fields (refId, hide, datasource, ...). Every analysis field is optional while editing.
 */
export interface AnalyticsQuery extends DataQuery, Omit<Partial<AnalysisQuery>, 'refId' | 'queryType'> {
  queryType?: QueryType;
  /** Saved-query schema version, for migrations. */
  schemaVersion?: number;
}

/** jsonData of the data source (shared with the backend). */
export interface AnalyticsOptions extends DataSourceJsonData, DataSourceSettings {}

/** secureJsonData of the data source. */
export type AnalyticsSecrets = DataSourceSecrets;

/** What a new query starts as. */
export const DEFAULT_QUERY: Partial<AnalyticsQuery> = {
  queryType: 'trend',
  metric: 'latency_ms',
  aggregation: 'p99',
  window: 'auto',
  groupBy: ['model'],
  schemaVersion: QUERY_SCHEMA_VERSION,
};
