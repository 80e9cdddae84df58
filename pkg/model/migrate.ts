import { QUERY_SCHEMA_VERSION, QUERY_TYPES, type AnalysisQuery, type Filters, type QueryType } from './query';

/*
 * Saved queries (dashboards, alert rules, provisioning files, Explore history) outlive the editor
 * that wrote them. `migrateQuery` brings any older shape up to the current one. It is pure, does not
 * interpolate template variables (a `$var` stays as it is, for `applyTemplateVariables` to expand),
 * and is idempotent: a query already at QUERY_SCHEMA_VERSION comes back as the very same object.
 *
 * Version 0 (no `schemaVersion`, the first editor and hand-written dashboards):
 *   type: 'trend'            -> queryType: 'trend'           (a `$var` too; other types are dropped)
 *   agg: 'p99'               -> aggregation: 'p99'
 *   by: 'model,region'       -> groupBy: ['model', 'region']   (also a comma string in `groupBy`)
 *   models: ['a', 'b']       -> filters: { model: ['a', 'b'] } (merged with any model filter)
 *   metrics: 'a, b'          -> metrics: ['a', 'b']
 *   filters: { host: 'h1' }  -> filters: { host: ['h1'] }
 *   threshold: '3.5'         -> threshold: 3.5                 (a `$var` string is kept; see numberFromText)
 */

type SavedQuery = Record<string, unknown>;

const LEGACY_KEYS = ['type', 'agg', 'by', 'models'] as const;

function isRecord(value: unknown): value is SavedQuery {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isQueryType(value: unknown): value is QueryType {
  return typeof value === 'string' && (QUERY_TYPES as readonly string[]).includes(value);
}

/** A template variable such as `$analysis`, kept for applyTemplateVariables. */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && /\$|\[\[/.test(value);
}

/** A comma-separated string or a list as a list of non-empty trimmed strings; undefined when neither. */
function toStringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  if (Array.isArray(value)) {
    return value
      .filter((item): item is string | number => typeof item === 'string' || typeof item === 'number')
      .map((item) => String(item).trim())
      .filter((item) => item !== '');
  }
  return undefined;
}

/** Filter values as a list: a single value becomes a one-entry list. */
function toFilterValues(value: unknown): Array<string | number> {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item): item is string | number => typeof item === 'string' || typeof item === 'number');
}

function migrateFilters(saved: SavedQuery): Filters | undefined {
  const filters: Filters = {};
  if (isRecord(saved.filters)) {
    for (const [field, values] of Object.entries(saved.filters)) {
      filters[field] = toFilterValues(values);
    }
  }
  const models = toStringList(saved.models);
  if (models && models.length > 0) {
    const merged = [...(filters.model ?? [])];
    for (const model of models) {
      if (!merged.includes(model)) {
        merged.push(model);
      }
    }
    filters.model = merged;
  }
  return Object.keys(filters).length > 0 || isRecord(saved.filters) ? filters : undefined;
}

/** The numeric fields of the query model (AnalysisQuery); numberFromText reads each. */
export const NUMERIC_QUERY_FIELDS = ['threshold', 'limit', 'seasonalPeriods'] as const satisfies ReadonlyArray<
  keyof AnalysisQuery
>;

/**
 * A numeric query field as it may arrive: a number stays; text that is a number (what a template variable
 * such as `$threshold` interpolates to, `"3.5"`, `" 100 "`) becomes that number; empty text and null mean
 * "not set" (undefined); any other value, such as `"abc"` or an unreplaced `"$threshold"`, is returned as
 * it is for validation to name. The one rule for the frontend (applyTemplateVariables), the backend
 * (parseQuery) and the migration of older saved queries.
 */
export function numberFromText(value: unknown): unknown {
  if (value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    return value;
  }
  const text = value.trim();
  if (text === '') {
    return undefined;
  }
  const number = Number(text);
  return Number.isFinite(number) ? number : value;
}

/**
 * Any saved query (of any earlier schema version, or not an object at all) in the current shape.
 * Pure and idempotent; see the comment at the top of this file for what changes. The frontend runs
 * it on what editors load; the backend on what alert rules and the proxy send, which never pass
 * through the frontend.
 */
export function migrateSavedQuery(saved: unknown): Record<string, unknown> {
  if (!isRecord(saved)) {
    return { refId: 'A', schemaVersion: QUERY_SCHEMA_VERSION };
  }
  if (typeof saved.schemaVersion === 'number' && saved.schemaVersion >= QUERY_SCHEMA_VERSION) {
    // Already current (or written by a newer version, which we must not downgrade).
    return saved;
  }

  const query: SavedQuery = { ...saved };
  for (const key of LEGACY_KEYS) {
    delete query[key];
  }

  if (!isQueryType(query.queryType) && (isQueryType(saved.type) || isTemplate(saved.type))) {
    query.queryType = saved.type;
  }
  if (query.aggregation === undefined && typeof saved.agg === 'string' && saved.agg !== '') {
    query.aggregation = saved.agg;
  }

  const groupBy = toStringList(saved.groupBy) ?? toStringList(saved.by);
  if (groupBy !== undefined) {
    query.groupBy = groupBy;
  }
  const metrics = toStringList(saved.metrics);
  if (metrics !== undefined) {
    query.metrics = metrics;
  }
  const filters = migrateFilters(saved);
  if (filters !== undefined) {
    query.filters = filters;
  }
  for (const key of NUMERIC_QUERY_FIELDS) {
    if (key in query) {
      const value = numberFromText(query[key]);
      if (value === undefined) {
        delete query[key];
      } else {
        query[key] = value;
      }
    }
  }
  if (typeof query.refId !== 'string') {
    query.refId = 'A';
  }
  query.schemaVersion = QUERY_SCHEMA_VERSION;
  return query;
}
