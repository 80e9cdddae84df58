/**
 * Builds INSERT bodies in ClickHouse's RowBinary format (18.16 and current): numbers as their bytes, so no float is
 * formatted as text and parsed back (exact, and formatting numbers was most of the cost of TSV), strings as a
 * LEB128 length and their UTF-8 bytes.
 */
const TWO_32 = 2 ** 32;

export class RowBinaryWriter {
  private buf: Buffer<ArrayBuffer>;
  length = 0;

  /** `capacity`: bytes expected (a block's rows take less than its JSON lines). */
  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(bytes: number): void {
    if (this.length + bytes > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
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
    this.buf.writeUInt32LE(value, this.length);
    this.length += 4;
  }

  /** Int64 or UInt64 from an integral double (exact below 2^53). */
  int64(value: number): void {
    this.room(8);
    if (value >= 0) {
      this.buf.writeUInt32LE(value % TWO_32, this.length);
      this.buf.writeUInt32LE(Math.floor(value / TWO_32), this.length + 4);
    } else {
      this.buf.writeBigInt64LE(BigInt(value), this.length);
    }
    this.length += 8;
  }

  float64(value: number): void {
    this.room(8);
    this.buf.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  /** Nullable(Float64): NaN is NULL (the in-memory store's missing value). */
  nullableFloat64(value: number): void {
    if (value !== value) {
      this.uint8(1);
    } else {
      this.uint8(0);
      this.float64(value);
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

  /** Bytes already encoded (a cached string). */
  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
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
