import { screen } from '@testing-library/react';

import { COMPARE_MEASURES } from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { QUERY_SCHEMA_VERSION } from '../../types';
import { lastQuery, mockLayout, openOptions, pick, renderQueryEditor } from '../testUtils';

const S = Components.QueryEditor;

jest.setTimeout(60_000);
beforeAll(mockLayout);

const compare = { refId: 'A', queryType: 'compare' as const, schemaVersion: QUERY_SCHEMA_VERSION };

describe('CompareEditor', () => {
  it("offers the comparison's value columns in frame order, all by default", async () => {
    await renderQueryEditor(compare);
    expect(screen.getByTestId(S.measures)).toHaveAttribute('placeholder', 'All measures');
    expect(await openOptions(S.measures)).toEqual([...COMPARE_MEASURES]);
  });

  it('picks a measure and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(compare);
    await pick(S.measures, 'p99_vs_fastest');
    expect(lastQuery(onChange)).toEqual({ ...compare, measures: ['p99_vs_fastest'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('removes the key when the last measure is removed (all measures)', async () => {
    const { onChange } = await renderQueryEditor({ ...compare, measures: ['request_share'] });
    await pick(S.measures, 'request_share');
    expect(lastQuery(onChange)).toEqual(compare);
  });
});
