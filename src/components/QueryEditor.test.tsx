import { screen } from '@testing-library/react';
import { CoreApp } from '@grafana/data';

import type { QueryType } from '../../pkg/model/query';
import { Components } from '../selectors';
import { DEFAULT_QUERY, QUERY_SCHEMA_VERSION } from '../types';
import { isRunnable, prepareQuery } from './QueryEditor';
import { lastQuery, mockLayout, openOptions, pick, renderQueryEditor } from './testUtils';

const S = Components.QueryEditor;

jest.setTimeout(60_000);
beforeAll(mockLayout);

/** The fields each query type shows; every other field of the editor must be absent. */
const FIELDS: Record<QueryType, string[]> = {
  summary: [S.groupBy, S.measures, S.modelFilter, S.filters.add],
  trend: [S.aggregation, S.metric, S.window, S.seasonality, S.groupBy, S.modelFilter, S.filters.add],
  anomalies: [S.metric, S.method, S.threshold, S.seasonality, S.groupBy, S.limit, S.modelFilter, S.filters.add],
  correlation: [S.metrics, S.correlation, S.modelFilter, S.filters.add],
  compare: [S.measures, S.baseline, S.modelFilter, S.filters.add],
  spike: [S.limit, S.modelFilter, S.filters.add],
  logs: [S.limit, S.modelFilter, S.filters.add],
  forecast: [S.aggregation, S.metric, S.window, S.horizon, S.groupBy, S.modelFilter, S.filters.add],
};
const ALL_FIELDS = [
  S.aggregation,
  S.metric,
  S.window,
  S.method,
  S.threshold,
  S.metrics,
  S.correlation,
  S.groupBy,
  S.measures,
  S.baseline,
  S.limit,
  S.seasonality,
  S.horizon,
  S.modelFilter,
  S.filters.add,
];

const v1 = { schemaVersion: QUERY_SCHEMA_VERSION };

describe('QueryEditor', () => {
  it('gives a new query the defaults (trend of p99 latency per model) without running it', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor({});
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledWith({ ...DEFAULT_QUERY, refId: 'A' });
    expect(onRunQuery).not.toHaveBeenCalled();
    expect(screen.getByTestId(S.queryType)).toHaveValue('Trend');
    expect(screen.getByTestId(S.aggregation)).toHaveValue('p99');
    expect(screen.getByTestId(S.metric)).toHaveValue('latency_ms');
    expect(screen.getByTestId(S.window)).toHaveValue('auto');
  });

  it('leaves a current query as it is', async () => {
    const { onChange } = await renderQueryEditor({ ...v1, queryType: 'summary' });
    expect(onChange).not.toHaveBeenCalled();
  });

  it('migrates a legacy saved query on first render', async () => {
    const legacy = { type: 'anomalies', by: 'model,region', models: ['llama-3-8b'], threshold: '2.5' };
    const { onChange } = await renderQueryEditor(legacy as unknown as Record<string, never>);
    expect(onChange).toHaveBeenCalledWith({
      refId: 'A',
      queryType: 'anomalies',
      groupBy: ['model', 'region'],
      filters: { model: ['llama-3-8b'] },
      threshold: 2.5,
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
    expect(screen.getByTestId(S.threshold)).toHaveValue('2.5');
  });

  it('runs a saved query without a type as summary, as the backend does', () => {
    expect(prepareQuery({ refId: 'A', groupBy: ['model'] })).toEqual({
      refId: 'A',
      queryType: 'summary',
      groupBy: ['model'],
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
    const current = { refId: 'B', queryType: 'logs' as const, ...v1 };
    expect(prepareQuery(current)).toBe(current);
  });

  it.each(Object.entries(FIELDS))('shows only the fields of %s', async (queryType, fields) => {
    await renderQueryEditor({ ...v1, queryType: queryType as QueryType });
    for (const id of ALL_FIELDS) {
      if (fields.includes(id)) {
        expect(screen.getByTestId(id)).toBeInTheDocument();
      } else {
        expect(screen.queryByTestId(id)).not.toBeInTheDocument();
      }
    }
  });

  it('shows the bucket fields and periods of seasonal anomalies, not the method', async () => {
    await renderQueryEditor({ ...v1, queryType: 'anomalies', seasonality: 'daily' });
    for (const id of [S.aggregation, S.window, S.threshold, S.seasonality, S.seasonalPeriods]) {
      expect(screen.getByTestId(id)).toBeInTheDocument();
    }
    expect(screen.queryByTestId(S.method)).not.toBeInTheDocument();
    expect(screen.getByTestId(S.threshold)).toHaveAttribute('placeholder', '3.5');
    expect(screen.getByTestId(S.seasonalPeriods)).toHaveAttribute('placeholder', '7');
  });

  it('does not run a forecast whose horizon is not a duration', () => {
    expect(isRunnable({ refId: 'A', queryType: 'forecast', horizon: 'soon' })).toBe(false);
    expect(isRunnable({ refId: 'A', queryType: 'forecast', horizon: '30m', window: '5m' })).toBe(true);
  });

  it('switches the query type and runs the query', async () => {
    const { onChange, onRunQuery } = await renderQueryEditor({ ...DEFAULT_QUERY });
    await pick(S.queryType, 'Anomalies');
    expect(lastQuery(onChange)).toEqual({ ...DEFAULT_QUERY, refId: 'A', queryType: 'anomalies' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('describes each query type in the selector', async () => {
    await renderQueryEditor({ ...DEFAULT_QUERY });
    const options = await openOptions(S.queryType);
    expect(options).toHaveLength(8);
    expect(options[0]).toMatch(/^Summary.*latency percentiles/);
    expect(options[7]).toMatch(/^Forecast.*95% band/);
  });

  it('offers only alertable query types in the alert rule editor', async () => {
    await renderQueryEditor({ ...DEFAULT_QUERY }, CoreApp.UnifiedAlerting);
    const options = await openOptions(S.queryType);
    // Anomalies: with a seasonality (one score per series); forecast: its series, like a trend's.
    expect(options).toHaveLength(5);
    ['Summary', 'Anomalies', 'Trend', 'Compare', 'Forecast'].forEach((label, i) =>
      expect(options[i].startsWith(label)).toBe(true)
    );
  });

  it('keeps a non-alertable type in the alert rule editor when the rule already uses it', async () => {
    await renderQueryEditor({ ...v1, queryType: 'logs' }, CoreApp.UnifiedAlerting);
    const options = await openOptions(S.queryType);
    expect(options).toHaveLength(6);
  });

  it('does not run queries whose values cannot work', () => {
    expect(isRunnable({ refId: 'A', queryType: 'trend', window: '5x' })).toBe(false);
    expect(isRunnable({ refId: 'A', queryType: 'trend', window: '$interval' })).toBe(true);
    expect(isRunnable({ refId: 'A', queryType: 'correlation', metrics: ['gpu_util'] })).toBe(false);
    expect(isRunnable({ refId: 'A', queryType: 'correlation', metrics: ['gpu_util', 'latency_ms'] })).toBe(true);
    expect(isRunnable({ refId: 'A', queryType: 'summary' })).toBe(true);
  });

  it('runs a summary or compare in the alert rule editor only with exactly one measure', () => {
    for (const queryType of ['summary', 'compare'] as const) {
      expect(isRunnable({ refId: 'A', queryType }, true)).toBe(false);
      expect(isRunnable({ refId: 'A', queryType, measures: ['requests', 'error_rate'] }, true)).toBe(false);
      expect(isRunnable({ refId: 'A', queryType, measures: ['error_rate'] }, true)).toBe(true);
      expect(isRunnable({ refId: 'A', queryType, measures: ['requests', 'error_rate'] })).toBe(true);
    }
    expect(isRunnable({ refId: 'A', queryType: 'trend' }, true)).toBe(true);
  });

  it.each(['summary', 'compare'] as const)(
    'asks for exactly one measure of a %s in the alert rule editor',
    async (queryType) => {
      const message = /An alert condition needs exactly one measure/;
      const query = { ...v1, queryType };
      const alert = await renderQueryEditor(query, CoreApp.UnifiedAlerting);
      expect(screen.getByText(message)).toBeInTheDocument();
      await pick(S.measures, 'p99_latency_ms');
      expect(lastQuery(alert.onChange)).toEqual({ ...query, refId: 'A', measures: ['p99_latency_ms'] });
      expect(alert.onRunQuery).toHaveBeenCalledTimes(1);
      alert.unmount();

      const two = await renderQueryEditor({ ...query, measures: ['p99_latency_ms'] }, CoreApp.UnifiedAlerting);
      expect(screen.queryByText(message)).not.toBeInTheDocument();
      await pick(S.measures, 'error_rate');
      expect(lastQuery(two.onChange).measures).toEqual(['p99_latency_ms', 'error_rate']);
      expect(two.onRunQuery).not.toHaveBeenCalled();
      two.unmount();

      await renderQueryEditor({ ...query, measures: ['requests', 'error_rate'] }, CoreApp.UnifiedAlerting);
      expect(screen.getByText(message)).toBeInTheDocument();
    }
  );

  it('says which query types alert rules can use, and how', async () => {
    await renderQueryEditor({ ...DEFAULT_QUERY }, CoreApp.UnifiedAlerting);
    const options = await openOptions(S.queryType);
    expect(options[0]).toMatch(/alertable with one measure/);
    expect(options[1]).toMatch(/alertable with seasonality/);
    expect(options[2]).toMatch(/\(alertable\)/);
    expect(options[3]).toMatch(/alertable with one measure/);
    expect(options[4]).toMatch(/alertable: fire before a threshold/);
  });
});
