/**
 * A scanner for the common log line: a flat JSON object (json.dumps layout or compact, keys in any order) whose
 * keys are all standard fields, with plain ASCII strings, numbers, null, true, false and Python's bare NaN /
 * Infinity / -Infinity. It reads the values straight from the bytes, without JSON.parse and without building an
 * object. Anything else — escapes, non-ASCII text, nested values, unknown or repeated keys, numbers JSON does not
 * allow, trailing garbage — makes it answer "not mine", and the line goes through the full JSON.parse path, so
 * every line gives exactly the row the full path gives.
 */

/** Value kinds of a scanned field. */
export const ABSENT = 0;
/** null, NaN, Infinity, -Infinity: the full path reads all of them as null. */
export const NULL = 1;
export const NUMBER = 2;
export const STRING = 3;
export const TRUE = 4;
export const FALSE = 5;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/** Bytes that end the fast path inside a string: a backslash (escape), control characters, non-ASCII. */
const NOT_PLAIN = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  NOT_PLAIN[c] = c === 0x5c || c < 0x20 || c >= 0x80 ? 1 : 0;
}

/** Does `buf[at..]` hold the ASCII word `word`? */
function matchWord(buf: Buffer, at: number, end: number, word: string): boolean {
  if (at + word.length > end) {
    return false;
  }
  for (let i = 0; i < word.length; i++) {
    if (buf[at + i] !== word.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}

export class FastScanner {
  /** Per slot (the order of the key names given): the kind of value seen on the last line. */
  readonly kind: Uint8Array;
  readonly number: Float64Array;
  /** Byte range of a string value (without the quotes). */
  readonly start: Int32Array;
  readonly end: Int32Array;
  private readonly keys: Buffer[];
  /** The slots in the order the previous line had its keys: the likely order of the next. */
  private readonly order: Int8Array;

  constructor(keyNames: string[]) {
    this.keys = keyNames.map((k) => Buffer.from(k, 'utf8'));
    const n = keyNames.length;
    this.kind = new Uint8Array(n);
    this.number = new Float64Array(n);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.order = new Int8Array(n).fill(-1);
  }

  /** Is the key at buf[at..] (after its opening quote) exactly key `slot`, closing quote included? */
  private keyIs(buf: Buffer, at: number, end: number, slot: number): boolean {
    const key = this.keys[slot];
    const length = key.length;
    if (at + length >= end || buf[at + length] !== 0x22) {
      return false;
    }
    for (let i = 0; i < length; i++) {
      if (key[i] !== buf[at + i]) {
        return false;
      }
    }
    return true;
  }

  /** The slot of the key in buf[start, end), or -1. */
  private slotOf(buf: Buffer, start: number, end: number): number {
    const length = end - start;
    const keys = this.keys;
    outer: for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (key.length !== length) {
        continue;
      }
      for (let i = 0; i < length; i++) {
        if (key[i] !== buf[start + i]) {
          continue outer;
        }
      }
      return k;
    }
    return -1;
  }

  /**
   * Scans one line (buf[start, end), no line end but maybe a \r). True: the slots hold its fields. False: the
   * line is not the common case (or not valid JSON); read it with the full parser.
   */
  scan(buf: Buffer, start: number, end: number): boolean {
    const kind = this.kind;
    const order = this.order;
    let fieldIndex = 0;
    kind.fill(ABSENT);
    let p = start;
    while (p < end && buf[p] <= 0x20 && isSpace(buf[p])) {
      p++;
    }
    if (p >= end || buf[p] !== 0x7b /* { */) {
      return false;
    }
    p++;
    while (p < end && buf[p] <= 0x20 && isSpace(buf[p])) {
      p++;
    }
    for (;;) {
      // The key: a plain ASCII string naming a standard field, seen once.
      if (p >= end || buf[p] !== 0x22) {
        return false;
      }
      const keyStart = ++p;
      let slot = fieldIndex < order.length ? order[fieldIndex] : -1;
      if (slot >= 0 && this.keyIs(buf, keyStart, end, slot)) {
        p = keyStart + this.keys[slot].length;
      } else {
        while (p < end) {
          const c = buf[p];
          if (c === 0x22) {
            break;
          }
          if (NOT_PLAIN[c]) {
            return false;
          }
          p++;
        }
        if (p >= end) {
          return false;
        }
        slot = this.slotOf(buf, keyStart, p);
        if (slot < 0) {
          return false;
        }
        if (fieldIndex < order.length) {
          order[fieldIndex] = slot;
        }
      }
      fieldIndex++;
      if (kind[slot] !== ABSENT) {
        return false;
      }
      p++;
      while (p < end && buf[p] <= 0x20 && isSpace(buf[p])) {
        p++;
      }
      if (p >= end || buf[p] !== 0x3a /* : */) {
        return false;
      }
      p++;
      while (p < end && buf[p] <= 0x20 && isSpace(buf[p])) {
        p++;
      }
      if (p >= end) {
        return false;
      }
      // The value.
      const c = buf[p];
      if (c === 0x22) {
        const valueStart = ++p;
        while (p < end) {
          const d = buf[p];
          if (d === 0x22) {
            break;
          }
          if (NOT_PLAIN[d]) {
            return false;
          }
          p++;
        }
        if (p >= end) {
          return false;
        }
        kind[slot] = STRING;
        this.start[slot] = valueStart;
        this.end[slot] = p;
        p++;
      } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
        if (c === 0x2d && matchWord(buf, p + 1, end, 'Infinity')) {
          kind[slot] = NULL;
          p += 9;
        } else {
          p = this.scanNumber(buf, p, end, slot);
          if (p < 0) {
            return false;
          }
        }
      } else if (c === 0x6e /* n */ && matchWord(buf, p, end, 'null')) {
        kind[slot] = NULL;
        p += 4;
      } else if (c === 0x74 /* t */ && matchWord(buf, p, end, 'true')) {
        kind[slot] = TRUE;
        p += 4;
      } else if (c === 0x66 /* f */ && matchWord(buf, p, end, 'false')) {
        kind[slot] = FALSE;
        p += 5;
      } else if (c === 0x4e /* N */ && matchWord(buf, p, end, 'NaN')) {
        kind[slot] = NULL;
        p += 3;
      } else if (c === 0x49 /* I */ && matchWord(buf, p, end, 'Infinity')) {
        kind[slot] = NULL;
        p += 8;
      } else {
        return false;
      }
      while (p < end && buf[p] <= 0x20 && isSpace(buf[p])) {
        p++;
      }
      if (p >= end) {
        return false;
      }
      if (buf[p] === 0x2c /* , */) {
        p++;
        while (p < end && buf[p] <= 0x20 && isSpace(buf[p])) {
          p++;
        }
        continue;
      }
      if (buf[p] !== 0x7d /* } */) {
        return false;
      }
      p++;
      break;
    }
    while (p < end && buf[p] <= 0x20 && isSpace(buf[p])) {
      p++;
    }
    return p === end;
  }

  /**
   * A JSON number at buf[p]: up to 15 significant digits without an exponent are computed exactly as
   * JSON.parse does (an integer below 2^53 divided by an exact power of ten is correctly rounded, as is
   * JSON.parse); longer ones and exponents go through Number() of their text. Returns the position after it,
   * or -1 when it is not a number JSON allows (leading zeros, a bare dot...).
   */
  private scanNumber(buf: Buffer, p: number, end: number, slot: number): number {
    const numberStart = p;
    let negative = false;
    if (buf[p] === 0x2d) {
      negative = true;
      p++;
    }
    if (p >= end) {
      return -1;
    }
    let mantissa = 0;
    let digits = 0;
    let c = buf[p];
    if (c === 0x30) {
      p++;
      if (p < end && buf[p] >= 0x30 && buf[p] <= 0x39) {
        return -1; // a leading zero: not JSON
      }
    } else if (c > 0x30 && c <= 0x39) {
      while (p < end && (c = buf[p]) >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        p++;
      }
    } else {
      return -1;
    }
    let fraction = 0;
    if (p < end && buf[p] === 0x2e /* . */) {
      p++;
      if (p >= end || buf[p] < 0x30 || buf[p] > 0x39) {
        return -1;
      }
      while (p < end && (c = buf[p]) >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        fraction++;
        p++;
      }
    }
    let exact = digits <= 15;
    if (p < end && (buf[p] === 0x65 || buf[p] === 0x45) /* e E */) {
      exact = false;
      p++;
      if (p < end && (buf[p] === 0x2b || buf[p] === 0x2d)) {
        p++;
      }
      if (p >= end || buf[p] < 0x30 || buf[p] > 0x39) {
        return -1;
      }
      while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39) {
        p++;
      }
    }
    let value: number;
    if (exact) {
      value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
      if (negative) {
        value = -value;
      }
    } else {
      value = Number(buf.toString('latin1', numberStart, p));
    }
    this.kind[slot] = NUMBER;
    this.number[slot] = value;
    return p;
  }
}
