/**
 * Growable typed columns. Append-only: rows are only ever added at the end, so a query can read
 * rows [0, length) while a reader appends more.
 */

const INITIAL_CAPACITY = 1024;

/** Numbers as float64; NaN marks a missing value (as in pandas). */
export class NumberColumn {
  readonly kind = 'number';
  private data = new Float64Array(INITIAL_CAPACITY);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
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

/** Strings stored once each in a dictionary; rows hold codes. Code 0 is a missing value. */
export class DictionaryColumn {
  readonly kind = 'string';
  private codes = new Uint32Array(INITIAL_CAPACITY);
  private readonly index = new Map<string, number>();
  /** dictionary[code] is the string; dictionary[0] is null (missing). */
  readonly dictionary: Array<string | null> = [null];
  length = 0;

  push(value: string | null): void {
    if (this.length === this.codes.length) {
      const grown = new Uint32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.length++] = value === null ? 0 : this.codeOf(value);
  }

  pushMissing(count: number): void {
    for (let i = 0; i < count; i++) {
      this.push(null);
    }
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

  codeArray(): Uint32Array {
    return this.codes.subarray(0, this.length);
  }

  /** Drops the first `count` rows; their strings stay in the dictionary (codes must not change). */
  dropFront(count: number): void {
    this.codes.copyWithin(0, count, this.length);
    this.length -= count;
  }
}

/** Strings that are mostly unique (request ids): a dictionary would only add overhead. */
export class TextColumn {
  readonly kind = 'text';
  private readonly data: Array<string | null> = [];

  get length(): number {
    return this.data.length;
  }

  push(value: string | null): void {
    this.data.push(value);
  }

  pushMissing(count: number): void {
    for (let i = 0; i < count; i++) {
      this.data.push(null);
    }
  }

  get(row: number): string | null {
    return this.data[row];
  }

  dropFront(count: number): void {
    this.data.splice(0, count);
  }
}

export type StringColumn = DictionaryColumn | TextColumn;
export type Column = NumberColumn | StringColumn;
