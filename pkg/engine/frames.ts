import type {
  DataFrameJSON,
  DataFrameType,
  FieldSchema,
  FieldType,
  FieldValueEntityLookup,
  QueryResultMeta,
} from '@grafana/data';
import { SKIP_REASONS } from '../sources/parse-line';
import { Store } from '../store/store';

/** A column of an answer. Time values are microseconds since the epoch; NaN means missing. */
export type FrameField =
  | { name: string; type: 'time'; values: ArrayLike<number>; labels?: Record<string, string> }
  | { name: string; type: 'number'; values: ArrayLike<number>; labels?: Record<string, string>; unit?: string }
  | { name: string; type: 'string'; values: ArrayLike<string | null>; labels?: Record<string, string> };

/** An answer before it is encoded. */
export interface Frame {
  name: string;
  fields: FrameField[];
  meta?: QueryResultMeta;
}

// Grafana's FieldType is a string enum; its values are these very strings.
const asFieldType = (type: FrameField['type']): FieldType => type as unknown as FieldType;
/** DataFrameType.TimeSeriesMulti: one frame per series, a time field and a labelled number field. */
export const TIMESERIES_MULTI = 'timeseries-multi' as unknown as DataFrameType;

/** Encodes a frame as Grafana's DataFrameJSON: times as epoch ms (+ nanos), NaN as null, infinities as entities. */
export function toDataFrameJSON(frame: Frame, refId?: string): DataFrameJSON {
  const values: unknown[][] = [];
  const entities: Array<FieldValueEntityLookup | null> = [];
  const nanos: Array<number[] | null> = [];
  const schemaFields: FieldSchema[] = frame.fields.map((field) => {
    const schema: FieldSchema = { name: field.name, type: asFieldType(field.type) };
    if (field.labels && Object.keys(field.labels).length > 0) {
      schema.labels = field.labels;
    }
    if (field.type === 'number' && field.unit) {
      schema.config = { unit: field.unit };
    }
    return schema;
  });
  for (const field of frame.fields) {
    const out: unknown[] = new Array(field.values.length);
    let lookup: FieldValueEntityLookup | null = null;
    let fieldNanos: number[] | null = null;
    if (field.type === 'time') {
      for (let i = 0; i < field.values.length; i++) {
        const us = field.values[i];
        if (Number.isNaN(us)) {
          out[i] = null;
          continue;
        }
        const ms = Math.floor(us / 1000);
        out[i] = ms;
        const extra = (us - ms * 1000) * 1000;
        if (extra !== 0) {
          fieldNanos ??= new Array(field.values.length).fill(0);
          fieldNanos[i] = Math.round(extra);
        }
      }
    } else if (field.type === 'number') {
      for (let i = 0; i < field.values.length; i++) {
        const v = field.values[i];
        if (Number.isFinite(v)) {
          out[i] = v;
        } else {
          out[i] = null;
          if (v === Infinity || v === -Infinity) {
            lookup ??= {};
            const key = v > 0 ? 'Inf' : 'NegInf';
            (lookup[key] ??= []).push(i);
          }
        }
      }
    } else {
      for (let i = 0; i < field.values.length; i++) {
        out[i] = field.values[i];
      }
    }
    values.push(out);
    entities.push(lookup);
    nanos.push(fieldNanos);
  }
  const json: DataFrameJSON = {
    schema: { name: frame.name, fields: schemaFields },
    data: { values },
  };
  if (refId !== undefined) {
    json.schema!.refId = refId;
  }
  if (frame.meta) {
    json.schema!.meta = frame.meta;
  }
  if (entities.some((e) => e !== null)) {
    json.data!.entities = entities;
  }
  if (nanos.some((n) => n !== null)) {
    json.data!.nanos = nanos;
  }
  return json;
}

/**
 * Warnings about the input that every answer carries: lines skipped, values not usable, and request ids this
 * answer could not read back from the log files.
 */
/**
 * Skip counts as every door lists them: most first, ties by reason name (not by which line came first: the scan
 * workers count a batch's skips together, so that order depends on how the file was cut).
 */
export function skipsInOrder(skipped: Record<string, number>): Array<[string, number]> {
  return Object.entries(skipped).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function inputNotices(store: Store, unavailableIds = 0): NonNullable<QueryResultMeta['notices']> {
  const notices: NonNullable<QueryResultMeta['notices']> = [];
  const total = store.skippedTotal();
  if (total > 0) {
    const parts = skipsInOrder(store.skipped).map(([reason, count]) => `${reason} ${count}`);
    notices.push({
      severity: 'warning',
      text: `Skipped ${total} log line${total === 1 ? '' : 's'}: ${parts.join(', ')}`,
    });
  }
  const unread = store.unreadFiles;
  if (unread.length > 0) {
    // The rest is served; the operator learns what to fix (names relative to the configured path).
    const shown = unread.slice(0, 5).join('; ') + (unread.length > 5 ? `; and ${unread.length - 5} more` : '');
    notices.push({ severity: 'warning', text: `Not read: ${shown}` });
  }
  const invalid = Object.entries(store.invalidValues);
  if (invalid.length > 0) {
    notices.push({
      severity: 'info',
      text: `Values kept as missing because they are not numbers: ${invalid.map(([f, n]) => `${f} ${n}`).join(', ')}`,
    });
  }
  if (unavailableIds > 0) {
    notices.push({
      severity: 'warning',
      text: `${unavailableIds} request id${unavailableIds === 1 ? '' : 's'} shown empty: the log file holding ${
        unavailableIds === 1 ? 'it' : 'them'
      } was removed or rewritten`,
    });
  }
  return notices;
}

/** Describes a skip reason for people (README and CLI help). */
export function describeSkipReason(reason: string): string {
  return SKIP_REASONS[reason] ?? reason;
}
