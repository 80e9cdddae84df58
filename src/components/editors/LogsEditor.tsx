import React from 'react';

import { FiltersField } from './FiltersField';
import { LimitField } from './LimitField';
import { storedNumber, TypeEditorProps } from './shared';

/** logs: the raw requests, newest first, for Explore's logs view. */
export function LogsEditor({ query, onChange, catalog, datasource }: TypeEditorProps) {
  return (
    <>
      <LimitField
        value={query.limit}
        onChange={(limit) => onChange({ limit: storedNumber(limit) }, true)}
        placeholder="Max rows"
        tooltip="At most this many requests, newest first (the data source's max rows when empty)"
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
