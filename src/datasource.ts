import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { NUMERIC_QUERY_FIELDS, numberFromText } from '../pkg/model/migrate';
import { analyticsAnnotationSupport } from './annotations';
import { migrateQuery } from './migrations';
import { AnalyticsQuery, AnalyticsOptions, DEFAULT_QUERY } from './types';
import { AnalyticsVariableSupport } from './variables';

/*
 * Query caching. Grafana (Enterprise and Cloud) caches the answers of backend data sources on the
 * server, keyed by the query JSON sent to /api/ds/query. DataSourceWithBackend.query already does
 * everything the frontend can: it copies the panel's "Cache TTL" (DataQueryRequest.queryCachingTTL)
 * into every query and turns DataQueryRequest.skipQueryCache into the X-Cache-Skip header. The
 * legacy DataQueryRequest.cacheTimeout is a frontend data-source option (plugin.json
 * queryOptions.cacheTimeout) that backend data sources don't use. So nothing is overridden here;
 * what matters is that applyTemplateVariables below is deterministic (same dashboard state, same
 * JSON), so that equal panels share cache entries.
 */

/** Single-valued string fields. */
const STRING_FIELDS = ['queryType', 'metric', 'aggregation', 'window', 'method', 'correlation', 'baseline'] as const;
/** List fields: a multi-value variable in one entry expands into several entries. */
const LIST_FIELDS = ['metrics', 'groupBy', 'measures'] as const;

const MAYBE_TEMPLATE = /\$|\[\[/;

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** One string with template variables replaced (multi-value variables in Grafana's default format). */
export function interpolateString(value: string, scopedVars: ScopedVars): string {
  return MAYBE_TEMPLATE.test(value) ? getTemplateSrv().replace(value, scopedVars) : value;
}

/**
 * One entry of a list, interpolated into one or more entries: `$models` with two values selected
 * gives both. The entry is formatted as JSON (a list for multi-value variables, a quoted string
 * otherwise); text around a variable (`gpu-$n`) is not JSON and is interpolated as plain text.
 */
export function interpolateListEntry(entry: string, scopedVars: ScopedVars): string[] {
  if (!MAYBE_TEMPLATE.test(entry)) {
    return [entry];
  }
  const formatted = getTemplateSrv().replace(entry, scopedVars, 'json');
  try {
    const parsed: unknown = JSON.parse(formatted);
    if (Array.isArray(parsed)) {
      return parsed.filter(isScalar).map(String);
    }
    if (isScalar(parsed)) {
      return [String(parsed)];
    }
  } catch {
    // Not a whole-entry variable: fall through to plain interpolation.
  }
  return [getTemplateSrv().replace(entry, scopedVars)];
}

/** A list with every entry interpolated and expanded; empty entries and repeats are dropped. */
export function interpolateList<T extends string | number>(values: T[], scopedVars: ScopedVars): Array<T | string> {
  const out: Array<T | string> = [];
  for (const value of values) {
    if (typeof value === 'string') {
      out.push(...interpolateListEntry(value, scopedVars).filter((entry) => entry !== ''));
    } else {
      out.push(value);
    }
  }
  return unique(out);
}

/**
 * A number that may be saved as text with a variable (`"$threshold"`): a number when it interpolates
 * to one, undefined when empty, else the text, so that the backend's validation names the problem.
 * The rule is the query model's (numberFromText), which the backend applies too.
 */
export function interpolateNumber(value: unknown, scopedVars: ScopedVars): unknown {
  return numberFromText(typeof value === 'string' ? interpolateString(value, scopedVars) : value);
}

export class DataSource extends DataSourceWithBackend<AnalyticsQuery, AnalyticsOptions> {
  /** Template variables of kinds models, fields and values, from the backend's resources. */
  variables: AnalyticsVariableSupport;
  /** Anomalies as annotations on time-series panels. */
  annotations = analyticsAnnotationSupport;

  constructor(instanceSettings: DataSourceInstanceSettings<AnalyticsOptions>) {
    super(instanceSettings);
    this.variables = new AnalyticsVariableSupport(this);
  }

  /** Implemented as part of DataSourceApi: what a new query starts as. */
  getDefaultQuery(_app: CoreApp): Partial<AnalyticsQuery> {
    return DEFAULT_QUERY;
  }

  /** Implemented as part of DataSourceApi: hidden queries and queries without an analysis are not run. */
  filterQuery(query: AnalyticsQuery): boolean {
    if (query.hide) {
      return false;
    }
    return Boolean(migrateQuery(query).queryType);
  }

  /** Implemented as part of DataSourceApi: a one-line description for query history and inspectors. */
  getQueryDisplayText(query: AnalyticsQuery): string {
    const q = migrateQuery(query);
    const parts: string[] = [q.queryType ?? 'summary'];
    if (q.queryType === 'trend') {
      parts.push(`${q.aggregation ?? 'mean'}(${q.metric ?? 'latency_ms'}) every ${q.window ?? 'auto'}`);
    } else if (q.queryType === 'anomalies') {
      const threshold = q.threshold !== undefined ? ` > ${q.threshold}` : '';
      parts.push(`${q.metric ?? 'latency_ms'} ${q.method ?? 'zscore'}${threshold}`);
    } else if (q.queryType === 'correlation') {
      parts.push(`${q.correlation ?? 'pearson'} of ${(q.metrics ?? []).join(', ') || 'standard metrics'}`);
    }
    if (q.groupBy?.length) {
      parts.push(`by ${q.groupBy.join(', ')}`);
    }
    for (const [field, values] of Object.entries(q.filters ?? {})) {
      if (values.length > 0) {
        parts.push(`${field} in (${values.join(', ')})`);
      }
    }
    return parts.join(' ');
  }

  /**
   * Implemented as part of DataSourceWithBackend: brings a saved query up to the current schema,
   * then replaces template variables in every string, list and numeric field. Used for panels,
   * Explore and `interpolateVariablesInQueries`; alert rules run on the backend without it.
   */
  applyTemplateVariables(query: AnalyticsQuery, scopedVars: ScopedVars): AnalyticsQuery {
    const migrated = migrateQuery(query);
    const out: Record<string, unknown> = { ...migrated };

    for (const key of STRING_FIELDS) {
      const value = migrated[key];
      if (typeof value === 'string') {
        out[key] = interpolateString(value, scopedVars);
      }
    }
    for (const key of LIST_FIELDS) {
      const value = migrated[key];
      if (Array.isArray(value)) {
        out[key] = interpolateList(value, scopedVars);
      }
    }
    if (Array.isArray(out.measures) && out.measures.length === 0) {
      // No measure left (an empty variable) means all of them, as an empty selection does.
      delete out.measures;
    }
    for (const key of NUMERIC_QUERY_FIELDS) {
      if (key in migrated) {
        const value = interpolateNumber(migrated[key], scopedVars);
        if (value === undefined) {
          delete out[key];
        } else {
          out[key] = value;
        }
      }
    }
    if (migrated.filters) {
      const filters: Record<string, Array<string | number>> = {};
      for (const [field, values] of Object.entries(migrated.filters)) {
        const name = interpolateString(field, scopedVars);
        const expanded = interpolateList(Array.isArray(values) ? values : [], scopedVars);
        filters[name] = unique([...(filters[name] ?? []), ...expanded]);
      }
      out.filters = filters;
    }
    return out as unknown as AnalyticsQuery;
  }
}
