import { fireEvent, screen } from '@testing-library/react';

import { LLM_MEASURE_COLUMNS, SUMMARY_MEASURES } from '../../../pkg/model/query';
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

  it("offers the summary's value columns in frame order, the LLM ones last", async () => {
    const { onChange } = await renderQueryEditor(summary);
    const shown = await openOptions(S.measures); // the list is virtual: the first ones are rendered
    expect(shown.length).toBeGreaterThan(SUMMARY_MEASURES.length);
    expect(shown).toEqual([...SUMMARY_MEASURES, ...LLM_MEASURE_COLUMNS].slice(0, shown.length));
    fireEvent.change(screen.getByTestId(S.measures), { target: { value: 'p99_tpot' } }); // past the rendered ones
    await pick(S.measures, 'p99_tpot_ms');
    expect(lastQuery(onChange)).toEqual({ ...summary, measures: ['p99_tpot_ms'] });
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
    const { onChange } = await renderQueryEditor({ ...summary, measures: ['request_share'] });
    fireEvent.click(screen.getByTestId(S.measures));
    fireEvent.change(screen.getByTestId(S.measures), { target: { value: 'request_sh' } });
    await pick(S.measures, 'request_share');
    expect(lastQuery(onChange)).toEqual(summary);
  });

  it('takes several measures outside the alert rule editor without a message', async () => {
    const { onRunQuery } = await renderQueryEditor({ ...summary, measures: ['requests'] });
    await pick(S.measures, 'error_rate');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.queryByText(/exactly one measure/)).not.toBeInTheDocument();
  });
});
