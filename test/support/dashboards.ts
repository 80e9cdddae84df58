/**
 * What Grafana does with a dashboard's data source references, for the tests of the bundled dashboards
 * (provisioning/dashboards/*.json, copied into dist/dashboards/ by scripts/package.mjs):
 *
 * - importing (the plugin's Dashboards tab or Dashboards > Import) replaces every `${NAME}` of an `__inputs`
 *   entry with the chosen data source, in every string of the JSON, then drops `__inputs`, `__elements` and
 *   `__requires` (pkg/services/dashboardimport/utils/dash_template_evaluator.go, .../service/service.go);
 * - file provisioning stores the JSON as it is, so at run time a `${NAME}` uid is a template variable that the
 *   frontend's DatasourceSrv interpolates: a data source variable (scenes' DataSourceVariable) keeps its current
 *   value when a data source of its type has that uid, else the one whose name is its current text, else the
 *   first of its type in DatasourceSrv.getList's order (by name, case-insensitive).
 */

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The uids of Grafana's own pseudo data sources, which no import or provisioning has to map. */
export const BUILTIN_UIDS = ['-- Grafana --', '-- Dashboard --', '-- Mixed --', 'grafana', '__expr__'];

/** One `datasource` value found in a dashboard and where (a JSON path such as `panels[2].targets[0]`). */
export interface DatasourceRef {
  path: string;
  ref: unknown;
}

/** Every `datasource` value in a dashboard, at any depth: panels, rows' panels, targets, annotations, variables. */
export function datasourceRefs(value: unknown, path = '$'): DatasourceRef[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => datasourceRefs(item, `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object') {
    return [];
  }
  const out: DatasourceRef[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key === 'datasource') {
      out.push({ path: `${path}.datasource`, ref: item });
    } else {
      out.push(...datasourceRefs(item, `${path}.${key}`));
    }
  }
  return out;
}

export const uidOf = (ref: unknown): string | undefined =>
  typeof ref === 'string' ? ref : (ref as Json | null | undefined)?.uid;

export const isBuiltin = (ref: unknown): boolean => BUILTIN_UIDS.includes(uidOf(ref) ?? '');

/** An input of Grafana's import request: `name` is an `__inputs` name or `*` (the plugin's Dashboards tab). */
export interface ImportInput {
  name: string;
  type: string;
  pluginId?: string;
  value: string;
}

/** The dashboard Grafana stores when importing `template` with `inputs` (its evaluator, step by step). */
export function importDashboard(template: Json, inputs: ImportInput[]): Json {
  const replacements = new Map<string, string>();
  for (const def of (template.__inputs ?? []) as Json[]) {
    const input = inputs.find((i) => i.type === def.type && (i.name === def.name || i.name === '*'));
    if (!input) {
      throw new Error(`Dashboard input variable: ${def.name} missing from import command`);
    }
    replacements.set(`\${${def.name}}`, input.value);
  }
  const evaluate = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\{.+?\}/g, (match) => replacements.get(match) ?? match);
    }
    if (Array.isArray(value)) {
      return value.map(evaluate);
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => key !== '__inputs')
          .map(([key, item]) => [key, evaluate(item)])
      );
    }
    return value;
  };
  const { __elements: _elements, __requires: _requires, ...dashboard } = evaluate(template) as Json;
  return dashboard;
}

/** A data source as provisioning files (and Grafana's settings) describe it. */
export interface Datasource {
  name: string;
  uid: string;
  type: string;
}

/** The data source a data source variable selects among `datasources` (see the comment at the top). */
export function selectedDatasource(variable: Json, datasources: Datasource[]): Datasource | undefined {
  const options = datasources
    .filter((d) => d.type === variable.query)
    .sort((a, b) =>
      a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 0
    );
  return (
    options.find((d) => d.uid === variable.current?.value) ??
    options.find((d) => d.name === variable.current?.text) ??
    options[0]
  );
}

/**
 * The uid a reference resolves to in `dashboard` with `datasources` configured: a `$NAME` or `${NAME}` uid
 * through the data source variable NAME (undefined when there is none or it selects nothing), a name as that
 * data source's uid (DatasourceSrv looks names up too), anything else as it is.
 */
export function resolveDatasourceUid(ref: unknown, dashboard: Json, datasources: Datasource[]): string | undefined {
  const uid = uidOf(ref);
  const variable = uid === undefined ? null : /^\$(?:\{(\w+)\}|(\w+))$/.exec(uid);
  if (variable) {
    const name = variable[1] ?? variable[2];
    const definition = ((dashboard.templating?.list ?? []) as Json[]).find(
      (v) => v.type === 'datasource' && v.name === name
    );
    return definition ? selectedDatasource(definition, datasources)?.uid : undefined;
  }
  return datasources.find((d) => d.name === uid)?.uid ?? uid;
}
