import React from 'react';

import { Components } from '../../selectors';
import { MultiSelectField } from './MultiSelectField';
import { FieldCatalog, toOptions } from './shared';

interface Props {
  value: string[] | undefined;
  onChange: (groupBy: string[] | undefined) => void;
  catalog: FieldCatalog;
}

/** String fields to split the answer by (one row or series per combination). */
export function GroupByField({ value = [], onChange, catalog }: Props) {
  return (
    <MultiSelectField
      label="Group by"
      tooltip="Split the answer by these fields: one row or series per combination (e.g. model, region)"
      options={toOptions(catalog.text, value)}
      value={value}
      onChange={(fields) => onChange(fields.length > 0 ? fields : undefined)}
      placeholder="No grouping"
      allowCustom
      loading={catalog.loading}
      testId={Components.QueryEditor.groupBy}
    />
  );
}
