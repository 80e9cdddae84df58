import React, { ChangeEvent, useCallback } from 'react';
import { AnnotationQuery, QueryEditorProps, SelectableValue } from '@grafana/data';
import {
  Combobox,
  ComboboxOption,
  InlineField,
  InlineFieldRow,
  Input,
  MultiCombobox,
  RadioButtonGroup,
} from '@grafana/ui';

import { AnomalyMethod, DEFAULT_THRESHOLDS } from '../../pkg/model/query';
import type { DataSource } from '../datasource';
import { migrateQuery } from '../migrations';
import { AnalyticsOptions, AnalyticsQuery } from '../types';
import type { FieldInfo } from '../variable-query';

/** The props Grafana gives an annotation query editor (AnnotationSupport.QueryEditor). */
type Props = QueryEditorProps<DataSource, AnalyticsQuery, AnalyticsOptions> & {
  annotation?: AnnotationQuery<AnalyticsQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<AnalyticsQuery>) => void;
};

const METHOD_OPTIONS: Array<SelectableValue<AnomalyMethod>> = [
  { label: 'Z-score', value: 'zscore', description: '|x - mean| / std above the threshold (default 3)' },
  { label: 'MAD', value: 'mad', description: 'Modified z-score from the median, robust to outliers (default 3.5)' },
  { label: 'IQR', value: 'iqr', description: "Outside Tukey's fences, in IQRs beyond the box (default 1.5)" },
];

type Scope = 'model' | 'all';

const SCOPE_OPTIONS: Array<SelectableValue<Scope>> = [
  { label: 'Each model', value: 'model', description: 'Compare each request with its own model' },
  { label: 'All requests', value: 'all', description: 'Compare each request with every request' },
];

const LABEL_WIDTH = 16;

function parseOptionalNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return undefined;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** Editor of an annotation query: which requests are anomalous enough to be drawn as markers. */
export function AnnotationQueryEditor({ query: saved, onChange, onRunQuery, datasource }: Props) {
  const query = migrateQuery(saved);
  const method = query.method ?? 'zscore';
  const models = (query.filters?.model ?? []).map(String);

  const change = (next: Partial<AnalyticsQuery>) => {
    onChange({ ...query, ...next, queryType: 'anomalies' });
    onRunQuery();
  };

  const loadMetrics = useCallback(
    async (input: string): Promise<Array<ComboboxOption<string>>> => {
      const fields = await datasource.getResource<FieldInfo[]>('fields');
      const wanted = input.trim().toLowerCase();
      return fields
        .filter((field) => field.type === 'number' && field.name.toLowerCase().includes(wanted))
        .map((field) => ({ label: field.name, value: field.name }));
    },
    [datasource]
  );

  const loadModels = useCallback(
    async (input: string): Promise<Array<ComboboxOption<string>>> => {
      const names = await datasource.getResource<string[]>('models');
      const wanted = input.trim().toLowerCase();
      return names.filter((name) => name.toLowerCase().includes(wanted)).map((name) => ({ label: name, value: name }));
    },
    [datasource]
  );

  const onModelsChange = (options: Array<ComboboxOption<string>>) => {
    const { model: _previous, ...others } = query.filters ?? {};
    const values = options.map((option) => option.value);
    change({ filters: values.length > 0 ? { ...others, model: values } : others });
  };

  const onNumberBlur = (key: 'threshold' | 'limit') => (event: ChangeEvent<HTMLInputElement>) => {
    const value = parseOptionalNumber(event.currentTarget.value);
    if (value === query[key]) {
      return;
    }
    const next: AnalyticsQuery = { ...query, queryType: 'anomalies' };
    if (value === undefined) {
      delete next[key];
    } else {
      next[key] = key === 'limit' ? Math.max(0, Math.round(value)) : Math.max(0, value);
    }
    onChange(next);
    onRunQuery();
  };

  const scope: Scope = query.groupBy?.includes('model') ? 'model' : 'all';

  return (
    <>
      <InlineFieldRow>
        <InlineField label="Metric" labelWidth={LABEL_WIDTH} tooltip="The numeric field whose outliers are marked">
          <Combobox<string>
            id="annotation-metric"
            width={28}
            options={loadMetrics}
            value={query.metric ?? 'latency_ms'}
            onChange={(option) => change({ metric: option.value })}
            createCustomValue
          />
        </InlineField>
        <InlineField label="Models" labelWidth={LABEL_WIDTH} tooltip="Only these models; every model when empty">
          <MultiCombobox<string>
            id="annotation-models"
            width={40}
            placeholder="All models"
            options={loadModels}
            value={models}
            onChange={onModelsChange}
            createCustomValue
            isClearable
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Method" labelWidth={LABEL_WIDTH} tooltip="How unusual a value is measured">
          <RadioButtonGroup<AnomalyMethod>
            options={METHOD_OPTIONS}
            value={method}
            onChange={(value) => change({ method: value })}
          />
        </InlineField>
        <InlineField label="Threshold" labelWidth={LABEL_WIDTH} tooltip="A request is marked when |score| is above it">
          <Input
            id="annotation-threshold"
            type="number"
            min={0}
            step="any"
            width={12}
            key={`threshold-${query.threshold ?? ''}`}
            defaultValue={query.threshold ?? ''}
            placeholder={String(DEFAULT_THRESHOLDS[method])}
            onBlur={onNumberBlur('threshold')}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Score within" labelWidth={LABEL_WIDTH} tooltip="What a request is compared with">
          <RadioButtonGroup<Scope>
            options={SCOPE_OPTIONS}
            value={scope}
            onChange={(value) => change({ groupBy: value === 'model' ? ['model'] : [] })}
          />
        </InlineField>
        <InlineField label="Max markers" labelWidth={LABEL_WIDTH} tooltip="The most extreme requests first">
          <Input
            id="annotation-limit"
            type="number"
            min={0}
            step={1}
            width={12}
            key={`limit-${query.limit ?? ''}`}
            defaultValue={query.limit ?? ''}
            placeholder="No limit"
            onBlur={onNumberBlur('limit')}
          />
        </InlineField>
      </InlineFieldRow>
    </>
  );
}
