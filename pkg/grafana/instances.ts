import { DataSourceSettings, DEFAULT_MAX_ROWS } from '../model/settings';
import { checkSettingsShape, InvalidInputError } from '../model/validate';
import { LiveLogs } from '../sources/live';
import { LogReader } from '../sources/reader';
import { Store } from '../store/store';
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

/** One configured data source reading local logs: its settings and its store, kept between queries and followed live. */
export class DataSourceInstance {
  readonly kind = 'local';
  readonly live: LiveLogs;
  readonly maxRows: number;
  private started: Promise<Store> | null = null;

  constructor(
    readonly settings: DataSourceSettings,
    readonly fingerprint: string
  ) {
    if (!settings.paths || settings.paths.length === 0) {
      throw new InvalidInputError(
        'no log paths configured: add the files or directories to read in the data source settings'
      );
    }
    this.live = new LiveLogs(
      settings.paths,
      { fieldMap: settings.fieldMap, successStatuses: settings.successStatuses, timezone: settings.timezone },
      {
        retentionMs: settings.retentionHours === undefined ? undefined : settings.retentionHours * 3_600_000,
        retentionRows: settings.retentionRows,
      }
    );
    this.maxRows = settings.maxRows ?? DEFAULT_MAX_ROWS;
  }

  get reader(): LogReader {
    return this.live.reader;
  }

  /**
   * Reads what was appended since the last read and returns the store. The first call also starts
   * following the files, so that later queries find new lines already read.
   */
  async refresh(): Promise<Store> {
    if (!this.started) {
      this.started = this.live.start();
      try {
        return await this.started;
      } catch (error) {
        this.started = null; // a missing path now may exist at the next query
        await this.live.stop();
        throw error;
      }
    }
    await this.started;
    return this.live.refresh();
  }

  stop(): Promise<void> {
    return this.live.stop();
  }
}

const MAX_INSTANCES = 64;

export type AnyInstance = DataSourceInstance | RemoteInstance;

/**
 * Data source instances by uid, as the Go SDK's instance manager keeps them: a new one when the
 * settings change (Grafana bumps lastUpdatedMS on save).
 */
export class InstanceManager {
  private readonly instances = new Map<string, AnyInstance>();

  get(context: PluginContext | null | undefined): AnyInstance {
    const settings: DataSourceInstanceSettings | null | undefined = context?.dataSourceInstanceSettings;
    if (!settings) {
      throw new InvalidInputError('the request names no data source');
    }
    const key = settings.uid || String(settings.id);
    const token = settings.decryptedSecureJsonData?.proxyToken || undefined;
    const fingerprint = `${settings.lastUpdatedMS}:${settings.jsonData?.toString('utf8') ?? ''}:${token ?? ''}`;
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
        : new DataSourceInstance(parsed, fingerprint);
    void cached?.stop();
    this.instances.set(key, instance);
    if (this.instances.size > MAX_INSTANCES) {
      const oldest = this.instances.keys().next().value as string;
      void this.instances.get(oldest)?.stop();
      this.instances.delete(oldest);
    }
    return instance;
  }

  /** Local instances, for metrics. */
  all(): Array<[string, DataSourceInstance]> {
    return [...this.instances.entries()].filter((e): e is [string, DataSourceInstance] => e[1].kind === 'local');
  }
}
