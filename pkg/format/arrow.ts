import {
  Data,
  Field,
  Float64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimestampNanosecond,
  Utf8,
} from 'apache-arrow';
import type { Frame, FrameField, FrameMeta } from '../engine/frames';

/**
 * Encodes a frame as one Arrow IPC file, the way Grafana's Go SDK (data/arrow.go) writes frames and
 * `data.UnmarshalArrowFrame` reads them: times as Timestamp(ns), numbers as Float64, strings as Utf8,
 * frame name/refId/meta in the schema metadata, tstype/labels/config in each field's metadata.
 */
export function frameToArrow(frame: Frame, refId: string): Uint8Array {
  const length = frameLength(frame);
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const field of frame.fields) {
    const { data, nullable } = encodeColumn(field);
    fields.push(new Field(field.name, data.type, nullable, fieldMetadata(field)));
    children.push(data);
  }

  const metadata = new Map<string, string>([
    ['name', frame.name],
    ['refId', refId],
  ]);
  if (frame.meta) {
    metadata.set('meta', metaJSON(frame.meta));
  }
  const schema = new Schema(fields, metadata);

  // No rows: write the schema alone (the Go writer does the same); the Go reader then yields empty fields.
  const batches: RecordBatch[] = [];
  if (length > 0) {
    const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children });
    batches.push(new RecordBatch(schema, struct));
  }
  // The Go SDK opens frames with ipc.NewFileReader, so this must be the file format (footer + magic).
  return tableToIPC(new Table(schema, batches), 'file');
}

/** Microseconds since the epoch → nanoseconds; exact for whole microseconds. */
export function microsToNanos(us: number): bigint {
  return Number.isInteger(us) ? BigInt(us) * 1000n : BigInt(Math.round(us * 1000));
}

function frameLength(frame: Frame): number {
  const length = frame.fields.length > 0 ? frame.fields[0].values.length : 0;
  for (const field of frame.fields) {
    if (field.values.length !== length) {
      // Arrow record batches need equal-length columns; the Go SDK refuses such frames too.
      throw new Error(
        `frame ${JSON.stringify(frame.name)}: field ${JSON.stringify(field.name)} has ${field.values.length} values, expected ${length}`
      );
    }
  }
  return length;
}

function fieldMetadata(field: FrameField): Map<string, string> {
  const metadata = new Map<string, string>([['tstype', field.type]]);
  if (field.labels && Object.keys(field.labels).length > 0) {
    metadata.set('labels', JSON.stringify(field.labels));
  }
  if (field.type === 'number' && field.unit) {
    metadata.set('config', JSON.stringify({ unit: field.unit }));
  }
  return metadata;
}

interface Column {
  data: Data;
  nullable: boolean;
}

function encodeColumn(field: FrameField): Column {
  switch (field.type) {
    case 'time':
      return encodeTime(field.values);
    case 'number':
      return encodeNumber(field.values);
    case 'string':
      return encodeString(field.values);
  }
}

/** Validity bitmap (LSB first, 1 = present) from a missing-value test; undefined when nothing is missing. */
function validity(length: number, missing: (i: number) => boolean): { bitmap?: Uint8Array; nullCount: number } {
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (missing(i)) {
      if (!bitmap) {
        // Allocated lazily so the common no-missing case costs nothing; earlier rows were all present.
        bitmap = new Uint8Array((length + 7) >> 3).fill(0xff);
      }
      bitmap[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
    }
  }
  return { bitmap, nullCount };
}

function encodeTime(values: ArrayLike<number>): Column {
  const length = values.length;
  const ns = new BigInt64Array(length);
  const { bitmap, nullCount } = validity(length, (i) => !Number.isFinite(values[i]));
  for (let i = 0; i < length; i++) {
    const us = values[i];
    if (Number.isFinite(us)) {
      ns[i] = microsToNanos(us);
    }
  }
  const data = makeData({ type: new TimestampNanosecond(), length, nullCount, nullBitmap: bitmap, data: ns });
  // Non-nullable unless something is missing: the Go SDK then reads []time.Time, which alerting's
  // dataplane readers require ([]*time.Time time fields are ignored there).
  return { data, nullable: nullCount > 0 };
}

function encodeNumber(values: ArrayLike<number>): Column {
  const length = values.length;
  const out = new Float64Array(length);
  // NaN is "missing"; ±Infinity is a real IEEE value that Go's float64 keeps.
  const { bitmap, nullCount } = validity(length, (i) => Number.isNaN(values[i]));
  for (let i = 0; i < length; i++) {
    const v = values[i];
    out[i] = Number.isNaN(v) ? 0 : v;
  }
  return { data: makeData({ type: new Float64(), length, nullCount, nullBitmap: bitmap, data: out }), nullable: true };
}

const MAX_UTF8_BYTES = 0x7fffffff;

function encodeString(values: ArrayLike<string | null>): Column {
  const length = values.length;
  const offsets = new Int32Array(length + 1);
  const { bitmap, nullCount } = validity(length, (i) => values[i] === null || values[i] === undefined);
  const encoder = new TextEncoder();
  let capacity = 16;
  for (let i = 0; i < length; i++) {
    capacity += values[i]?.length ?? 0;
  }
  let bytes = new Uint8Array(capacity);
  let pos = 0;
  for (let i = 0; i < length; i++) {
    const s = values[i];
    if (s) {
      // A UTF-16 code unit needs at most 3 UTF-8 bytes, so this room is always enough for encodeInto.
      const need = pos + s.length * 3;
      if (need > bytes.length) {
        const grown = new Uint8Array(Math.max(need, bytes.length * 2));
        grown.set(bytes.subarray(0, pos));
        bytes = grown;
      }
      pos += encoder.encodeInto(s, bytes.subarray(pos)).written;
      if (pos > MAX_UTF8_BYTES) {
        // Utf8 has 32-bit offsets and Grafana does not read LargeUtf8.
        throw new Error('string field is larger than 2 GiB');
      }
    }
    offsets[i + 1] = pos;
  }
  const data = makeData({
    type: new Utf8(),
    length,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets,
    data: bytes.subarray(0, pos),
  });
  // Nullable only when something is missing, as for times: the Go SDK then reads []string, which the
  // data plane asks of a log line's body.
  return { data, nullable: nullCount > 0 };
}

const SEVERITIES = new Set(['info', 'warning', 'error']);

/**
 * JSON of the frame meta. Checks the two things Go's FrameMeta unmarshalling rejects (which would fail
 * the whole QueryDataResponse in Grafana), so the caller gets a clear error for this frame instead.
 */
function metaJSON(meta: FrameMeta): string {
  const { typeVersion, notices } = meta;
  if (
    typeVersion !== undefined &&
    !(Array.isArray(typeVersion) && typeVersion.length === 2 && typeVersion.every((n) => Number.isInteger(n) && n >= 0))
  ) {
    throw new Error(`frame meta typeVersion must be two whole numbers, got ${JSON.stringify(typeVersion)}`);
  }
  for (const notice of notices ?? []) {
    if (!SEVERITIES.has(notice.severity)) {
      throw new Error(
        `frame meta notice severity must be info, warning or error, got ${JSON.stringify(notice.severity)}`
      );
    }
  }
  return JSON.stringify(meta);
}
