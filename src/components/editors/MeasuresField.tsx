import React from 'react';

import { Components } from '../../selectors';
import { MultiSelectField } from './MultiSelectField';
import { toOptions } from './shared';

interface Props {
  value: string[] | undefined;
  onChange: (measures: string[] | undefined) => void;
  /** The value columns of the query type, in frame order. */
  measures: readonly string[];
  /** In the alert rule editor, where a condition needs exactly one measure. */
  alerting?: boolean;
}

/** The message for measures an alert condition cannot use (outside alerting, none), or undefined. */
export function measuresError(measures: string[] | undefined, alerting = false): string | undefined {
  return alerting && measures?.length !== 1
    ? 'An alert condition needs exactly one measure, e.g. p99_latency_ms'
    : undefined;
}

/** The value columns of summary and compare to return, in the order picked; none means all. */
export function MeasuresField({ value = [], onChange, measures, alerting }: Props) {
  return (
    <MultiSelectField
      label="Measures"
      tooltip="Value columns to return (default all). An alert condition needs exactly one, e.g. p99_latency_ms"
      options={toOptions(measures, value)}
      value={value}
      onChange={(picked) => onChange(picked.length > 0 ? picked : undefined)}
      placeholder="All measures"
      error={measuresError(value, alerting)}
      testId={Components.QueryEditor.measures}
    />
  );
}
