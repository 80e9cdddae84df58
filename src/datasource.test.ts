import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';

import { parseQuery } from '../pkg/model/validate';
import { DataSource, interpolateListEntry } from './datasource';
import { fakeTemplateSrv } from './test-support/template-srv';
import { AnalyticsOptions, AnalyticsQuery, DEFAULT_QUERY, QUERY_SCHEMA_VERSION } from './types';
import { AnalyticsVariableSupport } from './variables';

const settings = {
  id: 1,
  uid: 'inference-logs',
  type: 'inferencelog-analytics-datasource',
  name: 'Inference logs',
  access: 'proxy',
  readOnly: false,
  jsonData: { paths: ['/var/log/inference'] },
  meta: { id: 'inferencelog-analytics-datasource' },
} as unknown as DataSourceInstanceSettings<AnalyticsOptions>;

const VARIABLES: Record<string, string | string[]> = {
  metric: 'gpu_util',
  agg: 'p95',
  interval: '5m',
  method: 'mad',
  corr: 'spearman',
  analysis: 'trend',
  metrics: ['latency_ms', 'batch_size'],
  by: ['model', 'region'],
  single: 'host',
  models: ['llama-3-8b', 'mistral-7b'],
  host: 'gpu-7',
  threshold: '4.5',
  limit: '25',
  empty: '',
  filterField: 'region',
};

/** What the backend makes of a query: the parsed query, or its error message. */
function outcome(query: object): unknown {
  try {
    return parseQuery(query);
  } catch (error) {
    return (error as Error).message;
  }
}

describe('DataSource', () => {
  let ds: DataSource;

  beforeEach(() => {
    setTemplateSrv(fakeTemplateSrv(VARIABLES));
    ds = new DataSource(settings);
  });

  it('starts new queries from DEFAULT_QUERY', () => {
    expect(ds.getDefaultQuery(CoreApp.PanelEditor)).toEqual(DEFAULT_QUERY);
  });

  it('carries variable and annotation support', () => {
    expect(ds.variables).toBeInstanceOf(AnalyticsVariableSupport);
    expect(ds.annotations?.QueryEditor).toBeDefined();
    expect(ds.annotations?.processEvents).toBeDefined();
  });

  describe('filterQuery', () => {
    it('runs visible queries that have a query type', () => {
      expect(ds.filterQuery({ refId: 'A', queryType: 'summary' })).toBe(true);
    });

    it('skips hidden queries', () => {
      expect(ds.filterQuery({ refId: 'A', queryType: 'summary', hide: true })).toBe(false);
    });

    it('skips queries without a query type', () => {
      expect(ds.filterQuery({ refId: 'A' })).toBe(false);
      expect(ds.filterQuery({ refId: 'A', metric: 'latency_ms' })).toBe(false);
    });

    it('runs old queries whose type is in the v0 `type` key', () => {
      expect(ds.filterQuery({ refId: 'A', type: 'trend' } as AnalyticsQuery)).toBe(true);
    });
  });

  describe('applyTemplateVariables', () => {
    it('interpolates every single-valued string field', () => {
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: '$analysis' as AnalyticsQuery['queryType'],
        metric: '$metric',
        aggregation: '${agg}' as AnalyticsQuery['aggregation'],
        window: '[[interval]]',
        method: '$method' as AnalyticsQuery['method'],
        correlation: '$corr' as AnalyticsQuery['correlation'],
        baseline: '$host',
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      expect(ds.applyTemplateVariables(query, {})).toEqual({
        refId: 'A',
        queryType: 'trend',
        metric: 'gpu_util',
        aggregation: 'p95',
        window: '5m',
        method: 'mad',
        correlation: 'spearman',
        baseline: 'gpu-7',
        schemaVersion: QUERY_SCHEMA_VERSION,
      });
    });

    it('expands multi-value variables in metrics and groupBy into several entries', () => {
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: 'correlation',
        metrics: ['$metrics', 'gpu_util'],
        groupBy: ['$by', '${single}'],
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      const result = ds.applyTemplateVariables(query, {});
      expect(result.metrics).toEqual(['latency_ms', 'batch_size', 'gpu_util']);
      expect(result.groupBy).toEqual(['model', 'region', 'host']);
    });

    it('drops repeated and empty list entries after expansion', () => {
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: 'summary',
        groupBy: ['model', '$by', '$empty'],
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      expect(ds.applyTemplateVariables(query, {}).groupBy).toEqual(['model', 'region']);
    });

    it('expands a multi-value variable in measures, in order, and drops measures left empty (all)', () => {
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: 'summary',
        measures: ['requests', '$measure'],
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      const scopedVars: ScopedVars = {
        measure: { text: 'p99_latency_ms + error_rate', value: ['p99_latency_ms', 'error_rate'] },
      };
      expect(ds.applyTemplateVariables(query, scopedVars).measures).toEqual([
        'requests',
        'p99_latency_ms',
        'error_rate',
      ]);
      expect(ds.applyTemplateVariables({ ...query, measures: ['$empty'] }, {})).not.toHaveProperty('measures');
    });

    it('expands filter values, keeps literal values and numbers, and interpolates field names', () => {
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: 'summary',
        filters: { model: ['$models'], host: ['$host', 'gpu-9'], batch_size: [8], $filterField: ['eu-west'] },
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      expect(ds.applyTemplateVariables(query, {}).filters).toEqual({
        model: ['llama-3-8b', 'mistral-7b'],
        host: ['gpu-7', 'gpu-9'],
        batch_size: [8],
        region: ['eu-west'],
      });
    });

    it('interpolates text around a variable as plain text', () => {
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: 'summary',
        filters: { host: ['node-$host'] },
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      expect(ds.applyTemplateVariables(query, {}).filters).toEqual({ host: ['node-gpu-7'] });
    });

    it('turns numeric fields given as variables into numbers', () => {
      const query = {
        refId: 'A',
        queryType: 'anomalies',
        threshold: '$threshold',
        limit: '${limit}',
        schemaVersion: QUERY_SCHEMA_VERSION,
      } as unknown as AnalyticsQuery;
      const result = ds.applyTemplateVariables(query, {});
      expect(result.threshold).toBe(4.5);
      expect(result.limit).toBe(25);
    });

    it('keeps numbers, drops empty numeric fields and leaves bad text for the backend to name', () => {
      const numbers: AnalyticsQuery = { refId: 'A', queryType: 'anomalies', threshold: 3, limit: 10, schemaVersion: 1 };
      expect(ds.applyTemplateVariables(numbers, {})).toEqual(numbers);

      const empty = { ...numbers, threshold: '$empty', limit: '' } as unknown as AnalyticsQuery;
      const emptied = ds.applyTemplateVariables(empty, {});
      expect('threshold' in emptied).toBe(false);
      expect('limit' in emptied).toBe(false);

      const bad = { ...numbers, threshold: '$method' } as unknown as AnalyticsQuery;
      expect(ds.applyTemplateVariables(bad, {}).threshold).toBe('mad');
    });

    it('reads numeric text as the backend does: the same query answers the same whether or not it was interpolated', () => {
      for (const text of ['$threshold', '4.5', ' 4.5 ', 'abc', '$missing', '']) {
        const query = { refId: 'A', queryType: 'anomalies', threshold: text, schemaVersion: 1 };
        const viaFrontend = ds.applyTemplateVariables(query as unknown as AnalyticsQuery, {});
        const interpolated = { ...query, threshold: fakeTemplateSrv(VARIABLES).replace(text) };
        expect({ text, frontend: outcome(viaFrontend) }).toEqual({ text, frontend: outcome(interpolated) });
      }
    });

    it('lets scoped variables (repeated panels) win over dashboard variables', () => {
      const scopedVars: ScopedVars = {
        models: { text: 'bert-large', value: 'bert-large' },
        metric: { text: 'memory_used_gb', value: 'memory_used_gb' },
      };
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: 'trend',
        metric: '$metric',
        filters: { model: ['$models'] },
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      const result = ds.applyTemplateVariables(query, scopedVars);
      expect(result.metric).toBe('memory_used_gb');
      expect(result.filters).toEqual({ model: ['bert-large'] });
    });

    it("uses Grafana's interval variables in the window", () => {
      const query: AnalyticsQuery = { refId: 'A', queryType: 'trend', window: '$__interval', schemaVersion: 1 };
      const scopedVars: ScopedVars = { __interval: { text: '1m', value: '1m' } };
      expect(ds.applyTemplateVariables(query, scopedVars).window).toBe('1m');
    });

    it('leaves unknown variables as they are', () => {
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: 'trend',
        metric: '$nope',
        groupBy: ['$nope'],
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      const result = ds.applyTemplateVariables(query, {});
      expect(result.metric).toBe('$nope');
      expect(result.groupBy).toEqual(['$nope']);
    });

    it('migrates old saved queries before interpolating', () => {
      const old = { refId: 'B', type: 'trend', agg: '$agg', by: 'model,$single', models: ['$models'] };
      expect(ds.applyTemplateVariables(old as unknown as AnalyticsQuery, {})).toEqual({
        refId: 'B',
        queryType: 'trend',
        aggregation: 'p95',
        groupBy: ['model', 'host'],
        filters: { model: ['llama-3-8b', 'mistral-7b'] },
        schemaVersion: QUERY_SCHEMA_VERSION,
      });
    });

    it('does not change the query it is given', () => {
      const query: AnalyticsQuery = {
        refId: 'A',
        queryType: 'summary',
        groupBy: ['$by'],
        filters: { model: ['$models'] },
        schemaVersion: QUERY_SCHEMA_VERSION,
      };
      const copy = JSON.parse(JSON.stringify(query));
      ds.applyTemplateVariables(query, {});
      expect(query).toEqual(copy);
    });

    it('is used for Explore and query conversion too', () => {
      const [result] = ds.interpolateVariablesInQueries(
        [{ refId: 'A', queryType: 'trend', metric: '$metric', schemaVersion: QUERY_SCHEMA_VERSION }],
        {}
      );
      expect(result.metric).toBe('gpu_util');
    });
  });

  describe('interpolateListEntry', () => {
    it('returns literal entries unchanged, without calling the template service', () => {
      const replace = jest.fn();
      setTemplateSrv({ ...fakeTemplateSrv({}), replace });
      expect(interpolateListEntry('llama-3-8b', {})).toEqual(['llama-3-8b']);
      expect(replace).not.toHaveBeenCalled();
    });

    it('asks for the json format so that multi-value variables come back as a list', () => {
      const replace = jest.fn().mockReturnValue('["a","b,c"]');
      setTemplateSrv({ ...fakeTemplateSrv({}), replace });
      expect(interpolateListEntry('$v', {})).toEqual(['a', 'b,c']);
      expect(replace).toHaveBeenCalledWith('$v', {}, 'json');
    });
  });

  it('describes queries in one line', () => {
    expect(
      ds.getQueryDisplayText({
        refId: 'A',
        queryType: 'trend',
        metric: 'latency_ms',
        aggregation: 'p99',
        window: '5m',
        groupBy: ['model'],
        filters: { region: ['eu'] },
      })
    ).toBe('trend p99(latency_ms) every 5m by model region in (eu)');
    expect(ds.getQueryDisplayText({ refId: 'A', queryType: 'anomalies', method: 'mad', threshold: 3.5 })).toBe(
      'anomalies latency_ms mad > 3.5'
    );
  });
});
