import { fireEvent, screen, within } from '@testing-library/react';

import { COMPARE_MEASURES } from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { QUERY_SCHEMA_VERSION } from '../../types';
import { lastQuery, mockLayout, openOptions, pick, pickCustom, renderQueryEditor } from '../testUtils';

const S = Components.QueryEditor;

jest.setTimeout(60_000);
beforeAll(mockLayout);

const compare = { refId: 'A', queryType: 'compare' as const, schemaVersion: QUERY_SCHEMA_VERSION };

describe('CompareEditor', () => {
  it("offers the comparison's value columns in frame order, all by default", async () => {
    await renderQueryEditor(compare);
    expect(screen.getByTestId(S.measures)).toHaveAttribute('placeholder', 'All measures');
    // The menu renders what fits (a virtual list): the first ones, in frame order.
    const shown = await openOptions(S.measures);
    expect(shown.length).toBeGreaterThanOrEqual(10);
    expect(shown).toEqual(COMPARE_MEASURES.slice(0, shown.length));
  });

  it('offers the tests against the baseline as measures too', async () => {
    const { onChange } = await renderQueryEditor(compare);
    const input = screen.getByTestId(S.measures);
    fireEvent.click(input);
    fireEvent.change(input, { target: { value: 'p_value' } });
    const listbox = await screen.findByRole('listbox');
    expect(
      within(listbox)
        .getAllByRole('option')
        .map((o) => o.textContent)
    ).toEqual(['latency_p_value', 'error_rate_p_value']);
    await pick(S.measures, 'latency_p_value');
    expect(lastQuery(onChange)).toEqual({ ...compare, measures: ['latency_p_value'] });
  });

  it('picks a measure and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(compare);
    await pick(S.measures, 'p99_vs_fastest');
    expect(lastQuery(onChange)).toEqual({ ...compare, measures: ['p99_vs_fastest'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it("offers the data source's models as the baseline, the first model by default", async () => {
    await renderQueryEditor(compare);
    expect(screen.getByTestId(S.baseline)).toHaveAttribute('placeholder', 'First model');
    expect(await openOptions(S.baseline)).toEqual(['bert-large', 'llama-3-8b', 'mistral-7b']);
  });

  it('picks a baseline and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(compare);
    await pick(S.baseline, 'llama-3-8b');
    expect(lastQuery(onChange)).toEqual({ ...compare, baseline: 'llama-3-8b' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('takes a template variable as the baseline', async () => {
    const { onChange } = await renderQueryEditor(compare);
    await pickCustom(S.baseline, '$base');
    expect(lastQuery(onChange)).toEqual({ ...compare, baseline: '$base' });
  });

  it('removes the key when the last measure is removed (all measures)', async () => {
    const { onChange } = await renderQueryEditor({ ...compare, measures: ['request_share'] });
    await pick(S.measures, 'request_share');
    expect(lastQuery(onChange)).toEqual(compare);
  });
});
