import type { DataFrameJSON } from '@grafana/data';
import type { AnalysisQuery, TimeRange } from '../model/query';
import { InvalidInputError } from '../model/validate';
import { Frame, FrameField } from '../engine/frames';

/** A failure reported by, or on the way to, the proxy. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

export type RemoteResult = { frames: DataFrameJSON[] } | { error: string; status: number };

const TIMEOUT_MS = 60_000;

/**
 * A data source in remote mode: the logs live on another host, where `inference-logs serve` runs
 * the same engine; queries go there over HTTP and come back as DataFrameJSON.
 */
export class RemoteSource {
  private readonly base: URL;

  constructor(
    proxyUrl: string | undefined,
    private readonly token: string | undefined
  ) {
    let url: URL | null = null;
    try {
      url = proxyUrl ? new URL(proxyUrl) : null;
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InvalidInputError(
        `remote mode needs the proxy's URL, such as http://gpu-host-7:8686 (got "${proxyUrl ?? ''}")`
      );
    }
    this.base = url;
  }

  private async call(path: string, init: RequestInit = {}): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (init.body) {
      headers['Content-Type'] = 'application/json';
    }
    if (this.token) {
      headers.Authorization = `Bearer ${this.token}`;
    }
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new RemoteError(`cannot reach the proxy at ${this.base.origin}: ${cause}`, 502);
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      throw new RemoteError(
        `the proxy at ${this.base.origin} answered ${response.status} with something that is not JSON`,
        502
      );
    }
    if (!response.ok) {
      const message = (body as { message?: string } | null)?.message ?? response.statusText;
      const hint = response.status === 401 ? ' (check the token in the data source settings)' : '';
      throw new RemoteError(`proxy: ${message}${hint}`, response.status);
    }
    return body;
  }

  /** Runs queries over one time range on the proxy; each query answers or fails on its own. */
  async query(queries: AnalysisQuery[], range: TimeRange, intervalMs?: number): Promise<Record<string, RemoteResult>> {
    const body = (await this.call('api/query', {
      method: 'POST',
      body: JSON.stringify({ queries, range, intervalMs }),
    })) as { results?: Record<string, RemoteResult> };
    if (!body?.results) {
      throw new RemoteError('the proxy answered without results', 502);
    }
    return body.results;
  }

  /** A GET whose answer is not JSON (the report, a CSV export), passed on as it comes. */
  async getRaw(pathAndQuery: string): Promise<{ status: number; contentType: string; body: Buffer }> {
    const url = new URL(`api/${pathAndQuery}`, this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: this.token ? { Authorization: `Bearer ${this.token}` } : {},
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new RemoteError(`cannot reach the proxy at ${this.base.origin}: ${cause}`, 502);
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  health(): Promise<unknown> {
    return this.call('api/health');
  }

  /** A GET of one of the proxy's lookups: fields, models, values?field=. */
  get(pathAndQuery: string): Promise<unknown> {
    return this.call(`api/${pathAndQuery}`);
  }
}

/** DataFrameJSON (from the proxy) back into the engine's frame, so it is typed and encoded like a local one. */
export function frameFromJSON(json: DataFrameJSON): Frame {
  const schema = json.schema ?? { fields: [] };
  const data = json.data ?? { values: [] };
  const fields = schema.fields.map((field, i): FrameField => {
    const values = (data.values[i] ?? []) as unknown[];
    const labels = field.labels as Record<string, string> | undefined;
    const type = String(field.type);
    if (type === 'time') {
      const nanos = data.nanos?.[i];
      return {
        name: field.name,
        type: 'time',
        labels,
        values: Float64Array.from(values, (v, row) =>
          typeof v === 'number' ? v * 1000 + Math.round((nanos?.[row] ?? 0) / 1000) : NaN
        ),
      };
    }
    if (type === 'number') {
      const out = Float64Array.from(values, (v) => (typeof v === 'number' ? v : NaN));
      const entities = data.entities?.[i];
      entities?.Inf?.forEach((row) => (out[row] = Infinity));
      entities?.NegInf?.forEach((row) => (out[row] = -Infinity));
      return { name: field.name, type: 'number', labels, values: out, unit: field.config?.unit };
    }
    return {
      name: field.name,
      type: 'string',
      labels,
      values: values.map((v) => (v === null || v === undefined ? null : String(v))),
    };
  });
  return { name: schema.name ?? '', fields, meta: schema.meta };
}
