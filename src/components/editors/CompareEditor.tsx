import React from 'react';

import { FiltersField } from './FiltersField';
import { TypeEditorProps } from './shared';

/** compare: the models side by side; only filters apply. */
export function CompareEditor({ query, onChange, catalog, datasource }: TypeEditorProps) {
  return (
    <FiltersField
      value={query.filters}
      onChange={(filters, run) => onChange({ filters }, run)}
      catalog={catalog}
      datasource={datasource}
    />
  );
}
