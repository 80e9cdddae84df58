import type { Filters, TimeRange } from '../model/query';
import { DictionaryColumn } from '../store/columns';
import { Store } from '../store/store';
import { UnknownFieldError } from './errors';
import { CHECK_MASK, checkpoint } from './interrupt';

/** Rows of a store that pass a query's time range and filters. */
export interface Selection {
  store: Store;
  /** Row numbers, increasing. */
  rows: Uint32Array;
  /** The range asked for, in microseconds; ends are undefined when open. */
  fromUs?: number;
  toUs?: number;
  /**
   * Blocks of the time index (store.timeIndex()) whose every row is selected (no filters, wholly in range):
   * an analysis may use what it pre-computed per block for them instead of their rows. Increasing.
   */
  wholeBlocks?: number[];
  /**
   * Every selected row is in wholeBlocks (a whole-table query, or a range that falls on block edges): `rows` is
   * then only made when asked for, since an analysis that works per block may never need it.
   */
  allWhole?: boolean;
}

/** A per-row test for one field's filter. */
function fieldTest(store: Store, field: string, accepted: Array<string | number>): (row: number) => boolean {
  const column = store.columns.get(field);
  if (!column) {
    throw new UnknownFieldError(
      `unknown filter field "${field}"; fields: ${store
        .fields()
        .map((f) => f.name)
        .join(', ')}`
    );
  }
  if (column.kind === 'number') {
    const wanted = new Set(accepted.map(Number));
    const values = column.values();
    return (row) => wanted.has(values[row]);
  }
  if (column.kind === 'string') {
    const codes = column.codeArray();
    const wanted = new Set<number>();
    for (const value of accepted) {
      const code = column.findCode(String(value));
      if (code !== undefined) {
        wanted.add(code);
      }
    }
    return (row) => wanted.has(codes[row]);
  }
  const wanted = new Set(accepted.map(String));
  return (row) => {
    const value = column.get(row);
    return value !== null && wanted.has(value);
  };
}

/**
 * Selects rows with time in [from, to] (inclusive, epoch ms) matching every filter. Only the blocks of the
 * store's time index that overlap the range are looked at; the rows come out in store order.
 */
export function select(store: Store, range: TimeRange, filters: Filters = {}): Selection {
  const fromUs = range.from === undefined ? undefined : range.from * 1000;
  const toUs = range.to === undefined ? undefined : range.to * 1000;
  const tests = Object.entries(filters)
    .filter(([, values]) => values.length > 0)
    .map(([field, values]) => fieldTest(store, field, values));
  const time = store.time.values();
  const n = store.length;
  const lo = fromUs ?? -Infinity;
  const hi = toUs ?? Infinity;
  const index = store.timeIndex();
  const { blockSize } = index;
  const blockMin = index.min;
  const blockMax = index.max;
  const blocks = blockMin.length;
  // Room for every row of the blocks the range touches.
  let room = 0;
  let allWhole = tests.length === 0;
  for (let b = 0; b < blocks; b++) {
    if (blockMax[b] >= lo && blockMin[b] <= hi) {
      room += Math.min(n, (b + 1) * blockSize) - b * blockSize;
      allWhole &&= blockMin[b] >= lo && blockMax[b] <= hi;
    }
  }
  if (allWhole) {
    const wholeBlocks: number[] = [];
    for (let b = 0; b < blocks; b++) {
      if (blockMax[b] >= lo && blockMin[b] <= hi) {
        wholeBlocks.push(b);
      }
    }
    let rows: Uint32Array | null = null;
    return {
      store,
      get rows(): Uint32Array {
        rows ??= rowsOfBlocks(wholeBlocks, blockSize, n, room);
        return rows;
      },
      fromUs,
      toUs,
      wholeBlocks,
      allWhole,
    };
  }
  const rows = new Uint32Array(room);
  const wholeBlocks: number[] = [];
  let count = 0;
  for (let b = 0; b < blocks; b++) {
    if (blockMax[b] < lo || blockMin[b] > hi) {
      continue;
    }
    if ((b & 15) === 0) {
      checkpoint(); // every 16 blocks (64k rows)
    }
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    if (tests.length === 0 && blockMin[b] >= lo && blockMax[b] <= hi) {
      wholeBlocks.push(b);
      for (let row = start; row < end; row++) {
        rows[count++] = row;
      }
      continue;
    }
    outer: for (let row = start; row < end; row++) {
      const t = time[row];
      if (t < lo || t > hi) {
        continue;
      }
      for (const test of tests) {
        if (!test(row)) {
          continue outer;
        }
      }
      rows[count++] = row;
    }
  }
  return { store, rows: rows.subarray(0, count), fromUs, toUs, wholeBlocks };
}

/**
 * The selected rows as a kernel reads them: the i-th is rows[i], or base + i when they are one run of consecutive
 * rows (rows null; a selection of whole neighbouring blocks, such as the whole table), which need not be listed.
 */
export interface RowRun {
  rows: Uint32Array | null;
  base: number;
  length: number;
}

export function rowRun(selection: Selection): RowRun {
  const blocks = selection.wholeBlocks ?? [];
  if (selection.allWhole && (blocks.length === 0 || blocks[blocks.length - 1] - blocks[0] === blocks.length - 1)) {
    const size = Store.TIME_BLOCK;
    const base = blocks.length ? blocks[0] * size : 0;
    const end = blocks.length ? Math.min(selection.store.length, (blocks[blocks.length - 1] + 1) * size) : 0;
    return { rows: null, base, length: end - base };
  }
  const { rows } = selection;
  return { rows, base: 0, length: rows.length };
}

/** Every row of the given blocks, in order. */
function rowsOfBlocks(blocks: number[], blockSize: number, n: number, count: number): Uint32Array {
  const rows = new Uint32Array(count);
  let k = 0;
  for (const b of blocks) {
    const end = Math.min(n, (b + 1) * blockSize);
    for (let row = b * blockSize; row < end; row++) {
      rows[k++] = row;
    }
  }
  return rows;
}

/**
 * The runs of a selection's rows outside the given whole blocks (wholeBlock[b] === 1, each of them wholly
 * selected and complete), in order: [from, to) pairs of indices into `rows` — or, when `rows` is null (a
 * selection of whole blocks), of row numbers themselves, so that its rows need not be listed.
 */
export function runsOutside(
  selection: Selection,
  wholeBlock: Uint8Array
): { rows: Uint32Array | null; runs: number[] } {
  const size = Store.TIME_BLOCK;
  const runs: number[] = [];
  if (selection.allWhole) {
    for (const b of selection.wholeBlocks ?? []) {
      if (wholeBlock[b] !== 1) {
        runs.push(b * size, Math.min(selection.store.length, (b + 1) * size));
      }
    }
    return { rows: null, runs };
  }
  const { rows } = selection;
  let start = -1;
  for (let i = 0; i < rows.length;) {
    if (wholeBlock[Math.floor(rows[i] / size)] === 1) {
      if (start >= 0) {
        runs.push(start, i);
        start = -1;
      }
      i += size; // all its rows are selected: skip them in one step
    } else {
      if (start < 0) {
        start = i;
      }
      i++;
    }
  }
  if (start >= 0) {
    runs.push(start, rows.length);
  }
  return { rows, runs };
}

/** A reader per group-by field: a row's value as text, null when missing. */
function keyReaders(store: Store, fields: string[]): Array<(row: number) => string | null> {
  return fields.map((field) => {
    const column = store.columns.get(field);
    if (!column) {
      throw new UnknownFieldError(
        `unknown group-by field "${field}"; fields: ${store
          .fields()
          .map((f) => f.name)
          .join(', ')}`
      );
    }
    if (column.kind === 'number') {
      const values = column.values();
      return (row: number): string | null => (values[row] === values[row] ? String(values[row]) : null);
    }
    return (row: number): string | null => column.get(row);
  });
}

/**
 * How many groups groupRows would make of a selection, counting no further than `atMost` (when given): a bound can
 * be checked before any group is built. By one dictionary-encoded field, a flag per code; otherwise a set of keys
 * that stops growing at atMost, so a unique field costs no more than the bound.
 */
export function countGroups(selection: Selection, fields: string[], atMost?: number): number {
  const { store, rows } = selection;
  if (fields.length === 0) {
    return 1;
  }
  const only = fields.length === 1 ? store.columns.get(fields[0]) : undefined;
  if (only?.kind === 'string') {
    const codes = only.codeArray();
    const seen = new Uint8Array(only.dictionary.length);
    for (let i = 0; i < rows.length; i++) {
      seen[codes[rows[i]]] = 1;
    }
    let n = 0;
    for (let code = 1; code < seen.length; code++) {
      n += seen[code];
    }
    // No further than atMost, as the other way and ClickHouse count: the same answer through every door.
    return atMost === undefined ? n : Math.min(n, atMost);
  }
  const readers = keyReaders(store, fields);
  const keys = new Set<string>();
  outer: for (let i = 0; i < rows.length; i++) {
    const key: string[] = [];
    for (const read of readers) {
      const value = read(rows[i]);
      if (value === null) {
        continue outer;
      }
      key.push(value);
    }
    keys.add(key.join('\u0000'));
    if (atMost !== undefined && keys.size >= atMost) {
      break;
    }
  }
  return keys.size;
}

/** Rows split by the values of string fields, groups in sorted key order; missing keys dropped (as pandas). */
export interface Groups {
  fields: string[];
  keys: string[][];
  rows: Uint32Array[];
}

export function groupRows(selection: Selection, fields: string[]): Groups {
  const { store, rows } = selection;
  if (fields.length === 0) {
    return { fields, keys: [[]], rows: [rows] };
  }
  const only = fields.length === 1 ? store.columns.get(fields[0]) : undefined;
  if (only?.kind === 'string') {
    return groupByCodes(fields, only, rows);
  }
  const readers = keyReaders(store, fields);
  const byKey = new Map<string, { key: string[]; rows: number[] }>();
  outer: for (let i = 0; i < rows.length; i++) {
    if ((i & CHECK_MASK) === 0) {
      checkpoint();
    }
    const row = rows[i];
    const key: string[] = [];
    for (const read of readers) {
      const value = read(row);
      if (value === null) {
        continue outer;
      }
      key.push(value);
    }
    const id = key.join('\u0000');
    let group = byKey.get(id);
    if (!group) {
      group = { key, rows: [] };
      byKey.set(id, group);
    }
    group.rows.push(row);
  }
  const sorted = [...byKey.values()].sort((a, b) => compareKeys(a.key, b.key));
  return { fields, keys: sorted.map((g) => g.key), rows: sorted.map((g) => Uint32Array.from(g.rows)) };
}

/** One dictionary-encoded field: rows split by code, counted first so each group is one typed array. */
function groupByCodes(fields: string[], column: DictionaryColumn, rows: Uint32Array): Groups {
  const codes = column.codeArray();
  const counts = new Uint32Array(column.dictionary.length);
  // Rows are increasing and distinct: as many as the store has means all of them, in order.
  const all = rows.length === codes.length;
  if (all) {
    for (let row = 0; row < codes.length; row++) {
      counts[codes[row]]++;
    }
  } else {
    for (let i = 0; i < rows.length; i++) {
      counts[codes[rows[i]]]++;
    }
  }
  const present: number[] = [];
  for (let code = 1; code < counts.length; code++) {
    if (counts[code] > 0) {
      present.push(code);
    }
  }
  const slot = new Int32Array(counts.length).fill(-1);
  const out = present.map((code, i) => {
    slot[code] = i;
    return new Uint32Array(counts[code]);
  });
  const filled = new Uint32Array(present.length);
  if (present.length === 1) {
    const only = out[0];
    const code = present[0];
    let k = 0;
    for (let i = 0; i < rows.length; i++) {
      if (codes[rows[i]] === code) {
        only[k++] = rows[i];
      }
    }
  } else {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const g = slot[codes[row]];
      if (g >= 0) {
        out[g][filled[g]++] = row;
      }
    }
  }
  const keys = present.map((code) => [column.dictionary[code] as string]);
  const order = keys.map((_, i) => i).sort((a, b) => compareKeys(keys[a], keys[b]));
  return { fields, keys: order.map((i) => keys[i]), rows: order.map((i) => out[i]) };
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return a[i] < b[i] ? -1 : 1;
    }
  }
  return 0;
}

/**
 * Start and end of the selection in µs: the query's range where given, else the data's (`of: 'data'`: the
 * data's, whatever the range).
 */
export function selectionSpan(
  selection: Selection,
  of: 'range' | 'data' = 'range'
): { startUs: number; endUs: number } | null {
  const { store } = selection;
  const fromUs = of === 'range' ? selection.fromUs : undefined;
  const toUs = of === 'range' ? selection.toUs : undefined;
  if (fromUs !== undefined && toUs !== undefined) {
    return { startUs: fromUs, endUs: toUs };
  }
  if (selection.allWhole) {
    // Whole blocks: the time index has the extremes.
    const blocks = selection.wholeBlocks ?? [];
    if (blocks.length === 0) {
      return null;
    }
    const index = store.timeIndex();
    let lo = Infinity;
    let hi = -Infinity;
    for (const b of blocks) {
      lo = Math.min(lo, index.min[b]);
      hi = Math.max(hi, index.max[b]);
    }
    return { startUs: fromUs ?? lo, endUs: toUs ?? hi };
  }
  const { rows } = selection;
  if (rows.length === 0) {
    return null;
  }
  const time = store.time.values();
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const t = time[rows[i]];
    if (t < lo) {
      lo = t;
    }
    if (t > hi) {
      hi = t;
    }
  }
  return { startUs: fromUs ?? lo, endUs: toUs ?? hi };
}
