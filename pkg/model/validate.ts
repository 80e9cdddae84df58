// The schemas' validation code, generated ahead of time by ajv (scripts/validators.mjs): no schema compiling at
// start, and no ajv compiler loaded at run time.
import type { ErrorObject } from 'ajv';
import * as validators from './validators.generated';
import { isTemplate, migrateSavedQuery, numberFromText, NUMERIC_QUERY_FIELDS } from './migrate';
import { AnalysisQuery } from './query';
import { fieldMapProblems } from '../sources/field-map';

/** A query or settings object that does not have the shape it must have. */
export class InvalidInputError extends Error {}

// The schemas live in schemas.ts, which the generator reads without this module (that imports the generated code).
export { QUERY_SCHEMA, SETTINGS_SCHEMA } from './schemas';

/** ajv's errors as one sentence: `window must be string; method must be one of zscore, mad, iqr`. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'the query';
      const allowed = e.params && 'allowedValues' in e.params ? (e.params.allowedValues as unknown[]).join(', ') : null;
      return allowed ? `${where} must be one of ${allowed}` : `${where} ${e.message}`;
    })
    .join('; ');
}

/** Why a numeric field's text is not a number; an unreplaced template variable is named as one. */
function numberTextProblem(key: string, text: string): string {
  const got = JSON.stringify(text);
  return isTemplate(text)
    ? `${key} must be a number, got ${got}: the template variable was not replaced (no dashboard variable ` +
        'has that name, or the query does not come from a dashboard panel; alert rules replace no variables)'
    : `${key} must be a number, got ${got}`;
}

/** Checks a query as it arrives (JSON from Grafana, provisioning or HTTP) and returns it typed. */
export function parseQuery(input: unknown, fallbackQueryType?: string): AnalysisQuery {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('the query must be a JSON object');
  }
  // Saved queries of older shapes (alert rules, dashboards, proxy clients) are brought up to date first.
  const query = { ...migrateSavedQuery(input) };
  delete query.schemaVersion;
  // Grafana keeps queryType beside the model too; an empty one means "not chosen yet".
  if (query.queryType === undefined || query.queryType === '') {
    query.queryType = fallbackQueryType || 'summary';
  }
  // Editors store an unset value as null or ""; treat both as absent.
  for (const key of [
    'window',
    'metric',
    'aggregation',
    'method',
    'correlation',
    'baseline',
    'seasonality',
    'horizon',
  ]) {
    if (query[key] === null || query[key] === '') {
      delete query[key];
    }
  }
  // Numbers may come as text, as template variables interpolate: the frontend's rule (numberFromText).
  const problems: string[] = [];
  for (const key of NUMERIC_QUERY_FIELDS) {
    const value = numberFromText(query[key]);
    if (typeof value === 'string') {
      problems.push(numberTextProblem(key, value));
      delete query[key];
    } else if (value === undefined) {
      delete query[key];
    } else {
      query[key] = value;
    }
  }
  const checkQuery = validators.query;
  if (!checkQuery(query) || problems.length > 0) {
    const errors = checkQuery.errors ? describeErrors(checkQuery.errors) : '';
    throw new InvalidInputError(`invalid query: ${[...problems, errors].filter(Boolean).join('; ')}`);
  }
  return query as unknown as AnalysisQuery;
}

/** Checks data source settings (jsonData). */
export function checkSettingsShape(input: unknown): void {
  const checkSettings = validators.settings;
  if (!checkSettings(input)) {
    throw new InvalidInputError(`invalid data source settings: ${describeErrors(checkSettings.errors)}`);
  }
  // Each field-map entry's syntax (nested paths, units, differences), said as the editor says it.
  const problems = fieldMapProblems((input as { fieldMap?: Record<string, string> }).fieldMap);
  if (problems.length > 0) {
    throw new InvalidInputError(`invalid data source settings: fieldMap ${problems.join('; ')}`);
  }
}
