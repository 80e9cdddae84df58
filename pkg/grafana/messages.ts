/**
 * The protocol messages we read and write, as @grpc/proto-loader hands them over (keepCase, int64
 * as numbers, enums as names, bytes as Buffers, defaults filled in).
 */

export interface DataSourceInstanceSettings {
  id: number;
  name: string;
  url: string;
  jsonData: Buffer;
  decryptedSecureJsonData: Record<string, string>;
  lastUpdatedMS: number;
  uid: string;
}

export interface PluginContext {
  orgId: number;
  pluginId: string;
  user?: { login: string; name: string; email: string; role: string } | null;
  dataSourceInstanceSettings?: DataSourceInstanceSettings | null;
  grafanaConfig: Record<string, string>;
  pluginVersion: string;
}

export interface TimeRangeMessage {
  fromEpochMS: number;
  toEpochMS: number;
}

export interface DataQuery {
  refId: string;
  maxDataPoints: number;
  intervalMS: number;
  timeRange?: TimeRangeMessage | null;
  json: Buffer;
  queryType: string;
}

export interface QueryDataRequest {
  pluginContext?: PluginContext | null;
  headers: Record<string, string>;
  queries: DataQuery[];
  format: 'ARROW' | 'JSON';
}

export interface DataResponse {
  frames: Uint8Array[];
  error: string;
  status: number;
  errorSource: string;
}

export interface QueryDataResponse {
  responses: Record<string, DataResponse>;
}

export interface CheckHealthRequest {
  pluginContext?: PluginContext | null;
  headers: Record<string, string>;
}

export interface CheckHealthResponse {
  status: 'UNKNOWN' | 'OK' | 'ERROR';
  message: string;
  jsonDetails: Buffer;
}

export interface CallResourceRequest {
  pluginContext?: PluginContext | null;
  path: string;
  method: string;
  url: string;
  headers: Record<string, { values: string[] }>;
  body: Buffer;
}

export interface CallResourceResponse {
  code: number;
  headers: Record<string, { values: string[] }>;
  body: Buffer;
}
