import React from 'react';

import { LLM_MEASURE_COLUMNS, SUMMARY_MEASURES } from '../../../pkg/model/query';
import { FiltersField } from './FiltersField';
import { GroupByField } from './GroupByField';
import { MeasuresField } from './MeasuresField';
import { TypeEditorProps } from './shared';

/** summary: request count, latency percentiles, error rate and throughput, overall or per group. */
export function SummaryEditor({ query, onChange, catalog, datasource, alerting }: TypeEditorProps) {
  return (
    <>
      <GroupByField value={query.groupBy} onChange={(groupBy) => onChange({ groupBy }, true)} catalog={catalog} />
      <MeasuresField
        value={query.measures}
        onChange={(measures) => onChange({ measures }, true)}
        measures={[...SUMMARY_MEASURES, ...LLM_MEASURE_COLUMNS]}
        alerting={alerting}
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
