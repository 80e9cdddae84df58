import React from 'react';

import { COMPARE_MEASURES } from '../../../pkg/model/query';
import { FiltersField } from './FiltersField';
import { MeasuresField } from './MeasuresField';
import { TypeEditorProps } from './shared';

/** compare: the models side by side; measures and filters apply. */
export function CompareEditor({ query, onChange, catalog, datasource, alerting }: TypeEditorProps) {
  return (
    <>
      <MeasuresField
        value={query.measures}
        onChange={(measures) => onChange({ measures }, true)}
        measures={COMPARE_MEASURES}
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
