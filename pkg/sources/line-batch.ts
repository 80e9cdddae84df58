import {
  EXTRA_MISSING,
  EXTRA_NUMBER,
  EXTRA_TEXT,
  type ExtraColumn,
  NUMERIC_FIELDS,
  REQUEST_ID,
  type RowBatch,
} from '../store/store';
import type { Projection } from '../store/projection';
import * as fast from './fast-scan';
import * as timestamps from './timestamp';
import { NaiveZone, parseZone, timestampToMicros } from './timestamp';

// Module-level copies: an imported binding read in a hot loop can cost a property lookup each time.
const NULL = fast.NULL;
const NUMBER = fast.NUMBER;
const STRING = fast.STRING;
const isoBytesToMicros = timestamps.isoBytesToMicros;

/** How to read a log: field names, what counts as success, the zone of naive timestamps. */
export interface SourceConfig {
  /** Our field name to the name the log uses, e.g. `{ "latency_ms": "duration" }`. */
  fieldMap?: Record<string, string>;
  /** Status values that are not errors (case-insensitive). Any 2xx code is always a success. */
  successStatuses?: string[];
  /** Zone of timestamps written without one: `UTC` (default), `+02:00`, or an IANA name. */
  timezone?: string;
}

export const DEFAULT_SUCCESS_STATUSES = ['success', 'ok'];

/** Lines longer than this are skipped (`line_too_long`). */
export const MAX_LINE_LENGTH = 1 << 20;

/** Our standard fields, in the order of the byte scanner's slots. */
export const STANDARD_FIELDS = ['timestamp', 'model', 'latency_ms', 'request_id', 'status', ...NUMERIC_FIELDS.slice(1)];

/** The log's name of each standard field (the field map applied). */
export function sourceNames(config: SourceConfig): Record<string, string> {
  const names: Record<string, string> = {};
  for (const field of STANDARD_FIELDS) {
    names[field] = config.fieldMap?.[field] ?? field;
  }
  return names;
}

/** Is a status an error, by the configured success values (case-insensitive) and any 2xx code? null is not. */
export function errorTest(config: SourceConfig): (status: string | number | null) => boolean {
  const success = new Set((config.successStatuses ?? DEFAULT_SUCCESS_STATUSES).map((s) => s.toLowerCase()));
  return (status) => {
    if (status === null) {
      return false;
    }
    const text = String(status).trim().toLowerCase();
    return !(success.has(text) || /^2\d\d$/.test(text));
  };
}

/**
 * Lines read by the byte scanner, as columns (extra fields too), with what else the lines held: a batch is what a
 * worker thread hands back, and the store appends its rows in one go. Rows are in line order; the lines the scanner
 * does not take (anything but the common case) are kept as text, each with the row it comes before, for the full
 * JSON.parse path — so that a store built from batches is the store line-by-line parsing builds.
 */
export interface LineBatch extends RowBatch {
  /** Local dictionaries: code c is texts[c - 1]; 0 is missing. */
  models: LocalTexts;
  statuses: LocalTexts;
  /** Lines skipped by the scanner itself (a missing timestamp, ...), by reason. */
  skipped: Record<string, number>;
  /** Lines for the full path: `row` is the number of batch rows before it, `offset` where it is in its file. */
  fallbacks: Array<{ row: number; offset: number; text: string }>;
  /**
   * With `spans` (the ClickHouse shipper): three numbers a row, indexes into the scanned buffer — where its request
   * id's bytes start and end (plain ASCII; equal when it has none) and where its line ends (its \n or the end).
   */
  spans?: number[];
}

/**
 * A batch's dictionary: texts[c - 1] is code c; `fallbacksBefore[c - 1]` counts the fallback lines before the
 * value's first line, so that the store learns values in the order line-by-line parsing would.
 */
export interface LocalTexts {
  texts: string[];
  fallbacksBefore: number[];
}

/** Codes of a batch's local dictionary; as many distinct values as fit 16 bits, the rest go to the full path. */
const MAX_LOCAL_CODES = 0xffff;

/** A batch's local dictionary of short ASCII values (models, statuses), matched by bytes without making strings. */
class LocalDictionary implements LocalTexts {
  readonly texts: string[] = [];
  readonly fallbacksBefore: number[] = [];
  /** Fallback lines so far (set by the scanner). */
  fallbacks = 0;
  private readonly index = new Map<string, number>();
  /** Byte copies of the first values, compared before making a string. */
  private readonly bytes: Buffer[] = [];
  private static readonly BYTE_CACHE = 256;

  /** The code of buf[start, end) (ASCII), adding it; 0 when the dictionary is full. */
  codeOfBytes(buf: Buffer, start: number, end: number): number {
    const length = end - start;
    const cached = this.bytes;
    outer: for (let i = 0; i < cached.length; i++) {
      const text = cached[i];
      if (text.length !== length) {
        continue;
      }
      for (let j = 0; j < length; j++) {
        if (text[j] !== buf[start + j]) {
          continue outer;
        }
      }
      return i + 1;
    }
    const code = this.codeOf(buf.toString('latin1', start, end));
    if (code === cached.length + 1 && cached.length < LocalDictionary.BYTE_CACHE) {
      cached.push(Buffer.from(buf.subarray(start, end)));
    }
    return code;
  }

  /** The code of `text`, adding it; 0 when the dictionary is full. */
  codeOf(text: string): number {
    let code = this.index.get(text);
    if (code === undefined) {
      if (this.texts.length >= MAX_LOCAL_CODES) {
        return 0;
      }
      this.texts.push(text);
      this.fallbacksBefore.push(this.fallbacks);
      code = this.texts.length;
      this.index.set(text, code);
    }
    return code;
  }
}

/** RAW values of a field a batch keeps as bytes (rawTextAt), and the longest it keeps. */
const RAW_BYTE_CACHE = 16;
const RAW_BYTE_CACHE_LENGTH = 256;

/** An extra field's column as a batch fills it. */
class ExtraBuilder {
  kinds: Uint8Array;
  values: Float64Array;
  readonly texts: string[] = [];
  private readonly index = new Map<string, number>();
  firstRow = -1;
  /** The last line that had it (a field twice in one line). */
  line = 0;
  /** Its first short RAW values' bytes and their texts (null: not JSON): a repeat is known without making a string. */
  readonly rawBytes: Buffer[] = [];
  readonly rawTexts: Array<string | null> = [];

  constructor(
    readonly name: string,
    capacity: number,
    /** Left out by the load's projection: its values are checked as ever (they decide the line's path), not kept. */
    readonly dropped = false
  ) {
    this.kinds = new Uint8Array(dropped ? 0 : capacity);
    this.values = new Float64Array(dropped ? 0 : capacity).fill(NaN);
  }

  /** Room for `capacity` rows, keeping the ones there. */
  grow(capacity: number): void {
    if (this.dropped) {
      return;
    }
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    const values = new Float64Array(capacity).fill(NaN);
    values.set(this.values);
    this.kinds = kinds;
    this.values = values;
  }

  codeOf(text: string): number {
    let code = this.index.get(text);
    if (code === undefined) {
      this.texts.push(text);
      code = this.texts.length;
      this.index.set(text, code);
    }
    return code;
  }
}

/**
 * A batch's extra fields (see ExtraColumn), filled line by line: the values of a line are read first (read) and
 * written into its row only once it is kept (commit), so that a line the full path or a skip takes teaches nothing.
 */
class BatchExtras {
  private readonly fields: ExtraBuilder[] = [];
  private readonly byName = new Map<string, ExtraBuilder>();
  /** Per scanner slot: its field's index + 1 (0: not met in this batch). */
  private readonly slotField: Int32Array;
  /** Fields with a value, in the order of their first values. */
  private readonly ordered: ExtraBuilder[] = [];
  private line = 0;
  /** The line read last: per extra field, the field and its value. */
  private count = 0;
  private readonly lineField: ExtraBuilder[] = [];
  private readonly lineKind = new Uint8Array(fast.MAX_EXTRAS);
  private readonly lineNumber = new Float64Array(fast.MAX_EXTRAS);
  private readonly lineText: string[] = [];
  /** JSON texts of RAW values already parsed, to their text as the store keeps it (null: not JSON). */
  private readonly rawTexts = new Map<string, string | null>();

  constructor(
    private readonly columnName: (slot: number) => string,
    slots: number,
    private capacity: number,
    /** The columns a projection keeps (null: all). */
    private readonly keep: ReadonlySet<string> | null = null
  ) {
    this.slotField = new Int32Array(slots);
  }

  /**
   * Reads the extra fields of the line the scanner just read, as toFieldValue makes them (an object or an array
   * as JSON.stringify of its parsed text). False when the full path must decide: two keys naming one column, a
   * value that is not valid JSON.
   */
  read(scanner: fast.FastScanner, buf: Buffer): boolean {
    const count = scanner.extraCount;
    const line = ++this.line;
    this.count = 0;
    for (let i = 0; i < count; i++) {
      const slot = scanner.extraSlot[i];
      let index = this.slotField[slot];
      if (index === 0) {
        const name = this.columnName(slot);
        let field = this.byName.get(name);
        if (!field) {
          field = new ExtraBuilder(name, this.capacity, this.keep !== null && !this.keep.has(name));
          this.byName.set(name, field);
          this.fields.push(field);
        }
        index = this.slotField[slot] = this.fields.indexOf(field) + 1;
      }
      const field = this.fields[index - 1];
      if (field.line === line) {
        return false;
      }
      field.line = line;
      let kind = EXTRA_TEXT;
      let number = NaN;
      let text = '';
      switch (scanner.extraKind[i]) {
        case NUMBER:
          number = scanner.extraNumber[i];
          kind = Number.isFinite(number) ? EXTRA_NUMBER : EXTRA_MISSING;
          break;
        case STRING:
          text = field.dropped ? '' : buf.toString('latin1', scanner.extraStart[i], scanner.extraEnd[i]);
          break;
        case fast.TRUE:
          text = 'true';
          break;
        case fast.FALSE:
          text = 'false';
          break;
        case fast.RAW: {
          const parsed = this.rawTextAt(field, buf, scanner.extraStart[i], scanner.extraEnd[i]);
          if (parsed === null) {
            return false;
          }
          text = parsed;
          break;
        }
        default:
          kind = EXTRA_MISSING; // null, NaN, Infinity
      }
      this.lineField[i] = field;
      this.lineKind[i] = kind;
      this.lineNumber[i] = number;
      this.lineText[i] = text;
    }
    this.count = count;
    return true;
  }

  /**
   * rawText of buf[start, end), a value of `field`: nested values repeat from line to line (sampling settings, tags),
   * so the field's first few are kept as bytes and compared before any string is made.
   */
  private rawTextAt(field: ExtraBuilder, buf: Buffer, start: number, end: number): string | null {
    const length = end - start;
    const cached = field.rawBytes;
    outer: for (let c = 0; c < cached.length; c++) {
      const bytes = cached[c];
      if (bytes.length !== length) {
        continue;
      }
      for (let j = 0; j < length; j++) {
        if (bytes[j] !== buf[start + j]) {
          continue outer;
        }
      }
      return field.rawTexts[c];
    }
    const text = this.rawText(buf.toString('utf8', start, end));
    if (cached.length < RAW_BYTE_CACHE && length <= RAW_BYTE_CACHE_LENGTH) {
      cached.push(Buffer.from(buf.subarray(start, end)));
      field.rawTexts.push(text);
    }
    return text;
  }

  /** A RAW value's text as the full path keeps it: the string, or the object's JSON.stringify; null if not JSON. */
  private rawText(json: string): string | null {
    let text = this.rawTexts.get(json);
    if (text === undefined) {
      try {
        const value: unknown = JSON.parse(json);
        text = typeof value === 'string' ? value : JSON.stringify(value);
      } catch {
        text = null;
      }
      // Nested values repeat (sampling settings, tags): parsed once a batch, as long as there are few of them.
      if (this.rawTexts.size < 4096) {
        this.rawTexts.set(json, text);
      }
    }
    return text;
  }

  /** The line read last is kept, as row `row`. */
  commit(row: number): void {
    for (let i = 0; i < this.count; i++) {
      const kind = this.lineKind[i];
      const field = this.lineField[i];
      if (kind === EXTRA_MISSING || field.dropped) {
        continue;
      }
      field.kinds[row] = kind;
      field.values[row] = kind === EXTRA_NUMBER ? this.lineNumber[i] : field.codeOf(this.lineText[i]);
      if (field.firstRow < 0) {
        field.firstRow = row;
        this.ordered.push(field);
      }
    }
  }

  grow(capacity: number): void {
    this.capacity = capacity;
    for (const field of this.fields) {
      field.grow(capacity);
    }
  }

  /** The fields with a value, as plain columns (only the data crosses to the main thread). */
  columns(): ExtraColumn[] {
    return this.ordered.map(({ name, kinds, values, texts, firstRow }) => ({ name, kinds, values, texts, firstRow }));
  }
}

/** Which of a batch's standard columns a scan fills (a projection's; all without one). */
interface Filled {
  errors: boolean;
  model: boolean;
  status: boolean;
  latency: boolean;
  batch: boolean;
  gpu: boolean;
  memory: boolean;
  lineOffset: boolean;
}

function filledOf(projection: Projection | undefined): Filled {
  const keeps = (name: string): boolean => !projection || projection.columns.includes(name);
  return {
    errors: !projection || projection.errors,
    model: keeps('model'),
    status: keeps('status'),
    latency: keeps('latency_ms'),
    batch: keeps('batch_size'),
    gpu: keeps('gpu_util'),
    memory: keeps('memory_used_gb'),
    lineOffset: keeps(REQUEST_ID),
  };
}

const ALL_FILLED = filledOf(undefined);

/**
 * A batch's columns with room for `capacity` rows, holding the rows of `old` if given (to grow it); the columns
 * not `filled` are empty arrays.
 */
function rowColumns(capacity: number, old?: RowBatch, filled = ALL_FILLED): RowBatch {
  const make = <T extends Float64Array | Uint8Array | Uint16Array>(
    type: new (n: number) => T,
    from?: T,
    fill = true
  ): T => {
    const array = new type(fill ? capacity : 0);
    if (from && fill) {
      array.set(from);
    }
    return array;
  };
  return {
    rows: old?.rows ?? 0,
    time: make(Float64Array, old?.time),
    errors: make(Uint8Array, old?.errors, filled.errors),
    model: make(Uint16Array, old?.model, filled.model),
    status: make(Uint16Array, old?.status, filled.status),
    latency: make(Float64Array, old?.latency, filled.latency),
    batch: make(Float64Array, old?.batch, filled.batch),
    gpu: make(Float64Array, old?.gpu, filled.gpu),
    memory: make(Float64Array, old?.memory, filled.memory),
    lineOffset: make(Float64Array, old?.lineOffset, filled.lineOffset),
  };
}

/**
 * Reads buffers of log lines into batches with the byte scanner (slots in STANDARD_FIELDS order). Used by the
 * line parser on the main thread and by the scan workers, so both read a line the same way.
 */
export class BatchScanner {
  private readonly zone: NaiveZone;
  private readonly isError: (status: string | number | null) => boolean;
  private readonly scanner: fast.FastScanner;
  /** False when two of our fields read one log field: every line takes the full path, whose rules decide. */
  readonly usable: boolean;
  /** Column names of the scanner's extra keys, by slot (made on first need). */
  private readonly extraNames: string[] = [];
  private readonly columnName: (slot: number) => string;

  constructor(config: SourceConfig = {}) {
    this.zone = parseZone(config.timezone);
    this.isError = errorTest(config);
    const names = sourceNames(config);
    const keys = STANDARD_FIELDS.map((field) => names[field]);
    this.scanner = new fast.FastScanner(keys);
    this.usable = new Set(keys).size === keys.length;
    // As the full path names an extra field: a log field named like one of ours that the field map moved elsewhere
    // keeps its value under another name.
    this.columnName = (slot) => {
      const key = this.scanner.keyName(slot);
      return (this.extraNames[slot] ??= Object.hasOwn(names, key) ? `${key}_original` : key);
    };
  }

  /**
   * The lines of buf[start, end) (\n-separated; the last may end at `end` without one). `base`: the file offset
   * of buf[0], for the rows' line offsets; `inMemoryIds`: keep each row's request id as text (lines not from a
   * file), instead of only its line's offset; `spans`: give LineBatch.spans (a request id given as a number then
   * takes the full path); `spare`: the columns of a batch already appended, to write into (when large enough);
   * `projection`: the columns to fill (store/projection.ts; the same for every scan of a read) — the lines and what
   * becomes of them do not change, the other columns are not filled.
   */
  scan(
    buf: Buffer,
    start: number,
    end: number,
    base: number,
    inMemoryIds = false,
    spans = false,
    spare?: RowBatch,
    projection?: Projection
  ): LineBatch {
    // The WebAssembly scanner reads lines from its own memory: copied there once (a spans caller indexes its buffer).
    const input = spans ? null : this.scanner.inputFor(end - start);
    if (input && input !== buf) {
      buf.copy(input, 0, start, end);
      [buf, base, end, start] = [input, base + start, end - start, 0];
    }
    const capacity = Math.max(16, Math.ceil((end - start) / 128));
    const filled = projection ? filledOf(projection) : ALL_FILLED;
    // A spare batch's columns (handed back after an append) save allocating and zeroing fresh ones.
    let columns =
      spare && spare.time.length >= capacity ? { ...spare, rows: 0 } : rowColumns(capacity, undefined, filled);
    const models = new LocalDictionary();
    const statuses = new LocalDictionary();
    /** isError of each local status code. */
    let statusError = new Uint8Array(64);
    const keep = projection ? new Set(projection.columns) : null;
    const extras = new BatchExtras(this.columnName, this.scanner.slotLimit, columns.time.length, keep);
    const skipped: Record<string, number> = {};
    const fallbacks: LineBatch['fallbacks'] = [];
    const ids: Array<string | null> | undefined = inMemoryIds && filled.lineOffset ? [] : undefined;
    const idSpans: number[] | undefined = spans ? [] : undefined;
    const skip = (reason: string): void => {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    };
    const fallback = (from: number, to: number): void => {
      fallbacks.push({ row: columns.rows, offset: base + from, text: buf.toString('utf8', from, to) });
      models.fallbacks = statuses.fallbacks = fallbacks.length;
    };

    const scanner = this.scanner;
    const kind = scanner.kind;
    const value = scanner.number;
    const zone = this.zone;
    const usable = this.usable;
    let lineStart = start;
    while (lineStart < end) {
      let lineEnd = buf.indexOf(10, lineStart);
      if (lineEnd < 0 || lineEnd > end) {
        lineEnd = end;
      }
      const from = lineStart;
      lineStart = lineEnd + 1;
      if (!usable || lineEnd - from > MAX_LINE_LENGTH || !scanner.scan(buf, from, lineEnd)) {
        fallback(from, lineEnd);
        continue;
      }
      // Slots: 0 timestamp, 1 model, 2 latency_ms, 3 request_id, 4 status, 5 batch_size, 6 gpu_util, 7 memory_used_gb.
      // Numbers given as text, booleans: rare, and their rules live in the full path.
      if (
        kind[1] > STRING ||
        kind[2] > NUMBER ||
        kind[3] > STRING ||
        kind[4] > STRING ||
        kind[5] > NUMBER ||
        kind[6] > NUMBER ||
        kind[7] > NUMBER ||
        (spans && kind[3] === NUMBER)
      ) {
        fallback(from, lineEnd);
        continue;
      }

      // Extra fields before anything else: a line they send to the full path must not count as skipped here.
      if (scanner.extraCount > 0 && !extras.read(scanner, buf)) {
        fallback(from, lineEnd);
        continue;
      }

      const time = scannedTimeUs(scanner, buf, zone);
      if (time === undefined) {
        skip('missing_timestamp');
        continue;
      }
      if (time === null) {
        skip('invalid_timestamp');
        continue;
      }

      const mk = kind[1];
      if (mk === fast.ABSENT || mk === NULL || (mk === STRING && scanner.start[1] === scanner.end[1])) {
        skip('missing_model');
        continue;
      }
      if (kind[2] === fast.ABSENT) {
        skip('missing_latency');
        continue;
      }
      // Values are learned only from lines that are kept, as the full path does; codes only for the columns filled
      // (-1: no code made, as no dictionary can be full).
      const modelCode = !filled.model
        ? -1
        : mk === NUMBER
          ? models.codeOf(String(value[1]))
          : models.codeOfBytes(buf, scanner.start[1], scanner.end[1]);
      let statusCode = 0;
      const sk = kind[4];
      const statusCoded = filled.status || filled.errors;
      if (statusCoded && sk === NUMBER) {
        statusCode = Number.isFinite(value[4]) ? statuses.codeOf(String(value[4])) : 0;
      } else if (statusCoded && sk === STRING) {
        statusCode = statuses.codeOfBytes(buf, scanner.start[4], scanner.end[4]);
      }
      const statusesFull =
        statusCoded && statusCode === 0 && (sk === STRING || (sk === NUMBER && Number.isFinite(value[4])));
      if (modelCode === 0 || statusesFull) {
        // A local dictionary is full (tens of thousands of distinct values in one batch): the full path.
        fallback(from, lineEnd);
        continue;
      }
      if (statusCode >= statusError.length) {
        const grown = new Uint8Array(Math.max(statusCode + 1, statusError.length * 2));
        grown.set(statusError);
        statusError = grown;
      }
      if (statusCode !== 0 && statusError[statusCode] === 0) {
        // A new status: decide once whether it is an error (bit 1 set: decided, bit 0: the answer).
        statusError[statusCode] = this.isError(statuses.texts[statusCode - 1]) ? 3 : 2;
      }

      const row = columns.rows;
      if (row === columns.time.length) {
        columns = rowColumns(row * 2, columns, filled);
        extras.grow(row * 2);
      }
      if (scanner.extraCount > 0) {
        extras.commit(row);
      }
      columns.time[row] = time;
      if (filled === ALL_FILLED) {
        columns.errors[row] = statusError[statusCode] & 1;
        columns.model[row] = modelCode;
        columns.status[row] = statusCode;
        columns.latency[row] = kind[2] === NUMBER && Number.isFinite(value[2]) ? value[2] : NaN;
        columns.batch[row] = kind[5] === NUMBER && Number.isFinite(value[5]) ? value[5] : NaN;
        columns.gpu[row] = kind[6] === NUMBER && Number.isFinite(value[6]) ? value[6] : NaN;
        columns.memory[row] = kind[7] === NUMBER && Number.isFinite(value[7]) ? value[7] : NaN;
        columns.lineOffset[row] = base + from;
      } else {
        fillSome(columns, filled, row, statusError[statusCode] & 1, modelCode, statusCode, kind, value, base + from);
      }
      if (ids) {
        ids.push(scannedRequestId(scanner, buf));
      }
      if (idSpans) {
        const hasId = kind[3] === STRING;
        idSpans.push(hasId ? scanner.start[3] : 0, hasId ? scanner.end[3] : 0, lineEnd);
      }
      columns.rows = row + 1;
    }
    return {
      ...columns,
      ids,
      spans: idSpans,
      extras: extras.columns(),
      // Only the texts and their order cross to the main thread, not the lookup structures.
      models: { texts: models.texts, fallbacksBefore: models.fallbacksBefore },
      statuses: { texts: statuses.texts, fallbacksBefore: statuses.fallbacksBefore },
      skipped,
      fallbacks,
    };
  }
}

/** A row's standard values, into only the columns a projection fills (the values a full scan gives them). */
function fillSome(
  columns: RowBatch,
  filled: Filled,
  row: number,
  error: number,
  modelCode: number,
  statusCode: number,
  kind: Uint8Array,
  value: Float64Array,
  lineOffset: number
): void {
  if (filled.errors) {
    columns.errors[row] = error;
  }
  if (filled.model) {
    columns.model[row] = modelCode;
  }
  if (filled.status) {
    columns.status[row] = statusCode;
  }
  if (filled.latency) {
    columns.latency[row] = kind[2] === NUMBER && Number.isFinite(value[2]) ? value[2] : NaN;
  }
  if (filled.batch) {
    columns.batch[row] = kind[5] === NUMBER && Number.isFinite(value[5]) ? value[5] : NaN;
  }
  if (filled.gpu) {
    columns.gpu[row] = kind[6] === NUMBER && Number.isFinite(value[6]) ? value[6] : NaN;
  }
  if (filled.memory) {
    columns.memory[row] = kind[7] === NUMBER && Number.isFinite(value[7]) ? value[7] : NaN;
  }
  if (filled.lineOffset) {
    columns.lineOffset[row] = lineOffset;
  }
}

/**
 * The time (µs) of the line the scanner just read (slot 0): undefined when it has none (absent or null), null when
 * it is not a time (a boolean, a string that is neither ISO-8601 nor an epoch number) — the full path's rules.
 */
export function scannedTimeUs(scanner: fast.FastScanner, buf: Buffer, zone: NaiveZone): number | null | undefined {
  const kind = scanner.kind[0];
  if (kind === fast.ABSENT || kind === NULL) {
    return undefined;
  }
  if (kind === NUMBER) {
    return timestampToMicros(scanner.number[0], zone);
  }
  if (kind !== STRING) {
    return null; // a boolean
  }
  const time = isoBytesToMicros(buf, scanner.start[0], scanner.end[0], zone);
  return time !== undefined ? time : timestampToMicros(buf.toString('latin1', scanner.start[0], scanner.end[0]), zone);
}

/** The request id (slot 3) of the line the scanner just read, when it is a string, a number or missing. */
export function scannedRequestId(scanner: fast.FastScanner, buf: Buffer): string | null {
  const kind = scanner.kind[3];
  if (kind === STRING) {
    return buf.toString('latin1', scanner.start[3], scanner.end[3]);
  }
  return kind === NUMBER && Number.isFinite(scanner.number[3]) ? String(scanner.number[3]) : null;
}

/** The buffers of a batch's columns, to hand them to another thread without copying. */
export function batchTransferList(batch: RowBatch): ArrayBuffer[] {
  return [
    batch.time,
    batch.errors,
    batch.model,
    batch.status,
    batch.latency,
    batch.batch,
    batch.gpu,
    batch.memory,
    batch.lineOffset,
    ...(batch.extras ?? []).flatMap((extra) => [extra.kinds, extra.values]),
  ].map((a) => a.buffer as ArrayBuffer);
}
