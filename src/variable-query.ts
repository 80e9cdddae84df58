/**
 * The template-variable query model: what a variable of this data source lists, as saved in a dashboard, and how
 * older saved forms are read. Apart from variables.ts (which runs the queries) so that the variable editor and the
 * variable support can both use it without importing each other.
 */
import { DataQuery } from '@grafana/schema';

/** What a template variable of this data source lists. */
export type VariableQueryKind = 'models' | 'fields' | 'values';
export const VARIABLE_QUERY_KINDS: readonly VariableQueryKind[] = ['models', 'fields', 'values'];

/** Field types the backend's `fields` resource reports. */
export type FieldType = 'number' | 'string';

/** A template variable's query, saved in the dashboard's `templating.list[].query`. */
export interface AnalyticsVariableQuery extends DataQuery {
  kind: VariableQueryKind;
  /** `fields`: only numeric or only string fields; every field when absent. */
  fieldType?: FieldType;
  /** `values`: the field whose distinct values are listed (may be a template variable, for chained variables). */
  field?: string;
  /** The query as text (`values(region)`): Grafana shows it as the variable's definition. */
  query?: string;
}

/** One entry of the backend's `fields` resource. */
export interface FieldInfo {
  name: string;
  type: FieldType;
}

export const DEFAULT_VARIABLE_QUERY: AnalyticsVariableQuery = { refId: 'variable', kind: 'models' };

function isKind(value: unknown): value is VariableQueryKind {
  return typeof value === 'string' && (VARIABLE_QUERY_KINDS as readonly string[]).includes(value);
}

function isFieldType(value: unknown): value is FieldType {
  return value === 'number' || value === 'string';
}

/**
 * A saved variable query as the current object. Also accepts a text query, as typed in
 * provisioning files or left by a variable editor of an earlier version: `models`, `fields`,
 * `fields(number)`, `fields(string)`, `values(region)`.
 */
export function migrateVariableQuery(saved: unknown): AnalyticsVariableQuery {
  let value = saved;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (isKind(record.kind)) {
      const query: AnalyticsVariableQuery = {
        refId: typeof record.refId === 'string' ? record.refId : DEFAULT_VARIABLE_QUERY.refId,
        kind: record.kind,
      };
      if (isFieldType(record.fieldType)) {
        query.fieldType = record.fieldType;
      }
      if (typeof record.field === 'string') {
        query.field = record.field;
      }
      return query;
    }
    value = record.query;
  }
  if (typeof value === 'string') {
    const match = /^\s*(models|fields|values)\s*(?:\(\s*([^)]*?)\s*\))?\s*$/.exec(value);
    if (match) {
      const kind = match[1] as VariableQueryKind;
      const argument = match[2];
      if (kind === 'fields') {
        return isFieldType(argument) ? { refId: 'variable', kind, fieldType: argument } : { refId: 'variable', kind };
      }
      if (kind === 'values') {
        return argument ? { refId: 'variable', kind, field: argument } : { refId: 'variable', kind };
      }
      return { refId: 'variable', kind };
    }
  }
  return { ...DEFAULT_VARIABLE_QUERY };
}

/** A short description of a variable query, as shown in the dashboard's variable list. */
export function variableQueryDefinition(query: AnalyticsVariableQuery): string {
  switch (query.kind) {
    case 'models':
      return 'models';
    case 'fields':
      return query.fieldType ? `fields(${query.fieldType})` : 'fields';
    case 'values':
      return `values(${query.field ?? ''})`;
  }
}
