import React from 'react';
import type { ComboboxOption } from '@grafana/ui';

import {
  DEFAULT_SEASONAL_PERIODS,
  MAX_SEASONAL_PERIODS,
  SEASONALITIES,
  type Seasonality,
} from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { parseSeasonalPeriods } from '../validation';
import { SelectField } from './SelectField';
import { storedNumber, TypeEditorProps } from './shared';
import { TextField } from './TextField';

/** The select's value for "no seasonal baseline" (a Combobox needs a value). */
const NONE = 'none';

const OPTIONS: Array<ComboboxOption<string>> = [
  { value: NONE, label: 'None', description: 'No seasonal baseline' },
  ...SEASONALITIES.map((value) => ({
    value,
    label: value === 'daily' ? 'Daily' : 'Weekly',
    description: `Each bucket against the same time of ${value === 'daily' ? 'day' : 'week'} over previous ${
      value === 'daily' ? 'days' : 'weeks'
    } (median and MAD)`,
  })),
];

/** Seasonal baseline of trend and anomalies: daily or weekly, and over how many previous periods. */
export function SeasonalityField({ query, onChange }: Pick<TypeEditorProps, 'query' | 'onChange'>) {
  const seasonality = query.seasonality;
  const periods: unknown = query.seasonalPeriods;
  return (
    <>
      <SelectField
        label="Seasonality"
        tooltip="Judge each bucket against the same time of day (or week) over the previous periods, not the range's average"
        options={OPTIONS}
        value={seasonality ?? NONE}
        onChange={(value) =>
          onChange(
            value === NONE
              ? { seasonality: undefined, seasonalPeriods: undefined }
              : { seasonality: value as Seasonality },
            true
          )
        }
        width={14}
        testId={Components.QueryEditor.seasonality}
      />
      {seasonality && (
        <TextField
          label="Periods"
          tooltip={`How many previous ${seasonality === 'daily' ? 'days' : 'weeks'} the baseline reads (default ${DEFAULT_SEASONAL_PERIODS[seasonality]})`}
          value={typeof periods === 'number' || typeof periods === 'string' ? String(periods) : ''}
          placeholder={String(DEFAULT_SEASONAL_PERIODS[seasonality])}
          width={8}
          validate={(text) => parseSeasonalPeriods(text, MAX_SEASONAL_PERIODS).error}
          onCommit={(text) => {
            const parsed = parseSeasonalPeriods(text, MAX_SEASONAL_PERIODS);
            if (parsed.error === undefined) {
              onChange({ seasonalPeriods: storedNumber(parsed.value) }, true);
            }
          }}
          testId={Components.QueryEditor.seasonalPeriods}
        />
      )}
    </>
  );
}
