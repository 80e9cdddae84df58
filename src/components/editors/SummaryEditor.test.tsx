import { screen } from '@testing-library/react';

import { SUMMARY_MEASURES } from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { QUERY_SCHEMA_VERSION } from '../../types';
import { lastQuery, mockLayout, openOptions, pick, renderQueryEditor } from '../testUtils';

const S = Components.QueryEditor;

jest.setTimeout(60_000);
beforeAll(mockLayout);

const summary = {
  refId: 'A',
  queryType: 'summary' as const,
  groupBy: ['model'],
  schemaVersion: QUERY_SCHEMA_VERSION,
};

describe('SummaryEditor', () => {
  it('returns all measures until some are picked', async () => {
    await renderQueryEditor(summary);
    expect(screen.getByTestId(S.measures)).toHaveAttribute('placeholder', 'All measures');
  });

  it("offers the summary's value columns in frame order", async () => {
    await renderQueryEditor(summary);
    expect(await openOptions(S.measures)).toEqual([...SUMMARY_MEASURES]);
  });

  it('adds a picked measure after those already there and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor({ ...summary, measures: ['p99_latency_ms'] });
    await pick(S.measures, 'requests');
    expect(lastQuery(onChange)).toEqual({ ...summary, measures: ['p99_latency_ms', 'requests'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('removes the key when the last measure is removed (all measures)', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor({ ...summary, measures: ['error_rate'] });
    await pick(S.measures, 'error_rate');
    expect(lastQuery(onChange)).toEqual(summary);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('keeps a saved measure that is not a summary column, so it can be removed', async () => {
    await renderQueryEditor({ ...summary, measures: ['request_share'] });
    expect(await openOptions(S.measures)).toEqual([...SUMMARY_MEASURES, 'request_share']);
  });

  it('takes several measures outside the alert rule editor without a message', async () => {
    const { onRunQuery } = await renderQueryEditor({ ...summary, measures: ['requests'] });
    await pick(S.measures, 'error_rate');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.queryByText(/exactly one measure/)).not.toBeInTheDocument();
  });
});
