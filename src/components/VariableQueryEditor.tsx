import React, { useCallback } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { Combobox, ComboboxOption, InlineField, InlineFieldRow, RadioButtonGroup } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { AnalyticsOptions, AnalyticsQuery } from '../types';
import {
  AnalyticsVariableQuery,
  FieldInfo,
  FieldType,
  migrateVariableQuery,
  variableQueryDefinition,
  VariableQueryKind,
} from '../variable-query';

type Props = QueryEditorProps<DataSource, AnalyticsQuery, AnalyticsOptions, AnalyticsVariableQuery>;

const KIND_OPTIONS: Array<SelectableValue<VariableQueryKind>> = [
  { label: 'Models', value: 'models', description: 'Every model in the logs' },
  { label: 'Fields', value: 'fields', description: 'Field names, for choosing what to group by or analyse' },
  { label: 'Field values', value: 'values', description: 'Distinct values of one field' },
];

type FieldTypeChoice = FieldType | 'all';

const FIELD_TYPE_OPTIONS: Array<SelectableValue<FieldTypeChoice>> = [
  { label: 'All', value: 'all' },
  { label: 'Numeric', value: 'number', description: 'Metrics: latency_ms, gpu_util, ...' },
  { label: 'Text', value: 'string', description: 'Fields to group and filter by: model, status, host, ...' },
];

const LABEL_WIDTH = 16;

/** Editor of a template variable of this data source: models, field names, or the values of a field. */
export function VariableQueryEditor({ query: saved, onChange, datasource }: Props) {
  const query = migrateVariableQuery(saved);

  const change = (next: AnalyticsVariableQuery) => {
    onChange({ ...next, query: variableQueryDefinition(next) });
  };

  const onKindChange = (kind: VariableQueryKind) => {
    const next: AnalyticsVariableQuery = { refId: query.refId, kind };
    if (kind === 'fields' && query.fieldType) {
      next.fieldType = query.fieldType;
    }
    if (kind === 'values' && query.field) {
      next.field = query.field;
    }
    change(next);
  };

  const onFieldTypeChange = (choice: FieldTypeChoice) => {
    const { fieldType: _previous, ...rest } = query;
    change(choice === 'all' ? rest : { ...rest, fieldType: choice });
  };

  const onFieldChange = (option: ComboboxOption<string> | null) => {
    change({ ...query, field: option?.value ?? '' });
  };

  const loadFields = useCallback(
    async (input: string): Promise<Array<ComboboxOption<string>>> => {
      const fields = await datasource.getResource<FieldInfo[]>('fields');
      const wanted = input.trim().toLowerCase();
      return [...fields]
        .sort((a, b) => (a.type === b.type ? 0 : a.type === 'string' ? -1 : 1))
        .filter((field) => field.name.toLowerCase().includes(wanted))
        .map((field) => ({ label: field.name, value: field.name, description: field.type }));
    },
    [datasource]
  );

  return (
    <>
      <InlineFieldRow>
        <InlineField label="Query" labelWidth={LABEL_WIDTH} tooltip="What the variable lists">
          <RadioButtonGroup<VariableQueryKind> options={KIND_OPTIONS} value={query.kind} onChange={onKindChange} />
        </InlineField>
      </InlineFieldRow>
      {query.kind === 'fields' && (
        <InlineFieldRow>
          <InlineField label="Field type" labelWidth={LABEL_WIDTH} tooltip="List only numeric or only text fields">
            <RadioButtonGroup<FieldTypeChoice>
              options={FIELD_TYPE_OPTIONS}
              value={query.fieldType ?? 'all'}
              onChange={onFieldTypeChange}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {query.kind === 'values' && (
        <InlineFieldRow>
          <InlineField
            label="Field"
            labelWidth={LABEL_WIDTH}
            tooltip="The field whose distinct values the variable lists; another variable ($field) works too"
            invalid={!query.field}
            error="Choose a field"
          >
            <Combobox<string>
              id="variable-query-field"
              placeholder="Choose a field"
              width={32}
              options={loadFields}
              value={query.field ? { label: query.field, value: query.field } : null}
              onChange={onFieldChange}
              createCustomValue
              isClearable
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </>
  );
}
