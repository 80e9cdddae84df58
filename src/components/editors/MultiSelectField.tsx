import React from 'react';
import { ComboboxOption, InlineField, MultiCombobox } from '@grafana/ui';

import { LABEL_WIDTH } from './shared';

interface Props {
  label: string;
  /** One line of help, shown by the label's info icon. */
  tooltip: string;
  options: Array<ComboboxOption<string>>;
  value: string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
  /** Accept typed values that are not options (`$var`, a value not seen yet). */
  allowCustom?: boolean;
  /** A message about the current values, shown beside the field. */
  error?: string;
  loading?: boolean;
  width?: number;
  testId: string;
}

/** Several choices from a list, as an inline field: each change applies (and runs the query) at once. */
export function MultiSelectField({
  label,
  tooltip,
  options,
  value,
  onChange,
  placeholder,
  allowCustom,
  error,
  loading,
  width = 40,
  testId,
}: Props) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} invalid={!!error} error={error}>
      <MultiCombobox<string>
        data-testid={testId}
        options={options}
        value={value}
        width="auto"
        minWidth={20}
        maxWidth={width}
        placeholder={placeholder}
        createCustomValue={allowCustom}
        isClearable
        loading={loading}
        invalid={!!error}
        onChange={(selected) => onChange(selected.map((option) => option.value))}
      />
    </InlineField>
  );
}
