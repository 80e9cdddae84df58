import { AnalysisContext } from './context';
import { Frame, FrameField } from './frames';
import { select } from './select';
import { Store } from '../store/store';
import { CHECK_MASK, checkpoint } from './interrupt';

/** The stored columns of some rows, time first, in the store's column order. */
export function rowFields(store: Store, rows: ArrayLike<number>): FrameField[] {
  const time = store.time.values();
  const fields: FrameField[] = [{ name: 'timestamp', type: 'time', values: Array.from(rows, (r) => time[r]) }];
  for (const [name, column] of store.columns) {
    if (column.kind === 'number') {
      const values = column.values();
      fields.push({ name, type: 'number', values: Array.from(rows, (r) => values[r]) });
    } else {
      fields.push({ name, type: 'string', values: Array.from(rows, (r) => column.get(r)) });
    }
  }
  return fields;
}

/** Selected rows in time order (stable: equal times keep their log order). */
export function rowsInTimeOrder(store: Store, rows: Uint32Array, newestFirst = false): Uint32Array {
  const time = store.time.values();
  // Logs are mostly written in time order: then the rows (in store order) already are, and the slow sort is skipped.
  let ordered = true;
  for (let i = 1; i < rows.length && ordered; i++) {
    if ((i & CHECK_MASK) === 0) {
      checkpoint();
    }
    ordered = time[rows[i - 1]] <= time[rows[i]];
  }
  const sorted = ordered ? Uint32Array.from(rows) : Uint32Array.from(rows).sort((a, b) => time[a] - time[b] || a - b);
  checkpoint();
  return newestFirst ? sorted.reverse() : sorted;
}

/** logs: the raw requests, newest first, as a logs frame for Explore. */
export function logs(ctx: AnalysisContext): Frame[] {
  const { store, query } = ctx;
  const selection = select(store, ctx.range, query.filters);
  let rows = rowsInTimeOrder(store, selection.rows, true);
  if (query.limit !== undefined && query.limit >= 0) {
    rows = rows.subarray(0, query.limit);
  }
  const fields = rowFields(store, rows);
  const errors = store.errors.values();
  // Unique within the answer (Explore keys log rows by it): the request's time and its place in the store.
  const times = fields[0].values;
  const id = Array.from(rows, (row, i) => `${times[i]}_${row}`);
  return [
    logsFrame(
      fields,
      Array.from(rows, (row) => errors[row] === 1),
      id,
      selection.rows.length
    ),
  ];
}

/**
 * The logs frame of some requests: their fields (time first), whether each is an error, an id unique within the
 * answer, and how many requests were selected before the limit.
 */
export function logsFrame(fields: FrameField[], isError: boolean[], id: string[], total: number): Frame {
  // A logfmt line per request, so Explore shows something readable and searchable.
  const body = id.map((_, i) =>
    fields
      .slice(1)
      .map((f) => ({ name: f.name, value: f.values[i] }))
      .filter(({ value }) => value !== null && !(typeof value === 'number' && Number.isNaN(value)))
      .map(
        ({ name, value }) => `${name}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : value}`
      )
      .join(' ')
  );
  const severity = isError.map((error) => (error ? 'error' : 'info'));
  return {
    name: 'logs',
    // The data plane's log-lines shape: timestamp, body, severity, id; the stored fields follow.
    fields: [
      fields[0],
      { name: 'body', type: 'string', values: body },
      { name: 'severity', type: 'string', values: severity },
      { name: 'id', type: 'string', values: id },
      ...fields.slice(1),
    ],
    meta: { preferredVisualisationType: 'logs', custom: { total } },
  };
}
