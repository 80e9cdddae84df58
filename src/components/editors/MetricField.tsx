import React from 'react';

import { Components } from '../../selectors';
import { SelectField } from './SelectField';
import { FieldCatalog, toOptions } from './shared';

export const DEFAULT_METRIC = 'latency_ms';

interface Props {
  value: string | undefined;
  onChange: (metric: string) => void;
  catalog: FieldCatalog;
  tooltip?: string;
}

/** The numeric field analysed (trend, anomalies); `latency_ms` when unset. */
export function MetricField({ value, onChange, catalog, tooltip }: Props) {
  const metric = value || DEFAULT_METRIC;
  return (
    <SelectField
      label="Metric"
      tooltip={tooltip ?? 'The numeric field to analyse; latency_ms by default'}
      options={toOptions(catalog.numeric, [metric])}
      value={metric}
      onChange={onChange}
      allowCustom
      testId={Components.QueryEditor.metric}
    />
  );
}
