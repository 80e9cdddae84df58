import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';

import { DEFAULT_ANNOTATION_QUERY } from '../annotations';
import type { DataSource } from '../datasource';
import { mockBoundingRect, mockLayout } from './testUtils';
import { AnalyticsQuery } from '../types';
import { FieldInfo } from '../variable-query';
import { AnnotationQueryEditor } from './AnnotationQueryEditor';

const FIELDS: FieldInfo[] = [
  { name: 'latency_ms', type: 'number' },
  { name: 'model', type: 'string' },
  { name: 'gpu_util', type: 'number' },
];
const MODELS = ['bert-large', 'llama-3-8b', 'mistral-7b'];

const QUERY: AnalyticsQuery = { ...DEFAULT_ANNOTATION_QUERY, refId: 'Anno' };

function setup(query: AnalyticsQuery = QUERY) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const getResource = jest.fn(async (path: string) => (path === 'fields' ? FIELDS : MODELS));
  const datasource = { getResource } as unknown as DataSource;
  const utils = render(
    <AnnotationQueryEditor query={query} onChange={onChange} onRunQuery={onRunQuery} datasource={datasource} />
  );
  return { ...utils, onChange, onRunQuery, getResource };
}

// Grafana UI renders large trees; leave room for slow, shared CI machines.
jest.setTimeout(20_000);

beforeAll(() => {
  // Combobox measures its input and menu; jsdom has no layout.
  mockLayout();
  mockBoundingRect();
});

describe('AnnotationQueryEditor', () => {
  it('shows the default annotation query', () => {
    setup();
    expect(screen.getByLabelText('Metric')).toHaveValue('latency_ms');
    expect(screen.getByLabelText('Z-score')).toBeChecked();
    expect(screen.getByLabelText('Each model')).toBeChecked();
    expect(screen.getByLabelText('Threshold')).toHaveValue(null);
    expect(screen.getByLabelText('Threshold')).toHaveAttribute('placeholder', '3');
    expect(screen.getByLabelText('Max markers')).toHaveValue(100);
  });

  it('changes the method and runs the query', () => {
    const { onChange, onRunQuery } = setup();
    fireEvent.click(screen.getByLabelText('MAD'));
    expect(onChange).toHaveBeenCalledWith({ ...QUERY, method: 'mad', queryType: 'anomalies' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it("shows the method's default threshold", () => {
    setup({ ...QUERY, method: 'iqr' });
    expect(screen.getByLabelText('Threshold')).toHaveAttribute('placeholder', '1.5');
  });

  it('sets the threshold on blur', () => {
    const { onChange, onRunQuery } = setup();
    const threshold = screen.getByLabelText('Threshold');
    fireEvent.change(threshold, { target: { value: '4.5' } });
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.blur(threshold);
    expect(onChange).toHaveBeenLastCalledWith({ ...QUERY, threshold: 4.5 });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('removes the threshold when it is emptied', () => {
    const { onChange } = setup({ ...QUERY, threshold: 4.5 });
    const threshold = screen.getByLabelText('Threshold');
    fireEvent.change(threshold, { target: { value: '' } });
    fireEvent.blur(threshold);
    const changed: AnalyticsQuery = onChange.mock.calls[0][0];
    expect('threshold' in changed).toBe(false);
  });

  it('does not report an unchanged number', () => {
    const { onChange } = setup();
    fireEvent.blur(screen.getByLabelText('Max markers'));
    expect(onChange).not.toHaveBeenCalled();
  });

  it('rounds the limit to a whole number', () => {
    const { onChange, onRunQuery } = setup();
    const limit = screen.getByLabelText('Max markers');
    fireEvent.change(limit, { target: { value: '20.6' } });
    fireEvent.blur(limit);
    expect(onChange).toHaveBeenLastCalledWith({ ...QUERY, limit: 21 });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('scores against all requests instead of each model', () => {
    const { onChange } = setup();
    fireEvent.click(screen.getByLabelText('All requests'));
    expect(onChange).toHaveBeenLastCalledWith({ ...QUERY, groupBy: [] });
  });

  it('offers the numeric fields as metrics', async () => {
    const { onChange, getResource } = setup();
    const metric = screen.getByLabelText('Metric');
    await act(async () => {
      fireEvent.click(metric);
    });
    const options = await screen.findAllByRole('option');
    expect(getResource).toHaveBeenCalledWith('fields');
    expect(options.map((option) => option.textContent)).toEqual(['latency_ms', 'gpu_util']);
    await act(async () => {
      fireEvent.click(screen.getByText('gpu_util'));
    });
    expect(onChange).toHaveBeenLastCalledWith({ ...QUERY, metric: 'gpu_util' });
  });

  it('filters by models', async () => {
    const { onChange, getResource } = setup();
    const models = screen.getByLabelText('Models');
    await act(async () => {
      fireEvent.click(models);
    });
    await screen.findAllByRole('option');
    expect(getResource).toHaveBeenCalledWith('models');
    await act(async () => {
      fireEvent.click(screen.getByText('llama-3-8b'));
    });
    expect(onChange).toHaveBeenLastCalledWith({ ...QUERY, filters: { model: ['llama-3-8b'] } });
  });

  it('removes the model filter when no model is chosen, keeping other filters', () => {
    const { onChange } = setup({ ...QUERY, filters: { model: ['llama-3-8b'], region: ['eu'] } });
    fireEvent.click(screen.getByLabelText(/remove llama-3-8b/i));
    expect(onChange).toHaveBeenLastCalledWith({ ...QUERY, filters: { region: ['eu'] } });
  });

  it('edits an annotation saved in the old shape', () => {
    const old = { refId: 'Anno', type: 'anomalies', metric: 'gpu_util', models: ['bert-large'], threshold: '2' };
    const { onChange } = setup(old as unknown as AnalyticsQuery);
    expect(screen.getByLabelText('Metric')).toHaveValue('gpu_util');
    expect(screen.getByLabelText('Threshold')).toHaveValue(2);
    fireEvent.click(screen.getByLabelText('IQR'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'Anno',
      queryType: 'anomalies',
      metric: 'gpu_util',
      method: 'iqr',
      threshold: 2,
      filters: { model: ['bert-large'] },
      schemaVersion: 1,
    });
  });
});
