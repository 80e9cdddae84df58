import type { DictionaryColumn } from '../store/columns';
import type { LineSource } from '../store/request-ids';
import { FieldValue, NUMERIC_FIELDS, REQUEST_ID, Store } from '../store/store';
import type { Projection } from '../store/projection';
import * as fast from './fast-scan';
import {
  BatchScanner,
  errorTest,
  LineBatch,
  LocalTexts,
  MAX_LINE_LENGTH,
  scannedRequestId,
  scannedTimeUs,
  sourceNames,
  STANDARD_FIELDS,
} from './line-batch';
import { INVALID, isNumberField } from './field-map';
import { effectiveConfig, MappedConfig, RecordMapping } from './mapping';
import { NaiveZone, parseZone, timestampToMicros } from './timestamp';

export { DEFAULT_SUCCESS_STATUSES, MAX_LINE_LENGTH } from './line-batch';
/** How to read a log: field map (nested paths, units, differences: field-map.ts), preset, statuses, zone. */
export type SourceConfig = MappedConfig;

const STRING = fast.STRING;

export { SKIP_REASONS } from '../store/skip-reasons';

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

/**
 * Maps to `column`'s codes the local values after the first `learned` that were first seen before fallback line
 * `k`. Returns how many are mapped now.
 */
function learnTexts(local: LocalTexts, learned: number, k: number, map: Uint32Array, column: DictionaryColumn): number {
  const { texts, fallbacksBefore } = local;
  while (learned < texts.length && fallbacksBefore[learned] <= k) {
    map[learned + 1] = column.codeOf(texts[learned]);
    learned++;
  }
  return learned;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/** Has the line the scanner just read an extra field whose JSON text only JSON.parse can vouch for? */
function hasRaw(scanner: fast.FastScanner): boolean {
  for (let i = 0; i < scanner.extraCount; i++) {
    if (scanner.extraKind[i] === fast.RAW) {
      return true;
    }
  }
  return false;
}

/** Turns JSON lines into rows of a store, counting the lines it skips by reason. */
export class LineParser {
  private readonly zone: NaiveZone;
  /** Our name to the log's name, for every standard field. */
  private readonly sourceName: Record<string, string>;
  /** Log field names that are taken by a standard field. */
  private readonly mappedNames: Set<string>;
  /** The byte scanner for common lines. False: every line takes JSON.parse. */
  useFastPath: boolean;
  /** Reads buffers of lines into batches (the fast path). */
  private readonly batches: BatchScanner;
  /** The byte scanner for reading a request id back (slots in STANDARD_FIELDS order). */
  private readonly scanner: fast.FastScanner;
  /** Is this status an error? Missing statuses are not. */
  readonly isError: (status: FieldValue) => boolean;
  /**
   * The field map beyond plain top-level renames (nested paths, units, differences, presets), else null. The gate
   * between the two paths: with a mapping every line takes the full JSON.parse path (the byte scanner reads
   * top-level names only), without one the byte scanner reads the common lines as before.
   */
  private readonly mapping: RecordMapping | null;

  constructor(
    private readonly store: Store,
    config: SourceConfig = {}
  ) {
    this.zone = parseZone(config.timezone);
    this.mapping = RecordMapping.of(config);
    // The scanner's settings: the plain renames, or none when the mapping reads the fields.
    const scanConfig = this.mapping ? { ...effectiveConfig(config), fieldMap: {} } : config;
    this.isError = errorTest(scanConfig);
    this.sourceName = sourceNames(scanConfig);
    this.mappedNames = new Set(Object.values(this.sourceName));
    // Lines one at a time, where they are: no WebAssembly instance (its memory is for the batches' pieces).
    this.scanner = new fast.FastScanner(
      STANDARD_FIELDS.map((field) => this.sourceName[field]),
      false
    );
    this.batches = new BatchScanner(scanConfig);
    // Two of our fields read from one log field: rare, and the full path's rules decide.
    this.useFastPath = this.batches.usable && this.mapping === null;
    this.projection = store.projection ?? undefined;
  }

  /** The columns the store keeps (the batches fill only those); undefined for all. */
  private readonly projection: Projection | undefined;

  /**
   * The request id and time a line gives, as its row holds them (the full path's rules, which the fast path
   * agrees with): for reading an id back from a log file. null when the line is not a request. A line holding
   * several requests (OTLP spans) gives the one at `timeUs` if given, else its first.
   */
  readBack(rawLine: string, wantTimeUs?: number): { id: string | null; timeUs: number } | null {
    const record = parseJson(rawLine.trim());
    if (record === undefined) {
      return null;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return null;
    }
    if (this.mapping) {
      return this.mappedReadBack(record as Record<string, unknown>, wantTimeUs);
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
  readBackBytes(
    buf: Buffer,
    start: number,
    end: number,
    wantTimeUs?: number
  ): { id: string | null; timeUs: number } | null {
    const scanner = this.scanner;
    if (!this.useFastPath || end - start > MAX_LINE_LENGTH || !scanner.scan(buf, start, end) || hasRaw(scanner)) {
      return this.readBack(buf.toString('utf8', start, end), wantTimeUs);
    }
    const timeUs = scannedTimeUs(scanner, buf, this.zone);
    if (timeUs === undefined || timeUs === null) {
      return null;
    }
    if (scanner.kind[3] <= STRING) {
      return { id: scannedRequestId(scanner, buf), timeUs };
    }
    return this.readBack(buf.toString('utf8', start, end)); // a boolean id
  }

  /**
   * Can lines be read in batches (by the byte scanner, here or in a worker)? Not when the field map reads two of
   * our fields from one log field, nor when a standard column was turned into text by a direct append.
   */
  batchable(): boolean {
    return this.useFastPath && this.store.hasStandardColumns();
  }

  /** Parses one line (without its line end) and appends it to the store, or counts why not. */
  parse(rawLine: string): void {
    // A lone surrogate does not survive UTF-8: such a line is read as given, by the full path.
    if (this.batchable() && !rawLine.includes('\n') && !LONE_SURROGATE.test(rawLine)) {
      const bytes = Buffer.from(rawLine, 'utf8');
      const batch = this.batches.scan(bytes, 0, bytes.length, 0, true, false, undefined, this.projection);
      this.addBatch(batch, null);
    } else {
      this.store.lineSource = null;
      this.parseText(rawLine);
    }
  }

  /**
   * Parses the lines of buf[start, end) (\n-separated, the last one may end at `end`): the byte scanner for the
   * common case, the full JSON.parse path for anything else — the same rows either way. `source`: the file the
   * buffer comes from and `base` the offset of buf[0] in it (null: not from a file, ids are kept in memory).
   */
  parseBuffer(buf: Buffer, start: number, end: number, source: LineSource | null, base = 0): void {
    if (this.batchable()) {
      const batch = this.batches.scan(buf, start, end, base, source === null, false, undefined, this.projection);
      this.addBatch(batch, source);
      return;
    }
    this.store.lineSource = source;
    while (start < end) {
      let newline = buf.indexOf(10, start);
      if (newline < 0 || newline > end) {
        newline = end;
      }
      this.store.lineOffset = base + start;
      this.parseText(buf.toString('utf8', start, newline));
      start = newline + 1;
    }
  }

  /**
   * Appends a batch's rows (from this thread's scanner or a worker's), its fallback lines parsed in their place,
   * its skips counted: what parsing its lines one by one gives.
   */
  addBatch(batch: LineBatch, source: LineSource | null): void {
    const store = this.store;
    // Undefined when the store leaves it out (a projection): the batch then made no codes for it.
    const models = store.standardDictionary('model');
    const statuses = store.standardDictionary('status');
    if ((!models && store.loads('model')) || (!statuses && store.loads('status'))) {
      throw new Error('the standard columns have changed kind'); // append() never does that
    }
    const modelMap = new Uint32Array(batch.models.texts.length + 1);
    const statusMap = new Uint32Array(batch.statuses.texts.length + 1);
    let modelsLearned = 0;
    let statusesLearned = 0;
    /** Learns the values first seen before fallback line `k` (the order line-by-line parsing learns them). */
    const learn = (k: number): void => {
      modelsLearned = models ? learnTexts(batch.models, modelsLearned, k, modelMap, models) : 0;
      // Statuses are coded for the error flags too: learned only where the store keeps them.
      statusesLearned = statuses ? learnTexts(batch.statuses, statusesLearned, k, statusMap, statuses) : 0;
    };
    let row = 0;
    for (let k = 0; k < batch.fallbacks.length; k++) {
      const line = batch.fallbacks[k];
      learn(k);
      store.appendRows(batch, row, line.row, modelMap, statusMap, source);
      row = line.row;
      store.lineSource = source;
      store.lineOffset = line.offset;
      this.parseText(line.text);
    }
    learn(batch.fallbacks.length);
    store.appendRows(batch, row, batch.rows, modelMap, statusMap, source);
    for (const reason in batch.skipped) {
      store.skip(reason, batch.skipped[reason]);
    }
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
    if (this.mapping) {
      const records = this.mapping.records(record as Record<string, unknown>);
      if (typeof records === 'string') {
        this.store.skip(records);
        return;
      }
      for (const one of records) {
        this.addMapped(one);
      }
      return;
    }
    this.add(record as Record<string, unknown>);
  }

  /** readBack through the mapping: the request (of the line's records) at `timeUs`. */
  private mappedReadBack(
    record: Record<string, unknown>,
    timeUs: number | undefined
  ): { id: string | null; timeUs: number } | null {
    const mapping = this.mapping!;
    const records = mapping.records(record);
    for (const one of typeof records === 'string' ? [] : records) {
      const time = mapping.fields.get('timestamp')!.read(one, this.zone);
      if (typeof time === 'number' && (timeUs === undefined || time === timeUs)) {
        const raw = mapping.fields.get('request_id')!.read(one, this.zone);
        const value = raw === undefined || raw === INVALID ? null : toFieldValue(raw);
        return { id: value === null || Number.isNaN(value) ? null : String(value), timeUs: time };
      }
    }
    return null;
  }

  /** One record through the mapping: the same checks, skips and columns as add(), fields found by expression. */
  private addMapped(record: Record<string, unknown>): void {
    const mapping = this.mapping!;
    const zone = this.zone;
    const get = (field: string): unknown => mapping.fields.get(field)!.read(record, zone);
    const time = get('timestamp');
    if (time === undefined || time === null) {
      this.store.skip('missing_timestamp');
      return;
    }
    if (typeof time !== 'number') {
      this.store.skip('invalid_timestamp');
      return;
    }
    const rawModel = get('model');
    if (rawModel === undefined || rawModel === null || rawModel === '') {
      this.store.skip('missing_model');
      return;
    }
    if (typeof rawModel !== 'string' && typeof rawModel !== 'number') {
      this.store.skip('invalid_model');
      return;
    }
    const rawLatency = get('latency_ms');
    if (rawLatency === undefined) {
      this.store.skip('missing_latency');
      return;
    }
    const latency = rawLatency === INVALID ? undefined : toNumber(rawLatency);
    if (latency === undefined) {
      this.store.skip('invalid_latency');
      return;
    }

    const values: Record<string, FieldValue> = Object.create(null);
    values.model = String(rawModel);
    values.latency_ms = latency;
    for (const field of NUMERIC_FIELDS) {
      if (field !== 'latency_ms') {
        const raw = get(field);
        if (raw !== undefined) {
          const number = raw === INVALID ? undefined : toNumber(raw);
          if (number === undefined) {
            this.store.invalidValue(field);
          }
          values[field] = number ?? null;
        }
      }
    }
    const rawStatus = get('status');
    const status = rawStatus === undefined || rawStatus === INVALID ? null : toFieldValue(rawStatus);
    values.status = status;
    const requestId = get('request_id');
    values[REQUEST_ID] = requestId === undefined || requestId === INVALID ? null : toFieldValue(requestId);

    for (const expression of mapping.extras) {
      const raw = expression.read(record, zone);
      if (raw === undefined) {
        continue;
      }
      const number = raw === INVALID ? undefined : isNumberField(expression.field) ? toNumber(raw) : null;
      if (number === undefined) {
        this.store.invalidValue(expression.field); // kept as missing, and reported
      }
      values[expression.field] =
        number === undefined ? null : isNumberField(expression.field) ? number : toFieldValue(raw);
    }
    if (!mapping.onlyMapped) {
      for (const key in record) {
        if (!mapping.consumed.has(key)) {
          // A log field named like one of ours that the mapping reads from elsewhere keeps its value.
          values[mapping.fields.has(key) ? `${key}_original` : key] = toFieldValue(record[key]);
        }
      }
    }
    this.store.append(time, this.isError(status), values);
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
