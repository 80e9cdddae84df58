import { screen } from '@testing-library/react';

import { Components } from '../../selectors';
import { QUERY_SCHEMA_VERSION } from '../../types';
import { lastQuery, mockLayout, openOptions, pick, pickCustom, renderQueryEditor } from '../testUtils';

const S = Components.QueryEditor;

jest.setTimeout(60_000);
beforeAll(mockLayout);

const trend = {
  refId: 'A',
  queryType: 'trend' as const,
  metric: 'latency_ms',
  aggregation: 'p99' as const,
  window: 'auto',
  groupBy: ['model'],
  schemaVersion: QUERY_SCHEMA_VERSION,
};

describe('TrendEditor', () => {
  it('changes the aggregation and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(trend);
    await pick(S.aggregation, 'p95');
    expect(lastQuery(onChange)).toEqual({ ...trend, aggregation: 'p95' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it.each(['count', 'rate', 'error_rate'] as const)('hides the metric for %s', async (aggregation) => {
    await renderQueryEditor({ ...trend, aggregation });
    expect(screen.queryByTestId(S.metric)).not.toBeInTheDocument();
    expect(screen.getByTestId(S.window)).toBeInTheDocument();
  });

  it('offers the numeric fields of the logs as metrics', async () => {
    const { getResource } = await renderQueryEditor(trend);
    expect(getResource).toHaveBeenCalledWith('fields');
    const options = await openOptions(S.metric);
    expect(options).toEqual(['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb', 'queue_ms']);
  });

  it('changes the metric and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(trend);
    await pick(S.metric, 'queue_ms');
    expect(lastQuery(onChange)).toEqual({ ...trend, metric: 'queue_ms' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('picks a preset window and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(trend);
    await pick(S.window, '5m');
    expect(lastQuery(onChange)).toEqual({ ...trend, window: '5m' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('takes a typed window that parseWindow accepts', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(trend);
    await pickCustom(S.window, '90s');
    expect(lastQuery(onChange)).toEqual({ ...trend, window: '90s' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('keeps a template variable as the window', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(trend);
    await pickCustom(S.window, '$bucket');
    expect(lastQuery(onChange)).toEqual({ ...trend, window: '$bucket' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('stores a bad window with its message beside it, without running it', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(trend);
    await pickCustom(S.window, '5x');
    expect(lastQuery(onChange)).toEqual({ ...trend, window: '5x' });
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('shows the message of a saved bad window', async () => {
    await renderQueryEditor({ ...trend, window: 'often' });
    expect(screen.getByText(/Use auto or a duration/)).toBeInTheDocument();
  });

  it('adds a group-by field from the string fields and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(trend);
    const options = await openOptions(S.groupBy);
    expect(options).toEqual(['model', 'status', 'request_id', 'region']);
    await pick(S.groupBy, 'region');
    expect(lastQuery(onChange)).toEqual({ ...trend, groupBy: ['model', 'region'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('removes the grouping altogether', async () => {
    const { onChange } = await renderQueryEditor(trend);
    await pick(S.groupBy, 'model');
    const { groupBy, ...rest } = trend;
    expect(groupBy).toEqual(['model']);
    expect(lastQuery(onChange)).toEqual(rest);
  });
});
