import { fireEvent, screen } from '@testing-library/react';

import { Components } from '../../selectors';
import { QUERY_SCHEMA_VERSION } from '../../types';
import { lastQuery, mockLayout, openOptions, pick, renderQueryEditor } from '../testUtils';

const S = Components.QueryEditor;

jest.setTimeout(60_000);
beforeAll(mockLayout);

const correlation = { refId: 'A', queryType: 'correlation' as const, schemaVersion: QUERY_SCHEMA_VERSION };

describe('CorrelationEditor', () => {
  it('defaults to Pearson over the standard metrics', async () => {
    await renderQueryEditor(correlation);
    expect(screen.getByRole('radio', { name: 'Pearson' })).toBeChecked();
    expect(screen.getByTestId(S.metrics)).toHaveAttribute('placeholder', 'The standard metrics');
  });

  it('offers the numeric fields and adds the picked ones in order, running the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor({ ...correlation, metrics: ['latency_ms'] });
    const options = await openOptions(S.metrics);
    expect(options).toEqual(['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb', 'queue_ms']);
    await pick(S.metrics, 'gpu_util');
    expect(lastQuery(onChange)).toEqual({ ...correlation, metrics: ['latency_ms', 'gpu_util'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('asks for a second metric and does not run a one-metric matrix', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(correlation);
    expect(screen.queryByText(/Pick at least two metrics/)).not.toBeInTheDocument();
    await pick(S.metrics, 'gpu_util');
    expect(lastQuery(onChange)).toEqual({ ...correlation, metrics: ['gpu_util'] });
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('shows the message for a saved one-metric list', async () => {
    await renderQueryEditor({ ...correlation, metrics: ['gpu_util'] });
    expect(screen.getByText(/Pick at least two metrics/)).toBeInTheDocument();
  });

  it('switches to Spearman and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(correlation);
    fireEvent.click(screen.getByRole('radio', { name: 'Spearman' }));
    expect(lastQuery(onChange)).toEqual({ ...correlation, correlation: 'spearman' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});
