import { fireEvent, screen } from '@testing-library/react';

import { Components } from '../../selectors';
import { QUERY_SCHEMA_VERSION } from '../../types';
import { lastQuery, mockLayout, openOptions, pick, renderQueryEditor } from '../testUtils';

const S = Components.QueryEditor;

jest.setTimeout(60_000);
beforeAll(mockLayout);

const anomalies = {
  refId: 'A',
  queryType: 'anomalies' as const,
  metric: 'latency_ms',
  schemaVersion: QUERY_SCHEMA_VERSION,
};

function type(testId: string, text: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value: text } });
}

describe('AnomaliesEditor', () => {
  it('shows z-score and its default threshold when neither is set', async () => {
    await renderQueryEditor(anomalies);
    expect(screen.getByTestId(S.method)).toHaveValue('Z-score');
    expect(screen.getByTestId(S.threshold)).toHaveValue('');
    expect(screen.getByTestId(S.threshold)).toHaveAttribute('placeholder', '3');
    expect(screen.getByTestId(S.limit)).toHaveAttribute('placeholder', 'No limit');
  });

  it('changes the method and runs the query; the placeholder follows the method', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(anomalies);
    const options = await openOptions(S.method);
    expect(options[1]).toMatch(/^MAD.*default 3\.5/);
    await pick(S.method, 'MAD');
    expect(lastQuery(onChange)).toEqual({ ...anomalies, method: 'mad' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['mad', '3.5'],
    ['iqr', '1.5'],
  ] as const)('uses the default threshold of %s as the placeholder', async (method, placeholder) => {
    await renderQueryEditor({ ...anomalies, method });
    expect(screen.getByTestId(S.threshold)).toHaveAttribute('placeholder', placeholder);
  });

  it('changes the metric and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(anomalies);
    await pick(S.metric, 'gpu_util');
    expect(lastQuery(onChange)).toEqual({ ...anomalies, metric: 'gpu_util' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('commits the threshold on blur, not on each keystroke', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(anomalies);
    type(S.threshold, '2');
    type(S.threshold, '2.5');
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.blur(screen.getByTestId(S.threshold));
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(lastQuery(onChange)).toEqual({ ...anomalies, threshold: 2.5 });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('commits the threshold on Enter, once', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(anomalies);
    type(S.threshold, '4');
    fireEvent.keyDown(screen.getByTestId(S.threshold), { key: 'Enter' });
    fireEvent.blur(screen.getByTestId(S.threshold));
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(lastQuery(onChange)).toEqual({ ...anomalies, threshold: 4 });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('rejects a negative threshold with a message and keeps the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(anomalies);
    type(S.threshold, '-1');
    expect(screen.queryByText('Threshold cannot be negative')).not.toBeInTheDocument();
    fireEvent.blur(screen.getByTestId(S.threshold));
    expect(screen.getByText('Threshold cannot be negative')).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    expect(onRunQuery).not.toHaveBeenCalled();
    type(S.threshold, '1');
    expect(screen.queryByText('Threshold cannot be negative')).not.toBeInTheDocument();
  });

  it('rejects a threshold that is not a number', async () => {
    const { onChange } = await renderQueryEditor(anomalies);
    type(S.threshold, 'high');
    fireEvent.blur(screen.getByTestId(S.threshold));
    expect(screen.getByText(/Threshold must be a number/)).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('accepts a template variable as the threshold', async () => {
    const { onChange } = await renderQueryEditor(anomalies);
    type(S.threshold, '$threshold');
    fireEvent.blur(screen.getByTestId(S.threshold));
    expect(lastQuery(onChange)).toEqual({ ...anomalies, threshold: '$threshold' });
  });

  it('clears the threshold back to the default', async () => {
    const { onChange } = await renderQueryEditor({ ...anomalies, threshold: 2 });
    expect(screen.getByTestId(S.threshold)).toHaveValue('2');
    type(S.threshold, '');
    fireEvent.blur(screen.getByTestId(S.threshold));
    expect(lastQuery(onChange)).toEqual(anomalies);
    expect('threshold' in lastQuery(onChange)).toBe(false);
  });

  it('sets the limit on blur', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(anomalies);
    type(S.limit, '100');
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.blur(screen.getByTestId(S.limit));
    expect(lastQuery(onChange)).toEqual({ ...anomalies, limit: 100 });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it.each(['1.5', '0', '-3', 'ten'])('rejects the limit %s with a message', async (text) => {
    const { onChange } = await renderQueryEditor(anomalies);
    type(S.limit, text);
    fireEvent.blur(screen.getByTestId(S.limit));
    expect(screen.getByText('Limit must be a whole number of at least 1')).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('groups by string fields and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(anomalies);
    await pick(S.groupBy, 'model');
    expect(lastQuery(onChange)).toEqual({ ...anomalies, groupBy: ['model'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});
