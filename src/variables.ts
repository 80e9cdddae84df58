import { CustomVariableSupport, DataQueryRequest, DataQueryResponse, MetricFindValue, ScopedVars } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { AnalyticsOptions, AnalyticsQuery } from './types';
import { AnalyticsVariableQuery, FieldInfo, migrateVariableQuery } from './variable-query';

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
