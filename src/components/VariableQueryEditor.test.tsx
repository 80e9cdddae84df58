import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';

import type { DataSource } from '../datasource';
import { mockBoundingRect, mockLayout } from './testUtils';
import { AnalyticsVariableQuery, FieldInfo } from '../variable-query';
import { VariableQueryEditor } from './VariableQueryEditor';

const FIELDS: FieldInfo[] = [
  { name: 'latency_ms', type: 'number' },
  { name: 'model', type: 'string' },
  { name: 'region', type: 'string' },
];

function setup(query: AnalyticsVariableQuery | string) {
  const onChange = jest.fn();
  const getResource = jest.fn(async () => FIELDS);
  const datasource = { getResource } as unknown as DataSource;
  const props = {
    query: query as AnalyticsVariableQuery,
    onChange,
    onRunQuery: jest.fn(),
    datasource,
  };
  const utils = render(<VariableQueryEditor {...props} />);
  return { ...utils, onChange, getResource };
}

// Grafana UI renders large trees; leave room for slow, shared CI machines.
jest.setTimeout(20_000);

beforeAll(() => {
  // Combobox measures its input and menu; jsdom has no layout.
  mockLayout();
  mockBoundingRect();
});

describe('VariableQueryEditor', () => {
  it('shows the kind of a saved query', () => {
    setup({ refId: 'variable', kind: 'models' });
    expect(screen.getByLabelText('Models')).toBeChecked();
    expect(screen.queryByLabelText('Numeric')).not.toBeInTheDocument();
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
  });

  it('starts a new variable as a list of models', () => {
    setup(undefined as unknown as AnalyticsVariableQuery);
    expect(screen.getByLabelText('Models')).toBeChecked();
  });

  it('switches to fields', () => {
    const { onChange } = setup({ refId: 'variable', kind: 'models' });
    fireEvent.click(screen.getByLabelText('Fields'));
    expect(onChange).toHaveBeenCalledWith({ refId: 'variable', kind: 'fields', query: 'fields' });
  });

  it('switches to field values', () => {
    const { onChange } = setup({ refId: 'variable', kind: 'models' });
    fireEvent.click(screen.getByLabelText('Field values'));
    expect(onChange).toHaveBeenCalledWith({ refId: 'variable', kind: 'values', query: 'values()' });
  });

  it('chooses numeric or text fields, and all again', () => {
    const { onChange, rerender } = setup({ refId: 'variable', kind: 'fields' });
    expect(screen.getByLabelText('All')).toBeChecked();

    fireEvent.click(screen.getByLabelText('Numeric'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'variable',
      kind: 'fields',
      fieldType: 'number',
      query: 'fields(number)',
    });

    rerender(
      <VariableQueryEditor
        query={{ refId: 'variable', kind: 'fields', fieldType: 'number' }}
        onChange={onChange}
        onRunQuery={jest.fn()}
        datasource={{} as DataSource}
      />
    );
    expect(screen.getByLabelText('Numeric')).toBeChecked();
    fireEvent.click(screen.getByLabelText('Text'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'variable',
      kind: 'fields',
      fieldType: 'string',
      query: 'fields(string)',
    });
    fireEvent.click(screen.getByLabelText('All'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'variable', kind: 'fields', query: 'fields' });
  });

  it('reads a text query saved by provisioning', () => {
    setup('fields(string)');
    expect(screen.getByLabelText('Fields')).toBeChecked();
    expect(screen.getByLabelText('Text')).toBeChecked();
  });

  it('shows the field of a values query', () => {
    setup({ refId: 'variable', kind: 'values', field: 'region' });
    expect(screen.getByLabelText('Field values')).toBeChecked();
    expect(screen.getByLabelText('Field')).toHaveValue('region');
  });

  it('asks for a field when none is chosen', () => {
    setup({ refId: 'variable', kind: 'values' });
    expect(screen.getByText('Choose a field')).toBeInTheDocument();
  });

  it('offers the fields from the backend, text fields first, and picks one', async () => {
    const { onChange, getResource } = setup({ refId: 'variable', kind: 'values' });
    const input = screen.getByLabelText('Field');
    await act(async () => {
      fireEvent.click(input);
    });
    const options = await screen.findAllByRole('option');
    expect(getResource).toHaveBeenCalledWith('fields');
    expect(options.map((option) => option.textContent)).toEqual(['modelstring', 'regionstring', 'latency_msnumber']);

    await act(async () => {
      fireEvent.click(screen.getByText('region'));
    });
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'variable',
      kind: 'values',
      field: 'region',
      query: 'values(region)',
    });
  });

  it('takes another variable as the field', async () => {
    const { onChange } = setup({ refId: 'variable', kind: 'values' });
    const input = screen.getByLabelText('Field');
    await act(async () => {
      fireEvent.click(input);
    });
    await screen.findAllByRole('option');
    await act(async () => {
      fireEvent.change(input, { target: { value: '$field' } });
    });
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
    });
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'variable',
      kind: 'values',
      field: '$field',
      query: 'values($field)',
    });
  });
});
