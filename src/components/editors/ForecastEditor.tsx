import React from 'react';
import { InlineFieldRow } from '@grafana/ui';

import { DEFAULT_FORECAST_HORIZON } from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { validateHorizon } from '../validation';
import { FiltersField } from './FiltersField';
import { GroupByField } from './GroupByField';
import { TypeEditorProps } from './shared';
import { TextField } from './TextField';
import { BucketFields } from './TrendEditor';

/** forecast: a trend's next buckets (Holt's method) with a 95% band, a series per group. */
export function ForecastEditor({ query, onChange, catalog, datasource }: TypeEditorProps) {
  return (
    <>
      <InlineFieldRow>
        <BucketFields query={query} onChange={onChange} catalog={catalog} />
        <TextField
          label="Horizon"
          tooltip={`How far ahead, from the last whole bucket of the time range (default ${DEFAULT_FORECAST_HORIZON})`}
          value={query.horizon ?? ''}
          placeholder={DEFAULT_FORECAST_HORIZON}
          width={10}
          validate={validateHorizon}
          onCommit={(text) => onChange({ horizon: text.trim() === '' ? undefined : text.trim() }, true)}
          testId={Components.QueryEditor.horizon}
        />
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
