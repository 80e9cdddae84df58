import { fireEvent, screen } from '@testing-library/react';

import type { QueryType } from '../../../pkg/model/query';
import { Components } from '../../selectors';
import { QUERY_SCHEMA_VERSION } from '../../types';
import { lastQuery, mockLayout, openOptions, pick, pickCustom, renderQueryEditor, settle } from '../testUtils';

const S = Components.QueryEditor;
const F = S.filters;

jest.setTimeout(60_000);
beforeAll(mockLayout);

const query = (queryType: QueryType) => ({ refId: 'A', queryType, schemaVersion: QUERY_SCHEMA_VERSION });

describe('FiltersField (summary, compare, spike, logs and the others)', () => {
  it('suggests the models from the models resource', async () => {
    const { getResource } = await renderQueryEditor(query('compare'));
    expect(getResource).toHaveBeenCalledWith('models');
    expect(await openOptions(S.modelFilter)).toEqual(['bert-large', 'llama-3-8b', 'mistral-7b']);
  });

  it.each(['summary', 'compare', 'spike', 'logs'] as const)(
    'filters %s by model and runs the query',
    async (queryType) => {
      const { onChange, onRunQuery } = await renderQueryEditor(query(queryType));
      await pick(S.modelFilter, 'llama-3-8b');
      expect(lastQuery(onChange)).toEqual({ ...query(queryType), filters: { model: ['llama-3-8b'] } });
      expect(onRunQuery).toHaveBeenCalledTimes(1);
    }
  );

  it('accepts a template variable as a model', async () => {
    const { onChange } = await renderQueryEditor(query('summary'));
    await pickCustom(S.modelFilter, '$model');
    expect(lastQuery(onChange)).toEqual({ ...query('summary'), filters: { model: ['$model'] } });
  });

  it('removes the model filter when the last model is removed', async () => {
    const { onChange } = await renderQueryEditor({ ...query('summary'), filters: { model: ['bert-large'] } });
    await pick(S.modelFilter, 'bert-large');
    expect(lastQuery(onChange)).toEqual(query('summary'));
  });

  it('adds a filter on another field with values suggested from the logs', async () => {
    const { onChange, onRunQuery, getResource } = await renderQueryEditor(query('summary'));
    fireEvent.click(screen.getByTestId(F.add));
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getByTestId(F.values(0))).toHaveAttribute('placeholder', 'Pick a field first');

    const fields = await openOptions(F.field(0));
    expect(fields).toEqual([
      'status',
      'request_id',
      'region',
      'latency_ms',
      'batch_size',
      'gpu_util',
      'memory_used_gb',
      'queue_ms',
    ]);
    await pick(F.field(0), 'region');
    // A field without values filters nothing yet: the query is unchanged.
    expect(onChange).not.toHaveBeenCalled();
    expect(getResource).toHaveBeenCalledWith('values?field=region');

    expect(await openOptions(F.values(0))).toEqual(['eu-west', 'us-east']);
    await pick(F.values(0), 'eu-west');
    expect(lastQuery(onChange)).toEqual({ ...query('summary'), filters: { region: ['eu-west'] } });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows saved filters and removes one, running the query', async () => {
    const saved = { ...query('logs'), filters: { model: ['bert-large'], region: ['eu-west'], status: ['error'] } };
    const { onChange, onRunQuery } = await renderQueryEditor(saved);
    expect(screen.getByTestId(F.field(0))).toHaveValue('region');
    expect(screen.getByTestId(F.field(1))).toHaveValue('status');
    fireEvent.click(screen.getByTestId(F.remove(0)));
    await settle();
    expect(screen.getByTestId(F.field(0))).toHaveValue('status');
    expect(lastQuery(onChange)).toEqual({ ...saved, filters: { model: ['bert-large'], status: ['error'] } });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('does not offer a field that already has a filter', async () => {
    await renderQueryEditor({ ...query('summary'), filters: { region: ['eu-west'] } });
    fireEvent.click(screen.getByTestId(F.add));
    const fields = await openOptions(F.field(1));
    expect(fields).not.toContain('region');
    expect(fields).not.toContain('model');
  });

  it('sets the limit of spike with 10 as the default', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor(query('spike'));
    expect(screen.getByTestId(S.limit)).toHaveAttribute('placeholder', '10');
    fireEvent.change(screen.getByTestId(S.limit), { target: { value: '25' } });
    fireEvent.blur(screen.getByTestId(S.limit));
    expect(lastQuery(onChange)).toEqual({ ...query('spike'), limit: 25 });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('sets the limit of logs, accepting a template variable', async () => {
    const { onChange } = await renderQueryEditor(query('logs'));
    fireEvent.change(screen.getByTestId(S.limit), { target: { value: '$rows' } });
    fireEvent.blur(screen.getByTestId(S.limit));
    expect(lastQuery(onChange)).toEqual({ ...query('logs'), limit: '$rows' });
  });
});
