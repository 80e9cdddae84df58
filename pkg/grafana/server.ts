import {
  sendUnaryData,
  Server,
  ServerCredentials,
  ServerUnaryCall,
  ServerWritableStream,
  status as GrpcStatus,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { checkHealth } from './health';
import { InstanceManager, LOCAL_QUERY_TIMEOUT_MS } from './instances';
import type { RequestOptions } from '../worker/client';
import { logger } from './log';
import { CallResourceRequest, CheckHealthRequest, QueryDataRequest } from './messages';
import { BackendMetrics } from './metrics';
import { serviceDefinitions } from './services';
import { queryData } from './query-data';
import { callResource } from './resources';
import { backendCacheDirs } from '../sources/restart-cache';
import { mark } from '../worker/timeline';

/**
 * How long the work of a call may take, and when to give it up: Grafana's deadline on the call (an alert rule's
 * evaluation timeout arrives as the gRPC deadline) or LOCAL_QUERY_TIMEOUT_MS, whichever is sooner; and a signal aborted
 * when Grafana cancels the call (the dashboard or Explore request went away, the deadline passed).
 */
export function callOptions(
  call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>
): RequestOptions {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  const now = Date.now();
  const given = call.getDeadline();
  const grafana = given instanceof Date ? given.getTime() : given;
  const deadline = Math.min(Number.isFinite(grafana) ? grafana : Infinity, now + LOCAL_QUERY_TIMEOUT_MS);
  return { deadline, timeoutMs: deadline - now, signal: controller.signal };
}

/** A unary handler from an async function; a throw becomes a gRPC INTERNAL error with its message. */
function unary<Req, Res>(name: string, handle: (request: Req, options: RequestOptions) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    handle(call.request, callOptions(call as ServerUnaryCall<unknown, unknown>)).then(
      (response) => callback(null, response),
      (error: unknown) => {
        logger.error(`${name} failed`, { error: String(error) });
        callback({ code: GrpcStatus.INTERNAL, details: error instanceof Error ? error.message : String(error) });
      }
    );
  };
}

export interface PluginServer {
  server: Server;
  port: number;
}

/** Most time spent writing restart caches at shutdown (go-plugin kills the process 2 s after asking it to stop). */
const SHUTDOWN_FLUSH_MS = 1500;

/** The largest message Grafana may send; the Go SDK allows 16 MiB, we allow more for big queries. */
const MAX_MESSAGE = 64 * 1024 * 1024;

/** Builds the gRPC server with every service Grafana and go-plugin call. */
export function createServer(onShutdown: () => void): Server {
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': -1,
  });
  const instances = new InstanceManager({ cacheDirs: backendCacheDirs(process.env) });
  const metrics = new BackendMetrics(instances);
  const pluginv2 = serviceDefinitions('pluginv2');
  const goplugin = serviceDefinitions('goplugin');
  const health = serviceDefinitions('health');

  server.addService(pluginv2['pluginv2.Data'], {
    QueryData: unary('QueryData', async (request: QueryDataRequest, options) => {
      mark('QueryData received');
      const response = await queryData(request, instances, metrics, options);
      mark('QueryData answered');
      return response;
    }),
  } as UntypedServiceImplementation);

  server.addService(pluginv2['pluginv2.Diagnostics'], {
    CheckHealth: unary('CheckHealth', (request: CheckHealthRequest) => checkHealth(request, instances)),
    CollectMetrics: unary('CollectMetrics', async () => ({
      metrics: { prometheus: Buffer.from(await metrics.text()) },
    })),
  } as UntypedServiceImplementation);

  server.addService(pluginv2['pluginv2.Resource'], {
    CallResource: (call: ServerWritableStream<CallResourceRequest, unknown>) => {
      callResource(call.request, instances, callOptions(call as ServerWritableStream<unknown, unknown>)).then(
        (response) => {
          call.write(response);
          call.end();
        },
        (error: unknown) => call.destroy(error instanceof Error ? error : new Error(String(error)))
      );
    },
  } as UntypedServiceImplementation);

  server.addService(health['grpc.health.v1.Health'], {
    Check: (call: ServerUnaryCall<{ service: string }, unknown>, callback: sendUnaryData<unknown>) => {
      const known = call.request.service === '' || call.request.service === 'plugin';
      callback(null, { status: known ? 'SERVING' : 'SERVICE_UNKNOWN' });
    },
  } as UntypedServiceImplementation);

  server.addService(goplugin['plugin.GRPCController'], {
    Shutdown: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      logger.info('shutdown requested by Grafana');
      callback(null, {});
      // What was read since the restart caches were last written goes to disk first (the host waits 2 s).
      const flushed = instances.flushCaches().catch((error: unknown) => {
        logger.warn('restart cache not written at shutdown', { error: String(error) });
      });
      void Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS))]).then(onShutdown);
    },
  } as UntypedServiceImplementation);

  return server;
}

function bind(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound)
    )
  );
}

/**
 * Binds on 127.0.0.1 inside go-plugin's port range (PLUGIN_MIN_PORT..PLUGIN_MAX_PORT), starting at a
 * random port so that several plugins starting at once rarely collide; any free port without a range.
 */
export async function listen(server: Server, env: NodeJS.ProcessEnv): Promise<number> {
  const min = Number(env.PLUGIN_MIN_PORT) || 0;
  const max = Number(env.PLUGIN_MAX_PORT) || 0;
  if (!min || !max || max < min) {
    return bind(server, 0);
  }
  const size = max - min + 1;
  const start = Math.floor(Math.random() * size);
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.min(size, 50); attempt++) {
    try {
      return await bind(server, min + ((start + attempt) % size));
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`no free port in ${min}-${max}: ${String(lastError)}`);
}
