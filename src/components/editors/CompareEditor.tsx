import React from 'react';

import { COMPARE_MEASURES, LLM_MEASURE_COLUMNS } from '../../../pkg/model/query';
import { BaselineField } from './BaselineField';
import { FiltersField } from './FiltersField';
import { MeasuresField } from './MeasuresField';
import { TypeEditorProps } from './shared';

/** compare: the models side by side, each tested against the baseline; measures and filters apply. */
export function CompareEditor({ query, onChange, catalog, datasource, alerting }: TypeEditorProps) {
  return (
    <>
      <MeasuresField
        value={query.measures}
        onChange={(measures) => onChange({ measures }, true)}
        measures={[...COMPARE_MEASURES, ...LLM_MEASURE_COLUMNS]}
        alerting={alerting}
      />
      <BaselineField
        value={query.baseline}
        onChange={(baseline) => onChange({ baseline }, true)}
        datasource={datasource}
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
