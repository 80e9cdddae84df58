/**
 * Builds INSERT bodies in ClickHouse's RowBinary format (18.16 and current): numbers as their bytes, so no float is
 * formatted as text and parsed back (exact, and formatting numbers was most of the cost of TSV), strings as a
 * LEB128 length and their UTF-8 bytes. Numbers are written through a DataView and short byte strings copied byte by
 * byte: Buffer's write methods and set() cost a call into the runtime each, which was most of the encoding time.
 */
const TWO_32 = 2 ** 32;

export class RowBinaryWriter {
  private buf: Buffer<ArrayBuffer>;
  private view: DataView;
  length = 0;

  /** `capacity`: bytes expected (a block's rows take less than its JSON lines). */
  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  private room(bytes: number): void {
    if (this.length + bytes > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
    }
  }

  private varUInt(value: number): void {
    this.room(10);
    while (value >= 0x80) {
      this.buf[this.length++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.length++] = value;
  }

  uint8(value: number): void {
    this.room(1);
    this.buf[this.length++] = value;
  }

  uint32(value: number): void {
    this.room(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  /** Int64 or UInt64 from an integral double (exact below 2^53). */
  int64(value: number): void {
    this.room(8);
    if (value >= 0) {
      this.view.setUint32(this.length, value % TWO_32, true);
      this.view.setUint32(this.length + 4, Math.floor(value / TWO_32), true);
    } else {
      this.view.setBigInt64(this.length, BigInt(value), true);
    }
    this.length += 8;
  }

  float64(value: number): void {
    this.room(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** Nullable(Float64): NaN is NULL (the in-memory store's missing value). */
  nullableFloat64(value: number): void {
    this.room(9);
    if (value !== value) {
      this.buf[this.length++] = 1;
    } else {
      this.buf[this.length] = 0;
      this.view.setFloat64(this.length + 1, value, true);
      this.length += 9;
    }
  }

  string(value: string): void {
    if (value.length < 43) {
      // At most 127 bytes of UTF-8: a one-byte length, written after the bytes are.
      this.room(1 + value.length * 3);
      const bytes = this.buf.write(value, this.length + 1, 'utf8');
      this.buf[this.length] = bytes;
      this.length += 1 + bytes;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varUInt(bytes);
    this.room(bytes);
    this.length += this.buf.write(value, this.length, 'utf8');
  }

  /** A String whose UTF-8 bytes are source[start, end) (e.g. a plain JSON string in a log line). */
  stringBytes(source: Uint8Array, start: number, end: number): void {
    this.varUInt(end - start);
    this.raw(source, start, end);
  }

  /** Bytes already encoded (a cached string), or source[start, end). */
  raw(source: Uint8Array, start = 0, end = source.length): void {
    const n = end - start;
    this.room(n);
    if (n > 64) {
      this.buf.set(source.subarray(start, end), this.length);
      this.length += n;
      return;
    }
    const buf = this.buf;
    let at = this.length;
    for (let i = start; i < end; i++) {
      buf[at++] = source[i];
    }
    this.length = at;
  }

  stringArray(items: string[]): void {
    this.varUInt(items.length);
    for (const item of items) {
      this.string(item);
    }
  }

  float64Array(items: number[]): void {
    this.varUInt(items.length);
    for (const item of items) {
      this.float64(item);
    }
  }

  /** The body so far. */
  result(): Buffer<ArrayBuffer> {
    return this.buf.subarray(0, this.length);
  }
}

/** A string's RowBinary bytes, for values written many times (host, file, model). */
export function encodedString(value: string): Buffer {
  const writer = new RowBinaryWriter();
  writer.string(value);
  return Buffer.from(writer.result());
}
