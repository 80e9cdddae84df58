/**
 * Answers as Grafana's DataFrameJSON: what the HTTP proxy, the CLI's json output and the frontend read.
 */
import type { DataFrameJSON, FieldSchema, FieldType, FieldValueEntityLookup, QueryResultMeta } from '@grafana/data';
import type { AnalysisContext } from '../engine/context';
import type { Frame, FrameField } from '../engine/frames';
import { framesWithNotices } from '../engine/run';
import type { AnalysisQuery } from '../model/query';
import { Store } from '../store/store';

// Grafana's FieldType is a string enum; its values are these very strings.
const asFieldType = (type: FrameField['type']): FieldType => type as unknown as FieldType;

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
    json.schema!.meta = frame.meta as QueryResultMeta; // the same keys, Grafana's names
  }
  if (entities.some((e) => e !== null)) {
    json.data!.entities = entities;
  }
  if (nanos.some((n) => n !== null)) {
    json.data!.nanos = nanos;
  }
  return json;
}

/** Runs one analysis and returns Grafana DataFrameJSON frames, with the input's notices on the first. */
export function runQuery(
  store: Store,
  query: AnalysisQuery,
  ctx: Omit<AnalysisContext, 'store' | 'query'>
): DataFrameJSON[] {
  return framesWithNotices(store, query, ctx).map((frame) => toDataFrameJSON(frame, query.refId));
}
