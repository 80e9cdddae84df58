import React from 'react';
import { InlineField, InlineFieldRow, RadioButtonGroup } from '@grafana/ui';

import { CORRELATION_METHODS, STANDARD_METRICS, type CorrelationMethod } from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { FiltersField } from './FiltersField';
import { MultiSelectField } from './MultiSelectField';
import { LABEL_WIDTH, toOptions, TypeEditorProps } from './shared';

const METHOD_OPTIONS = CORRELATION_METHODS.map((value) => ({
  value,
  label: value === 'pearson' ? 'Pearson' : 'Spearman',
  description:
    value === 'pearson' ? 'Linear correlation of the values' : 'Correlation of the ranks (monotonic, robust)',
}));

/** The message for a metrics list that cannot make a matrix, or undefined. */
export function metricsError(metrics: string[] | undefined): string | undefined {
  return metrics?.length === 1 ? 'Pick at least two metrics (or none for the four standard ones)' : undefined;
}

/** correlation: the matrix of pairwise correlations of numeric fields. */
export function CorrelationEditor({ query, onChange, catalog, datasource }: TypeEditorProps) {
  const metrics = query.metrics ?? [];
  return (
    <>
      <InlineFieldRow>
        <MultiSelectField
          label="Metrics"
          tooltip={`Numeric fields of the matrix, in order; empty uses ${STANDARD_METRICS.join(', ')}`}
          options={toOptions(catalog.numeric, metrics)}
          value={metrics}
          onChange={(selected) => onChange({ metrics: selected.length > 0 ? selected : undefined }, true)}
          placeholder="The standard metrics"
          allowCustom
          error={metricsError(metrics)}
          loading={catalog.loading}
          testId={Components.QueryEditor.metrics}
        />
        <InlineField
          label="Method"
          labelWidth={LABEL_WIDTH}
          tooltip="Pearson: linear; Spearman: on ranks, for monotonic but non-linear relations"
        >
          <RadioButtonGroup<CorrelationMethod>
            data-testid={Components.QueryEditor.correlation}
            options={METHOD_OPTIONS}
            value={query.correlation ?? 'pearson'}
            onChange={(correlation) => onChange({ correlation }, true)}
          />
        </InlineField>
      </InlineFieldRow>
      <FiltersField
        value={query.filters}
        onChange={(filters, run) => onChange({ filters }, run)}
        catalog={catalog}
        datasource={datasource}
      />
    </>
  );
}
