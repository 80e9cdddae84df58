import React from 'react';
import { InlineFieldRow, type ComboboxOption } from '@grafana/ui';

import {
  ANOMALY_METHODS,
  DEFAULT_SEASONAL_THRESHOLD,
  DEFAULT_THRESHOLDS,
  type AnomalyMethod,
} from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { parseThreshold } from '../validation';
import { FiltersField } from './FiltersField';
import { GroupByField } from './GroupByField';
import { LimitField } from './LimitField';
import { MetricField } from './MetricField';
import { SeasonalityField } from './SeasonalityField';
import { SelectField } from './SelectField';
import { storedNumber, TypeEditorProps } from './shared';
import { TextField } from './TextField';
import { BucketFields } from './TrendEditor';

const LABELS: Record<AnomalyMethod, { label: string; description: string }> = {
  zscore: {
    label: 'Z-score',
    description: `|x − mean| / std above the threshold (default ${DEFAULT_THRESHOLDS.zscore})`,
  },
  mad: {
    label: 'MAD',
    description: `Modified z-score from the median absolute deviation; robust to outliers (default ${DEFAULT_THRESHOLDS.mad})`,
  },
  iqr: {
    label: 'IQR',
    description: `Outside Tukey's fences, threshold × IQR beyond the quartiles (default ${DEFAULT_THRESHOLDS.iqr})`,
  },
};

const METHOD_OPTIONS: Array<ComboboxOption<string>> = ANOMALY_METHODS.map((value) => ({ value, ...LABELS[value] }));

/** anomalies: requests whose metric is unusual for their group, most extreme first. */
export function AnomaliesEditor({ query, onChange, catalog, datasource }: TypeEditorProps) {
  const method = query.method ?? 'zscore';
  const threshold: unknown = query.threshold;
  // Seasonal: buckets of an aggregate against the same time of day or week, so the method does not apply.
  const seasonal = query.seasonality !== undefined;
  const fallback = seasonal ? DEFAULT_SEASONAL_THRESHOLD : DEFAULT_THRESHOLDS[method];
  return (
    <>
      <InlineFieldRow>
        {seasonal ? (
          <BucketFields query={query} onChange={onChange} catalog={catalog} />
        ) : (
          <>
            <MetricField
              value={query.metric}
              onChange={(metric) => onChange({ metric }, true)}
              catalog={catalog}
              tooltip="The numeric field checked for unusual values; latency_ms by default"
            />
            <SelectField
              label="Method"
              tooltip="How unusual is measured: z-score, MAD (robust) or IQR fences"
              options={METHOD_OPTIONS}
              value={method}
              onChange={(value) => onChange({ method: value as AnomalyMethod }, true)}
              width={14}
              testId={Components.QueryEditor.method}
            />
          </>
        )}
        <TextField
          label="Threshold"
          tooltip={`Anomalous when |score| exceeds this; empty uses the default (${fallback})`}
          value={typeof threshold === 'number' || typeof threshold === 'string' ? String(threshold) : ''}
          placeholder={String(fallback)}
          width={10}
          validate={(text) => parseThreshold(text).error}
          onCommit={(text) => {
            const parsed = parseThreshold(text);
            if (parsed.error === undefined) {
              onChange({ threshold: storedNumber(parsed.value) }, true);
            }
          }}
          testId={Components.QueryEditor.threshold}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <SeasonalityField query={query} onChange={onChange} />
      </InlineFieldRow>
      <InlineFieldRow>
        <GroupByField value={query.groupBy} onChange={(groupBy) => onChange({ groupBy }, true)} catalog={catalog} />
        <LimitField
          value={query.limit}
          onChange={(limit) => onChange({ limit: storedNumber(limit) }, true)}
          placeholder="No limit"
          tooltip="At most this many anomalies, most extreme first (and never more than the data source's max rows)"
        />
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
