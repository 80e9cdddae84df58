import { AnnotationEvent, AnnotationQuery, AnnotationSupport, DataFrame, Field, FieldType } from '@grafana/data';
import { Observable, of } from 'rxjs';

import { AnomalyMethod, DEFAULT_THRESHOLDS } from '../pkg/model/query';
import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import { migrateQuery } from './migrations';
import { AnalyticsQuery, QUERY_SCHEMA_VERSION } from './types';

/*
 * Annotations: the requests an `anomalies` query finds, drawn as markers on time-series panels.
 * Any saved annotation is run as an anomalies query; its frame (timestamp, request_id, model, the
 * metric, score and any other group fields) becomes one event per request.
 */

export type AnalyticsAnnotation = AnnotationQuery<AnalyticsQuery>;

/** Most markers one annotation query draws, unless the annotation says otherwise. */
export const DEFAULT_ANNOTATION_LIMIT = 100;

/** What a new annotation query starts as: latency outliers per model. */
export const DEFAULT_ANNOTATION_QUERY: Partial<AnalyticsQuery> = {
  queryType: 'anomalies',
  metric: 'latency_ms',
  method: 'zscore',
  groupBy: ['model'],
  limit: DEFAULT_ANNOTATION_LIMIT,
  schemaVersion: QUERY_SCHEMA_VERSION,
};

const ANNOTATION_REF_ID = 'Anno';

/** Keys of a stored annotation that are Grafana's, not a query's. */
const ANNOTATION_KEYS = new Set([
  'name',
  'enable',
  'hide',
  'iconColor',
  'datasource',
  'target',
  'builtIn',
  'filter',
  'mappings',
  'snapshotData',
  'type',
  'showIn',
  'matchAny',
  'tags',
]);

const METHOD_LABELS: Record<AnomalyMethod, string> = {
  zscore: 'z-score',
  mad: 'modified z-score',
  iqr: 'IQR score',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMethod(value: unknown): value is AnomalyMethod {
  return typeof value === 'string' && value in DEFAULT_THRESHOLDS;
}

/** An annotation's query, always an anomalies query. */
function toAnomaliesQuery(saved: unknown): AnalyticsQuery {
  const migrated = migrateQuery(saved);
  return {
    ...DEFAULT_ANNOTATION_QUERY,
    ...migrated,
    refId: migrated.refId || ANNOTATION_REF_ID,
    queryType: 'anomalies',
  };
}

/**
 * A stored annotation as the current shape. Annotations saved before the query editor existed kept
 * the query's fields (metric, method, threshold, models, ...) on the annotation itself; those move
 * into `target`. The target is migrated like any saved query.
 */
export function prepareAnnotation(json: unknown): AnalyticsAnnotation {
  const annotation: Record<string, unknown> = isRecord(json) ? { ...json } : {};
  if (isRecord(annotation.target)) {
    annotation.target = toAnomaliesQuery({ refId: ANNOTATION_REF_ID, ...annotation.target });
  } else {
    const legacy: Record<string, unknown> = { refId: ANNOTATION_REF_ID };
    for (const [key, value] of Object.entries(annotation)) {
      if (!ANNOTATION_KEYS.has(key)) {
        legacy[key] = value;
        delete annotation[key];
      }
    }
    annotation.target = toAnomaliesQuery(legacy);
  }
  return annotation as unknown as AnalyticsAnnotation;
}

/** The query an annotation runs; none for an annotation without one. */
export function prepareQuery(annotation: AnalyticsAnnotation): AnalyticsQuery | undefined {
  return annotation.target ? toAnomaliesQuery(annotation.target) : undefined;
}

function fieldByName(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((field) => field.name === name);
}

/** The unit of a metric: the field's own, else read from its name (`latency_ms`, `memory_used_gb`). */
function unitOf(field: Field): string | undefined {
  if (field.config.unit) {
    return field.config.unit;
  }
  const name = field.name.toLowerCase();
  if (name.endsWith('_ms')) {
    return 'ms';
  }
  if (name.endsWith('_gb')) {
    return 'GB';
  }
  if (name.endsWith('_util') || name.endsWith('_pct') || name.endsWith('_percent')) {
    return '%';
  }
  if (name.endsWith('_s') || name.endsWith('_seconds')) {
    return 's';
  }
  return undefined;
}

/** A number as short text: integers as they are, others to at most two decimals. */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    return 'n/a';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '∞' : '-∞';
  }
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

function withUnit(value: unknown, unit: string | undefined): string {
  const text = formatNumber(value);
  if (!unit || text === 'n/a') {
    return text;
  }
  return unit === '%' ? `${text}%` : `${text} ${unit}`;
}

function textOf(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') {
    return undefined;
  }
  return String(value);
}

/** One event per row of an anomalies frame. Frames without a time field and a score are skipped. */
export function anomaliesToEvents(frames: DataFrame[], query?: Partial<AnalyticsQuery>): AnnotationEvent[] {
  const events: AnnotationEvent[] = [];
  for (const frame of frames) {
    const timeField = fieldByName(frame, 'timestamp') ?? frame.fields.find((field) => field.type === FieldType.time);
    const scoreField = fieldByName(frame, 'score');
    if (!timeField || !scoreField) {
      continue;
    }
    const custom = isRecord(frame.meta?.custom) ? frame.meta.custom : {};
    if (custom.method === 'seasonal') {
      events.push(...seasonalEvents(frame, timeField, scoreField, custom));
      continue;
    }
    const metric =
      (typeof custom.metric === 'string' && custom.metric) ||
      (query?.metric && fieldByName(frame, query.metric) ? query.metric : undefined) ||
      'latency_ms';
    const method: AnomalyMethod = isMethod(custom.method)
      ? custom.method
      : isMethod(query?.method)
        ? query.method
        : 'zscore';
    const metricField = fieldByName(frame, metric);
    const requestField = fieldByName(frame, 'request_id');
    const modelField = fieldByName(frame, 'model');
    const known = new Set([timeField, scoreField, metricField, requestField, modelField]);
    const groupFields = frame.fields.filter((field) => !known.has(field) && field.type === FieldType.string);
    const unit = metricField ? unitOf(metricField) : undefined;

    for (let row = 0; row < frame.length; row++) {
      const time: unknown = timeField.values[row];
      if (typeof time !== 'number' || !Number.isFinite(time)) {
        continue;
      }
      const model = textOf(modelField?.values[row]);
      const requestId = textOf(requestField?.values[row]);
      const who = `${model ?? 'unknown model'} request ${requestId ?? '(no id)'}`;
      const measured = metricField ? `${metric} ${withUnit(metricField.values[row], unit)}, ` : '';
      const score = `${METHOD_LABELS[method]} ${formatNumber(scoreField.values[row])}`;
      const groups = groupFields
        .map((field) => [field.name, textOf(field.values[row])])
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${name}=${value}`);

      events.push({
        time,
        title: `Anomalous ${metric}${model ? ` (${model})` : ''}`,
        text: `${who}: ${measured}${score}${groups.length ? ` [${groups.join(', ')}]` : ''}`,
        tags: [model, method].filter((tag): tag is string => Boolean(tag)),
      });
    }
  }
  return events;
}

/**
 * Events of a seasonal anomalies frame: one per anomalous bucket (timestamp, group fields, value, expected,
 * score), e.g. "p99 latency_ms 2310 ms, usually 480 ms at this time of day (seasonal score 12.4) [model=a]".
 */
function seasonalEvents(
  frame: DataFrame,
  timeField: Field,
  scoreField: Field,
  custom: Record<string, unknown>
): AnnotationEvent[] {
  const metric = typeof custom.metric === 'string' ? custom.metric : 'latency_ms';
  const aggregation = typeof custom.aggregation === 'string' ? custom.aggregation : 'mean';
  const what = ['count', 'rate', 'error_rate'].includes(aggregation) ? aggregation : `${aggregation} ${metric}`;
  const when = custom.seasonality === 'weekly' ? 'time of week' : 'time of day';
  const valueField = fieldByName(frame, 'value');
  const expectedField = fieldByName(frame, 'expected');
  const unit = valueField?.config.unit;
  const groupFields = frame.fields.filter((field) => field.type === FieldType.string);
  const events: AnnotationEvent[] = [];
  for (let row = 0; row < frame.length; row++) {
    const time: unknown = timeField.values[row];
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      continue;
    }
    const groups = groupFields
      .map((field) => [field.name, textOf(field.values[row])])
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}=${value}`);
    const value = withUnit(valueField?.values[row], unit);
    const expected = withUnit(expectedField?.values[row], unit);
    events.push({
      time,
      title: `Unusual ${what} for the ${when}`,
      text:
        `${what} ${value}, usually ${expected} at this ${when} (seasonal score ${formatNumber(scoreField.values[row])})` +
        (groups.length ? ` [${groups.join(', ')}]` : ''),
      tags: [...groupFields.map((field) => textOf(field.values[row])), 'seasonal'].filter((tag): tag is string =>
        Boolean(tag)
      ),
    });
  }
  return events;
}

/** Annotation support of the data source: anomalies as events, with our own editor. */
export const analyticsAnnotationSupport: AnnotationSupport<AnalyticsQuery> = {
  QueryEditor: AnnotationQueryEditor,
  getDefaultQuery: () => DEFAULT_ANNOTATION_QUERY,
  prepareAnnotation,
  prepareQuery,
  processEvents: (annotation: AnalyticsAnnotation, frames: DataFrame[]): Observable<AnnotationEvent[] | undefined> =>
    of(anomaliesToEvents(frames, annotation.target)),
};
