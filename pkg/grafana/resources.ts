import { classify } from './errors';
import { describeStore } from './health';
import { InstanceManager } from './instances';
import { CallResourceRequest, CallResourceResponse } from './messages';

const MAX_VALUES = 10_000;

function json(code: number, body: unknown): CallResourceResponse {
  return {
    code,
    headers: { 'Content-Type': { values: ['application/json'] } },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/**
 * Backend resources for the frontend (template variables, editors):
 * `models`, `fields`, `values?field=NAME`, `stats`.
 */
export async function callResource(
  request: CallResourceRequest,
  instances: InstanceManager
): Promise<CallResourceResponse> {
  try {
    const method = (request.method || 'GET').toUpperCase();
    if (method !== 'GET') {
      return json(405, { message: `${method} is not allowed; resources are read with GET` });
    }
    const url = new URL(request.url || request.path, 'http://plugin/');
    const path = request.path.replace(/^\/+|\/+$/g, '');
    const any = instances.get(request.pluginContext);
    if (any.kind === 'remote') {
      const remotePath = path === 'stats' ? 'health' : path === 'values' ? `values${url.search}` : path;
      if (!['models', 'fields', 'values', 'stats'].includes(path)) {
        return json(404, { message: `no resource "${path}"; available: models, fields, values?field=NAME, stats` });
      }
      return json(200, await any.remote.get(remotePath));
    }
    const instance = any;
    const store = await instance.refresh();
    switch (path) {
      case 'models':
        return json(200, describeStore(store, instance.reader.fileCount, instance.reader.bytesRead).models);
      case 'fields':
        return json(200, store.fields());
      case 'values': {
        const field = url.searchParams.get('field');
        const column = field ? store.columns.get(field) : undefined;
        if (!field || !column) {
          return json(400, {
            message: `values needs ?field=NAME of a stored field; fields: ${store
              .fields()
              .map((f) => f.name)
              .join(', ')}`,
          });
        }
        const values = new Set<string>();
        for (let row = 0; row < store.length && values.size < MAX_VALUES; row++) {
          const value = column.get(row);
          if (value !== null && !(typeof value === 'number' && Number.isNaN(value))) {
            values.add(String(value));
          }
        }
        return json(200, [...values].sort());
      }
      case 'stats':
        return json(200, describeStore(store, instance.reader.fileCount, instance.reader.bytesRead));
      default:
        return json(404, { message: `no resource "${path}"; available: models, fields, values?field=NAME, stats` });
    }
  } catch (error) {
    const failure = classify(error);
    return json(failure.status, { message: failure.message });
  }
}
