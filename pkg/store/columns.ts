/**
 * Growable typed columns. Append-only: rows are only ever added at the end, so a query can read
 * rows [0, length) while a reader appends more.
 */

const INITIAL_CAPACITY = 1024;

/** The next capacity: doubling while small, then by a quarter, so that a large column wastes at most 25%. */
export function grownCapacity(capacity: number, needed = capacity + 1): number {
  return Math.max(needed, capacity < 1 << 20 ? capacity * 2 : capacity + (capacity >> 2));
}

/** Numbers as float64; NaN marks a missing value (as in pandas). */
export class NumberColumn {
  readonly kind = 'number';
  private data = new Float64Array(INITIAL_CAPACITY);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(grownCapacity(this.data.length));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** Appends `count` missing values (a column first seen after rows already exist). */
  pushMissing(count: number): void {
    for (let i = 0; i < count; i++) {
      this.push(NaN);
    }
  }

  get(row: number): number {
    return this.data[row];
  }

  /** The filled part of the storage; a view, not a copy. */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  /** Drops the first `count` rows (retention: the oldest leave first). */
  dropFront(count: number): void {
    this.data.copyWithin(0, count, this.length);
    this.length -= count;
  }
}

/** Dictionary codes, as narrow as the dictionary allows. */
export type CodeArray = Uint8Array | Uint16Array | Uint32Array;

/**
 * Strings stored once each in a dictionary; rows hold codes. Code 0 is a missing value. Codes take one byte a
 * row while the dictionary has at most 255 strings, two up to 65,535, four beyond.
 */
export class DictionaryColumn {
  readonly kind = 'string';
  private codes: CodeArray = new Uint8Array(INITIAL_CAPACITY);
  private readonly index = new Map<string, number>();
  /** dictionary[code] is the string; dictionary[0] is null (missing). */
  readonly dictionary: Array<string | null> = [null];
  length = 0;

  push(value: string | null): void {
    this.pushCode(value === null ? 0 : this.codeOf(value));
  }

  pushMissing(count: number): void {
    for (let i = 0; i < count; i++) {
      this.pushCode(0);
    }
  }

  /** Appends a row by its code (from codeOf). */
  pushCode(code: number): void {
    let codes = this.codes;
    if (this.length === codes.length || code > (codes instanceof Uint8Array ? 0xff : 0xffff)) {
      const capacity = this.length === codes.length ? grownCapacity(codes.length) : codes.length;
      const wide = code > 0xffff || codes instanceof Uint32Array;
      const grown: CodeArray = wide
        ? new Uint32Array(capacity)
        : code > 0xff || codes instanceof Uint16Array
          ? new Uint16Array(capacity)
          : new Uint8Array(capacity);
      grown.set(codes.subarray(0, this.length));
      this.codes = codes = grown;
    }
    codes[this.length++] = code;
  }

  /** The code of a string, adding it to the dictionary if new. */
  codeOf(value: string): number {
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(value);
      this.index.set(value, code);
    }
    return code;
  }

  /** The code of a string already in the dictionary, or undefined. */
  findCode(value: string): number | undefined {
    return this.index.get(value);
  }

  get(row: number): string | null {
    return this.dictionary[this.codes[row]];
  }

  code(row: number): number {
    return this.codes[row];
  }

  codeArray(): CodeArray {
    return this.codes.subarray(0, this.length);
  }

  /** The codes' storage, for memory accounting. */
  get byteLength(): number {
    return this.codes.byteLength;
  }

  /** Drops the first `count` rows; their strings stay in the dictionary (codes must not change). */
  dropFront(count: number): void {
    this.codes.copyWithin(0, count, this.length);
    this.length -= count;
  }
}

/** Record tags of a TextColumn's heap. */
const TEXT_NULL = 0;
/** A canonical lower-case UUID (8-4-4-4-12 hex digits): 16 bytes. */
const TEXT_UUID = 1;
/** UTF-8 bytes of a well-formed string. */
const TEXT_UTF8 = 2;
/** UTF-16 code units (a string with a lone surrogate, which UTF-8 cannot carry). */
const TEXT_UTF16 = 3;

const HEX_DIGITS = '0123456789abcdef';
/** byte -> its two lower-case hex digits. */
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15]);
/** ASCII code -> hex value, or 255 for anything but 0-9 a-f. */
const HEX_VALUE = new Uint8Array(256).fill(255);
for (let i = 0; i < 16; i++) {
  HEX_VALUE[HEX_DIGITS.charCodeAt(i)] = i;
}

/**
 * Strings that are mostly unique (request ids): a dictionary would only add overhead, and a JS string per row
 * costs ~60 bytes. Each row is a record in one byte heap — a tag byte and the value: 16 bytes for a canonical
 * UUID, the UTF-8 bytes otherwise — found by its start offset; get() gives back exactly the string pushed.
 */
export class TextColumn {
  readonly kind = 'text';
  private heap = new Uint8Array(INITIAL_CAPACITY * 16);
  private used = 0;
  /** starts[row] is where the row's record begins; starts[length] where the next will. */
  private starts: Uint32Array | Float64Array = new Uint32Array(INITIAL_CAPACITY + 1);
  length = 0;

  /** Room for `bytes` more heap bytes and one more row. */
  private reserve(bytes: number): void {
    if (this.used + bytes > this.heap.length) {
      const grown = new Uint8Array(grownCapacity(this.heap.length, this.used + bytes));
      grown.set(this.heap.subarray(0, this.used));
      this.heap = grown;
    }
    if (this.length + 2 > this.starts.length) {
      const wide = this.starts instanceof Float64Array || this.heap.length > 0xffffffff;
      const capacity = grownCapacity(this.starts.length);
      const grown = wide ? new Float64Array(capacity) : new Uint32Array(capacity);
      grown.set(this.starts);
      this.starts = grown;
    } else if (this.starts instanceof Uint32Array && this.used + bytes > 0xffffffff) {
      this.starts = Float64Array.from(this.starts);
    }
  }

  private endRow(): void {
    this.length++;
    this.starts[this.length] = this.used;
  }

  push(value: string | null): void {
    if (value === null) {
      this.reserve(1);
      this.heap[this.used++] = TEXT_NULL;
      this.endRow();
      return;
    }
    if (value.length === 36 && this.packUuid(value)) {
      this.endRow();
      return;
    }
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.toString('utf8') !== value) {
      // A lone surrogate: keep the UTF-16 code units as they are.
      this.reserve(1 + value.length * 2);
      this.heap[this.used++] = TEXT_UTF16;
      for (let i = 0; i < value.length; i++) {
        const unit = value.charCodeAt(i);
        this.heap[this.used++] = unit & 255;
        this.heap[this.used++] = unit >> 8;
      }
      this.endRow();
      return;
    }
    this.reserve(1 + bytes.length);
    this.heap[this.used++] = TEXT_UTF8;
    this.heap.set(bytes, this.used);
    this.used += bytes.length;
    this.endRow();
  }

  /** Pushes the ASCII text buf[start, end) (no escapes, no bytes >= 0x80), without making a string of it. */
  pushAscii(buf: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.reserve(1 + length);
    if (length === 36 && this.packUuidBytes(buf, start)) {
      this.endRow();
      return;
    }
    this.heap[this.used++] = TEXT_UTF8;
    this.heap.set(buf.subarray(start, end), this.used);
    this.used += length;
    this.endRow();
  }

  /** A canonical lower-case UUID string as 16 bytes; false (nothing written) for anything else. */
  private packUuid(value: string): boolean {
    const codes = new Uint8Array(36);
    for (let i = 0; i < 36; i++) {
      const c = value.charCodeAt(i);
      if (c > 127) {
        return false;
      }
      codes[i] = c;
    }
    this.reserve(17);
    return this.packUuidBytes(codes, 0);
  }

  /** buf[start, start + 36) as a canonical lower-case UUID in 17 heap bytes (room reserved); false if it is not one. */
  private packUuidBytes(buf: Uint8Array, start: number): boolean {
    if (buf[start + 8] !== 0x2d || buf[start + 13] !== 0x2d || buf[start + 18] !== 0x2d || buf[start + 23] !== 0x2d) {
      return false;
    }
    const heap = this.heap;
    const at = this.used + 1;
    let out = at;
    let i = start;
    const end = start + 36;
    while (i < end) {
      if (i - start === 8 || i - start === 13 || i - start === 18 || i - start === 23) {
        i++;
        continue;
      }
      const hi = HEX_VALUE[buf[i]];
      const lo = HEX_VALUE[buf[i + 1]];
      if (hi === 255 || lo === 255) {
        return false;
      }
      heap[out++] = (hi << 4) | lo;
      i += 2;
    }
    heap[this.used] = TEXT_UUID;
    this.used = out;
    return true;
  }

  pushMissing(count: number): void {
    for (let i = 0; i < count; i++) {
      this.push(null);
    }
  }

  get(row: number): string | null {
    if (!(row >= 0 && row < this.length)) {
      return null;
    }
    const heap = this.heap;
    const start = this.starts[row];
    const end = this.starts[row + 1];
    switch (heap[start]) {
      case TEXT_NULL:
        return null;
      case TEXT_UUID: {
        const h = (k: number): string => HEX_PAIRS[heap[start + 1 + k]];
        return (
          h(0) +
          h(1) +
          h(2) +
          h(3) +
          '-' +
          h(4) +
          h(5) +
          '-' +
          h(6) +
          h(7) +
          '-' +
          h(8) +
          h(9) +
          '-' +
          h(10) +
          h(11) +
          h(12) +
          h(13) +
          h(14) +
          h(15)
        );
      }
      case TEXT_UTF8:
        return Buffer.from(heap.buffer, heap.byteOffset + start + 1, end - start - 1).toString('utf8');
      default: {
        let text = '';
        for (let i = start + 1; i < end; i += 2) {
          text += String.fromCharCode(heap[i] | (heap[i + 1] << 8));
        }
        return text;
      }
    }
  }

  /** Heap and offsets, for memory accounting. */
  get byteLength(): number {
    return this.heap.byteLength + this.starts.byteLength;
  }

  dropFront(count: number): void {
    const n = Math.min(count, this.length);
    const cut = this.starts[n];
    this.heap.copyWithin(0, cut, this.used);
    this.used -= cut;
    for (let row = 0; row <= this.length - n; row++) {
      this.starts[row] = this.starts[row + n] - cut;
    }
    this.length -= n;
  }
}

export type StringColumn = DictionaryColumn | TextColumn;
export type Column = NumberColumn | StringColumn;
