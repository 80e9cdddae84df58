import { CodeArray, DictionaryColumn, NumberColumn, NumberStorage } from './columns';
import { LineSource, RequestIdColumn } from './request-ids';
import { Store } from './store';

/*
 * A store as typed arrays plus a JSON description of them, for the restart cache: the arrays are the columns'
 * own storage (views, no per-row encoding), so writing and reading them is a few large copies.
 */

/** A column's storage. Those read from a cache file, or copied from them, are never over shared memory. */
export type TypedArray = Int8Array | Int16Array | Int32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array;

/** Per column: its kind and which of the snapshot's arrays hold it (by index). */
export type ColumnMeta =
  | { name: string; kind: 'number'; data: number; scale: number; float: boolean }
  | { name: string; kind: 'string'; codes: number; dictionary: Array<string | null> }
  | {
      name: string;
      kind: 'ids';
      offsets: number;
      segmentRow: number;
      segmentSource: number;
      segmentBase: number;
      heap: number;
      starts: number;
    };

export interface StoreMeta {
  length: number;
  /** null: no rows (-Infinity has no JSON). */
  newestUs: number | null;
  expired: number;
  skipped: Record<string, number>;
  invalidValues: Record<string, number>;
  time: number;
  errors: number;
  columns: ColumnMeta[];
}

export interface StoreSnapshot {
  meta: StoreMeta;
  arrays: TypedArray[];
}

/** Which source a request id segment reads its lines from: an index into the caller's table, -1 for none. */
export type SourceIndex = (source: LineSource) => number;

/** The store's rows as a snapshot. The arrays are views of the live columns: write them before the store changes. */
export function captureStore(store: Store, indexOf: SourceIndex): StoreSnapshot {
  const arrays: TypedArray[] = [];
  const add = (array: TypedArray): number => arrays.push(array) - 1;
  const columns: ColumnMeta[] = [];
  for (const [name, column] of store.columns) {
    if (column instanceof NumberColumn) {
      const { data, scale, float } = column.parts();
      columns.push({ name, kind: 'number', data: add(data), scale, float });
    } else if (column instanceof DictionaryColumn) {
      columns.push({ name, kind: 'string', codes: add(column.codeArray()), dictionary: [...column.dictionary] });
    } else if (column instanceof RequestIdColumn) {
      const parts = column.parts();
      columns.push({
        name,
        kind: 'ids',
        offsets: add(parts.offsets),
        segmentRow: add(Float64Array.from(parts.segmentRow)),
        segmentSource: add(Int32Array.from(parts.segmentSource, (s) => (s ? indexOf(s) : -1))),
        segmentBase: add(Float64Array.from(parts.segmentBase)),
        heap: add(parts.memory.heap),
        starts: add(parts.memory.starts),
      });
    } else {
      throw new Error(`column ${name} is of a kind the cache does not know`);
    }
  }
  return {
    meta: {
      length: store.length,
      newestUs: Number.isFinite(store.newestUs) ? store.newestUs : null,
      expired: store.expired,
      skipped: { ...store.skipped },
      invalidValues: { ...store.invalidValues },
      time: add(store.time.parts().data),
      errors: add(store.errors.values()),
      columns,
    },
    arrays,
  };
}

const isNumberStorage = (a: TypedArray): a is NumberStorage =>
  a instanceof Int8Array || a instanceof Int16Array || a instanceof Int32Array || a instanceof Float64Array;
const isCodes = (a: TypedArray): a is CodeArray =>
  a instanceof Uint8Array || a instanceof Uint16Array || a instanceof Uint32Array;

/**
 * Puts a snapshot's rows into `store` (a new, empty one, or the one it was captured from), request id segments
 * pointing at `sources`. Everything is
 * checked before anything changes: a snapshot that does not fit throws and leaves the store as it was.
 */
export function restoreStore(store: Store, snapshot: StoreSnapshot, sources: LineSource[]): void {
  const { meta, arrays } = snapshot;
  const rows = meta.length;
  const fail = (what: string): never => {
    throw new Error(`the cached ${what} does not fit`);
  };
  const array = (index: number, what: string, length = rows): TypedArray => {
    const found = arrays[index];
    return found && (length < 0 || found.length === length) ? found : fail(what);
  };
  const time = array(meta.time, 'time');
  const errors = array(meta.errors, 'errors');
  if (!(time instanceof Float64Array) || !(errors instanceof Uint8Array)) {
    return fail('time');
  }
  const apply: Array<() => void> = [];
  for (const c of meta.columns) {
    if (c.kind === 'number') {
      const data = array(c.data, c.name);
      if (!isNumberStorage(data)) {
        return fail(c.name);
      }
      apply.push(() =>
        restoreColumn(store, c.name, NumberColumn).restoreParts(
          { data: withRoom(data), scale: c.scale, float: c.float },
          rows
        )
      );
    } else if (c.kind === 'string') {
      const codes = array(c.codes, c.name);
      if (!isCodes(codes)) {
        return fail(c.name);
      }
      apply.push(() =>
        restoreColumn(store, c.name, DictionaryColumn).restoreParts(withRoom(codes), c.dictionary, rows)
      );
    } else {
      const offsets = array(c.offsets, c.name);
      const segmentRow = array(c.segmentRow, c.name, -1);
      const segmentSource = array(c.segmentSource, c.name, segmentRow.length);
      const segmentBase = array(c.segmentBase, c.name, segmentRow.length);
      const heap = array(c.heap, c.name, -1);
      const starts = array(c.starts, c.name, -1);
      if (
        !(offsets instanceof Uint32Array) ||
        !(heap instanceof Uint8Array) ||
        !(starts instanceof Uint32Array || starts instanceof Float64Array) ||
        starts.length < 1 ||
        !(segmentSource instanceof Int32Array) ||
        segmentSource.some((s) => s >= sources.length)
      ) {
        return fail(c.name);
      }
      apply.push(() =>
        restoreColumn(store, c.name, RequestIdColumn).restoreParts(
          {
            offsets: withRoom(offsets as Uint32Array<ArrayBuffer>),
            segmentRow: Array.from(segmentRow),
            segmentSource: Array.from(segmentSource, (s) => (s < 0 ? null : sources[s])),
            segmentBase: Array.from(segmentBase),
            memory: { heap: heap as Uint8Array<ArrayBuffer>, starts },
          },
          rows
        )
      );
    }
  }
  store.time.restoreParts({ data: withRoom(time), scale: 0, float: true }, rows);
  store.errors.restore(withRoom(errors as Uint8Array<ArrayBuffer>), rows);
  apply.forEach((restore) => restore());
  store.length = rows;
  store.newestUs = meta.newestUs ?? -Infinity;
  store.expired = meta.expired;
  Object.assign(store.skipped, meta.skipped);
  Object.assign(store.invalidValues, meta.invalidValues);
  store.rowsReplaced();
}

/**
 * The whole array a view starts (the view's rows, then room to append without a copy): a snapshot read from a file
 * holds each array in an ArrayBuffer of its own, with room after the rows (readSnapshotFile's `room`).
 */
function withRoom<T extends TypedArray>(view: T): T {
  const Kind = view.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => T;
  return new Kind(view.buffer, view.byteOffset, (view.buffer.byteLength - view.byteOffset) / view.BYTES_PER_ELEMENT);
}

/** The store's column `name` if it is of that class (it keeps its lookup, for request ids), else a new one put there. */
function restoreColumn<T extends NumberColumn | DictionaryColumn | RequestIdColumn>(
  store: Store,
  name: string,
  Kind: new () => T
): T {
  const column = store.columns.get(name);
  if (column instanceof Kind) {
    return column;
  }
  const made = new Kind();
  store.columns.set(name, made);
  return made;
}

/**
 * The snapshot without the rows whose lines are in a source that `gone` names (a file deleted or rewritten since):
 * a new snapshot of copies, or null when no row is in such a source. In-memory ids (no source) are kept.
 */
export function dropRowsOf(snapshot: StoreSnapshot, gone: (sourceIndex: number) => boolean): StoreSnapshot | null {
  const { meta, arrays } = snapshot;
  const ids = meta.columns.find((c) => c.kind === 'ids');
  if (!ids || ids.kind !== 'ids') {
    return null;
  }
  const segmentRow = arrays[ids.segmentRow];
  const segmentSource = arrays[ids.segmentSource];
  const segmentBase = arrays[ids.segmentBase];
  // Rows [from, to) kept, and the segments kept with their new first rows.
  const kept: Array<[number, number]> = [];
  const keptSegments: number[] = [];
  const newRow: number[] = [];
  let rows = 0;
  for (let s = 0; s < segmentRow.length; s++) {
    const from = segmentRow[s];
    const to = s + 1 < segmentRow.length ? segmentRow[s + 1] : meta.length;
    if (segmentSource[s] >= 0 && gone(segmentSource[s])) {
      continue;
    }
    kept.push([from, to]);
    keptSegments.push(s);
    newRow.push(rows);
    rows += to - from;
  }
  if (rows === meta.length) {
    return null;
  }
  const perRow = new Set<number>([meta.time, meta.errors, ids.offsets]);
  for (const c of meta.columns) {
    perRow.add(c.kind === 'number' ? c.data : c.kind === 'string' ? c.codes : c.offsets);
  }
  const out = arrays.map((array, index) => {
    if (!perRow.has(index)) {
      return array;
    }
    const copy = new (array.constructor as new (n: number) => TypedArray)(rows);
    let at = 0;
    for (const [from, to] of kept) {
      copy.set(array.subarray(from, to), at);
      at += to - from;
    }
    return copy;
  });
  out[ids.segmentRow] = Float64Array.from(newRow);
  out[ids.segmentSource] = Int32Array.from(keptSegments, (s) => segmentSource[s]);
  out[ids.segmentBase] = Float64Array.from(keptSegments, (s) => segmentBase[s]);
  let newest = -Infinity;
  const time = out[meta.time];
  for (let i = 0; i < time.length; i++) {
    newest = time[i] > newest ? time[i] : newest;
  }
  return { meta: { ...meta, length: rows, newestUs: rows > 0 ? newest : null }, arrays: out };
}
