import { performance } from 'perf_hooks';
import type { AnalysisQuery } from '../model/query';
import { InvalidInputError, parseQuery } from '../model/validate';
import { inputNotices } from '../engine/frames';
import { analyse } from '../engine/run';
import { Store } from '../store/store';
import { frameToArrow } from './arrow';
import { classify } from './errors';
import { typeFrames } from './frame-types';
import { DataSourceInstance, InstanceManager } from './instances';
import { logger } from './log';
import { DataQuery, DataResponse, QueryDataRequest, QueryDataResponse } from './messages';
import { BackendMetrics } from './metrics';

/** Query types whose answer is a list of requests, capped at the data source's maxRows. */
const ROW_LISTS = new Set(['anomalies', 'logs']);

function failed(error: unknown, refId: string, queryType: string): DataResponse {
  const failure = classify(error);
  if (failure.source === 'plugin') {
    logger.error('query failed', { refId, queryType, error: failure.message });
  }
  return { frames: [], error: failure.message, status: failure.status, errorSource: failure.source };
}

/** Lets other calls make progress between queries: the engine itself runs to completion. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The query model inside a Grafana query. */
function readQuery(dataQuery: DataQuery): AnalysisQuery {
  let json: unknown = {};
  if (dataQuery.json?.length) {
    try {
      json = JSON.parse(dataQuery.json.toString('utf8'));
    } catch {
      throw new InvalidInputError('the query is not valid JSON');
    }
  }
  return { ...parseQuery(json, dataQuery.queryType), refId: dataQuery.refId };
}

/** One query of a request: run, type the frames for alerting, encode as Arrow. */
function answer(instance: DataSourceInstance, store: Store, dataQuery: DataQuery, query: AnalysisQuery): DataResponse {
  if (ROW_LISTS.has(query.queryType)) {
    query.limit = Math.min(query.limit ?? instance.maxRows, instance.maxRows);
  }
  const range = dataQuery.timeRange ? { from: dataQuery.timeRange.fromEpochMS, to: dataQuery.timeRange.toEpochMS } : {};
  const frames = typeFrames(query, analyse(store, query, { range, intervalMs: dataQuery.intervalMS || undefined }));
  const notices = inputNotices(store);
  if (notices.length && frames.length) {
    const meta = (frames[0].meta ??= {});
    meta.notices = [...(meta.notices ?? []), ...notices];
  }
  return { frames: frames.map((f) => frameToArrow(f, dataQuery.refId)), error: '', status: 200, errorSource: '' };
}

/**
 * QueryData: reads what is new in the logs once, then answers each query on its own — a bad query
 * fails alone, with a message, and the others still answer.
 */
export async function queryData(
  request: QueryDataRequest,
  instances: InstanceManager,
  metrics: BackendMetrics
): Promise<QueryDataResponse> {
  const responses: Record<string, DataResponse> = {};
  let instance: DataSourceInstance;
  let store: Store;
  try {
    instance = instances.get(request.pluginContext);
    const endRead = metrics.refreshDuration.startTimer();
    store = await instance.refresh();
    endRead();
  } catch (error) {
    for (const q of request.queries) {
      responses[q.refId] = failed(error, q.refId, q.queryType);
    }
    return { responses };
  }
  const fromAlert = request.headers?.FromAlert === 'true';
  for (const dataQuery of request.queries) {
    await yieldToEventLoop();
    const started = performance.now();
    let queryType = 'invalid';
    try {
      const query = readQuery(dataQuery);
      queryType = query.queryType;
      responses[dataQuery.refId] = answer(instance, store, dataQuery, query);
      metrics.queries.inc({ query_type: queryType, outcome: 'ok' });
    } catch (error) {
      responses[dataQuery.refId] = failed(error, dataQuery.refId, queryType);
      metrics.queries.inc({ query_type: queryType, outcome: 'error' });
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.queryDuration.observe({ query_type: queryType }, seconds);
    logger.debug('query', { refId: dataQuery.refId, queryType, fromAlert, seconds, rows: store.length });
  }
  return { responses };
}
