import { DictionaryColumn } from '../store/columns';
import type { LineSource } from '../store/request-ids';
import { FieldValue, NUMERIC_FIELDS, REQUEST_ID, Store } from '../store/store';
import * as fast from './fast-scan';
import * as timestamps from './timestamp';
import { NaiveZone, parseZone, timestampToMicros } from './timestamp';

// Module-level copies: an imported binding read in a hot loop can cost a property lookup each time.
const FastScanner = fast.FastScanner;
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

/** Why a line was not kept as a request. */
export const SKIP_REASONS: Record<string, string> = {
  invalid_json: 'not valid JSON (a plain-text line, or cut short)',
  not_an_object: 'valid JSON, but not an object',
  missing_timestamp: 'no timestamp field',
  invalid_timestamp: 'a timestamp that is neither ISO-8601 nor an epoch number',
  missing_model: 'no model field, or an empty one',
  invalid_model: 'a model that is not a string or number',
  missing_latency: 'no latency field',
  invalid_latency: 'a latency that is not a number',
  line_too_long: 'longer than 1 MiB',
  corrupt_gzip_file: 'a .gz file that is damaged (counted once per file; lines before the damage are kept)',
};

export const MAX_LINE_LENGTH = 1 << 20;

const STANDARD_FIELDS = ['timestamp', 'model', 'latency_ms', 'request_id', 'status', ...NUMERIC_FIELDS.slice(1)];

/**
 * Python's json.dumps writes NaN, Infinity and -Infinity as bare words, which JSON.parse rejects.
 * Replace them (outside strings) by null: the row stays, that value is missing.
 */
export function replaceNonFiniteWords(line: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) {
        i++;
      } else if (c === 34 /* " */) {
        inString = false;
      }
      continue;
    }
    if (c === 34) {
      inString = true;
    } else if (c === 78 /* N */ && line.startsWith('NaN', i)) {
      out += line.slice(last, i) + 'null';
      i += 2;
      last = i + 1;
    } else if (c === 73 /* I */ && line.startsWith('Infinity', i)) {
      const start = i > 0 && line[i - 1] === '-' ? i - 1 : i;
      out += line.slice(last, start) + 'null';
      i += 7;
      last = i + 1;
    }
  }
  return last === 0 ? line : out + line.slice(last);
}

/** A JSON value as a number field: finite numbers and numeric strings; null when missing. */
function toNumber(value: unknown): number | null | undefined {
  if (value === null) {
    return null;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  if (typeof value === 'string' && /^-?(nan|inf(inity)?)$/i.test(value.trim())) {
    return null;
  }
  return undefined; // present but not a number
}

/** An extra field's value: numbers and strings as they are, anything else as its JSON text. */
function toFieldValue(value: unknown): FieldValue {
  if (value === null || typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  return typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** A JSON line's value, Python's NaN and Infinity words allowed (as null); undefined when it is not JSON. */
function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    try {
      return JSON.parse(replaceNonFiniteWords(line));
    } catch {
      return undefined;
    }
  }
}

/** Dictionary codes of ASCII byte strings seen before (a few distinct values: models, statuses). */
class CodeCache {
  private readonly texts: Buffer[] = [];
  private readonly codes: number[] = [];
  private static readonly MAX = 256;

  code(buf: Buffer, start: number, end: number, column: DictionaryColumn): number {
    const length = end - start;
    const texts = this.texts;
    outer: for (let i = 0; i < texts.length; i++) {
      const text = texts[i];
      if (text.length !== length) {
        continue;
      }
      for (let j = 0; j < length; j++) {
        if (text[j] !== buf[start + j]) {
          continue outer;
        }
      }
      return this.codes[i];
    }
    const code = column.codeOf(buf.toString('latin1', start, end));
    if (texts.length < CodeCache.MAX) {
      texts.push(Buffer.from(buf.subarray(start, end)));
      this.codes.push(code);
    }
    return code;
  }
}

/** Turns JSON lines into rows of a store, counting the lines it skips by reason. */
export class LineParser {
  private readonly zone: NaiveZone;
  private readonly success: Set<string>;
  /** Our name to the log's name, for every standard field. */
  private readonly sourceName: Record<string, string> = {};
  /** Log field names that are taken by a standard field. */
  private readonly mappedNames = new Set<string>();
  /** The byte scanner for common lines (slots in STANDARD_FIELDS order). False: every line takes JSON.parse. */
  useFastPath = true;
  private readonly scanner: fast.FastScanner;
  /** Byte texts of model and status values seen, to find their dictionary codes without making strings. */
  private readonly modelCodes = new CodeCache();
  private readonly statusCodes = new CodeCache();
  /** isError of each status dictionary code: 1 error, 0 not, -1 not known yet. */
  private statusIsError = new Int8Array(64).fill(-1);

  constructor(
    private readonly store: Store,
    config: SourceConfig = {}
  ) {
    this.zone = parseZone(config.timezone);
    this.success = new Set((config.successStatuses ?? DEFAULT_SUCCESS_STATUSES).map((s) => s.toLowerCase()));
    for (const field of STANDARD_FIELDS) {
      const name = config.fieldMap?.[field] ?? field;
      this.sourceName[field] = name;
      this.mappedNames.add(name);
    }
    const keys = STANDARD_FIELDS.map((field) => this.sourceName[field]);
    this.scanner = new FastScanner(keys);
    // Two of our fields read from one log field: rare, and the full path's rules decide.
    this.useFastPath = new Set(keys).size === keys.length;
  }

  /** Is this status an error? Missing statuses are not. */
  isError(status: FieldValue): boolean {
    if (status === null) {
      return false;
    }
    const text = String(status).trim().toLowerCase();
    return !(this.success.has(text) || /^2\d\d$/.test(text));
  }

  /** The file the next lines come from, and the offset in it of the buffer given to parseBytes. */
  private source: LineSource | null = null;
  private sourceBase = 0;

  /** Lines parsed from now on are at `base` + their start in the buffer of `source` (null: not from a file). */
  setSource(source: LineSource | null, base = 0): void {
    this.source = source;
    this.sourceBase = base;
  }

  /**
   * The request id and time a line gives, as its row holds them (the full path's rules, which the fast path
   * agrees with): for reading an id back from a log file. null when the line is not a request.
   */
  readBack(rawLine: string): { id: string | null; timeUs: number } | null {
    const record = parseJson(rawLine.trim());
    if (record === undefined) {
      return null;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return null;
    }
    const fields = record as Record<string, unknown>;
    const timeUs = timestampToMicros(fields[this.sourceName.timestamp] ?? null, this.zone);
    if (timeUs === null) {
      return null;
    }
    const raw = fields[this.sourceName.request_id];
    const value = raw === undefined ? null : toFieldValue(raw);
    return { id: value === null || Number.isNaN(value) ? null : String(value), timeUs };
  }

  /**
   * readBack of the line in buf[start, end): the byte scanner when the line is the common case (no string made
   * of the line), the full path otherwise — the same answer either way.
   */
  readBackBytes(buf: Buffer, start: number, end: number): { id: string | null; timeUs: number } | null {
    const scanner = this.scanner;
    if (!this.useFastPath || end - start > MAX_LINE_LENGTH || !scanner.scan(buf, start, end)) {
      return this.readBack(buf.toString('utf8', start, end));
    }
    const kind = scanner.kind;
    // Slots: 0 timestamp, 3 request_id (see fastLine).
    let timeUs: number | null | undefined = null;
    if (kind[0] === NUMBER) {
      timeUs = timestampToMicros(scanner.number[0], this.zone);
    } else if (kind[0] === STRING) {
      timeUs = isoBytesToMicros(buf, scanner.start[0], scanner.end[0], this.zone);
      if (timeUs === undefined) {
        timeUs = timestampToMicros(buf.toString('latin1', scanner.start[0], scanner.end[0]), this.zone);
      }
    } else if (kind[0] !== NULL && kind[0] !== fast.ABSENT) {
      return this.readBack(buf.toString('utf8', start, end)); // a boolean timestamp: the full path's rules
    }
    if (timeUs === null) {
      return null;
    }
    const idKind = kind[3];
    if (idKind === STRING) {
      return { id: buf.toString('latin1', scanner.start[3], scanner.end[3]), timeUs };
    }
    if (idKind === NUMBER) {
      return { id: Number.isFinite(scanner.number[3]) ? String(scanner.number[3]) : null, timeUs };
    }
    if (idKind === NULL || idKind === fast.ABSENT) {
      return { id: null, timeUs };
    }
    return this.readBack(buf.toString('utf8', start, end)); // a boolean id
  }

  /** Parses one line (without its line end) and appends it to the store, or counts why not. */
  parse(rawLine: string): void {
    this.setSource(null);
    this.store.lineSource = null;
    if (this.useFastPath) {
      this.parseBytes(Buffer.from(rawLine, 'utf8'), 0, Buffer.byteLength(rawLine, 'utf8'), rawLine);
    } else {
      this.parseText(rawLine);
    }
  }

  /**
   * Parses the line in buf[start, end) (without its \n): the byte scanner for the common case, the full
   * JSON.parse path for anything else — the same row either way.
   */
  parseBytes(buf: Buffer, start: number, end: number, text?: string): void {
    this.store.lineSource = this.source;
    this.store.lineOffset = this.sourceBase + start;
    if (!this.useFastPath || end - start > MAX_LINE_LENGTH || !this.fastLine(buf, start, end)) {
      this.parseText(text ?? buf.toString('utf8', start, end));
    }
  }

  /** The common case straight from the bytes; false when the line needs the full path (nothing done then). */
  private fastLine(buf: Buffer, start: number, end: number): boolean {
    const scanner = this.scanner;
    if (!scanner.scan(buf, start, end)) {
      return false;
    }
    const kind = scanner.kind;
    const value = scanner.number;
    // Slots: 0 timestamp, 1 model, 2 latency_ms, 3 request_id, 4 status, 5 batch_size, 6 gpu_util, 7 memory_used_gb.
    for (let slot = 2; slot < 8; slot++) {
      const k = kind[slot];
      // Numbers given as text, booleans: rare, and their rules live in the full path.
      if (slot !== 3 && slot !== 4 && k > NUMBER) {
        return false;
      }
      if ((slot === 3 || slot === 4) && k > STRING) {
        return false;
      }
    }
    if (kind[1] > STRING) {
      return false; // a boolean model: the full path says invalid_model
    }
    const model = this.store.standardDictionary('model');
    const status = this.store.standardDictionary('status');
    if (!model || !status) {
      return false;
    }

    let time: number | null | undefined;
    const tk = kind[0];
    if (tk === 0 || tk === NULL) {
      this.store.skip('missing_timestamp');
      return true;
    } else if (tk === NUMBER) {
      time = timestampToMicros(value[0], this.zone);
    } else if (tk === STRING) {
      time = isoBytesToMicros(buf, scanner.start[0], scanner.end[0], this.zone);
      if (time === undefined) {
        time = timestampToMicros(buf.toString('latin1', scanner.start[0], scanner.end[0]), this.zone);
      }
    } else {
      time = null; // a boolean
    }
    if (time === null) {
      this.store.skip('invalid_timestamp');
      return true;
    }

    let modelCode: number;
    const mk = kind[1];
    if (mk === 0 || mk === NULL || (mk === STRING && scanner.start[1] === scanner.end[1])) {
      this.store.skip('missing_model');
      return true;
    } else if (mk === NUMBER) {
      modelCode = model.codeOf(String(value[1]));
    } else {
      modelCode = this.modelCodes.code(buf, scanner.start[1], scanner.end[1], model);
    }

    if (kind[2] === 0) {
      this.store.skip('missing_latency');
      return true;
    }
    const latency = kind[2] === NUMBER && Number.isFinite(value[2]) ? value[2] : NaN;
    const batch = kind[5] === NUMBER && Number.isFinite(value[5]) ? value[5] : NaN;
    const gpu = kind[6] === NUMBER && Number.isFinite(value[6]) ? value[6] : NaN;
    const memory = kind[7] === NUMBER && Number.isFinite(value[7]) ? value[7] : NaN;

    let statusCode = 0;
    const sk = kind[4];
    if (sk === NUMBER) {
      statusCode = Number.isFinite(value[4]) ? status.codeOf(String(value[4])) : 0;
    } else if (sk === STRING) {
      statusCode = this.statusCodes.code(buf, scanner.start[4], scanner.end[4], status);
    }
    let isError = false;
    if (statusCode !== 0) {
      if (statusCode >= this.statusIsError.length) {
        const grown = new Int8Array(Math.max(statusCode + 1, this.statusIsError.length * 2)).fill(-1);
        grown.set(this.statusIsError);
        this.statusIsError = grown;
      }
      let flag = this.statusIsError[statusCode];
      if (flag < 0) {
        flag = this.isError(status.dictionary[statusCode]) ? 1 : 0;
        this.statusIsError[statusCode] = flag;
      }
      isError = flag === 1;
    }

    const rk = kind[3];
    if (rk === STRING) {
      // The id's bytes go to the store as they are (plain ASCII: the scanner saw to that).
      return this.store.appendStandard(
        time,
        isError,
        modelCode,
        latency,
        batch,
        gpu,
        memory,
        statusCode,
        null,
        buf,
        scanner.start[3],
        scanner.end[3]
      );
    }
    const requestId = rk === NUMBER && Number.isFinite(value[3]) ? String(value[3]) : null;
    return this.store.appendStandard(time, isError, modelCode, latency, batch, gpu, memory, statusCode, requestId);
  }

  /** The full path: JSON.parse (NaN and Infinity allowed), any layout, any fields. */
  private parseText(rawLine: string): void {
    const line = rawLine.trim();
    if (line === '') {
      return; // blank lines are not records
    }
    // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only for lines that might be too long.
    if (line.length * 3 > MAX_LINE_LENGTH && Buffer.byteLength(line) > MAX_LINE_LENGTH) {
      this.store.skip('line_too_long');
      return;
    }
    const record = parseJson(line);
    if (record === undefined) {
      this.store.skip('invalid_json');
      return;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      this.store.skip('not_an_object');
      return;
    }
    this.add(record as Record<string, unknown>);
  }

  private add(record: Record<string, unknown>): void {
    const names = this.sourceName;
    const rawTime = record[names.timestamp];
    if (rawTime === undefined || rawTime === null) {
      this.store.skip('missing_timestamp');
      return;
    }
    const time = timestampToMicros(rawTime, this.zone);
    if (time === null) {
      this.store.skip('invalid_timestamp');
      return;
    }
    const rawModel = record[names.model];
    if (rawModel === undefined || rawModel === null || rawModel === '') {
      this.store.skip('missing_model');
      return;
    }
    if (typeof rawModel !== 'string' && typeof rawModel !== 'number') {
      this.store.skip('invalid_model');
      return;
    }
    if (!(names.latency_ms in record)) {
      this.store.skip('missing_latency');
      return;
    }
    const latency = toNumber(record[names.latency_ms]);
    if (latency === undefined) {
      this.store.skip('invalid_latency');
      return;
    }

    // No prototype: a log field called __proto__ must stay a plain field.
    const values: Record<string, FieldValue> = Object.create(null);
    values.model = String(rawModel);
    values.latency_ms = latency;
    for (const field of NUMERIC_FIELDS) {
      if (field !== 'latency_ms') {
        const raw = record[names[field]];
        if (raw !== undefined) {
          const number = toNumber(raw);
          if (number === undefined) {
            this.store.invalidValue(field);
          }
          values[field] = number ?? null;
        }
      }
    }
    const status = toFieldValue(record[names.status] ?? null);
    values.status = status;
    const requestId = record[names.request_id];
    values[REQUEST_ID] = requestId === undefined ? null : toFieldValue(requestId);

    for (const key in record) {
      if (!this.mappedNames.has(key)) {
        // A log field named like one of ours that the field map moved elsewhere keeps its value.
        const name = Object.hasOwn(names, key) ? `${key}_original` : key;
        values[name] = toFieldValue(record[key]);
      }
    }
    this.store.append(time, this.isError(status), values);
  }
}
