import React from 'react';

import { Components } from '../../selectors';
import { parseLimit } from '../validation';
import { TextField } from './TextField';

interface Props {
  /** A number, or a template variable kept as text by a dashboard. */
  value: number | string | undefined;
  onChange: (limit: number | string | undefined) => void;
  /** What an empty limit means for this query type. */
  placeholder: string;
  tooltip: string;
}

/** The most rows returned: a whole number ≥ 1, `$var`, or empty for the query type's default. */
export function LimitField({ value, onChange, placeholder, tooltip }: Props) {
  return (
    <TextField
      label="Limit"
      tooltip={tooltip}
      value={value === undefined || value === null ? '' : String(value)}
      placeholder={placeholder}
      width={12}
      validate={(text) => parseLimit(text).error}
      onCommit={(text) => {
        const parsed = parseLimit(text);
        if (parsed.error === undefined) {
          onChange(parsed.value);
        }
      }}
      testId={Components.QueryEditor.limit}
    />
  );
}
