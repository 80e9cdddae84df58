/**
 * Field-map expressions: where in a log record one of our fields is, and in what unit. The syntax (README "Logs
 * from other servers"):
 *
 *   name                      a top-level field (a plain rename: the byte scanner reads these)
 *   a.b.c                     a nested path; a key holding dots is found too (`attributes.gen_ai.request.model`)
 *   a[key.with.dots]          one key, dots and all; in an array: an index (`[0]`), the element whose `key` is it
 *                             (an OpenTelemetry key/value list: its value is unwrapped), or whose `name` is it
 *   a[*].b                    the first element (of an array or object) that has `b`
 *   path:unit                 a number in s, ms, us (µs) or ns: made milliseconds (a timestamp: epoch in that unit);
 *                             a text such as "1.5s" or "250µs" carries its own unit
 *   end-start[:unit]          a difference of two times (ISO-8601 or epoch), in milliseconds; for `latency_ms` and
 *                             fields ending in `_ms` only (elsewhere `-` is part of a name); `[x-y]` for a name with `-`
 *   'text'                    a constant
 *   expr|expr                 the first that is present (not missing, null or empty)
 */
import { NaiveZone, timestampToMicros } from './timestamp';

/** A conversion failed: the value is there but is not what the field needs. */
export const INVALID: unique symbol = Symbol('invalid');

/** Milliseconds per unit. */
const MS_PER: Record<string, number> = { s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
/** Nanoseconds per unit, for exact integer arithmetic (OTLP's int64 nanoseconds exceed 2^53). */
const NS_PER: Record<string, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, µs: 1000n, ns: 1n };
export const UNITS = Object.keys(MS_PER);

/** Our fields that hold text: a unit or a difference makes no sense there. */
const TEXT_FIELDS = new Set(['model', 'status', 'request_id']);
/** Fields read as numbers (numeric text accepted) besides those ending in `_ms`. */
const NUMBER_FIELDS = new Set([
  'latency_ms',
  'batch_size',
  'gpu_util',
  'memory_used_gb',
  'input_tokens',
  'output_tokens',
  'total_tokens',
]);

interface Segment {
  key: string;
  /** Written in brackets: one key, never split at dots. */
  bracketed: boolean;
}

/** One alternative of an expression. */
type Alternative =
  | { kind: 'literal'; text: string }
  | { kind: 'path'; path: Segment[]; unit?: string }
  | { kind: 'difference'; end: Segment[]; start: Segment[]; unit?: string; key?: string };

export class FieldMapError extends Error {}

/** Splits `text` at `sep` outside brackets and quotes. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && depth === 0) {
      quoted = !quoted;
    } else if (!quoted && c === '[') {
      depth++;
    } else if (!quoted && c === ']') {
      depth--;
    } else if (!quoted && depth === 0 && c === sep) {
      parts.push(text.slice(last, i));
      last = i + 1;
    }
  }
  parts.push(text.slice(last));
  return parts;
}

function parsePath(text: string, spec: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  let name = '';
  const flush = (): void => {
    if (name !== '') {
      segments.push({ key: name, bracketed: false });
      name = '';
    }
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '[') {
      flush();
      const close = text.indexOf(']', i + 1);
      if (close < 0) {
        throw new FieldMapError(`"${spec}": a "[" without its "]"`);
      }
      const key = text.slice(i + 1, close);
      if (key === '') {
        throw new FieldMapError(`"${spec}": an empty "[]"`);
      }
      segments.push({ key, bracketed: true });
      i = close + 1;
      if (i < text.length && text[i] !== '.' && text[i] !== '[') {
        throw new FieldMapError(`"${spec}": "." or "[" expected after "]"`);
      }
      if (text[i] === '.') {
        i++;
      }
    } else if (c === ']') {
      throw new FieldMapError(`"${spec}": a "]" without its "["`);
    } else if (c === '.') {
      if (name === '') {
        throw new FieldMapError(`"${spec}": an empty name between dots`);
      }
      flush();
      i++;
    } else {
      name += c;
      i++;
    }
  }
  if (text.endsWith('.')) {
    throw new FieldMapError(`"${spec}": ends with "."`);
  }
  flush();
  if (segments.length === 0) {
    throw new FieldMapError(`"${spec}": no field named`);
  }
  return segments;
}

/** Is a field one whose mapped value is a duration or count (numbers; differences allowed for `_ms`)? */
function isDurationField(field: string): boolean {
  return field === 'latency_ms' || field.endsWith('_ms');
}

function parseAlternative(field: string, text: string, spec: string): Alternative {
  const trimmed = text.trim();
  if (trimmed.startsWith("'")) {
    if (trimmed.length < 2 || !trimmed.endsWith("'")) {
      throw new FieldMapError(`"${spec}": a constant is written 'text'`);
    }
    if (field === 'timestamp' || field === 'latency_ms') {
      throw new FieldMapError(`"${spec}": ${field} cannot be a constant`);
    }
    return { kind: 'literal', text: trimmed.slice(1, -1) };
  }
  let body = trimmed;
  let unit: string | undefined;
  const colon = splitTop(body, ':');
  if (colon.length > 2) {
    throw new FieldMapError(`"${spec}": more than one ":unit"`);
  }
  if (colon.length === 2) {
    body = colon[0];
    unit = colon[1].trim();
    if (!(unit in MS_PER)) {
      throw new FieldMapError(`"${spec}": unknown unit "${unit}" (s, ms, us, µs or ns)`);
    }
    if (TEXT_FIELDS.has(field)) {
      throw new FieldMapError(`"${spec}": ${field} is text; a unit applies to numbers and timestamps`);
    }
  }
  const parts = isDurationField(field) ? splitTop(body, '-') : [body];
  if (parts.length > 2) {
    throw new FieldMapError(`"${spec}": a difference is end-start (write a name with "-" as [a-b])`);
  }
  if (parts.length === 2) {
    const end = parsePath(parts[0].trim(), spec);
    const start = parsePath(parts[1].trim(), spec);
    // `request-time` was a plain field name before differences existed: a line with that very key still means it.
    const key = /^[^.[\]:|']+$/.test(body.trim()) ? body.trim() : undefined;
    return { kind: 'difference', end, start, unit, key };
  }
  return { kind: 'path', path: parsePath(body.trim(), spec), unit };
}

/** An OpenTelemetry AnyValue as a plain value (intValue is int64, which OTLP JSON writes as a string). */
function unwrapAnyValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const v = value as Record<string, unknown>;
  if ('stringValue' in v) {
    return v.stringValue;
  }
  if ('intValue' in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : v.intValue; // a larger one stays text (exact for timestamps)
  }
  if ('doubleValue' in v) {
    return typeof v.doubleValue === 'string' ? Number(v.doubleValue) : v.doubleValue; // "NaN", "Infinity"
  }
  if ('boolValue' in v) {
    return v.boolValue;
  }
  if ('arrayValue' in v) {
    const values = (v.arrayValue as { values?: unknown[] } | null)?.values ?? [];
    return values.map(unwrapAnyValue);
  }
  if ('kvlistValue' in v) {
    return (v.kvlistValue as { values?: unknown[] } | null)?.values ?? [];
  }
  if ('bytesValue' in v) {
    return v.bytesValue;
  }
  return Object.keys(v).length === 0 ? null : value;
}

/** `container`'s member `key`: an own property, an array index, or a key/value (or named) list element. */
function member(container: unknown, key: string): unknown {
  if (typeof container !== 'object' || container === null) {
    return undefined;
  }
  if (Array.isArray(container)) {
    if (/^\d+$/.test(key)) {
      return container[Number(key)];
    }
    for (const element of container) {
      if (typeof element === 'object' && element !== null) {
        const e = element as Record<string, unknown>;
        if (e.key === key && 'value' in e) {
          return unwrapAnyValue(e.value);
        }
        if (e.name === key) {
          return element;
        }
      }
    }
    return undefined;
  }
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

/** The value at `path` from segment `i`, undefined when it is not there. */
function resolve(value: unknown, path: Segment[], i: number): unknown {
  if (i === path.length) {
    return value;
  }
  const segment = path[i];
  if (segment.bracketed) {
    if (segment.key === '*') {
      if (typeof value !== 'object' || value === null) {
        return undefined;
      }
      for (const element of Array.isArray(value) ? value : Object.values(value)) {
        const found = resolve(element, path, i + 1);
        if (found !== undefined) {
          return found;
        }
      }
      return undefined;
    }
    const next = member(value, segment.key);
    return next === undefined ? undefined : resolve(next, path, i + 1);
  }
  // An unbracketed name may hold dots: `a.b.c` tries the key "a", then "a.b", then "a.b.c".
  let key = '';
  for (let j = i; j < path.length && !path[j].bracketed; j++) {
    key = j === i ? path[j].key : `${key}.${path[j].key}`;
    const next = member(value, key);
    if (next !== undefined) {
      const found = resolve(next, path, j + 1);
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}

const DURATION_TEXT = /^\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(ns|us|µs|ms|s)\s*$/i;
const INTEGER_TEXT = /^\s*-?\d+\s*$/;

/** A number, or a number written as text; undefined otherwise. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

/** A value in `unit` as milliseconds; a text with its own unit ("1.5s") keeps it. */
function toMillis(value: unknown, unit: string): number | null | typeof INVALID {
  // nginx writes "-" for a time it does not have (no upstream).
  if (value === null || value === '' || value === '-') {
    return null;
  }
  const n = numeric(value);
  if (n !== undefined) {
    return n * MS_PER[unit];
  }
  const match = typeof value === 'string' ? DURATION_TEXT.exec(value) : null;
  if (match) {
    return Number(match[1]) * MS_PER[match[2].toLowerCase() === 'µs' ? 'us' : match[2].toLowerCase()];
  }
  if (typeof value === 'string' && /^\s*-?(nan|inf(inity)?)\s*$/i.test(value)) {
    return null;
  }
  return INVALID;
}

/** Epoch microseconds of a number in `unit`; integer text exactly (nanoseconds past 2^53). null: not a number. */
function epochMicros(value: unknown, unit: string, zone: NaiveZone): number | null {
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
    return Number((BigInt(value.trim()) * NS_PER[unit]) / 1000n);
  }
  const n = numeric(value);
  if (n === undefined) {
    return typeof value === 'string' ? timestampToMicros(value, zone) : null; // an ISO text needs no unit
  }
  return Number.isFinite(n) ? Math.round(n * MS_PER[unit] * 1000) : null;
}

/** One side of a difference as exact nanoseconds (integers in a unit) or microseconds (anything else). */
function instant(value: unknown, unit: string | undefined, zone: NaiveZone): { ns: bigint } | { us: number } | null {
  if (unit !== undefined) {
    if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
      return { ns: BigInt(value.trim()) * NS_PER[unit] };
    }
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      return { ns: BigInt(value) * NS_PER[unit] };
    }
    const us = epochMicros(value, unit, zone);
    return us === null ? null : { us };
  }
  const us = timestampToMicros(value, zone);
  return us === null ? null : { us };
}

/** end - start in milliseconds (exact for integer nanoseconds). */
function difference(end: unknown, start: unknown, unit: string | undefined, zone: NaiveZone): unknown {
  if (end === undefined || start === undefined) {
    return undefined;
  }
  if (end === null || start === null) {
    return null;
  }
  const a = instant(end, unit, zone);
  const b = instant(start, unit, zone);
  if (a === null || b === null) {
    return INVALID;
  }
  if ('ns' in a && 'ns' in b) {
    return Number(a.ns - b.ns) / 1e6;
  }
  const us = (x: { ns: bigint } | { us: number }): number => ('ns' in x ? Number(x.ns / 1000n) : x.us);
  return (us(a) - us(b)) / 1000;
}

/** A compiled field-map entry. */
export class FieldExpression {
  private readonly alternatives: Alternative[];
  /** The top-level log fields it reads: not kept as columns of their own. */
  readonly sources: string[] = [];
  /** A plain top-level name (the byte scanner's rename), else null. */
  readonly plainName: string | null;

  constructor(
    readonly field: string,
    readonly spec: string
  ) {
    if (spec.trim() === '') {
      throw new FieldMapError(`${field}: an empty mapping`);
    }
    this.alternatives = splitTop(spec, '|').map((text) => parseAlternative(field, text, spec));
    for (const alt of this.alternatives) {
      const paths = alt.kind === 'path' ? [alt.path] : alt.kind === 'difference' ? [alt.end, alt.start] : [];
      for (const path of paths) {
        this.sources.push(path[0].key.split('.')[0]);
        if (!path[0].bracketed) {
          this.sources.push(path[0].key); // also a dotted top-level key, as resolve() finds it
        }
      }
    }
    const only = this.alternatives.length === 1 ? this.alternatives[0] : null;
    this.plainName =
      only?.kind === 'path' &&
      only.unit === undefined &&
      only.path.length === 1 &&
      !only.path[0].bracketed &&
      !/[.[\]:|']/.test(spec)
        ? only.path[0].key
        : null;
  }

  /**
   * The value in `record`: undefined when it is not there, INVALID when a unit or difference cannot be applied.
   * Timestamps: epoch microseconds, or null when not a time. Duration and count fields: numbers.
   */
  read(record: Record<string, unknown>, zone: NaiveZone): unknown {
    let last: unknown = undefined;
    for (const alt of this.alternatives) {
      const value = this.readOne(alt, record, zone);
      if (value !== undefined && value !== null && value !== '') {
        return value;
      }
      if (value !== undefined) {
        last = value; // null or "": kept if nothing better follows
      }
    }
    return last;
  }

  private readOne(alt: Alternative, record: Record<string, unknown>, zone: NaiveZone): unknown {
    if (alt.kind === 'literal') {
      return alt.text;
    }
    if (alt.kind === 'difference') {
      if (alt.key !== undefined && Object.hasOwn(record, alt.key)) {
        const value = record[alt.key];
        return alt.unit !== undefined && value !== null && value !== undefined ? toMillis(value, alt.unit) : value;
      }
      return difference(resolve(record, alt.end, 0), resolve(record, alt.start, 0), alt.unit, zone);
    }
    const value = resolve(record, alt.path, 0);
    if (value === undefined) {
      return undefined;
    }
    if (this.field === 'timestamp') {
      if (value === null) {
        return null;
      }
      const us = alt.unit === undefined ? timestampToMicros(value, zone) : epochMicros(value, alt.unit, zone);
      return us ?? INVALID;
    }
    if (alt.unit !== undefined) {
      return toMillis(value, alt.unit);
    }
    return value;
  }
}

/** Is a mapped field read as a number (numeric text made a number)? */
export function isNumberField(field: string): boolean {
  return NUMBER_FIELDS.has(field) || field.endsWith('_ms');
}

/** Why a field map cannot be used, one message per bad entry (empty when it is fine). */
export function fieldMapProblems(fieldMap: Record<string, string> | undefined): string[] {
  const problems: string[] = [];
  for (const [field, spec] of Object.entries(fieldMap ?? {})) {
    try {
      new FieldExpression(field, spec);
    } catch (error) {
      problems.push(`${field}=${spec}: ${(error as Error).message}`);
    }
  }
  return problems;
}
