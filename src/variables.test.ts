import { DataQueryRequest, DataSourceInstanceSettings, MetricFindValue, ScopedVars } from '@grafana/data';
import { BackendSrv, FetchResponse, setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { lastValueFrom, of } from 'rxjs';

import { DataSource } from './datasource';
import { AnalyticsOptions } from './types';
import { AnalyticsVariableQuery, FieldInfo, migrateVariableQuery, variableQueryDefinition } from './variable-query';
import { fakeTemplateSrv } from './test-support/template-srv';
import { AnalyticsVariableSupport, findVariableValues } from './variables';

const settings = {
  id: 1,
  uid: 'inference-logs',
  type: 'inferencelog-analytics-datasource',
  name: 'Inference logs',
  access: 'proxy',
  readOnly: false,
  jsonData: {},
  meta: { id: 'inferencelog-analytics-datasource' },
} as unknown as DataSourceInstanceSettings<AnalyticsOptions>;

const FIELDS: FieldInfo[] = [
  { name: 'latency_ms', type: 'number' },
  { name: 'model', type: 'string' },
  { name: 'gpu_util', type: 'number' },
  { name: 'region', type: 'string' },
];

/** Backend resources as the plugin's backend answers them. */
function resource(path: string, params?: Record<string, unknown>): unknown {
  switch (path) {
    case 'models':
      return ['bert-large', 'llama-3-8b'];
    case 'fields':
      return FIELDS;
    case 'values':
      return params?.field === 'region' ? ['eu-west', 'us-east'] : [];
    default:
      throw new Error(`no resource ${path}`);
  }
}

/** `$field` is `region`; scoped variables win. */
const templateSrv = fakeTemplateSrv({ field: 'region' });

function request(target: unknown, scopedVars: ScopedVars = {}): DataQueryRequest<AnalyticsVariableQuery> {
  return { targets: [target], scopedVars } as unknown as DataQueryRequest<AnalyticsVariableQuery>;
}

describe('variable support', () => {
  let ds: DataSource;
  let getResource: jest.SpyInstance;

  beforeEach(() => {
    setTemplateSrv(templateSrv);
    ds = new DataSource(settings);
    getResource = jest
      .spyOn(ds, 'getResource')
      .mockImplementation(async (path: string, params?: Record<string, unknown>) => resource(path, params));
  });

  async function run(target: unknown, scopedVars?: ScopedVars): Promise<MetricFindValue[]> {
    const response = await lastValueFrom(ds.variables.query(request(target, scopedVars)));
    return response.data;
  }

  it('is a custom variable support with its own editor', () => {
    expect(ds.variables).toBeInstanceOf(AnalyticsVariableSupport);
    expect(ds.variables.getType()).toBe('custom');
    expect(ds.variables.editor).toBeDefined();
  });

  it('lists models', async () => {
    expect(await run({ refId: 'v', kind: 'models' })).toEqual([
      { text: 'bert-large', value: 'bert-large' },
      { text: 'llama-3-8b', value: 'llama-3-8b' },
    ]);
    expect(getResource).toHaveBeenCalledWith('models');
  });

  it('lists every field', async () => {
    expect((await run({ refId: 'v', kind: 'fields' })).map((v) => v.value)).toEqual([
      'latency_ms',
      'model',
      'gpu_util',
      'region',
    ]);
  });

  it('lists only numeric or only string fields', async () => {
    expect((await run({ refId: 'v', kind: 'fields', fieldType: 'number' })).map((v) => v.value)).toEqual([
      'latency_ms',
      'gpu_util',
    ]);
    expect((await run({ refId: 'v', kind: 'fields', fieldType: 'string' })).map((v) => v.text)).toEqual([
      'model',
      'region',
    ]);
  });

  it('lists the values of a field', async () => {
    expect(await run({ refId: 'v', kind: 'values', field: 'region' })).toEqual([
      { text: 'eu-west', value: 'eu-west' },
      { text: 'us-east', value: 'us-east' },
    ]);
    expect(getResource).toHaveBeenCalledWith('values', { field: 'region' });
  });

  it('interpolates the field, for chained variables', async () => {
    expect((await run({ refId: 'v', kind: 'values', field: '$field' })).map((v) => v.value)).toEqual([
      'eu-west',
      'us-east',
    ]);
    await run({ refId: 'v', kind: 'values', field: '$chosen' }, { chosen: { text: 'model', value: 'model' } });
    expect(getResource).toHaveBeenLastCalledWith('values', { field: 'model' });
  });

  it('lists nothing, without asking the backend, for values of no field', async () => {
    expect(await run({ refId: 'v', kind: 'values' })).toEqual([]);
    expect(getResource).not.toHaveBeenCalled();
  });

  it('runs text queries as saved by provisioning', async () => {
    expect((await run('fields(number)')).map((v) => v.value)).toEqual(['latency_ms', 'gpu_util']);
    expect((await run({ refId: 'v', query: 'values(region)' })).map((v) => v.value)).toEqual(['eu-west', 'us-east']);
  });

  it('reads the backend resources through Grafana', async () => {
    getResource.mockRestore();
    const fetch = jest.fn((options: { url: string }) =>
      of({ data: options.url.endsWith('/resources/models') ? ['mistral-7b'] : [] } as FetchResponse)
    );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    expect(await findVariableValues(ds, { refId: 'v', kind: 'models' })).toEqual([
      { text: 'mistral-7b', value: 'mistral-7b' },
    ]);
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({ method: 'GET', url: '/api/datasources/uid/inference-logs/resources/models' })
    );
  });
});

describe('migrateVariableQuery', () => {
  it('keeps current queries', () => {
    expect(migrateVariableQuery({ refId: 'x', kind: 'values', field: 'host', query: 'values(host)' })).toEqual({
      refId: 'x',
      kind: 'values',
      field: 'host',
    });
    expect(migrateVariableQuery({ refId: 'x', kind: 'fields', fieldType: 'string' })).toEqual({
      refId: 'x',
      kind: 'fields',
      fieldType: 'string',
    });
  });

  it('reads text queries', () => {
    expect(migrateVariableQuery('models')).toEqual({ refId: 'variable', kind: 'models' });
    expect(migrateVariableQuery(' fields ( string ) ')).toEqual({
      refId: 'variable',
      kind: 'fields',
      fieldType: 'string',
    });
    expect(migrateVariableQuery('fields(bogus)')).toEqual({ refId: 'variable', kind: 'fields' });
    expect(migrateVariableQuery('values($field)')).toEqual({ refId: 'variable', kind: 'values', field: '$field' });
  });

  it('falls back to models for anything else', () => {
    for (const saved of [undefined, null, '', 'select 1', { query: 42 }, { kind: 'nope' }]) {
      expect(migrateVariableQuery(saved)).toEqual({ refId: 'variable', kind: 'models' });
    }
  });

  it('round-trips through the text definition', () => {
    const queries: AnalyticsVariableQuery[] = [
      { refId: 'variable', kind: 'models' },
      { refId: 'variable', kind: 'fields' },
      { refId: 'variable', kind: 'fields', fieldType: 'number' },
      { refId: 'variable', kind: 'values', field: 'region' },
    ];
    for (const query of queries) {
      expect(migrateVariableQuery(variableQueryDefinition(query))).toEqual(query);
    }
  });
});
