import React from 'react';
import type { ComboboxOption } from '@grafana/ui';

import { Components } from '../../selectors';
import { validateWindow } from '../validation';
import { SelectField } from './SelectField';
import { toOptions } from './shared';

export const WINDOW_PRESETS: Array<ComboboxOption<string>> = [
  { value: 'auto', description: "The panel's interval (Grafana picks it from the time range and width)" },
  { value: '30s' },
  { value: '1m' },
  { value: '5m' },
  { value: '15m' },
  { value: '1h' },
  { value: '6h' },
  { value: '1d' },
];

interface Props {
  value: string | undefined;
  onChange: (window: string) => void;
}

/** The trend's bucket width: `auto`, a preset, or a typed duration (checked with parseWindow). */
export function WindowField({ value, onChange }: Props) {
  const window = value || 'auto';
  const presets = WINDOW_PRESETS.map((option) => option.value);
  const options = [...WINDOW_PRESETS, ...toOptions([], [window]).filter((o) => !presets.includes(o.value))];
  return (
    <SelectField
      label="Window"
      tooltip="Width of each time bucket: auto, or a duration such as 30s, 5m, 1h, 1d (type your own)"
      options={options}
      value={window}
      onChange={onChange}
      allowCustom
      error={validateWindow(window)}
      width={14}
      testId={Components.QueryEditor.window}
    />
  );
}
