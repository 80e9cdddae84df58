import React from 'react';
import { Combobox, InlineField } from '@grafana/ui';

import { Components } from '../../selectors';
import { LABEL_WIDTH, ResourceSource, toOptions, useResource } from './shared';

interface Props {
  value: string | undefined;
  onChange: (baseline: string | undefined) => void;
  datasource: ResourceSource;
}

/** compare's baseline model: one of the data source's models (or `$var`); cleared, the first model by name. */
export function BaselineField({ value, onChange, datasource }: Props) {
  const [models, loading] = useResource<string[]>(datasource, 'models', []);
  return (
    <InlineField
      label="Baseline"
      labelWidth={LABEL_WIDTH}
      tooltip="The model every other model is tested against (p50/p99 differences with 95% bootstrap intervals, Mann–Whitney U, error-rate z-test); the first model by name when empty"
    >
      <Combobox<string>
        data-testid={Components.QueryEditor.baseline}
        options={toOptions(models, value ? [value] : [])}
        value={value ?? null}
        width={24}
        placeholder="First model"
        loading={loading}
        createCustomValue
        isClearable
        onChange={(option) => onChange(option?.value || undefined)}
      />
    </InlineField>
  );
}
