import React from 'react';
import { InlineFieldRow, type ComboboxOption } from '@grafana/ui';

import { AGGREGATIONS, type Aggregation } from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { FiltersField } from './FiltersField';
import { GroupByField } from './GroupByField';
import { MetricField } from './MetricField';
import { SeasonalityField } from './SeasonalityField';
import { SelectField } from './SelectField';
import { TypeEditorProps } from './shared';
import { WindowField } from './WindowField';

/** Aggregations that count requests rather than summarise a metric: the metric does not apply. */
export const METRICLESS_AGGREGATIONS: readonly Aggregation[] = ['count', 'rate', 'error_rate'];

const DESCRIPTIONS: Record<Aggregation, string> = {
  count: 'Requests per bucket',
  rate: 'Requests per second',
  sum: 'Sum of the metric',
  mean: 'Average of the metric',
  min: 'Smallest value',
  max: 'Largest value',
  stddev: 'Standard deviation (ddof=1)',
  p50: 'Median',
  p90: '90th percentile',
  p95: '95th percentile',
  p99: '99th percentile',
  p999: '99.9th percentile',
  error_rate: 'Share of requests that failed (0–1)',
};

const AGGREGATION_OPTIONS: Array<ComboboxOption<string>> = AGGREGATIONS.map((value) => ({
  value,
  description: DESCRIPTIONS[value],
}));

/** A bucket's aggregate: aggregation, metric (unless it counts requests) and window; trend, forecast, seasonal anomalies. */
export function BucketFields({ query, onChange, catalog }: Pick<TypeEditorProps, 'query' | 'onChange' | 'catalog'>) {
  const aggregation = query.aggregation ?? 'mean';
  return (
    <>
      <SelectField
        label="Aggregation"
        tooltip="What each bucket shows: a percentile, mean, ... of the metric, or count, rate, error rate of requests"
        options={AGGREGATION_OPTIONS}
        value={aggregation}
        onChange={(value) => onChange({ aggregation: value as Aggregation }, true)}
        width={16}
        testId={Components.QueryEditor.aggregation}
      />
      {!METRICLESS_AGGREGATIONS.includes(aggregation) && (
        <MetricField value={query.metric} onChange={(metric) => onChange({ metric }, true)} catalog={catalog} />
      )}
      <WindowField value={query.window} onChange={(window) => onChange({ window }, true)} />
    </>
  );
}

/** trend: one aggregate per time bucket, a series per group; what alert rules usually query. */
export function TrendEditor({ query, onChange, catalog, datasource }: TypeEditorProps) {
  return (
    <>
      <InlineFieldRow>
        <BucketFields query={query} onChange={onChange} catalog={catalog} />
      </InlineFieldRow>
      <InlineFieldRow>
        <SeasonalityField query={query} onChange={onChange} />
      </InlineFieldRow>
      <GroupByField value={query.groupBy} onChange={(groupBy) => onChange({ groupBy }, true)} catalog={catalog} />
      <FiltersField
        value={query.filters}
        onChange={(filters, run) => onChange({ filters }, run)}
        catalog={catalog}
        datasource={datasource}
      />
    </>
  );
}
