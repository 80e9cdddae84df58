import { Store } from '../store/store';

/** What a store holds: the proxy's /api/health, the backend's health check and stats. */
export interface LogsDescription {
  requests: number;
  files: number;
  /** First and last request, ISO-8601 UTC; null when there are none. */
  from: string | null;
  to: string | null;
  models: string[];
  skipped: Record<string, number>;
  /** Log files and folders that could not be read (`name: why`, relative to the configured path); absent when none. */
  unread?: string[];
}

/** The models that occur in the store's rows, sorted. */
export function modelsOf(store: Store): string[] {
  const column = store.stringColumn('model');
  if (!column) {
    return [];
  }
  const seen = new Set<string>();
  if (column.kind === 'string') {
    const codes = column.codeArray();
    const used = new Uint8Array(column.dictionary.length);
    for (let row = 0; row < codes.length; row++) {
      used[codes[row]] = 1;
    }
    column.dictionary.forEach((name, code) => {
      if (name !== null && used[code]) {
        seen.add(name);
      }
    });
  } else {
    for (let row = 0; row < store.length; row++) {
      const name = column.get(row);
      if (name !== null) {
        seen.add(name);
      }
    }
  }
  return [...seen].sort();
}

/** Counts, time span, models and skipped lines of a store. */
export function describeLogs(store: Store, files: number): LogsDescription {
  // From the time index's block bounds, which the next query needs anyway: no pass over the rows of its own (after
  // the backend's first read, this ran before the first answer).
  const { min, max } = store.timeIndex();
  let first = Infinity;
  let last = -Infinity;
  for (let b = 0; b < min.length; b++) {
    if (min[b] < first) {
      first = min[b];
    }
    if (max[b] > last) {
      last = max[b];
    }
  }
  const iso = (us: number): string | null => (Number.isFinite(us) ? new Date(us / 1000).toISOString() : null);
  return {
    requests: store.length,
    files,
    from: iso(first),
    to: iso(last),
    models: modelsOf(store),
    skipped: { ...store.skipped },
    ...(store.unreadFiles.length > 0 ? { unread: [...store.unreadFiles] } : {}),
  };
}
