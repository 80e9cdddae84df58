import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import type { AnalysisQuery } from '../pkg/model/query';

/** The shared query model (pkg/model/query.ts) as a Grafana query. The editors arrive with the frontend issue. */
export type AnalyticsQuery = DataQuery & Partial<AnalysisQuery>;

export interface MyQuery extends DataQuery {
  queryText?: string;
  constant: number;
}

export const DEFAULT_QUERY: Partial<MyQuery> = {
  constant: 6.5,
};

export interface DataPoint {
  Time: number;
  Value: number;
}

export interface DataSourceResponse {
  datapoints: DataPoint[];
}

/**
 * These are options configured for each DataSource instance
 */
export interface MyDataSourceOptions extends DataSourceJsonData {
  path?: string;
}

/**
 * Value that is used in the backend, but never sent over HTTP to the frontend
 */
export interface MySecureJsonData {
  apiKey?: string;
}
