import React from 'react';

import { FiltersField } from './FiltersField';
import { GroupByField } from './GroupByField';
import { TypeEditorProps } from './shared';

/** summary: request count, latency percentiles, error rate and throughput, overall or per group. */
export function SummaryEditor({ query, onChange, catalog, datasource }: TypeEditorProps) {
  return (
    <>
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
