/**
 * Growable typed columns. Append-only: rows are only ever added at the end, so a query can read
 * rows [0, length) while a reader appends more.
 */

const INITIAL_CAPACITY = 1024;

/** The next capacity: doubling while small, then by a quarter, so that a large column wastes at most 25%. */
export function grownCapacity(capacity: number, needed = capacity + 1): number {
  return Math.max(needed, capacity < 1 << 20 ? capacity * 2 : capacity + (capacity >> 2));
}

/** A NumberColumn's storage as kernels read it (see NumberColumn.raw). */
export interface NumericData {
  data: NumberStorage;
  factor: number;
  missing: number;
}

/** Storage of a NumberColumn: scaled integers as narrow as the values allow, float64 when nothing narrower is exact. */
export type NumberStorage = Int8Array | Int16Array | Int32Array | Float64Array;

/** A NumberColumn's rows as stored (see NumberColumn.parts). */
export interface NumberParts {
  data: NumberStorage;
  scale: number;
  float: boolean;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/** More decimals than this and the scaled value rarely fits 32 bits: such columns stay float64. */
const MAX_SCALE = POW10.length - 1;
/** Integer widths, narrowest first: the largest magnitude each holds (its most negative value marks "missing"). */
const WIDTHS = [
  { limit: 0x7f, make: (n: number): NumberStorage => new Int8Array(n) },
  { limit: 0x7fff, make: (n: number): NumberStorage => new Int16Array(n) },
  { limit: 0x7fffffff, make: (n: number): NumberStorage => new Int32Array(n) },
];

/** Rows pushValues scales at a time. */
const SCRATCH_ROWS = 1 << 16;
const SCRATCH = new Int32Array(SCRATCH_ROWS);

/**
 * values[from, to) as integers scaled by `factor` into out[0..], missing (NaN) as `missing`, while they fit exactly
 * within ±limit; returns how many it wrote (fewer than to - from when values[from + that] does not fit).
 */
function scaleInto(
  out: Int32Array,
  values: Float64Array,
  from: number,
  to: number,
  factor: number,
  limit: number,
  missing: number
): number {
  let n = 0;
  for (let i = from; i < to; i++, n++) {
    const value = values[i];
    if (value !== value) {
      out[n] = missing;
      continue;
    }
    const scaled = Math.round(value * factor);
    if (!(scaled / factor === value && scaled <= limit && scaled >= -limit && (value !== 0 || 1 / value > 0))) {
      return n;
    }
    out[n] = scaled;
  }
  return n;
}

/**
 * Numbers, NaN marking a missing value (as in pandas). Log values are short decimals (a latency of 414.701 ms,
 * a GPU at 82.3 %, a batch of 32), so a column keeps each as an integer m with value === m / 10^scale — exact,
 * because both m and 10^scale are exact doubles and one division is correctly rounded, as parsing the text was —
 * in 1, 2 or 4 bytes, widening (more bytes, more decimals) when a value needs it and falling back to float64
 * when no integer form is exact. The most negative integer of the width is the missing value.
 */
export class NumberColumn {
  readonly kind = 'number';
  private data: NumberStorage;
  /** value = data[i] / factor, factor = 10^scale (integer storage only). */
  private scale = 0;
  private factor = 1;
  private width = 0;
  private limit = WIDTHS[0].limit;
  private missing = -WIDTHS[0].limit - 1;
  private float = false;
  length = 0;

  /** `float`: store float64 from the start (times in µs, which never fit 32 bits). */
  constructor(options: { float?: boolean } = {}) {
    if (options.float) {
      this.float = true;
      this.data = new Float64Array(INITIAL_CAPACITY);
    } else {
      this.data = WIDTHS[0].make(INITIAL_CAPACITY);
    }
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      this.resize(grownCapacity(this.data.length));
    }
    if (this.float) {
      this.data[this.length++] = value;
      return;
    }
    if (value !== value) {
      this.data[this.length++] = this.missing;
      return;
    }
    const scaled = Math.round(value * this.factor);
    if (
      scaled / this.factor === value &&
      scaled <= this.limit &&
      scaled >= -this.limit &&
      (value !== 0 || 1 / value > 0)
    ) {
      this.data[this.length++] = scaled;
      return;
    }
    this.widenFor(value);
    this.push(value);
  }

  /** Appends values[from, to): what push() of each does, in one loop. */
  pushValues(values: Float64Array, from: number, to: number): void {
    if (this.length + (to - from) > this.data.length) {
      this.resize(grownCapacity(this.data.length, this.length + (to - from)));
    }
    if (this.float) {
      this.data.set(values.subarray(from, to), this.length);
      this.length += to - from;
      return;
    }
    // Scaled into one Int32Array, then copied into the storage natively: a loop that writes to whichever of four
    // array types the column has is several times slower, once it has met more than one.
    while (from < to) {
      const count = Math.min(to - from, SCRATCH_ROWS);
      const done = scaleInto(SCRATCH, values, from, from + count, this.factor, this.limit, this.missing);
      this.data.set(SCRATCH.subarray(0, done), this.length);
      this.length += done;
      from += done;
      if (done < count) {
        this.push(values[from++]); // re-encodes the column (or turns it float64) first
        if (this.float) {
          this.pushValues(values, from, to);
          return;
        }
      }
    }
  }

  /** Appends `count` missing values (a column first seen after rows already exist). */
  pushMissing(count: number): void {
    for (let i = 0; i < count; i++) {
      this.push(NaN);
    }
  }

  /** Room for `rows` more rows without growing (a bulk read that knows roughly how many are coming). */
  makeRoom(rows: number): void {
    if (this.length + rows > this.data.length) {
      this.resize(this.length + rows);
    }
  }

  get(row: number): number {
    const v = this.data[row];
    return this.float ? v : v === this.missing ? NaN : v / this.factor;
  }

  /** The values as float64: a view for float storage, a fresh array for integer storage. */
  values(): Float64Array {
    if (this.float) {
      return (this.data as Float64Array).subarray(0, this.length);
    }
    const out = new Float64Array(this.length);
    const { data, missing, factor } = this;
    for (let i = 0; i < out.length; i++) {
      const v = data[i];
      out[i] = v === missing ? NaN : v / factor;
    }
    return out;
  }

  /**
   * A float64 array indexed by row where only `rows` are filled — the other entries are unspecified (the
   * memory is not even cleared: clearing 8 bytes for every row of a large store would cost a time-range
   * query more than its rows do). What a query over some rows needs, without converting the whole column.
   */
  valuesAt(rows: ArrayLike<number>): Float64Array {
    if (this.float) {
      return (this.data as Float64Array).subarray(0, this.length);
    }
    if (rows.length === this.length) {
      return this.values(); // every row (a whole-table query): one sequential pass
    }
    const bytes = Buffer.allocUnsafeSlow(this.length * 8);
    const out = new Float64Array(bytes.buffer, bytes.byteOffset, this.length);
    const { data, missing, factor } = this;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const v = data[row];
      out[row] = v === missing ? NaN : v / factor;
    }
    return out;
  }

  /**
   * The storage itself, for kernels that read it without a float64 copy: the value of row r is
   * `data[r] === missing ? NaN : data[r] / factor` (float storage: factor 1, missing NaN, never equal).
   */
  raw(): NumericData {
    return {
      data: this.data.subarray(0, this.length),
      factor: this.factor,
      missing: this.float ? NaN : this.missing,
    };
  }

  /** Bytes held, for memory accounting. */
  get byteLength(): number {
    return this.data.byteLength;
  }

  /** Drops the first `count` rows (retention: the oldest leave first). */
  dropFront(count: number): void {
    this.data.copyWithin(0, count, this.length);
    this.length -= count;
  }

  /** Gives back the growth room (after a bulk load). */
  trim(): void {
    if (this.data.length > this.length) {
      this.resize(Math.max(this.length, 1));
    }
  }

  private resize(capacity: number): void {
    const grown = this.float ? new Float64Array(capacity) : WIDTHS[this.width].make(capacity);
    grown.set(this.data.subarray(0, Math.min(this.length, capacity)));
    this.data = grown;
  }

  /** Re-encodes the column so that `value` fits: more decimals, a wider integer, or float64. */
  private widenFor(value: number): void {
    let scale = this.scale;
    while (scale <= MAX_SCALE && Math.round(value * POW10[scale]) / POW10[scale] !== value) {
      scale++;
    }
    let largest = Number.isFinite(value) && scale <= MAX_SCALE ? Math.abs(Math.round(value * POW10[scale])) : Infinity;
    if (Object.is(value, -0)) {
      largest = Infinity; // -0 has no integer form
    }
    const { data, missing } = this;
    const multiplier = POW10[Math.min(scale, MAX_SCALE) - this.scale] ?? 1;
    for (let i = 0; i < this.length && largest !== Infinity; i++) {
      const v = data[i];
      if (v !== missing && Math.abs(v) * multiplier > largest) {
        largest = Math.abs(v) * multiplier;
      }
    }
    const width = WIDTHS.findIndex((w) => largest <= w.limit);
    if (width < 0) {
      this.toFloat();
      return;
    }
    const next = WIDTHS[width].make(this.data.length);
    const nextMissing = -WIDTHS[width].limit - 1;
    for (let i = 0; i < this.length; i++) {
      const v = data[i];
      next[i] = v === missing ? nextMissing : v * multiplier;
    }
    this.data = next;
    this.width = width;
    this.limit = WIDTHS[width].limit;
    this.missing = nextMissing;
    this.scale = scale;
    this.factor = POW10[scale];
  }

  /** The column as it is held, for the restart cache (snapshot.ts): rows [0, length) only, no copy. */
  parts(): NumberParts {
    return { data: this.data.subarray(0, this.length), scale: this.scale, float: this.float };
  }

  /** Takes the first `length` rows of parts() (as read back from the cache; the rest is room) in place of its own. */
  restoreParts(parts: NumberParts, length = parts.data.length): void {
    this.data = parts.data;
    this.length = length;
    this.float = parts.float;
    this.scale = parts.float ? 0 : parts.scale;
    this.factor = parts.float ? 1 : POW10[parts.scale];
    if (!parts.float) {
      this.width = parts.data instanceof Int8Array ? 0 : parts.data instanceof Int16Array ? 1 : 2;
      this.limit = WIDTHS[this.width].limit;
      this.missing = -this.limit - 1;
    }
  }

  private toFloat(): void {
    const next = new Float64Array(this.data.length);
    for (let i = 0; i < this.length; i++) {
      next[i] = this.get(i);
    }
    this.data = next;
    this.float = true;
    this.factor = 1;
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
    // 32-bit codes hold any code: only a full array grows them (not a copy per row past 65,535 values).
    const limit = codes instanceof Uint8Array ? 0xff : codes instanceof Uint16Array ? 0xffff : Infinity;
    if (this.length === codes.length || code > limit) {
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

  /** Room for `rows` more rows without growing. */
  makeRoom(rows: number): void {
    if (this.length + rows > this.codes.length) {
      const grown = new (this.codes.constructor as new (n: number) => CodeArray)(this.length + rows);
      grown.set(this.codes.subarray(0, this.length));
      this.codes = grown;
    }
  }

  /** Appends codes[from, to), each through `map` (codes of another dictionary to this one's): pushCode of each. */
  pushMappedCodes(codes: Uint16Array, from: number, to: number, map: Uint32Array): void {
    if (this.length + (to - from) > this.codes.length) {
      const grown = new (this.codes.constructor as new (n: number) => CodeArray)(
        grownCapacity(this.codes.length, this.length + (to - from))
      );
      grown.set(this.codes.subarray(0, this.length));
      this.codes = grown;
    }
    let out = this.codes;
    let limit = out instanceof Uint8Array ? 0xff : out instanceof Uint16Array ? 0xffff : Infinity;
    let length = this.length;
    for (let i = from; i < to; i++) {
      const code = map[codes[i]];
      if (code > limit) {
        this.length = length;
        this.pushCode(code); // widens the codes
        length = this.length;
        out = this.codes;
        limit = out instanceof Uint16Array ? 0xffff : Infinity;
        continue;
      }
      out[length++] = code;
    }
    this.length = length;
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

  /** Gives back the growth room (after a bulk load). */
  trim(): void {
    if (this.codes.length > this.length) {
      this.codes = this.codes.slice(0, Math.max(this.length, 1));
    }
  }

  /** Drops the first `count` rows; their strings stay in the dictionary (codes must not change). */
  dropFront(count: number): void {
    this.codes.copyWithin(0, count, this.length);
    this.length -= count;
  }

  /** Takes the first `length` codes (of `dictionary`, as codeArray() and dictionary were) in place of its rows. */
  restoreParts(codes: CodeArray, dictionary: Array<string | null>, length = codes.length): void {
    this.codes = codes;
    this.length = length;
    this.dictionary.length = 0;
    this.index.clear();
    dictionary.forEach((value, code) => {
      this.dictionary.push(value);
      if (value !== null) {
        this.index.set(value, code);
      }
    });
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

  /** Gives back the growth room (after a bulk load). */
  trim(): void {
    this.heap = this.heap.slice(0, Math.max(this.used, 1));
    this.starts = this.starts.slice(0, this.length + 1);
  }

  /** The heap and record starts as held (rows [0, length) only, no copy), for the restart cache. */
  parts(): { heap: Uint8Array<ArrayBuffer>; starts: Uint32Array | Float64Array } {
    return { heap: this.heap.subarray(0, this.used), starts: this.starts.subarray(0, this.length + 1) };
  }

  /** Takes the rows of parts() in place of its own. */
  restoreParts(heap: Uint8Array<ArrayBuffer>, starts: Uint32Array | Float64Array): void {
    this.heap = heap;
    this.used = heap.length;
    this.starts = starts;
    this.length = starts.length - 1;
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
