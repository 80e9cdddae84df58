import type { AnalysisQuery } from '../model/query';
import { ColumnNotLoadedError } from '../store/projection';
import { Store } from '../store/store';
import { columnsNeeded, withColumns } from './columns-needed';
import { analyse } from './run';

const STATS = ['model', 'latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'];
const LLM = ['ttft_ms', 'tpot_ms', 'output_tokens_per_s', 'input_tokens', 'output_tokens'];

describe('columnsNeeded', () => {
  it.each<[string, AnalysisQuery, string[], boolean]>([
    ['summary by model', { queryType: 'summary', groupBy: ['model'] }, [...STATS, ...LLM], true],
    [
      'summary by host, filtered',
      { queryType: 'summary', groupBy: ['host'], filters: { region: ['eu'] } },
      [...STATS, ...LLM, 'host', 'region'],
      true,
    ],
    ['compare', { queryType: 'compare' }, [...STATS, ...LLM], true],
    ['spike', { queryType: 'spike' }, [...STATS, 'status', 'request_id'], true],
    [
      'trend p99 by model',
      { queryType: 'trend', groupBy: ['model'], window: '1m', aggregation: 'p99' },
      ['latency_ms', 'model'],
      false,
    ],
    ['trend error rate', { queryType: 'trend', aggregation: 'error_rate' }, ['latency_ms'], true],
    [
      'trend of a derived field',
      { queryType: 'trend', metric: 'tpot_ms' },
      ['tpot_ms', 'latency_ms', 'ttft_ms', 'output_tokens'],
      false,
    ],
    ['forecast', { queryType: 'forecast', metric: 'gpu_util', groupBy: ['host'] }, ['gpu_util', 'host'], false],
    [
      'anomalies by model',
      { queryType: 'anomalies', groupBy: ['model'], limit: 100 },
      ['latency_ms', 'model', 'request_id'],
      false,
    ],
    [
      'seasonal anomalies',
      { queryType: 'anomalies', seasonality: 'daily', groupBy: ['host'], aggregation: 'error_rate' },
      ['latency_ms', 'host'],
      true,
    ],
    ['correlation', { queryType: 'correlation' }, ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'], false],
    [
      'correlation of two standard metrics (per-block moments read all four)',
      { queryType: 'correlation', metrics: ['latency_ms', 'gpu_util'] },
      ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'],
      false,
    ],
    [
      'correlation of other fields',
      { queryType: 'correlation', metrics: ['latency_ms', 'queue_ms'], filters: { model: ['a'] } },
      ['latency_ms', 'queue_ms', 'model'],
      false,
    ],
  ])('%s', (_, query, columns, errors) => {
    const needed = columnsNeeded(query)!;
    expect([...needed.columns].sort()).toEqual([...new Set(columns)].sort());
    expect(needed.errors).toBe(errors);
  });

  it('asks for every column for logs, which shows them all', () => {
    expect(columnsNeeded({ queryType: 'logs' })).toBeNull();
    expect(withColumns(null, ['host'])).toBeNull();
  });

  it('adds columns', () => {
    expect(withColumns({ columns: ['model'], errors: false }, ['host', 'model'])).toEqual({
      columns: ['model', 'host'],
      errors: false,
    });
  });
});

describe('a query over a column its load left out', () => {
  /** Two requests, loaded with `projection`. */
  function storeWith(projection: ConstructorParameters<typeof Store>[0]): Store {
    const store = new Store(projection);
    for (const [t, model] of [
      [1, 'a'],
      [2, 'b'],
    ] as const) {
      store.append(t * 1e6, false, { model, latency_ms: t * 10, batch_size: 4, host: 'h1', status: 'ok' });
    }
    return store;
  }

  it.each<[string, AnalysisQuery, string]>([
    ['summary without the batch sizes', { queryType: 'summary' }, 'batch_size'],
    ['trend by a field not loaded', { queryType: 'trend', groupBy: ['host'] }, 'host'],
    ['anomalies without request ids', { queryType: 'anomalies', limit: 5, threshold: 0 }, 'request_id'],
    ['a filter on a field not loaded', { queryType: 'trend', filters: { host: ['h1'] } }, 'host'],
  ])('fails naming the column: %s', (_, query, missing) => {
    const needed = columnsNeeded(query)!;
    const store = storeWith({ ...needed, columns: needed.columns.filter((c) => c !== missing) });
    expect(() => analyse(store, query, { range: {} })).toThrow(new ColumnNotLoadedError(missing));
  });

  it('fails on the error flags when they were not loaded', () => {
    const store = storeWith({ columns: ['model', 'latency_ms'], errors: false });
    expect(() => analyse(store, { queryType: 'trend', aggregation: 'error_rate' }, { range: {} })).toThrow(
      new ColumnNotLoadedError('error flag')
    );
    expect(store.loads('latency_ms')).toBe(true);
    expect(store.loads('status')).toBe(false);
  });

  it('answers over the columns it was given', () => {
    const query: AnalysisQuery = { queryType: 'trend', groupBy: ['model'], window: '1s' };
    const full = analyse(storeWith(null), query, { range: {} });
    expect(analyse(storeWith(columnsNeeded(query)), query, { range: {} })).toEqual(full);
  });
});
