import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import {
  analyticsAnnotationSupport,
  AnalyticsAnnotation,
  anomaliesToEvents,
  DEFAULT_ANNOTATION_QUERY,
  formatNumber,
  prepareAnnotation,
  prepareQuery,
} from './annotations';
import { QUERY_SCHEMA_VERSION } from './types';

/** An anomalies frame as the backend returns it. */
function anomaliesFrame(
  rows: Array<{ t: number; id: string | null; model: string; value: number; score: number; region?: string }>,
  meta: Record<string, unknown> = { method: 'zscore', threshold: 3, metric: 'latency_ms', found: rows.length },
  metric = 'latency_ms'
): DataFrame {
  const fields = [
    { name: 'timestamp', type: FieldType.time, values: rows.map((r) => r.t) },
    { name: 'request_id', type: FieldType.string, values: rows.map((r) => r.id) },
    { name: 'model', type: FieldType.string, values: rows.map((r) => r.model) },
    { name: metric, type: FieldType.number, values: rows.map((r) => r.value) },
    { name: 'score', type: FieldType.number, values: rows.map((r) => r.score) },
  ];
  if (rows.some((r) => r.region !== undefined)) {
    fields.push({ name: 'region', type: FieldType.string, values: rows.map((r) => r.region ?? null) });
  }
  return createDataFrame({ name: 'anomalies', refId: 'Anno', meta: { custom: meta }, fields });
}

const T1 = Date.UTC(2026, 10, 20, 10, 0, 0);
const T2 = Date.UTC(2026, 10, 20, 10, 5, 0);

describe('anomaliesToEvents', () => {
  it('makes one event per anomalous request, with time, title, text and tags', () => {
    const frame = anomaliesFrame([
      { t: T1, id: 'r-123', model: 'llama-3-8b', value: 2310, score: 4.2 },
      { t: T2, id: 'r-456', model: 'mistral-7b', value: 12.345, score: -3.456 },
    ]);
    expect(anomaliesToEvents([frame])).toEqual([
      {
        time: T1,
        title: 'Anomalous latency_ms (llama-3-8b)',
        text: 'llama-3-8b request r-123: latency_ms 2310 ms, z-score 4.2',
        tags: ['llama-3-8b', 'zscore'],
      },
      {
        time: T2,
        title: 'Anomalous latency_ms (mistral-7b)',
        text: 'mistral-7b request r-456: latency_ms 12.35 ms, z-score -3.46',
        tags: ['mistral-7b', 'zscore'],
      },
    ]);
  });

  it('names the method and metric the frame says it used', () => {
    const frame = anomaliesFrame(
      [{ t: T1, id: 'r-1', model: 'bert-large', value: 97.5, score: 5 }],
      { method: 'mad', threshold: 3.5, metric: 'gpu_util', found: 1 },
      'gpu_util'
    );
    const [event] = anomaliesToEvents([frame]);
    expect(event.text).toBe('bert-large request r-1: gpu_util 97.5%, modified z-score 5');
    expect(event.tags).toEqual(['bert-large', 'mad']);
  });

  it("falls back on the annotation's query when the frame has no meta", () => {
    const frame = anomaliesFrame([{ t: T1, id: 'r-1', model: 'm', value: 30.1, score: 2 }], {}, 'memory_used_gb');
    const [event] = anomaliesToEvents([frame], { refId: 'Anno', metric: 'memory_used_gb', method: 'iqr' });
    expect(event.text).toBe('m request r-1: memory_used_gb 30.1 GB, IQR score 2');
    expect(event.tags).toEqual(['m', 'iqr']);
  });

  it('adds other group fields to the text', () => {
    const frame = anomaliesFrame([{ t: T1, id: 'r-9', model: 'm', value: 100, score: 3.3, region: 'eu-west' }]);
    expect(anomaliesToEvents([frame])[0].text).toBe('m request r-9: latency_ms 100 ms, z-score 3.3 [region=eu-west]');
  });

  it('says so when a request has no id, and writes infinite scores', () => {
    const frame = anomaliesFrame([{ t: T1, id: null, model: 'm', value: 5, score: Infinity }]);
    expect(anomaliesToEvents([frame])[0].text).toBe('m request (no id): latency_ms 5 ms, z-score ∞');
  });

  it('skips frames that are not anomalies and rows without a time', () => {
    const trend = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [T1] },
        { name: 'p99 latency_ms', type: FieldType.number, values: [1] },
      ],
    });
    const frame = anomaliesFrame([{ t: T1, id: 'a', model: 'm', value: 1, score: 9 }]);
    frame.fields[0].values[0] = null;
    expect(anomaliesToEvents([trend, frame])).toEqual([]);
  });

  it('gives no events for no anomalies', () => {
    expect(anomaliesToEvents([anomaliesFrame([])])).toEqual([]);
  });
});

describe('anomaliesToEvents of seasonal anomalies', () => {
  it('makes one event per anomalous bucket, saying what is usual at that time', () => {
    const frame = createDataFrame({
      name: 'anomalies',
      refId: 'Anno',
      meta: {
        custom: { method: 'seasonal', seasonality: 'daily', metric: 'latency_ms', aggregation: 'p99', found: 1 },
      },
      fields: [
        { name: 'timestamp', type: FieldType.time, values: [T1] },
        { name: 'model', type: FieldType.string, values: ['llama-3-8b'] },
        { name: 'value', type: FieldType.number, values: [2310], config: { unit: 'ms' } },
        { name: 'expected', type: FieldType.number, values: [480], config: { unit: 'ms' } },
        { name: 'lower', type: FieldType.number, values: [300] },
        { name: 'upper', type: FieldType.number, values: [660] },
        { name: 'score', type: FieldType.number, values: [12.44] },
      ],
    });
    expect(anomaliesToEvents([frame])).toEqual([
      {
        time: T1,
        title: 'Unusual p99 latency_ms for the time of day',
        text: 'p99 latency_ms 2310 ms, usually 480 ms at this time of day (seasonal score 12.44) [model=llama-3-8b]',
        tags: ['llama-3-8b', 'seasonal'],
      },
    ]);
  });
});

describe('formatNumber', () => {
  it('writes numbers short', () => {
    expect(formatNumber(2310)).toBe('2310');
    expect(formatNumber(4.2049)).toBe('4.2');
    expect(formatNumber(-Infinity)).toBe('-∞');
    expect(formatNumber(null)).toBe('n/a');
    expect(formatNumber(NaN)).toBe('n/a');
  });
});

describe('annotation support', () => {
  it('processes frames into events', async () => {
    const annotation = prepareAnnotation({ name: 'Anomalies', enable: true, target: { refId: 'Anno' } });
    const frame = anomaliesFrame([{ t: T1, id: 'r-123', model: 'llama-3-8b', value: 2310, score: 4.2 }]);
    const events = await lastValueFrom(analyticsAnnotationSupport.processEvents!(annotation, [frame]));
    expect(events).toHaveLength(1);
    expect(events?.[0].time).toBe(T1);
  });

  it('has its own editor and starts from an anomalies query', () => {
    expect(analyticsAnnotationSupport.QueryEditor).toBeDefined();
    expect(analyticsAnnotationSupport.getDefaultQuery!()).toEqual(DEFAULT_ANNOTATION_QUERY);
    expect(DEFAULT_ANNOTATION_QUERY.queryType).toBe('anomalies');
  });

  it('prepares a new annotation with the default anomalies query', () => {
    const annotation = prepareAnnotation({ name: 'Anomalies', enable: true, iconColor: 'red' });
    expect(annotation).toEqual({
      name: 'Anomalies',
      enable: true,
      iconColor: 'red',
      target: {
        ...DEFAULT_ANNOTATION_QUERY,
        refId: 'Anno',
        queryType: 'anomalies',
        schemaVersion: QUERY_SCHEMA_VERSION,
      },
    });
  });

  it('moves query fields saved on the annotation itself into the target, migrating them', () => {
    const annotation = prepareAnnotation({
      name: 'Slow requests',
      enable: true,
      datasource: { type: 'inferencelog-analytics-datasource', uid: 'logs' },
      metric: 'gpu_util',
      method: 'iqr',
      threshold: '2',
      models: ['llama-3-8b'],
      by: 'model,region',
    });
    expect(annotation).toEqual({
      name: 'Slow requests',
      enable: true,
      datasource: { type: 'inferencelog-analytics-datasource', uid: 'logs' },
      target: {
        refId: 'Anno',
        queryType: 'anomalies',
        metric: 'gpu_util',
        method: 'iqr',
        threshold: 2,
        groupBy: ['model', 'region'],
        filters: { model: ['llama-3-8b'] },
        limit: DEFAULT_ANNOTATION_QUERY.limit,
        schemaVersion: QUERY_SCHEMA_VERSION,
      },
    });
  });

  it('keeps a current target and makes it an anomalies query', () => {
    const target = {
      refId: 'Anno',
      queryType: 'trend' as const,
      metric: 'latency_ms',
      method: 'mad' as const,
      groupBy: [],
      limit: 10,
      schemaVersion: QUERY_SCHEMA_VERSION,
    };
    const annotation = prepareAnnotation({ name: 'x', enable: true, target });
    expect(annotation.target).toEqual({ ...DEFAULT_ANNOTATION_QUERY, ...target, queryType: 'anomalies' });
  });

  it('is idempotent', () => {
    const once = prepareAnnotation({ name: 'x', enable: true, metric: 'gpu_util', models: 'a,b' });
    expect(prepareAnnotation(once)).toEqual(once);
  });

  it('runs the target as an anomalies query, and nothing without a target', () => {
    const annotation = { name: 'x', enable: true, target: { refId: 'Anno', queryType: 'summary', schemaVersion: 1 } };
    expect(prepareQuery(annotation as AnalyticsAnnotation)?.queryType).toBe('anomalies');
    expect(prepareQuery({ name: 'x', enable: true } as AnalyticsAnnotation)).toBeUndefined();
  });
});
