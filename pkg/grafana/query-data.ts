import { performance } from 'perf_hooks';
import type { AnalysisQuery, TimeRange } from '../model/query';
import { DEFAULT_MAX_CELLS, DEFAULT_MAX_SERIES } from '../model/settings';
import { InvalidInputError, parseQuery } from '../model/validate';
import { answer, AnalysisSource, capRows } from '../engine/answer';
import type { RequestOptions } from '../worker/client';
import { frameToArrow } from '../format/arrow';
import { classify } from './errors';
import { typeFrames } from './frame-types';
import { alertFrames, alertQuery, checkAlertLabels, isFromAlert } from './alert';
import { Frame } from '../engine/frames';
import { InstanceManager, RemoteInstance } from './instances';
import { frameFromJSON, RemoteError, RemoteResult } from './remote';
import { logger } from './log';
import { DataQuery, DataResponse, QueryDataRequest, QueryDataResponse } from './messages';
import { BackendMetrics } from './metrics';

/** The fields of our DataResponses besides frames and errors: no JSON meta, frames in Arrow. */
const ARROW = { jsonMeta: Buffer.alloc(0), format: 'ARROW' } as const;

/** An encoded frame as a bytes field (a Buffer over the same memory). */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function failed(error: unknown, refId: string, queryType: string): DataResponse {
  const failure = classify(error);
  if (failure.source === 'plugin') {
    logger.error('query failed', { refId, queryType, error: failure.message });
  }
  return { ...ARROW, frames: [], error: failure.message, status: failure.status, errorSource: failure.source };
}

/** Lets other calls make progress between queries (local logs' queries run in their data worker's thread). */
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

/** A query's range and interval as Grafana sends them. */
function rangeOf(dataQuery: DataQuery): { range: TimeRange; intervalMs?: number } {
  const range = dataQuery.timeRange ? { from: dataQuery.timeRange.fromEpochMS, to: dataQuery.timeRange.toEpochMS } : {};
  return { range, intervalMs: dataQuery.intervalMS || undefined };
}

/** Typed frames as Grafana gets them; for alerting, checked to give one number per set of labels. */
function respond(query: AnalysisQuery, frames: Frame[], refId: string, fromAlert: boolean): DataResponse {
  const typed = typeFrames(query, frames);
  if (fromAlert) {
    checkAlertLabels(query, typed);
  }
  return {
    ...ARROW,
    frames: typed.map((f) => asBuffer(frameToArrow(f, refId))),
    error: '',
    status: 200,
    errorSource: '',
  };
}

/** One query of a request: answered (over whole buckets only, for alerting), typed, encoded as Arrow. */
async function answerQuery(
  instance: { maxRows: number },
  source: AnalysisSource,
  dataQuery: DataQuery,
  asked: AnalysisQuery,
  fromAlert: boolean
): Promise<DataResponse> {
  const { range: askedRange, intervalMs } = rangeOf(dataQuery);
  const narrowed = fromAlert ? alertQuery(asked, askedRange, intervalMs) : { query: asked, range: askedRange };
  if (!narrowed) {
    return respond(asked, [], dataQuery.refId, fromAlert);
  }
  const { query, range } = narrowed;
  // The proxy's default bounds on a trend's series and cells (and maxRows on groups), checked before the work.
  const limits = { maxRows: instance.maxRows, maxSeries: DEFAULT_MAX_SERIES, maxCells: DEFAULT_MAX_CELLS };
  const frames = await answer(source, query, range, limits, intervalMs);
  // For alerting, seasonal anomalies become one score per series (alert.ts), typed as the asked query's.
  return fromAlert
    ? respond(asked, alertFrames(asked, frames), dataQuery.refId, fromAlert)
    : respond(query, frames, dataQuery.refId, fromAlert);
}

/**
 * QueryData: reads what is new in the logs once (or, in ClickHouse mode, has ClickHouse compute each answer),
 * then answers each query on its own — a bad query fails alone, with a message, and the others still answer.
 * Over local logs each query runs in the data source's worker thread, stopped when `options` say (the call's
 * deadline passed, Grafana cancelled it).
 */
export async function queryData(
  request: QueryDataRequest,
  instances: InstanceManager,
  metrics: BackendMetrics,
  options: RequestOptions = {}
): Promise<QueryDataResponse> {
  const responses: Record<string, DataResponse> = {};
  let instance: { maxRows: number };
  let source: AnalysisSource;
  let rows = (): number | undefined => undefined;
  // Each query read from its JSON; over local logs while their worker reads what is new (the first read is long).
  let asked: Array<{ query: AnalysisQuery } | { error: unknown }> = [];
  const readQueries = (): void => {
    asked = request.queries.map((dataQuery) => {
      try {
        return { query: readQuery(dataQuery) };
      } catch (error) {
        return { error };
      }
    });
  };
  try {
    const any = instances.get(request.pluginContext);
    if (any.kind === 'remote') {
      return { responses: await remoteQueryData(request, any, metrics) };
    }
    instance = any;
    if (any.kind === 'clickhouse') {
      source = any.source;
      readQueries();
    } else {
      const endRead = metrics.refreshDuration.startTimer();
      const read = any.worker.request({ op: 'read' }, options);
      readQueries();
      await read;
      endRead();
      source = any.analysisSource(options);
      rows = () => any.status?.description.requests;
    }
  } catch (error) {
    for (const q of request.queries) {
      responses[q.refId] = failed(error, q.refId, q.queryType);
    }
    return { responses };
  }
  const fromAlert = isFromAlert(request.headers);
  for (const [i, dataQuery] of request.queries.entries()) {
    await yieldToEventLoop();
    const started = performance.now();
    let queryType = 'invalid';
    try {
      const read = asked[i];
      if ('error' in read) {
        throw read.error;
      }
      const query = read.query;
      queryType = query.queryType;
      responses[dataQuery.refId] = await answerQuery(instance, source, dataQuery, query, fromAlert);
      metrics.queries.inc({ query_type: queryType, outcome: 'ok' });
    } catch (error) {
      responses[dataQuery.refId] = failed(error, dataQuery.refId, queryType);
      metrics.queries.inc({ query_type: queryType, outcome: 'error' });
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.queryDuration.observe({ query_type: queryType }, seconds);
    logger.debug('query', { refId: dataQuery.refId, queryType, fromAlert, seconds, rows: rows() });
  }
  return { responses };
}

/**
 * Remote mode: the queries go to the proxy, one call per distinct time range and interval (Grafana
 * usually sends one), and its DataFrameJSON frames come back typed and encoded like local ones.
 */
async function remoteQueryData(
  request: QueryDataRequest,
  instance: RemoteInstance,
  metrics: BackendMetrics
): Promise<Record<string, DataResponse>> {
  const responses: Record<string, DataResponse> = {};
  const batches = new Map<string, { range: TimeRange; intervalMs?: number; queries: AnalysisQuery[] }>();
  const fromAlert = isFromAlert(request.headers);
  // The queries as asked, by refId: an alert may send a narrowed or reshaped one (alertQuery).
  const askedById = new Map<string, AnalysisQuery>();
  for (const dataQuery of request.queries) {
    try {
      // The same row cap as for local logs (answer()), before the query leaves for the proxy.
      const asked = capRows(readQuery(dataQuery), instance.maxRows);
      const { range: askedRange, intervalMs } = rangeOf(dataQuery);
      const narrowed = fromAlert ? alertQuery(asked, askedRange, intervalMs) : { query: asked, range: askedRange };
      if (!narrowed) {
        responses[dataQuery.refId] = respond(asked, [], dataQuery.refId, fromAlert);
        continue;
      }
      const { query, range } = narrowed;
      askedById.set(dataQuery.refId, asked);
      const key = `${range.from}:${range.to}:${intervalMs}`;
      const batch = batches.get(key) ?? { range, intervalMs, queries: [] };
      batch.queries.push(query);
      batches.set(key, batch);
    } catch (error) {
      responses[dataQuery.refId] = failed(error, dataQuery.refId, 'invalid');
      metrics.queries.inc({ query_type: 'invalid', outcome: 'error' });
    }
  }
  await Promise.all(
    [...batches.values()].map(async (batch) => {
      let results: Record<string, RemoteResult>;
      try {
        results = await instance.remote.query(batch.queries, batch.range, batch.intervalMs);
      } catch (error) {
        const status = error instanceof RemoteError ? error.status : 502;
        for (const query of batch.queries) {
          responses[query.refId!] = {
            ...ARROW,
            frames: [],
            error: (error as Error).message,
            status,
            errorSource: 'downstream',
          };
          metrics.queries.inc({ query_type: query.queryType, outcome: 'error' });
        }
        return;
      }
      for (const query of batch.queries) {
        const refId = query.refId!;
        const result = results[refId];
        if (!result || 'error' in result) {
          responses[refId] = {
            ...ARROW,
            frames: [],
            error: result ? result.error : 'the proxy did not answer this query',
            status: result ? result.status : 502,
            errorSource: 'downstream',
          };
          metrics.queries.inc({ query_type: query.queryType, outcome: 'error' });
          continue;
        }
        try {
          const frames = result.frames.map(frameFromJSON);
          const asked = askedById.get(refId) ?? query;
          responses[refId] = fromAlert
            ? respond(asked, alertFrames(asked, frames), refId, fromAlert)
            : respond(query, frames, refId, fromAlert);
          metrics.queries.inc({ query_type: query.queryType, outcome: 'ok' });
        } catch (error) {
          responses[refId] = failed(error, refId, query.queryType);
        }
      }
    })
  );
  return responses;
}
