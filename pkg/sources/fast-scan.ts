/**
 * A scanner for the common log line: a JSON object (json.dumps layout or compact, keys in any order) whose standard
 * fields hold plain ASCII strings, numbers, null, true, false or Python's bare NaN / Infinity / -Infinity. It reads
 * the values straight from the bytes, without JSON.parse and without building an object. Other keys (extra fields,
 * plain ASCII keys) are read too, in line order: their values may also be strings with escapes or non-ASCII text,
 * objects and arrays, which it only delimits (RAW: the caller parses that text). Anything else — escapes or nested
 * values in a standard field, odd keys, repeated keys, numbers JSON does not allow, trailing garbage — makes it
 * answer "not mine", and the line goes through the full JSON.parse path, so every line gives exactly the row the
 * full path gives.
 */

import { MATCH, NEEDS_JS, WasmLayouts } from './fast-scan-wasm';

/** Value kinds of a scanned field. */
export const ABSENT = 0;
/** null, NaN, Infinity, -Infinity: the full path reads all of them as null. */
export const NULL = 1;
export const NUMBER = 2;
export const STRING = 3;
export const TRUE = 4;
export const FALSE = 5;
/** An extra field's string with escapes or non-ASCII bytes, object or array: its JSON text, quotes included. */
export const RAW = 6;

/** Extra fields one line may have; a line with more goes to the full path. */
export const MAX_EXTRAS = 64;
/** Extra keys one scanner learns; a line with a key beyond them goes to the full path. */
const MAX_EXTRA_KEYS = 4096;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** JSON whitespace: space, tab, CR, LF. */
const SPACE = new Uint8Array(256);
SPACE[0x20] = SPACE[0x09] = SPACE[0x0d] = SPACE[0x0a] = 1;

/**
 * Does the 4-byte word (little-endian) hold a byte that ends a plain string — a quote, a backslash, a control
 * character, a non-ASCII byte? Bit tricks on all four bytes at once: (x - 0x01010101) & ~x & 0x80808080 is non-zero
 * exactly when some byte of x is zero (here x = word ^ quotes, word ^ backslashes), and (word - 0x20202020) & ~word
 * & 0x80808080 when some byte is below 0x20 (bytes of 0x80 and more are caught first).
 */
function wordStops(word: number): boolean {
  if ((word & 0x80808080) !== 0) {
    return true;
  }
  const quotes = word ^ 0x22222222;
  const backslashes = word ^ 0x5c5c5c5c;
  return (
    ((quotes - 0x01010101) & ~quotes & 0x80808080) !== 0 ||
    ((backslashes - 0x01010101) & ~backslashes & 0x80808080) !== 0 ||
    ((word - 0x20202020) & ~word & 0x80808080) !== 0
  );
}

/**
 * Bytes that end a plain string: the closing quote, and those that end the fast path — a backslash (escape),
 * control characters, non-ASCII.
 */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  STRING_STOP[c] = c === 0x22 || c === 0x5c || c < 0x20 || c >= 0x80 ? 1 : 0;
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

/** Bytes a line must hold at some place, as whole little-endian 4-byte words and the bytes after them. */
interface Literal {
  bytes: Buffer;
  words: Uint32Array;
}

function literalOf(bytes: Buffer): Literal {
  const copy = Buffer.from(bytes);
  const words = new Uint32Array(copy.length >> 2);
  for (let w = 0; w < words.length; w++) {
    words[w] = copy.readUInt32LE(w * 4);
  }
  return { bytes: copy, words };
}

/** Line layouts kept: the usual one and a few variants (a field missing from some lines, a null...). */
const MAX_TEMPLATES = 4;

/** A line layout: the slots of its values in order, and the bytes before, between and after them. */
interface Template {
  slots: Int16Array;
  /** literals[f] comes before value f; literals[slots.length] after the last value (the closing brace...). */
  literals: Literal[];
  /** Its id in the WebAssembly scanner, -1 when only the TypeScript code reads it. */
  wasmId: number;
}

/**
 * Is a key one JavaScript lists before the others (an array index: "0", "17")? JSON.parse's object then lists its
 * keys in another order than the line's, and column order follows it: the full path decides.
 */
function isIndexKey(key: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

export class FastScanner {
  /** Per slot (the order of the key names given): the kind of value seen on the last line. */
  readonly kind: Uint8Array;
  readonly number: Float64Array;
  /** Byte range of a string value (without the quotes). */
  readonly start: Int32Array;
  readonly end: Int32Array;
  /**
   * The extra fields of the last line, in line order: extraSlot[i] is the key's slot (see keyName), extraKind[i]
   * etc. its value as above — a RAW value's range is its whole JSON text.
   */
  extraCount = 0;
  readonly extraSlot: Int32Array;
  readonly extraKind: Uint8Array;
  readonly extraNumber: Float64Array;
  readonly extraStart: Int32Array;
  readonly extraEnd: Int32Array;
  /** The standard slots and then the extra fields of the line, one set of arrays (`kind` etc. are views of it). */
  private readonly kinds: Uint8Array;
  private readonly numbers: Float64Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  /** Standard slots: the key names given. Slots from here on are extra keys, learned as lines show them. */
  private readonly standard: number;
  /** Slots are below this. */
  readonly slotLimit: number;
  /** The key names' bytes, compared four at a time like a layout's literals; the names of extra keys. */
  private readonly keys: Literal[];
  private readonly names: string[];
  private readonly extraSlots = new Map<string, number>();
  /** Per extra slot: the scan attempt that last met it (a key twice in one line). */
  private seen = new Int32Array(64);
  private attempt = 0;
  /** The slots in the order the previous line had its keys: the likely order of the next. */
  private readonly order: Int16Array;
  /** Layouts of the last lines read in full, the latest first, tried in turn on the next line. */
  private readonly templates: Template[] = [];
  /** Where the values of the line being read in full are, in line order (for its template). */
  private readonly fieldSlots: Int16Array;
  private readonly valueFrom: Int32Array;
  private readonly valueTo: Int32Array;
  private fieldCount = 0;
  /** The buffer of the last line scanned, and a view of it for reading 4-byte words. */
  private buf: Buffer | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** The layout path in WebAssembly, for lines in its input (see inputFor); null without the module. */
  private readonly wasm: WasmLayouts | null;

  /** `wasm`: false to read every line with the TypeScript code (tests compare both). */
  constructor(keyNames: string[], wasm = true) {
    this.keys = keyNames.map((k) => literalOf(Buffer.from(k, 'utf8')));
    this.names = [...keyNames];
    const n = keyNames.length;
    this.standard = n;
    this.slotLimit = n + MAX_EXTRA_KEYS;
    const fields = n + MAX_EXTRAS;
    // With the WebAssembly scanner, the slots live in its memory: both paths write the same arrays.
    this.wasm = wasm ? WasmLayouts.create(n, fields) : null;
    this.kinds = this.wasm?.kinds ?? new Uint8Array(fields);
    this.numbers = this.wasm?.numbers ?? new Float64Array(fields);
    this.starts = this.wasm?.starts ?? new Int32Array(fields);
    this.ends = this.wasm?.ends ?? new Int32Array(fields);
    this.kind = this.kinds.subarray(0, n);
    this.number = this.numbers.subarray(0, n);
    this.start = this.starts.subarray(0, n);
    this.end = this.ends.subarray(0, n);
    this.extraSlot = this.wasm?.extraSlot ?? new Int32Array(MAX_EXTRAS);
    this.extraKind = this.kinds.subarray(n);
    this.extraNumber = this.numbers.subarray(n);
    this.extraStart = this.starts.subarray(n);
    this.extraEnd = this.ends.subarray(n);
    this.order = new Int16Array(fields).fill(-1);
    this.fieldSlots = new Int16Array(fields);
    this.valueFrom = new Int32Array(fields);
    this.valueTo = new Int32Array(fields);
  }

  /**
   * A buffer to copy `length` bytes of lines into before scanning them from it, for the WebAssembly scanner to read
   * them; null when there is none (or the lines do not fit), and the lines are scanned where they are.
   */
  inputFor(length: number): Buffer | null {
    return this.wasm && length <= this.wasm.input.length ? this.wasm.input : null;
  }

  /** The key of a slot (an extra field's, from extraSlot). */
  keyName(slot: number): string {
    return this.names[slot];
  }

  /** Is the key at buf[at..] (after its opening quote) exactly key `slot`, closing quote included? */
  private keyIs(buf: Buffer, at: number, end: number, slot: number): boolean {
    const key = this.keys[slot];
    const length = key.bytes.length;
    return at + length < end && buf[at + length] === 0x22 && this.literalAt(buf, at, end, key);
  }

  /** The slot of the (plain ASCII) key in buf[start, end), learning an extra key; -1 when the full path decides. */
  private slotOf(buf: Buffer, start: number, end: number): number {
    const keys = this.keys;
    for (let k = 0; k < this.standard; k++) {
      if (keys[k].bytes.length === end - start && this.literalAt(buf, start, end, keys[k])) {
        return k;
      }
    }
    const name = buf.toString('latin1', start, end);
    let slot = this.extraSlots.get(name);
    if (slot === undefined) {
      if (isIndexKey(name) || keys.length >= this.standard + MAX_EXTRA_KEYS) {
        return -1;
      }
      slot = keys.length;
      keys.push(literalOf(buf.subarray(start, end)));
      this.names.push(name);
      this.extraSlots.set(name, slot);
      if (slot - this.standard >= this.seen.length) {
        const grown = new Int32Array(this.seen.length * 2);
        grown.set(this.seen);
        this.seen = grown;
      }
    }
    return slot;
  }

  /**
   * Scans one line (buf[start, end), no line end but maybe a \r). True: the slots hold its fields. False: the
   * line is not the common case (or not valid JSON); read it with the full parser.
   */
  scan(buf: Buffer, start: number, end: number): boolean {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const templates = this.templates;
    const wasm = buf === this.wasm?.input ? this.wasm : null;
    for (let t = 0; t < templates.length; t++) {
      const template = templates[t];
      let matched: boolean;
      if (wasm && template.wasmId >= 0) {
        const answer = wasm.scan(template.wasmId, start, end);
        matched = answer === MATCH;
        this.extraCount = wasm.extraCount;
        if (answer === NEEDS_JS) {
          this.clearKinds();
          matched = this.scanTemplate(template, buf, start, end);
        }
      } else {
        this.clearKinds();
        matched = this.scanTemplate(template, buf, start, end);
      }
      if (matched) {
        if (t > 0) {
          templates.unshift(templates.splice(t, 1)[0]); // the likeliest layout first
        }
        return true;
      }
    }
    this.clearKinds();
    if (!this.scanAny(buf, start, end)) {
      return false;
    }
    const template = this.templateOf(buf, start, end);
    if (template) {
      templates.unshift(template);
      while (templates.length > MAX_TEMPLATES) {
        const dropped = templates.pop()!;
        this.wasm?.remove(dropped.wasmId);
      }
    }
    return true;
  }

  /** Before each attempt at a line: no field read yet. */
  private clearKinds(): void {
    const kind = this.kinds;
    for (let i = 0; i < this.standard; i++) {
      kind[i] = ABSENT;
    }
    this.extraCount = 0;
    if (++this.attempt === 0x7fffffff) {
      this.seen.fill(0);
      this.attempt = 1;
    }
  }

  /**
   * The line as the last line scanned in full was laid out: the same keys in the same order with the same bytes
   * between the values (json.dumps writes every line alike), checked four bytes at a time; only the values are
   * read. False (some slots may be set) when the line is laid out otherwise.
   */
  private scanTemplate(template: Template, buf: Buffer, start: number, end: number): boolean {
    const { slots, literals } = template;
    let p = start;
    for (let f = 0; f < slots.length; f++) {
      const literal = literals[f];
      if (!this.literalAt(buf, p, end, literal)) {
        return false;
      }
      p = this.scanField(buf, p + literal.bytes.length, end, slots[f]);
      if (p < 0) {
        return false;
      }
    }
    const last = literals[slots.length];
    return p + last.bytes.length === end && this.literalAt(buf, p, end, last);
  }

  /** Does buf[p..] (before `end`) start with the literal's bytes? */
  private literalAt(buf: Buffer, p: number, end: number, literal: Literal): boolean {
    const { bytes, words } = literal;
    if (p + bytes.length > end) {
      return false;
    }
    const view = this.view;
    let i = 0;
    for (let w = 0; w < words.length; w++, i += 4) {
      if (view.getUint32(p + i, true) !== words[w]) {
        return false;
      }
    }
    for (; i < bytes.length; i++) {
      if (bytes[i] !== buf[p + i]) {
        return false;
      }
    }
    return true;
  }

  /** The template of a line scanAny just read: its slots in order and the bytes around its values. */
  private templateOf(buf: Buffer, start: number, end: number): Template | null {
    const count = this.fieldCount;
    if (count === 0) {
      return null;
    }
    const literals: Literal[] = [];
    for (let f = 0; f <= count; f++) {
      const from = f === 0 ? start : this.valueTo[f - 1];
      literals.push(literalOf(buf.subarray(from, f === count ? end : this.valueFrom[f])));
    }
    const slots = this.fieldSlots.slice(0, count);
    const wasmId =
      this.wasm?.add(
        slots,
        literals.map((literal) => literal.bytes)
      ) ?? -1;
    return { slots, literals, wasmId };
  }

  /** Any layout: keys in any order, any whitespace. Records where each value is, for templateOf. */
  private scanAny(buf: Buffer, start: number, end: number): boolean {
    const order = this.order;
    let fieldIndex = 0;
    this.fieldCount = 0;
    let p = start;
    while (p < end && SPACE[buf[p]] === 1) {
      p++;
    }
    if (p >= end || buf[p] !== 0x7b /* { */) {
      return false;
    }
    p++;
    while (p < end && SPACE[buf[p]] === 1) {
      p++;
    }
    for (;;) {
      // The key: a plain ASCII string.
      if (p >= end || buf[p] !== 0x22) {
        return false;
      }
      const keyStart = ++p;
      let slot = fieldIndex < order.length ? order[fieldIndex] : -1;
      if (slot >= 0 && this.keyIs(buf, keyStart, end, slot)) {
        p = keyStart + this.keys[slot].bytes.length;
      } else {
        while (p < end && STRING_STOP[buf[p]] === 0) {
          p++;
        }
        if (p >= end || buf[p] !== 0x22) {
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
      if (fieldIndex >= this.fieldSlots.length) {
        return false;
      }
      p++;
      while (p < end && SPACE[buf[p]] === 1) {
        p++;
      }
      if (p >= end || buf[p] !== 0x3a /* : */) {
        return false;
      }
      p++;
      while (p < end && SPACE[buf[p]] === 1) {
        p++;
      }
      this.fieldSlots[fieldIndex] = slot;
      this.valueFrom[fieldIndex] = p;
      p = this.scanField(buf, p, end, slot);
      if (p < 0) {
        return false;
      }
      this.valueTo[fieldIndex] = p;
      fieldIndex++;
      while (p < end && SPACE[buf[p]] === 1) {
        p++;
      }
      if (p >= end) {
        return false;
      }
      if (buf[p] === 0x2c /* , */) {
        p++;
        while (p < end && SPACE[buf[p]] === 1) {
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
    while (p < end && SPACE[buf[p]] === 1) {
      p++;
    }
    this.fieldCount = fieldIndex;
    return p === end;
  }

  /**
   * The value of key `slot` at buf[p]: into its slot (a standard field) or the line's next extra field. The
   * position after it, or -1 when the full path decides (a key twice, too many extra fields, a value not read here).
   */
  private scanField(buf: Buffer, p: number, end: number, slot: number): number {
    if (slot < this.standard) {
      return this.kinds[slot] === ABSENT ? this.scanValue(buf, p, end, slot) : -1;
    }
    const extra = this.extraCount;
    const seen = this.seen;
    if (extra >= MAX_EXTRAS || seen[slot - this.standard] === this.attempt) {
      return -1;
    }
    seen[slot - this.standard] = this.attempt;
    this.extraSlot[extra] = slot;
    this.extraCount = extra + 1;
    const at = this.standard + extra;
    const next = this.scanValue(buf, p, end, at);
    const c = buf[p];
    if (next >= 0 || (c !== 0x22 && c !== 0x7b /* { */ && c !== 0x5b) /* [ */) {
      return next;
    }
    const after = skipJson(buf, p, end);
    if (after >= 0) {
      this.kinds[at] = RAW;
      this.starts[at] = p;
      this.ends[at] = after;
    }
    return after;
  }

  /** The value at buf[p] into `slot`; the position after it, or -1 when it is not one the fast path reads. */
  private scanValue(buf: Buffer, p: number, end: number, slot: number): number {
    if (p >= end) {
      return -1;
    }
    const kind = this.kinds;
    const c = buf[p];
    if (c === 0x22) {
      const valueStart = ++p;
      // Four bytes at a time while none of them ends the string, then byte by byte.
      const view = this.view;
      while (p + 4 <= end && !wordStops(view.getUint32(p, true))) {
        p += 4;
      }
      while (p < end && STRING_STOP[buf[p]] === 0) {
        p++;
      }
      if (p >= end || buf[p] !== 0x22) {
        return -1;
      }
      kind[slot] = STRING;
      this.starts[slot] = valueStart;
      this.ends[slot] = p;
      return p + 1;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      if (c === 0x2d && matchWord(buf, p + 1, end, 'Infinity')) {
        kind[slot] = NULL;
        return p + 9;
      }
      return this.scanNumber(buf, p, end, slot);
    }
    if (c === 0x6e /* n */ && matchWord(buf, p, end, 'null')) {
      kind[slot] = NULL;
      return p + 4;
    }
    if (c === 0x74 /* t */ && matchWord(buf, p, end, 'true')) {
      kind[slot] = TRUE;
      return p + 4;
    }
    if (c === 0x66 /* f */ && matchWord(buf, p, end, 'false')) {
      kind[slot] = FALSE;
      return p + 5;
    }
    if (c === 0x4e /* N */ && matchWord(buf, p, end, 'NaN')) {
      kind[slot] = NULL;
      return p + 3;
    }
    if (c === 0x49 /* I */ && matchWord(buf, p, end, 'Infinity')) {
      kind[slot] = NULL;
      return p + 8;
    }
    return -1;
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
    this.kinds[slot] = NUMBER;
    this.numbers[slot] = value;
    return p;
  }
}

/**
 * The end of the string, object or array at buf[p] (brackets matched, strings skipped, escapes and all), or -1 when
 * the line ends first. Whether it is valid JSON is for JSON.parse of its text to say.
 */
function skipJson(buf: Buffer, p: number, end: number): number {
  let depth = 0;
  while (p < end) {
    const c = buf[p++];
    if (c === 0x22) {
      while (p < end && buf[p] !== 0x22) {
        p += buf[p] === 0x5c ? 2 : 1;
      }
      if (p >= end) {
        return -1;
      }
      p++;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
    if (depth <= 0) {
      return p;
    }
  }
  return -1;
}
