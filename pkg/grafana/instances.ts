import { ClickHouseClient, ClickHouseError } from '../clickhouse/client';
import { Queryable, QuerySettings } from '../clickhouse/context';
import { DEFAULT_DATABASE, DEFAULT_TABLE, TableRef } from '../clickhouse/schema';
import { ClickHouseSource } from '../clickhouse/source';
import { DataSourceSettings, DEFAULT_MAX_ROWS } from '../model/settings';
import { checkSettingsShape, InvalidInputError } from '../model/validate';
import type { AnalysisSource } from '../engine/answer';
import type { Frame } from '../engine/frames';
import { DataWorker, RequestOptions } from '../worker/client';
import type { WorkerStatus } from '../worker/protocol';
import { logger } from './log';
import { DataSourceInstanceSettings, PluginContext } from './messages';
import { RemoteSource } from './remote';

/** Reads `jsonData` into our settings, or says what is wrong with them. */
export function parseSettings(jsonData: Buffer | undefined): DataSourceSettings {
  const text = jsonData?.length ? jsonData.toString('utf8') : '{}';
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch {
    throw new InvalidInputError('the data source settings (jsonData) are not valid JSON');
  }
  checkSettingsShape(settings);
  return settings as DataSourceSettings;
}

/** A data source in remote mode: queries go to an `inference-logs serve` proxy. */
export class RemoteInstance {
  readonly kind = 'remote';
  readonly remote: RemoteSource;
  readonly maxRows: number;

  constructor(
    readonly settings: DataSourceSettings,
    readonly fingerprint: string,
    token: string | undefined
  ) {
    this.remote = new RemoteSource(settings.proxyUrl, token);
    this.maxRows = settings.maxRows ?? DEFAULT_MAX_ROWS;
  }

  async stop(): Promise<void> {}
}

/** ClickHouse's codes for a refused user or password (18.16: 192-194; current: 516), an unknown table or database. */
const AUTHENTICATION_FAILED = [192, 193, 194, 516];
const UNKNOWN_TABLE_OR_DATABASE = [60, 81];
/** Most time one ClickHouse query may take (an alert evaluation has about 30 s). */
const CLICKHOUSE_TIMEOUT_MS = 60_000;

/**
 * A data source in ClickHouse mode: every answer is computed inside ClickHouse (ClickHouseSource), from the
 * logs `inference-logs ship` put there. Its failures name what to fix in the data source settings.
 */
export class ClickHouseInstance {
  readonly kind = 'clickhouse';
  readonly ref: TableRef;
  readonly source: ClickHouseSource;
  readonly maxRows: number;
  /** The server's URL without credentials, for messages. */
  readonly where: string;
  private readonly client: ClickHouseClient;

  constructor(
    readonly settings: DataSourceSettings,
    readonly fingerprint: string,
    password: string | undefined
  ) {
    const text = settings.clickhouseUrl?.trim() ?? '';
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InvalidInputError(
        text === ''
          ? 'ClickHouse mode needs the ClickHouse URL (its HTTP interface), e.g. http://127.0.0.1:8123'
          : `the ClickHouse URL "${text.slice(0, 100)}" is not an http:// or https:// URL, e.g. http://127.0.0.1:8123`
      );
    }
    if (url.password) {
      // jsonData is readable by every viewer of the settings: the password belongs in the secret field.
      throw new InvalidInputError(
        'the ClickHouse URL holds a password: remove it, and put it in the Password field (stored encrypted)'
      );
    }
    this.ref = {
      database: settings.clickhouseDatabase || DEFAULT_DATABASE,
      table: settings.clickhouseTable || DEFAULT_TABLE,
    };
    this.client = new ClickHouseClient({
      url: text,
      user: settings.clickhouseUser || undefined,
      password: password || '',
      timeoutMs: CLICKHOUSE_TIMEOUT_MS,
    });
    this.where = this.client.where;
    const queryable: Queryable = {
      query: async <T = Record<string, unknown>>(sql: string, settings?: QuerySettings): Promise<T[]> => {
        try {
          return await this.client.query<T>(sql, settings);
        } catch (error) {
          throw this.explain(error);
        }
      },
      lines: (sql: string, settings?: QuerySettings) => this.explainedLines(sql, settings),
    };
    this.source = new ClickHouseSource(queryable, this.ref);
    this.maxRows = settings.maxRows ?? DEFAULT_MAX_ROWS;
  }

  /** The client's streamed lines (the CSV export), failures said as explain() says them. */
  private async *explainedLines(sql: string, settings?: QuerySettings): AsyncGenerator<string> {
    try {
      yield* this.client.lines(sql, settings);
    } catch (error) {
      throw this.explain(error);
    }
  }

  /** A ClickHouse failure said in the data source's terms: which setting to fix, or the command to run. */
  explain(error: unknown): unknown {
    if (!(error instanceof ClickHouseError)) {
      return error;
    }
    const table = `${this.ref.database}.${this.ref.table}`;
    if (error.code !== undefined && AUTHENTICATION_FAILED.includes(error.code)) {
      const user = this.settings.clickhouseUser || 'default';
      return new ClickHouseError(
        `ClickHouse at ${this.where} refused user "${user}" or its password: check User and Password in the data source settings`,
        error.code
      );
    }
    if (error.code !== undefined && UNKNOWN_TABLE_OR_DATABASE.includes(error.code)) {
      const options = `--clickhouse ${this.where} --database ${this.ref.database} --table ${this.ref.table}`;
      return new ClickHouseError(
        `ClickHouse at ${this.where} has no table ${table}: create it with \`inference-logs clickhouse init ${options}\`, ` +
          'then ship logs into it with `inference-logs ship --logs PATH ' +
          `${options}\``,
        error.code
      );
    }
    if (error.code === undefined && /unreachable/.test(error.message)) {
      return new ClickHouseError(
        `${error.message.replace(/: is the server running\?$/, '')}: check the ClickHouse URL (the HTTP port, 8123 by default, as the Grafana server reaches it) and that the server is running`
      );
    }
    return error;
  }

  async stop(): Promise<void> {}
}

/** Most time one query over local logs may take when Grafana sets no deadline on the call. */
export const LOCAL_QUERY_TIMEOUT_MS = 60_000;

/**
 * One configured data source reading local logs: its settings and a worker thread (pkg/worker) holding its store,
 * kept between queries and followed live, with the restart cache. Every query and resource runs in that thread, one
 * at a time, so a long one never blocks the gRPC thread (health, other data sources).
 */
export class DataSourceInstance {
  readonly kind = 'local';
  readonly worker: DataWorker;
  readonly maxRows: number;
  /** Whether a restart cache is kept, and where it may go. */
  readonly cacheDirs: string[];

  /** `cacheDirs`: where the restart cache may go unless the settings say (cacheDir, cache: false). */
  constructor(
    readonly settings: DataSourceSettings,
    readonly fingerprint: string,
    cacheDirs: string[] = []
  ) {
    if (!settings.paths || settings.paths.length === 0) {
      throw new InvalidInputError(
        'no log paths configured: add the files or directories to read in the data source settings'
      );
    }
    this.cacheDirs = settings.cache === false ? [] : settings.cacheDir ? [settings.cacheDir] : cacheDirs;
    const paths = settings.paths.join(', ');
    this.worker = new DataWorker(
      {
        paths: settings.paths,
        sourceConfig: {
          fieldMap: settings.fieldMap,
          preset: settings.preset,
          successStatuses: settings.successStatuses,
          timezone: settings.timezone,
        },
        retentionMs: settings.retentionHours === undefined ? undefined : settings.retentionHours * 3_600_000,
        retentionRows: settings.retentionRows,
        follow: true,
        cacheDirs: this.cacheDirs,
        readTimeoutMs: 2 ** 31 - 1, // no bound on a read: the backend waited for it before the worker too
      },
      {
        cache: (line) => logger.info(line, { paths }),
        worker: (line) => logger.error(line, { paths }),
      }
    );
    this.maxRows = settings.maxRows ?? DEFAULT_MAX_ROWS;
  }

  /** What the worker last said of the logs (rows, files, bytes read, cache); null before its first read. */
  get status(): WorkerStatus | null {
    return this.worker.latest;
  }

  /** Reads what is new (the first call restores the cache and starts following the files); returns the status. */
  read(options: RequestOptions = {}): Promise<WorkerStatus> {
    return this.worker.request<WorkerStatus>({ op: 'describe' }, options);
  }

  /** The source queries run in: each one a request to the worker, held to `options` (deadline, cancellation). */
  analysisSource(options: RequestOptions = {}): AnalysisSource {
    return {
      analyse: (query, range, intervalMs, limits) =>
        this.worker.request<Frame[]>({ op: 'analyse', query, range, intervalMs, limits }, options),
    };
  }

  /**
   * Writes what was read since the restart cache was last written (the plugin is stopping: a query running now is
   * stopped first, so that the write is not queued behind it past the host's 2 s).
   */
  async flush(): Promise<void> {
    this.worker.cancelRunning();
    await this.worker.request({ op: 'flush' });
  }

  /** Stops following the logs; what was read since the cache was written is written. */
  async stop(): Promise<void> {
    await this.worker.close();
  }
}

const MAX_INSTANCES = 64;

export type AnyInstance = DataSourceInstance | RemoteInstance | ClickHouseInstance;

/**
 * Data source instances by uid, as the Go SDK's instance manager keeps them: a new one when the
 * settings change (Grafana bumps lastUpdatedMS on save).
 */
export class InstanceManager {
  private readonly instances = new Map<string, AnyInstance>();

  /** `cacheDirs`: where local data sources keep their restart cache (none: no cache unless the settings name a folder). */
  constructor(private readonly options: { cacheDirs?: string[] } = {}) {}

  get(context: PluginContext | null | undefined): AnyInstance {
    const settings: DataSourceInstanceSettings | null | undefined = context?.dataSourceInstanceSettings;
    if (!settings) {
      throw new InvalidInputError('the request names no data source');
    }
    const key = settings.uid || String(settings.id);
    const token = settings.decryptedSecureJsonData?.proxyToken || undefined;
    const password = settings.decryptedSecureJsonData?.clickhousePassword || undefined;
    const fingerprint = `${settings.lastUpdatedMS}:${settings.jsonData?.toString('utf8') ?? ''}:${token ?? ''}:${password ?? ''}`;
    const cached = this.instances.get(key);
    if (cached && cached.fingerprint === fingerprint) {
      // Most recently used last, so the oldest is the first to go.
      this.instances.delete(key);
      this.instances.set(key, cached);
      return cached;
    }
    const parsed = parseSettings(settings.jsonData);
    const instance: AnyInstance =
      parsed.mode === 'remote'
        ? new RemoteInstance(parsed, fingerprint, token)
        : parsed.mode === 'clickhouse'
          ? new ClickHouseInstance(parsed, fingerprint, password)
          : new DataSourceInstance(parsed, fingerprint, this.options.cacheDirs);
    void cached?.stop();
    this.instances.set(key, instance);
    if (this.instances.size > MAX_INSTANCES) {
      const oldest = this.instances.keys().next().value as string;
      void this.instances.get(oldest)?.stop();
      this.instances.delete(oldest);
    }
    return instance;
  }

  /** Writes what local data sources read since their restart cache was written (the plugin is stopping). */
  async flushCaches(): Promise<void> {
    await Promise.all(this.all().map(([, instance]) => instance.flush()));
  }

  /** Stops every instance and forgets it: their data workers end (the plugin's tests; a process that goes on). */
  async stop(): Promise<void> {
    const instances = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(instances.map((instance) => instance.stop()));
  }

  /** Local instances, for metrics. */
  all(): Array<[string, DataSourceInstance]> {
    return [...this.instances.entries()].filter((e): e is [string, DataSourceInstance] => e[1].kind === 'local');
  }
}
