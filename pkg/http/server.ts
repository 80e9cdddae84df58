import Fastify, { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'net';
import { DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT } from './defaults';
import { SourceConfig } from '../sources/parse-line';
import { DataWorker } from '../worker/client';
import { ClickHouseSource } from '../clickhouse/source';
import { bearerMatches, exposureProblem, hostName, isLoopback } from './auth';
import { InvalidInputError } from '../model/validate';
import { clickhouseData, fileData, LogSource, ServedData, workerData } from './data';
import { HttpError, toFailure } from './errors';
import { Limits, registerRoutes, ROUTES } from './routes';

export type { LogSource, Limits } from './routes';
export type { ServedData } from './data';

export { DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT };

export interface ProxyOptions {
  /** Log files, directories or globs; read with a LogReader unless `source` is given. */
  paths?: string[];
  /** How to read the logs (field map, success statuses, time zone). */
  sourceConfig?: SourceConfig;
  /** Keep what was read in a restart cache in this folder (with `paths`); none: no cache. */
  cacheDir?: string;
  /**
   * Retention (with `paths`): after every read, requests older than `maxAgeMs` before the newest one, then all but
   * the newest `maxRows`, leave memory (the data source settings' retentionHours / retentionRows).
   */
  retention?: { maxAgeMs?: number; maxRows?: number };
  /** Where the restart cache says what it did; default stderr. */
  cacheLog?: (line: string) => void;
  /** A store kept fresh by someone else (e.g. a tailer); takes the place of `paths`. */
  source?: LogSource;
  /** The logs shipped into ClickHouse; takes the place of `paths`. */
  clickhouse?: ClickHouseSource;
  /** Address to bind; 127.0.0.1 unless given. */
  host?: string;
  /** 0 picks a free port. Default 8686. */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Allow a non-loopback `host` without a token (refused otherwise: anyone reaching it reads the logs). */
  insecureNoToken?: boolean;
  limits?: Partial<Limits>;
  /** Where failures of the proxy itself (500s) are written; default stderr. */
  log?: (line: string) => void;
}

export interface RunningProxy {
  /** Base URL, e.g. `http://127.0.0.1:8686`. */
  url: string;
  host: string;
  port: number;
  app: FastifyInstance;
  /** The log source given in the options (`source`), read on this thread. */
  source?: LogSource;
  /** The worker thread the log files (`paths`) are read and queried in. */
  worker?: DataWorker;
  data: ServedData;
  /** Stops accepting connections, stops the work in flight (its requests answer 503) and waits for them. */
  close(): Promise<void>;
}

/**
 * The worker thread the log files are read into and every request over them runs in (with the restart cache when
 * `cacheDir` is set), so that a long query never blocks this thread: health and the other requests still answer.
 */
function workerOf(options: ProxyOptions, timeoutMs: number): DataWorker {
  if (!options.paths?.length) {
    throw new Error('the proxy needs log paths or a source');
  }
  const { maxAgeMs, maxRows } = options.retention ?? {};
  const say = (line: string): void => void process.stderr.write(`inference-logs serve: ${line}\n`);
  const cacheLog = options.cacheLog ?? say;
  return new DataWorker(
    {
      paths: options.paths,
      sourceConfig: options.sourceConfig ?? {},
      retentionMs: maxAgeMs,
      retentionRows: maxRows,
      follow: false,
      cacheDirs: options.cacheDir ? [options.cacheDir] : [],
      readTimeoutMs: timeoutMs,
    },
    {
      cache: cacheLog,
      worker: (line) => (options.log ?? ((l) => void process.stderr.write(`${l}\n`)))(`inference-logs serve: ${line}`),
    }
  );
}

/** How much longer than a request's timeout its connection may stay idle: time to send the timeout's answer. */
const SOCKET_GRACE_MS = 2000;

const POISONED_BODY =
  'the request body has a "__proto__" key (or "constructor" with "prototype"), which is refused: ' +
  'it could change how every object behaves; remove or rename it';

/** Does the text parse as JSON (when fastify's stricter parser refused it)? */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A URL host: IPv6 addresses in brackets. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The proxy's fastify app with its routes, hooks and error handling, not yet listening
 * (tests call `app.inject`).
 */
export function buildProxy(
  source: LogSource | ServedData,
  options: Omit<ProxyOptions, 'paths' | 'source' | 'clickhouse'> = {}
): FastifyInstance {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const data = 'analysisSource' in source ? source : fileData(source, limits.timeoutMs);
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const token = options.token || undefined;
  const guardHost = !token && isLoopback(options.host ?? DEFAULT_HOST);

  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyLimit,
    handlerTimeout: limits.timeoutMs,
    // A client that stalls sending its request or reading the answer is let go. The socket's own timeout is a
    // little longer than the request's: a query stopped at the deadline still gets its 503 out (it runs in the
    // data worker, so this thread is free to notice the deadline on time).
    requestTimeout: limits.timeoutMs,
    connectionTimeout: limits.timeoutMs + SOCKET_GRACE_MS,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, allErrors: true, allowUnionTypes: true, removeAdditional: false } },
  });

  // Bodies are JSON only: anything else is 415 (and a browser cannot post a form or text here).
  app.removeContentTypeParser(['text/plain']);
  // fastify's JSON parser refuses __proto__ and constructor.prototype keys (prototype poisoning) but calls that
  // "not valid JSON": the same parser, with a message saying what is wrong when the JSON itself is fine.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if (error && (error as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY' && isJson(body as string)) {
        done(new HttpError(400, POISONED_BODY), undefined);
        return;
      }
      done(error, value);
    });
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff');
    if (guardHost && !isLoopback(hostName(request.headers.host))) {
      // Without a token, a proxy on loopback answers only to loopback names (no DNS rebinding).
      return reply.code(403).send({
        message: `this proxy answers only to localhost or 127.0.0.1; set a token (--token) to serve other names`,
      });
    }
    if (token && !bearerMatches(request.headers.authorization, token)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="inference-logs"')
        .send({
          message: request.headers.authorization
            ? 'the token is not valid'
            : 'this proxy needs a token: send Authorization: Bearer <token>',
        });
    }
    return undefined;
  });

  app.setErrorHandler((error, request, reply) => {
    const failure = toFailure(error, limits);
    if (failure.status >= 500 && failure.status !== 503) {
      log(
        `inference-logs serve: ${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
      );
    }
    return reply.code(failure.status).type('application/json; charset=utf-8').send({ message: failure.message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send({ message: `no route ${request.method} ${request.url.split('?')[0]}; routes: ${ROUTES.join(', ')}` })
  );

  registerRoutes(app, data, limits);
  return app;
}

/**
 * Reads the logs (or checks that ClickHouse answers and has the table), then serves them over HTTP. Resolves
 * once listening; a log path that names nothing (SourceError) or a ClickHouse that cannot be queried
 * (ClickHouseError) rejects before anything listens, and so does a non-loopback `host` without a token unless
 * `insecureNoToken` (InvalidInputError).
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  // Checked before reading anything, so the mistake is told at once.
  const problem = exposureProblem(options.host ?? DEFAULT_HOST, options.token || undefined, options.insecureNoToken);
  if (problem) {
    throw new InvalidInputError(problem);
  }
  let source: LogSource | undefined;
  let worker: DataWorker | undefined;
  let data: ServedData;
  if (options.clickhouse) {
    data = clickhouseData(options.clickhouse);
    await data.health();
  } else if (options.source) {
    source = options.source;
    await source.refresh();
    data = fileData(source, limits.timeoutMs);
  } else {
    worker = workerOf(options, limits.timeoutMs);
    try {
      await worker.request({ op: 'read' }); // the first read, before anything listens (a missing path rejects)
    } catch (error) {
      await worker.close();
      throw error;
    }
    data = workerData(worker);
  }
  const host = options.host ?? DEFAULT_HOST;
  const app = buildProxy(data, { ...options, host });
  await app.listen({ host, port: options.port ?? DEFAULT_PORT });
  const address = app.server.address() as AddressInfo;
  return {
    url: `http://${urlHost(host)}:${address.port}`,
    host,
    port: address.port,
    app,
    source,
    worker,
    data,
    close: async () => {
      // No new connections; the work in flight is stopped (its requests answer 503), and what was read since the
      // restart cache was last written is written before the process goes.
      const closing = app.close();
      await worker?.close();
      await closing;
    },
  };
}
