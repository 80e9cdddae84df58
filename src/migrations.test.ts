import { migrateQuery } from './migrations';
import { AnalyticsQuery, DEFAULT_QUERY, QUERY_SCHEMA_VERSION } from './types';

describe('migrateQuery', () => {
  it('leaves a current query unchanged (the same object)', () => {
    const query: AnalyticsQuery = {
      refId: 'A',
      queryType: 'anomalies',
      metric: 'latency_ms',
      method: 'mad',
      threshold: 3.5,
      groupBy: ['model'],
      filters: { model: ['llama-3-8b'] },
      limit: 50,
      schemaVersion: QUERY_SCHEMA_VERSION,
    };
    expect(migrateQuery(query)).toBe(query);
  });

  it('does not downgrade a query from a newer version', () => {
    const query = { refId: 'A', queryType: 'summary', schemaVersion: QUERY_SCHEMA_VERSION + 1, by: 'x' };
    expect(migrateQuery(query)).toBe(query);
  });

  it('migrates v0 `type` to queryType', () => {
    expect(migrateQuery({ refId: 'A', type: 'trend' })).toEqual({
      refId: 'A',
      queryType: 'trend',
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
  });

  it('ignores a v0 `type` that is not a query type', () => {
    expect(migrateQuery({ refId: 'A', type: 'timeseries' })).toEqual({ refId: 'A', schemaVersion: 1 });
  });

  it('prefers an existing queryType over a v0 `type`', () => {
    expect(migrateQuery({ refId: 'A', queryType: 'summary', type: 'trend' }).queryType).toBe('summary');
  });

  it('migrates v0 `agg` to aggregation', () => {
    const migrated = migrateQuery({ refId: 'A', type: 'trend', agg: 'p99' });
    expect(migrated.aggregation).toBe('p99');
    expect('agg' in migrated).toBe(false);
  });

  it('migrates v0 `by` (a comma string) to the groupBy list', () => {
    const migrated = migrateQuery({ refId: 'A', type: 'summary', by: 'model, region,,' });
    expect(migrated.groupBy).toEqual(['model', 'region']);
    expect('by' in migrated).toBe(false);
  });

  it('accepts groupBy itself as a comma string', () => {
    expect(migrateQuery({ refId: 'A', queryType: 'summary', groupBy: 'model,host' }).groupBy).toEqual([
      'model',
      'host',
    ]);
  });

  it('migrates v0 `models` to filters.model, merged with an existing model filter', () => {
    expect(migrateQuery({ refId: 'A', type: 'compare', models: ['a', 'b'] }).filters).toEqual({ model: ['a', 'b'] });
    expect(
      migrateQuery({ refId: 'A', type: 'compare', models: ['b', 'c'], filters: { model: ['a', 'b'], host: 'h1' } })
        .filters
    ).toEqual({ model: ['a', 'b', 'c'], host: ['h1'] });
  });

  it('migrates `models` given as a comma string', () => {
    expect(migrateQuery({ refId: 'A', type: 'compare', models: 'a,b' }).filters).toEqual({ model: ['a', 'b'] });
  });

  it('drops an empty `models` without adding filters', () => {
    const migrated = migrateQuery({ refId: 'A', type: 'compare', models: [] });
    expect(migrated.filters).toBeUndefined();
    expect('models' in migrated).toBe(false);
  });

  it('migrates `metrics` given as a comma string to a list', () => {
    expect(migrateQuery({ refId: 'A', type: 'correlation', metrics: 'latency_ms, gpu_util' }).metrics).toEqual([
      'latency_ms',
      'gpu_util',
    ]);
  });

  it('turns numbers saved as text into numbers and keeps variables', () => {
    const migrated = migrateQuery({ refId: 'A', type: 'anomalies', threshold: '3.5', limit: '$limit' });
    expect(migrated.threshold).toBe(3.5);
    expect(migrated.limit).toBe('$limit');
  });

  it('keeps template variables everywhere (interpolation is not its job)', () => {
    expect(
      migrateQuery({ refId: 'A', type: '$kind', agg: '$agg', by: '$by', models: ['$model'], metrics: '$metrics' })
    ).toEqual({
      refId: 'A',
      queryType: '$kind',
      aggregation: '$agg',
      groupBy: ['$by'],
      filters: { model: ['$model'] },
      metrics: ['$metrics'],
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
  });

  it('migrates a whole v0 query and keeps Grafana fields', () => {
    const v0 = {
      refId: 'B',
      hide: false,
      datasource: { type: 'inferencelog-analytics-datasource', uid: 'logs' },
      type: 'trend',
      metric: 'latency_ms',
      agg: 'p95',
      window: '5m',
      by: 'model',
      models: ['llama-3-8b'],
    };
    expect(migrateQuery(v0)).toEqual({
      refId: 'B',
      hide: false,
      datasource: { type: 'inferencelog-analytics-datasource', uid: 'logs' },
      queryType: 'trend',
      metric: 'latency_ms',
      aggregation: 'p95',
      window: '5m',
      groupBy: ['model'],
      filters: { model: ['llama-3-8b'] },
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
  });

  it('is idempotent', () => {
    const samples: unknown[] = [
      { refId: 'A', type: 'trend', agg: 'p99', by: 'model,region', models: ['a'], metrics: 'x,y', threshold: '2' },
      { refId: 'A', queryType: 'summary' },
      { ...DEFAULT_QUERY, refId: 'A' },
      {},
      undefined,
      'summary',
    ];
    for (const sample of samples) {
      const once = migrateQuery(sample);
      expect(migrateQuery(once)).toEqual(once);
      expect(migrateQuery(once)).toBe(once);
    }
  });

  it('does not change its input', () => {
    const v0 = { refId: 'A', type: 'trend', by: 'model', models: ['a'] };
    const copy = JSON.parse(JSON.stringify(v0));
    migrateQuery(v0);
    expect(v0).toEqual(copy);
  });

  it('makes a query of anything that is not an object', () => {
    for (const saved of [undefined, null, 'summary', 42, []]) {
      expect(migrateQuery(saved)).toEqual({ refId: 'A', schemaVersion: QUERY_SCHEMA_VERSION });
    }
  });

  it('gives a query without refId one', () => {
    expect(migrateQuery({ queryType: 'summary' }).refId).toBe('A');
  });
});
