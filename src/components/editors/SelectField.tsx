import React from 'react';
import { Combobox, ComboboxOption, InlineField } from '@grafana/ui';

import { LABEL_WIDTH } from './shared';

interface Props {
  label: string;
  /** One line of help, shown by the label's info icon. */
  tooltip: string;
  options: Array<ComboboxOption<string>>;
  value: string;
  onChange: (value: string) => void;
  /** Accept a typed value that is not an option (a field the catalog does not know yet, `$var`). */
  allowCustom?: boolean;
  /** A message about the current value, shown beside the field. */
  error?: string;
  width?: number;
  testId: string;
}

/** One choice from a list, as an inline field: a selection applies (and runs the query) at once. */
export function SelectField({
  label,
  tooltip,
  options,
  value,
  onChange,
  allowCustom,
  error,
  width = 20,
  testId,
}: Props) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} invalid={!!error} error={error}>
      <Combobox<string>
        data-testid={testId}
        options={options}
        value={value}
        width={width}
        createCustomValue={allowCustom}
        invalid={!!error}
        onChange={(option) => onChange(option.value)}
      />
    </InlineField>
  );
}
