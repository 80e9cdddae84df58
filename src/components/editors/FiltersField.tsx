import React, { useState } from 'react';
import { Button, Combobox, IconButton, InlineField, InlineFieldRow, MultiCombobox, Stack } from '@grafana/ui';

import type { Filters } from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { MultiSelectField } from './MultiSelectField';
import { FieldCatalog, LABEL_WIDTH, ResourceSource, toOptions, useResource } from './shared';

const MODEL = 'model';
const selectors = Components.QueryEditor.filters;

/** One `field = any of values` filter being edited; the field is empty until one is picked. */
interface FilterRow {
  field: string;
  values: string[];
}

interface Props {
  value: Filters | undefined;
  onChange: (filters: Filters | undefined, run: boolean) => void;
  catalog: FieldCatalog;
  datasource: ResourceSource;
}

function rowsOf(filters: Filters | undefined): FilterRow[] {
  return Object.entries(filters ?? {})
    .filter(([field]) => field !== MODEL)
    .map(([field, values]) => ({ field, values: values.map(String) }));
}

/** The filters of rows that name a field and at least one value (others filter nothing yet). */
function filtersOf(model: Array<string | number>, rows: FilterRow[]): Filters | undefined {
  const filters: Filters = {};
  if (model.length > 0) {
    filters[MODEL] = model;
  }
  for (const row of rows) {
    if (row.field !== '' && row.values.length > 0) {
      filters[row.field] = row.values;
    }
  }
  return Object.keys(filters).length > 0 ? filters : undefined;
}

function sameFilters(a: Filters | undefined, b: Filters | undefined): boolean {
  const keys = (f: Filters | undefined) => Object.keys(f ?? {}).filter((k) => (f?.[k]?.length ?? 0) > 0);
  const ka = keys(a);
  return (
    ka.length === keys(b).length &&
    ka.every((k) => JSON.stringify((a?.[k] ?? []).map(String)) === JSON.stringify((b?.[k] ?? []).map(String)))
  );
}

/**
 * Equality filters: the model filter first (the one most queries want), then any other field =
 * one of several values. Rows still missing a field or values are kept here, not in the query.
 */
export function FiltersField({ value, onChange, catalog, datasource }: Props) {
  const model = value?.[MODEL] ?? [];
  const [rows, setRows] = useState<FilterRow[]>(() => rowsOf(value));
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    if (!sameFilters(filtersOf(model, rows), value)) {
      // Changed elsewhere (a migration, the query inspector): start again from the query.
      setRows(rowsOf(value));
    }
  }
  const [models, modelsLoading] = useResource<string[]>(datasource, 'models', []);

  const update = (nextRows: FilterRow[], nextModel: Array<string | number>, run: boolean) => {
    setRows(nextRows);
    const next = filtersOf(nextModel, nextRows);
    if (!sameFilters(next, value)) {
      onChange(next, run);
    }
  };
  const updateRow = (index: number, row: FilterRow) =>
    update(
      rows.map((r, i) => (i === index ? row : r)),
      model,
      true
    );

  const used = new Set([MODEL, ...rows.map((r) => r.field)]);
  const fieldNames = [...catalog.text, ...catalog.numeric];

  return (
    <Stack direction="column" gap={0} data-testid={selectors.container}>
      <MultiSelectField
        label="Model"
        tooltip="Only requests of these models; all models when empty"
        options={toOptions(models, model)}
        value={model.map(String)}
        onChange={(selected) => update(rows, selected, true)}
        placeholder="All models"
        allowCustom
        loading={modelsLoading}
        testId={Components.QueryEditor.modelFilter}
      />
      {rows.map((row, index) => (
        <FilterRowEditor
          // A row is its field (unique among rows); rows still without one by position.
          key={row.field === '' ? `new ${index}` : `field ${row.field}`}
          index={index}
          row={row}
          fieldOptions={fieldNames.filter((name) => name === row.field || !used.has(name))}
          datasource={datasource}
          onChange={(next) => updateRow(index, next)}
          onRemove={() =>
            update(
              rows.filter((_, i) => i !== index),
              model,
              true
            )
          }
        />
      ))}
      <InlineField label="" labelWidth={LABEL_WIDTH} transparent>
        <Button
          data-testid={selectors.add}
          icon="plus"
          variant="secondary"
          fill="text"
          size="sm"
          onClick={() => setRows([...rows, { field: '', values: [] }])}
        >
          Add filter
        </Button>
      </InlineField>
    </Stack>
  );
}

interface RowProps {
  index: number;
  row: FilterRow;
  fieldOptions: string[];
  datasource: ResourceSource;
  onChange: (row: FilterRow) => void;
  onRemove: () => void;
}

function FilterRowEditor({ index, row, fieldOptions, datasource, onChange, onRemove }: RowProps) {
  const isVariable = row.field.includes('$');
  const [values, loading] = useResource<string[]>(
    datasource,
    row.field && !isVariable ? `values?field=${encodeURIComponent(row.field)}` : null,
    []
  );
  return (
    <InlineFieldRow>
      <InlineField
        label="Filter"
        labelWidth={LABEL_WIDTH}
        tooltip="Only requests whose field equals one of the values (values are suggested from the logs)"
      >
        <Combobox<string>
          data-testid={selectors.field(index)}
          options={toOptions(fieldOptions, [row.field])}
          value={row.field || null}
          placeholder="Field"
          width={20}
          createCustomValue
          onChange={(option) => onChange({ field: option.value, values: [] })}
        />
      </InlineField>
      <InlineField label="=" transparent>
        <MultiCombobox<string>
          data-testid={selectors.values(index)}
          options={toOptions(values, row.values)}
          value={row.values}
          placeholder={row.field ? 'Values' : 'Pick a field first'}
          disabled={!row.field}
          width="auto"
          minWidth={20}
          maxWidth={40}
          createCustomValue
          loading={loading}
          onChange={(selected) => onChange({ field: row.field, values: selected.map((option) => option.value) })}
        />
      </InlineField>
      <IconButton
        data-testid={selectors.remove(index)}
        name="times"
        tooltip="Remove this filter"
        aria-label={`Remove filter ${index + 1}`}
        onClick={onRemove}
      />
    </InlineFieldRow>
  );
}
