import { classify } from './errors';
import { InstanceManager } from './instances';
import { CheckHealthRequest, CheckHealthResponse } from './messages';
import { Store } from '../store/store';

function isoMinute(us: number): string {
  return new Date(us / 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** What the store holds, for people and for the health check's details. */
export function describeStore(store: Store, files: number, bytes: number) {
  const time = store.time.values();
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < time.length; i++) {
    first = Math.min(first, time[i]);
    last = Math.max(last, time[i]);
  }
  const models = (store.stringColumn('model')?.kind === 'string' ? store.stringColumn('model') : undefined) as
    { dictionary: Array<string | null> } | undefined;
  return {
    files,
    bytes,
    requests: store.length,
    from: store.length ? new Date(first / 1000).toISOString() : null,
    to: store.length ? new Date(last / 1000).toISOString() : null,
    models: (models?.dictionary ?? []).filter((m): m is string => m !== null).sort(),
    skipped: { ...store.skipped },
    span: store.length ? `${isoMinute(first)} to ${isoMinute(last)} UTC` : '',
  };
}

function skippedText(skipped: Record<string, number>): string {
  const entries = Object.entries(skipped).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return total ? `skipped ${total} lines (${entries.map(([r, n]) => `${r} ${n}`).join(', ')})` : 'no lines skipped';
}

/**
 * "Save & test": reads the configured logs and says what it found, or what to fix.
 */
export async function checkHealth(
  request: CheckHealthRequest,
  instances: InstanceManager
): Promise<CheckHealthResponse> {
  const reply = (status: 'OK' | 'ERROR', message: string, details: object = {}): CheckHealthResponse => ({
    status,
    message,
    jsonDetails: Buffer.from(JSON.stringify(details)),
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
    const instance = any;
    const store = await instance.refresh();
    const found = describeStore(store, instance.reader.fileCount, instance.reader.bytesRead);
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
    const models =
      found.models.length > 10
        ? `${found.models.slice(0, 10).join(', ')} and ${found.models.length - 10} more`
        : found.models.join(', ');
    return reply(
      'OK',
      `Read ${found.requests} requests from ${found.files} file(s) (${mb} MB), ${found.span}; models: ${models}; ${skippedText(found.skipped)}.`,
      found
    );
  } catch (error) {
    return reply('ERROR', classify(error).message);
  }
}
