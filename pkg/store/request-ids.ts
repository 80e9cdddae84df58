import { grownCapacity, TextColumn } from './columns';

/**
 * A log file as the reader knows it now. The reader keeps it current: a renamed file gets its new path; when a
 * file's content moves to a copy (copy-truncate rotation, a rotated file gzipped), `moved` points at the copy,
 * whose bytes are the same at the same offsets; when the content is gone, path is ''.
 */
export interface LineSource {
  path: string;
  gzip: boolean;
  moved?: LineSource;
}

/**
 * Reads the request id of the line at `offset` of `source` back from the file (the row's line: the lookup checks
 * that it still is). undefined when it cannot: the file is gone or no longer holds that line.
 */
export type RequestIdLookup = (source: LineSource, offset: number, row: number) => string | null | undefined;

/** A RequestIdColumn as held (see RequestIdColumn.parts). */
export interface RequestIdParts {
  offsets: Uint32Array<ArrayBuffer>;
  segmentRow: number[];
  segmentSource: Array<LineSource | null>;
  segmentBase: number[];
  memory: { heap: Uint8Array<ArrayBuffer>; starts: Uint32Array | Float64Array };
}

/**
 * The request id column. Ids are mostly unique and long, so for a row read from a log file the column holds
 * only where its line is (4 bytes a row: the offset from its segment's start) and reads the id back from the
 * file when a result shows it. Rows that came from elsewhere keep their id in memory (a TextColumn).
 * Segments are runs of rows from one source; a segment without a source is a run of in-memory ids, and there
 * the per-row number is the row's index in the in-memory column.
 */
export class RequestIdColumn {
  readonly kind = 'text';
  private readonly memory = new TextColumn();
  private offsets = new Uint32Array(1024);
  private segmentRow: number[] = [];
  private segmentSource: Array<LineSource | null> = [];
  private segmentBase: number[] = [];
  length = 0;
  /** Set by the log reader: how to read an id back. */
  lookup: RequestIdLookup | null = null;
  /** Ids asked for that could not be read back (their log file gone, or changed in place). */
  unavailable = 0;

  private pushOffset(source: LineSource | null, position: number): void {
    const last = this.segmentSource.length - 1;
    let base = last >= 0 ? this.segmentBase[last] : 0;
    if (last < 0 || this.segmentSource[last] !== source || position < base || position - base > 0xffffffff) {
      this.segmentRow.push(this.length);
      this.segmentSource.push(source);
      this.segmentBase.push((base = source ? position : 0));
    }
    if (this.length === this.offsets.length) {
      const grown = new Uint32Array(grownCapacity(this.offsets.length));
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.length++] = position - base;
  }

  /** A row whose id is in the line at `offset` of `source`. */
  pushAt(source: LineSource, offset: number): void {
    this.pushOffset(source, offset);
  }

  /** Room for `rows` more rows without growing. */
  makeRoom(rows: number): void {
    if (this.length + rows > this.offsets.length) {
      const grown = new Uint32Array(this.length + rows);
      grown.set(this.offsets.subarray(0, this.length));
      this.offsets = grown;
    }
  }

  /** Rows whose ids are in the lines at offsets[from, to) of `source`. */
  pushOffsets(source: LineSource, offsets: Float64Array, from: number, to: number): void {
    if (this.length + (to - from) > this.offsets.length) {
      const grown = new Uint32Array(grownCapacity(this.offsets.length, this.length + (to - from)));
      grown.set(this.offsets);
      this.offsets = grown;
    }
    for (let i = from; i < to;) {
      this.pushOffset(source, offsets[i++]); // opens a segment when needed
      const last = this.segmentBase.length - 1;
      const base = this.segmentBase[last];
      const out = this.offsets;
      let length = this.length;
      // The rest of the run, while it stays in this segment.
      for (; i < to; i++) {
        const position = offsets[i];
        if (position < base || position - base > 0xffffffff) {
          break;
        }
        out[length++] = position - base;
      }
      this.length = length;
    }
  }

  /** A row whose id is kept in memory. */
  push(value: string | null): void {
    this.pushOffset(null, this.memory.length);
    this.memory.push(value);
  }

  /** Pushes the ASCII text buf[start, end) as an in-memory id. */
  pushAscii(buf: Uint8Array, start: number, end: number): void {
    this.pushOffset(null, this.memory.length);
    this.memory.pushAscii(buf, start, end);
  }

  pushMissing(count: number): void {
    for (let i = 0; i < count; i++) {
      this.push(null);
    }
  }

  /** The segment holding `row`: the last one starting at or before it. */
  private segmentOf(row: number): number {
    let lo = 0;
    let hi = this.segmentRow.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segmentRow[mid] <= row) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  get(row: number): string | null {
    if (!(row >= 0 && row < this.length)) {
      return null;
    }
    const s = this.segmentOf(row);
    const source = this.segmentSource[s];
    if (source === null) {
      return this.memory.get(this.offsets[row]);
    }
    const id = this.lookup ? this.lookup(source, this.segmentBase[s] + this.offsets[row], row) : undefined;
    if (id === undefined) {
      this.unavailable++;
      return null;
    }
    return id;
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return this.offsets.byteLength + this.memory.byteLength + this.segmentRow.length * 24;
  }

  trim(): void {
    if (this.offsets.length > this.length) {
      this.offsets = this.offsets.slice(0, Math.max(this.length, 1));
    }
    this.memory.trim();
  }

  /** The column as held, for the restart cache (snapshot.ts): per-row offsets, segments, in-memory ids. No copy. */
  parts(): RequestIdParts {
    return {
      offsets: this.offsets.subarray(0, this.length),
      segmentRow: this.segmentRow,
      segmentSource: this.segmentSource,
      segmentBase: this.segmentBase,
      memory: this.memory.parts(),
    };
  }

  /** Takes the first `length` rows of parts() in place of its own (the rest is room; the lookup stays). */
  restoreParts(parts: RequestIdParts, length = parts.offsets.length): void {
    this.offsets = parts.offsets;
    this.length = length;
    this.segmentRow = parts.segmentRow;
    this.segmentSource = parts.segmentSource;
    this.segmentBase = parts.segmentBase;
    this.memory.restoreParts(parts.memory.heap, parts.memory.starts);
  }

  /** Drops the first `count` rows (retention). */
  dropFront(count: number): void {
    const n = Math.min(count, this.length);
    if (n <= 0) {
      return;
    }
    // In-memory ids of the dropped rows are the first ones of the memory column: drop them there too.
    let inMemory = 0;
    for (let s = 0; s < this.segmentRow.length && this.segmentRow[s] < n; s++) {
      if (this.segmentSource[s] === null) {
        const end = s + 1 < this.segmentRow.length ? this.segmentRow[s + 1] : this.length;
        inMemory += Math.min(end, n) - this.segmentRow[s];
      }
    }
    this.memory.dropFront(inMemory);
    this.offsets.copyWithin(0, n, this.length);
    this.length -= n;
    const first = this.segmentOf(n);
    this.segmentRow = this.segmentRow.slice(first).map((row) => Math.max(0, row - n));
    this.segmentSource = this.segmentSource.slice(first);
    this.segmentBase = this.segmentBase.slice(first);
    if (inMemory > 0) {
      for (let s = 0; s < this.segmentRow.length; s++) {
        if (this.segmentSource[s] === null) {
          const end = s + 1 < this.segmentRow.length ? this.segmentRow[s + 1] : this.length;
          for (let row = this.segmentRow[s]; row < end; row++) {
            this.offsets[row] -= inMemory;
          }
        }
      }
    }
  }
}
