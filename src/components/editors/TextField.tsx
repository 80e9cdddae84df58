import React, { useState } from 'react';
import { InlineField, Input } from '@grafana/ui';

import { LABEL_WIDTH } from './shared';

interface Props {
  label: string;
  /** One line of help, shown by the label's info icon. */
  tooltip: string;
  /** The committed value (from the query). */
  value: string;
  /** Called on blur (or Enter) with text that changed and passes `validate`. */
  onCommit: (text: string) => void;
  /** An error message for the text, or undefined when it is acceptable. */
  validate?: (text: string) => string | undefined;
  placeholder?: string;
  width?: number;
  testId: string;
}

/**
 * A text input that edits locally and commits on blur or Enter, so that the query does not run on
 * every keystroke. An invalid text stays in the input with its message beside it and is not
 * committed; a saved value that is invalid shows its message at once.
 */
export function TextField({ label, tooltip, value, onCommit, validate, placeholder, width = 16, testId }: Props) {
  const [text, setText] = useState(value);
  const [committed, setCommitted] = useState(value);
  const [checked, setChecked] = useState(false);
  // The last text passed to onCommit, so that Enter then blur commits once.
  const [sent, setSent] = useState<string | null>(null);
  if (value !== committed) {
    // The query changed elsewhere (another editor, a migration): show the new value.
    setCommitted(value);
    setText(value);
    setChecked(false);
    setSent(null);
  }
  const error = validate?.(text);
  const showError = error !== undefined && (checked || text === value);

  const commit = () => {
    setChecked(true);
    if (error === undefined && text !== value && text !== sent) {
      setSent(text);
      onCommit(text);
    }
  };

  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} invalid={showError} error={error}>
      <Input
        data-testid={testId}
        value={text}
        placeholder={placeholder}
        width={width}
        invalid={showError}
        onChange={(event) => setText(event.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            commit();
          }
        }}
      />
    </InlineField>
  );
}
