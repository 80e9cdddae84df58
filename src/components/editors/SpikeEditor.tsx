import React from 'react';

import { FiltersField } from './FiltersField';
import { LimitField } from './LimitField';
import { storedNumber, TypeEditorProps } from './shared';

/** spike: what changed in the panel's time range against the same length just before it. */
export function SpikeEditor({ query, onChange, catalog, datasource }: TypeEditorProps) {
  return (
    <>
      <LimitField
        value={query.limit}
        onChange={(limit) => onChange({ limit: storedNumber(limit) }, true)}
        placeholder="10"
        tooltip="How many of the slowest requests in the window to list (10 when empty)"
      />
      <FiltersField
        value={query.filters}
        onChange={(filters, run) => onChange({ filters }, run)}
        catalog={catalog}
        datasource={datasource}
      />
    </>
  );
}
