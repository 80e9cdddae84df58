import { classify } from './errors';
import { ClickHouseInstance, InstanceManager } from './instances';
import { describeTable } from '../clickhouse/lookups';
import { CheckHealthRequest, CheckHealthResponse } from './messages';
import { LogsDescription } from '../engine/describe';
import { HEALTH_WAIT_MS } from '../worker/protocol';
import { skipsInOrder } from '../engine/frames';

/**
 * The Grafana features this backend serves (server.ts registers their gRPC services): queries for panels, Explore
 * and alert rules; this health check; the resources; its Prometheus metrics. No streaming, no admission or
 * conversion hooks: plugin.json claims nothing beyond these.
 */
export const SERVED_FEATURES = {
  query: true,
  alerting: true,
  health: true,
  // The paths resources.ts answers (GET /api/datasources/uid/<uid>/resources/<path>); a test calls each.
  resources: ['models', 'fields', 'values', 'stats', 'report.html', 'export.csv'],
  metrics: true,
  streaming: false,
};

/** What the store holds (as the data worker described it), for people and for the health check's details. */
export function describeStore(found: LogsDescription, bytes: number) {
  const minute = (iso: string | null): string => (iso ?? '').slice(0, 16).replace('T', ' ');
  return { ...found, bytes, span: found.from ? `${minute(found.from)} to ${minute(found.to)} UTC` : '' };
}

/** Up to ten model names, then how many more. */
function modelsText(models: string[]): string {
  return models.length > 10 ? `${models.slice(0, 10).join(', ')} and ${models.length - 10} more` : models.join(', ');
}

function skippedText(skipped: Record<string, number>): string {
  const entries = skipsInOrder(skipped);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return total ? `skipped ${total} lines (${entries.map(([r, n]) => `${r} ${n}`).join(', ')})` : 'no lines skipped';
}

/** ClickHouse mode: the server's version and what the table holds, or what to fix (the instance names it). */
async function clickhouseHealth(instance: ClickHouseInstance) {
  const found = await describeTable(instance.source.client, instance.ref);
  const minute = (iso: string | null): string => (iso ?? '').slice(0, 16).replace('T', ' ');
  const span = found.from ? `${minute(found.from)} to ${minute(found.to)} UTC` : '';
  const head = `ClickHouse ${found.version} at ${instance.where}, table ${found.table}`;
  if (found.requests === 0) {
    return {
      ok: false,
      found: { ...found, span },
      message:
        `${head}: no requests yet. Ship logs into it with \`inference-logs ship --logs PATH --clickhouse ` +
        `${instance.where} --database ${instance.ref.database} --table ${instance.ref.table}\`.`,
    };
  }
  return {
    ok: true,
    found: { ...found, span },
    message:
      `${head}: ${found.requests} requests from ${found.hosts} host(s), ${span}; models: ${modelsText(found.models)}; ` +
      `${skippedText(found.skipped)}.`,
  };
}

/**
 * "Save & test": reads the configured logs (or asks ClickHouse) and says what it found, or what to fix.
 */
export async function checkHealth(
  request: CheckHealthRequest,
  instances: InstanceManager
): Promise<CheckHealthResponse> {
  const reply = (status: 'OK' | 'ERROR', message: string, details: object = {}): CheckHealthResponse => ({
    status,
    message,
    jsonDetails: Buffer.from(JSON.stringify({ ...details, features: SERVED_FEATURES })),
  });
  try {
    const any = instances.get(request.pluginContext);
    if (any.kind === 'remote') {
      const found = (await any.remote.health()) as { requests?: number; files?: number; models?: string[] };
      const message = `Proxy at ${any.settings.proxyUrl} answers: ${found.requests ?? 0} requests from ${found.files ?? 0} file(s); models: ${(found.models ?? []).join(', ')}.`;
      return reply(
        found.requests ? 'OK' : 'ERROR',
        found.requests ? message : `${message} No requests there yet.`,
        found
      );
    }
    if (any.kind === 'clickhouse') {
      const { ok, found, message } = await clickhouseHealth(any);
      return reply(ok ? 'OK' : 'ERROR', message, found);
    }
    const instance = any;
    // The first check reads the logs and waits for that; later ones wait HEALTH_WAIT_MS at most for the worker, then
    // answer from what it last posted, saying which query keeps it busy.
    const { status, busy } = instance.status
      ? await instance.worker.describe(HEALTH_WAIT_MS)
      : { status: await instance.read(), busy: undefined };
    if (!status) {
      return reply('ERROR', `The logs are still being read (${busy?.doing ?? 'starting'}); test again in a moment.`);
    }
    // Bytes read this run and, when the store came from the restart cache, by the runs before.
    const found = describeStore(status.description, status.coveredBytes);
    const busyNote = busy
      ? ` Busy with a ${busy.doing} for ${(busy.forMs / 1000).toFixed(1)} s: these figures are from ${new Date(status.at).toISOString()}.`
      : '';
    if (found.files === 0) {
      return reply(
        'ERROR',
        `No log files under ${instance.settings.paths!.join(', ')}: directories are searched for names ending in .log, .jsonl, .ndjson, .json, .txt (optionally rotated, e.g. .log.1, .log.2.gz)`,
        found
      );
    }
    if (found.requests === 0) {
      return reply(
        'ERROR',
        `No requests in ${found.files} file(s): ${skippedText(found.skipped)}. Check the field mapping (timestamp, model and latency_ms are required).`,
        found
      );
    }
    const mb = (found.bytes / 1e6).toFixed(1);
    const models = modelsText(found.models);
    return reply(
      'OK',
      `Read ${found.requests} requests from ${found.files} file(s) (${mb} MB), ${found.span}; models: ${models}; ${skippedText(found.skipped)}.${busyNote}`,
      {
        ...found,
        // How much of the logs worker threads scanned (large files), and why none could, if so.
        scanWorkers: status.scanWorkers,
        // The restart cache: its file and size (bytes), or why it is off.
        cache: status.cache ?? {
          state: 'off',
          reason: instance.settings.cache === false ? 'cache: false in the settings' : 'no cache folder',
        },
        // What keeps the worker busy, when it is: the figures above are then the ones it last posted.
        ...(busy ? { busy: { ...busy, describedAt: new Date(status.at).toISOString() } } : {}),
      }
    );
  } catch (error) {
    return reply('ERROR', classify(error).message);
  }
}
