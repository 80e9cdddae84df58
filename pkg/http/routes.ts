import { Writable } from 'stream';
import type { ServerResponse } from 'http';
import type { DataFrameJSON } from '@grafana/data';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answer, AnalysisSource } from '../engine/answer';
import { QueryError } from '../engine/errors';
import { Frame } from '../engine/frames';
import { toDataFrameJSON } from '../format/dataframe-json';
import type { AnalysisQuery, TimeRange } from '../model/query';
import { DEFAULT_MAX_CELLS } from '../model/settings';
import { parseRangeEnd } from '../model/request';
import { parseQuery, QUERY_SCHEMA } from '../model/validate';
import { REPORT_HEADERS } from '../report/report';
import { csvOptionsOf } from '../format/csv';
import { RequestContext, ServedData } from './data';
import { HttpError, toFailure } from './errors';
import { fileTime, filtersOf, one, parseLimit, QueryString, rangeOf, reportOptionsOf } from './params';

export type { LogSource } from './data';

/** The bounds every request is held to. */
export interface Limits {
  /** Most rows in one frame: lists of requests are cut to it (answer's row cap), other answers fail above it. */
  maxRows: number;
  /** Most queries in one POST /api/query. */
  maxQueries: number;
  /** Most frames one query may answer with (a trend series per group): a trend is refused before it builds more. */
  maxFrames: number;
  /** Most (group, bucket) cells one trend may compute (series × buckets), refused before. Default 1,000,000. */
  maxCells?: number;
  /** Most milliseconds spent on one request. */
  timeoutMs: number;
  /** Largest request body in bytes. */
  bodyLimit: number;
}

export const ROUTES = [
  'POST /api/query',
  'GET /api/health',
  'GET /api/fields',
  'GET /api/models',
  'GET /api/values?field=NAME',
  'GET /api/report.html',
  'GET /api/export.csv',
];

type TimeValue = number | string;

/** Body of POST /api/query. */
interface QueryRequestBody {
  queries: Array<Record<string, unknown>>;
  range?: { from?: TimeValue; to?: TimeValue };
  from?: TimeValue;
  to?: TimeValue;
  intervalMs?: number;
}

/** One query's answer: its frames, or why it has none. */
type QueryResult = { frames: DataFrameJSON[] } | { error: string; status: number };

/**
 * The envelope of POST /api/query. Each query is checked against QUERY_SCHEMA on its own (parseQuery),
 * so that a bad query fails alone; only its refId, which keys the answer, is checked here.
 */
export function queryRequestSchema(maxQueries: number) {
  const time = { type: ['number', 'string'] };
  return {
    type: 'object',
    required: ['queries'],
    properties: {
      queries: {
        type: 'array',
        maxItems: maxQueries,
        // Only an object's refId is checked here; anything else fails as its own query. Every JSON type is named
        // so that ajv's strict mode has no "missing type" to warn about on every start.
        items: {
          type: ['object', 'array', 'string', 'number', 'boolean', 'null'],
          properties: { refId: QUERY_SCHEMA.properties.refId },
        },
      },
      range: { type: 'object', properties: { from: time, to: time } },
      from: time,
      to: time,
      intervalMs: { type: 'number', minimum: 0 },
    },
  } as const;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Grafana's refIds: A, B, ... Z, then Q26, Q27, ... */
function defaultRefId(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : `Q${index}`;
}

/** Each query's refId: its own, or the first default one no other query uses. */
function assignRefIds(queries: Array<Record<string, unknown>>): string[] {
  // null (or any non-object) has no refId: it gets a default one and fails alone as "not a JSON object".
  const given = queries.map((q) =>
    isObject(q) && typeof q.refId === 'string' && q.refId !== '' ? q.refId : undefined
  );
  const used = new Set(given.filter((refId): refId is string => refId !== undefined));
  let next = 0;
  return given.map((refId) => {
    if (refId !== undefined) {
      return refId;
    }
    let candidate = defaultRefId(next++);
    while (used.has(candidate)) {
      candidate = defaultRefId(next++);
    }
    used.add(candidate);
    return candidate;
  });
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Rows of a frame: the length of its first field's values. */
function rowCount(frame: Frame): number {
  return frame.fields.length > 0 ? frame.fields[0].values.length : 0;
}

/**
 * One checked query, answered as every door answers it (answer() caps lists at maxRows), and then held
 * to what this proxy sends: throws QueryError when other frames are too many or too long.
 */
async function boundedAnswer(
  source: AnalysisSource,
  query: AnalysisQuery,
  range: TimeRange,
  intervalMs: number | undefined,
  limits: Limits
): Promise<DataFrameJSON[]> {
  // The series bound is maxFrames, checked by the engine before it builds them (the check below still holds).
  const bounds = {
    maxRows: limits.maxRows,
    maxSeries: limits.maxFrames,
    maxCells: limits.maxCells ?? DEFAULT_MAX_CELLS,
  };
  const frames = await answer(source, query, range, bounds, intervalMs);
  if (frames.length > limits.maxFrames) {
    throw new QueryError(
      `the answer has ${frames.length} series, more than the ${limits.maxFrames} this proxy returns; group by fewer fields or filter`
    );
  }
  for (const frame of frames) {
    const rows = rowCount(frame);
    if (rows > limits.maxRows) {
      throw new QueryError(
        `the answer has ${rows} rows, more than the ${limits.maxRows} this proxy returns (--max-rows); group by a field with fewer values or filter`
      );
    }
  }
  return frames.map((frame) => toDataFrameJSON(frame, query.refId));
}

/**
 * A writable that sends the response head with the first chunk, so an error before any output
 * still gets a JSON answer. Once the client has gone, writes are dropped so the export finishes.
 */
class LazyResponse extends Writable {
  private started = false;
  private gone = false;

  constructor(
    private readonly reply: FastifyReply,
    private readonly headers: Record<string, string>
  ) {
    super();
    reply.raw.once('close', () => {
      this.gone = true;
      this.emit('gone');
    });
  }

  get hasStarted(): boolean {
    return this.started;
  }

  private start(): ServerResponse {
    if (!this.started) {
      this.started = true;
      this.reply.hijack();
      this.reply.raw.writeHead(200, this.headers);
    }
    return this.reply.raw;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.gone) {
      callback();
      return;
    }
    const raw = this.start();
    if (raw.write(chunk)) {
      callback();
      return;
    }
    const done = (): void => {
      raw.off('drain', done);
      this.off('gone', done);
      callback();
    };
    raw.on('drain', done);
    this.on('gone', done);
  }

  /** Ends the response once everything buffered has been written. */
  override _final(callback: (error?: Error | null) => void): void {
    const raw = this.start();
    if (!this.gone) {
      raw.end();
    }
    callback();
  }

  /** Flushes and ends the response. */
  finish(): Promise<void> {
    return new Promise((resolve) => this.end(() => resolve()));
  }

  /** An error after the head was sent: the status cannot change any more, so the connection is cut. */
  abort(): void {
    this.reply.raw.destroy();
  }
}

/**
 * A request's context for the work it asks: its deadline `started + timeoutMs` (none without a timeout), and
 * a signal aborted when the connection closes before the answer is complete (the client went away).
 */
function requestContext(reply: FastifyReply, started?: number, timeoutMs?: number): RequestContext {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) {
      controller.abort();
    }
  });
  return {
    signal: controller.signal,
    ...(started === undefined || timeoutMs === undefined ? {} : { deadline: started + timeoutMs, timeoutMs }),
  };
}

/** The routes of the proxy, over log files or ClickHouse. */
export function registerRoutes(app: FastifyInstance, data: ServedData, limits: Limits): void {
  app.post<{ Body: QueryRequestBody }>(
    '/api/query',
    { schema: { body: queryRequestSchema(limits.maxQueries) } },
    async (request, reply) => {
      const started = Date.now();
      const body = request.body;
      const range: TimeRange = {
        from: parseRangeEnd(body.range?.from ?? body.from, 'range.from', started),
        to: parseRangeEnd(body.range?.to ?? body.to, 'range.to', started),
      };
      const refIds = assignRefIds(body.queries);
      const duplicate = refIds.find((refId, i) => refIds.indexOf(refId) !== i);
      if (duplicate !== undefined) {
        throw new HttpError(400, `refId "${duplicate}" is used by more than one query; give each query its own`);
      }
      const context = requestContext(reply, started, limits.timeoutMs);
      const source = await data.analysisSource(context);
      const results: Record<string, QueryResult> = {};
      for (const [index, raw] of body.queries.entries()) {
        const refId = refIds[index];
        if (Date.now() - started > limits.timeoutMs) {
          results[refId] = { error: `not run: the request took longer than ${limits.timeoutMs} ms`, status: 503 };
          continue;
        }
        await yieldToEventLoop();
        try {
          const query = { ...parseQuery(raw), refId };
          const ownInterval =
            isObject(raw) && typeof raw.intervalMs === 'number' && raw.intervalMs > 0 ? raw.intervalMs : undefined;
          results[refId] = {
            frames: await boundedAnswer(source, query, range, ownInterval ?? body.intervalMs, limits),
          };
        } catch (error) {
          const failure = toFailure(error, limits);
          results[refId] = { error: failure.message, status: failure.status };
        }
      }
      return { results };
    }
  );

  app.get('/api/health', async () => ({ status: 'ok', ...(await data.health()) }));

  app.get('/api/fields', (_request, reply) => data.fields(requestContext(reply, Date.now(), limits.timeoutMs)));

  app.get('/api/models', (_request, reply) => data.models(requestContext(reply, Date.now(), limits.timeoutMs)));

  app.get<{ Querystring: QueryString }>('/api/values', (request, reply) =>
    data.values(one(request.query, 'field'), requestContext(reply, Date.now(), limits.timeoutMs))
  );

  app.get<{ Querystring: QueryString }>('/api/report.html', async (request, reply) => {
    const options = reportOptionsOf(request.query);
    if (options.anomalies?.top !== undefined) {
      options.anomalies.top = Math.min(options.anomalies.top, limits.maxRows);
    }
    const html = await data.report(options, requestContext(reply, Date.now(), limits.timeoutMs));
    return reply.headers(REPORT_HEADERS).type('text/html; charset=utf-8').send(html);
  });

  app.get<{ Querystring: QueryString }>(
    '/api/export.csv',
    async (request: FastifyRequest<{ Querystring: QueryString }>, reply) => {
      const range = rangeOf(request.query);
      const filters = filtersOf(request.query);
      const limit = parseLimit(request.query);
      const csvOptions = csvOptionsOf(one(request.query, 'formulas'));
      const name = `inference-logs-${fileTime(range.from, 'start')}-${fileTime(range.to, 'end')}.csv`;
      const out = new LazyResponse(reply, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${name}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      try {
        // The export has no deadline (it streams as fast as the client reads); it stops when the client goes.
        await data.exportCsv(range, filters, out, limit, csvOptions, { signal: requestContext(reply).signal });
      } catch (error) {
        if (!out.hasStarted) {
          throw error; // nothing sent yet: the error handler answers with JSON
        }
        out.abort();
        return reply;
      }
      await out.finish();
      return reply;
    }
  );
}
