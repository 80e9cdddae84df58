import { CustomVariableSupport, DataQueryRequest, DataQueryResponse, MetricFindValue, ScopedVars } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { DataQuery } from '@grafana/schema';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { AnalyticsOptions, AnalyticsQuery } from './types';

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

/** The values a variable query lists, read from the backend's resources. */
export async function findVariableValues(
  datasource: Pick<DataSource, 'getResource'>,
  query: AnalyticsVariableQuery,
  scopedVars: ScopedVars = {}
): Promise<MetricFindValue[]> {
  switch (query.kind) {
    case 'models': {
      const models = await datasource.getResource<string[]>('models');
      return models.map((model) => ({ text: model, value: model }));
    }
    case 'fields': {
      const fields = await datasource.getResource<FieldInfo[]>('fields');
      return fields
        .filter((field) => !query.fieldType || field.type === query.fieldType)
        .map((field) => ({ text: field.name, value: field.name }));
    }
    case 'values': {
      const field = getTemplateSrv()
        .replace(query.field ?? '', scopedVars)
        .trim();
      if (!field) {
        return [];
      }
      const values = await datasource.getResource<string[]>('values', { field });
      return values.map((value) => ({ text: value, value }));
    }
  }
}

/**
 * Query variables through Grafana's custom variable support: the variable editor is ours and the
 * values come from the backend's `models`, `fields` and `values` resources (no metricFindQuery).
 */
export class AnalyticsVariableSupport extends CustomVariableSupport<
  DataSource,
  AnalyticsVariableQuery,
  AnalyticsQuery,
  AnalyticsOptions
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<AnalyticsVariableQuery>): Observable<DataQueryResponse> {
    const query = migrateVariableQuery(request.targets[0]);
    return from(findVariableValues(this.datasource, query, request.scopedVars)).pipe(map((data) => ({ data })));
  }
}
