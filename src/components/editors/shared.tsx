import { useEffect, useState } from 'react';
import { getTemplateSrv } from '@grafana/runtime';
import type { ComboboxOption } from '@grafana/ui';

import { STANDARD_METRICS } from '../../../pkg/model/query';
import type { DataSource } from '../../datasource';
import type { AnalyticsQuery } from '../../types';

/** Label width of the query editors' inline fields (a multiple of 8 px). */
export const LABEL_WIDTH = 14;

/** The part of the data source the editors use: the backend's resources. */
export type ResourceSource = Pick<DataSource, 'getResource'>;

/** One entry of the backend's `fields` resource. */
export interface StoredField {
  name: string;
  type: 'number' | 'string';
}

/** The fields a query can name, split by type. */
export interface FieldCatalog {
  /** Numeric fields: metrics of trend, anomalies and correlation. */
  numeric: string[];
  /** String fields: group by and filters. */
  text: string[];
  loading: boolean;
}

/** What a query type's editor gets from QueryEditor. */
export interface TypeEditorProps {
  query: AnalyticsQuery;
  /**
   * Applies a change to the query. `run` also runs it: true after a selection, false for text
   * that is still being typed (text fields commit on blur with `run` true).
   */
  onChange: (patch: Partial<AnalyticsQuery>, run: boolean) => void;
  catalog: FieldCatalog;
  datasource: ResourceSource;
  /** In the alert rule editor: fields say what an alert condition needs. */
  alerting?: boolean;
}

/** The fields every inference log has, used until (or if) the `fields` resource answers. */
export const FALLBACK_CATALOG: FieldCatalog = {
  numeric: [...STANDARD_METRICS],
  text: ['model', 'status', 'request_id'],
  loading: false,
};

const CACHE_MS = 60_000;
const cache = new WeakMap<ResourceSource, Map<string, { at: number; promise: Promise<unknown> }>>();

/**
 * A backend resource, shared by every editor of the same data source for a minute (a panel with
 * several queries asks once). A failed request is forgotten, so the next editor asks again.
 */
export function loadResource<T>(datasource: ResourceSource, path: string): Promise<T> {
  let entries = cache.get(datasource);
  if (!entries) {
    entries = new Map();
    cache.set(datasource, entries);
  }
  const cached = entries.get(path);
  if (cached && Date.now() - cached.at < CACHE_MS) {
    return cached.promise as Promise<T>;
  }
  const promise = datasource.getResource<T>(path);
  entries.set(path, { at: Date.now(), promise });
  promise.catch(() => entries?.delete(path));
  return promise;
}

/** The answer of a resource (`fallback` while loading or when it fails) and whether it is loading; `path` null asks nothing. */
export function useResource<T>(datasource: ResourceSource, path: string | null, fallback: T): [T, boolean] {
  const [answer, setAnswer] = useState<{ datasource?: ResourceSource; path?: string; data?: T }>({});
  useEffect(() => {
    if (!path) {
      return;
    }
    let current = true;
    loadResource<T>(datasource, path).then(
      (data) => current && setAnswer({ datasource, path, data }),
      () => current && setAnswer({ datasource, path })
    );
    return () => {
      current = false;
    };
  }, [datasource, path]);
  const fresh = path !== null && answer.path === path && answer.datasource === datasource;
  return [fresh && answer.data !== undefined ? answer.data : fallback, path !== null && !fresh];
}

/** The data source's fields by type, from the `fields` resource. */
export function useFieldCatalog(datasource: ResourceSource): FieldCatalog {
  const [fields, loading] = useResource<StoredField[] | null>(datasource, 'fields', null);
  if (!Array.isArray(fields)) {
    return { ...FALLBACK_CATALOG, loading };
  }
  return {
    numeric: fields.filter((f) => f.type === 'number').map((f) => f.name),
    text: fields.filter((f) => f.type === 'string').map((f) => f.name),
    loading,
  };
}

/** The dashboard's template variables as options (none in Explore or alerting, or in tests). */
export function variableOptions(): Array<ComboboxOption<string>> {
  try {
    return getTemplateSrv()
      .getVariables()
      .map((v) => ({ value: `$${v.name}`, description: 'Template variable' }));
  } catch {
    return [];
  }
}

/**
 * Options for a select: the names given, then the current value(s) not among them (a saved field
 * that is gone, a custom value), then the template variables.
 */
export function toOptions(
  names: readonly string[],
  current: ReadonlyArray<string | number> = [],
  withVariables = true
): Array<ComboboxOption<string>> {
  const options: Array<ComboboxOption<string>> = names.map((name) => ({ value: name }));
  const known = new Set<string>(names);
  for (const value of current) {
    const text = String(value);
    if (text !== '' && !known.has(text)) {
      known.add(text);
      options.push({ value: text });
    }
  }
  if (withVariables) {
    for (const option of variableOptions()) {
      if (!known.has(option.value)) {
        options.push(option);
      }
    }
  }
  return options;
}

/**
 * A dashboard may keep a template variable in a numeric field (`"limit": "$limit"`): migrateQuery
 * keeps it and the data source's applyTemplateVariables turns it into a number before the backend
 * sees it. The query model types those fields as numbers, so a variable is stored through here.
 */
export function storedNumber(value: number | string | undefined): number | undefined {
  return value as number | undefined;
}
