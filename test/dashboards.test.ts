/**
 * The dashboards the plugin ships (plugin.json `includes`; scripts/package.mjs copies provisioning/dashboards/*.json
 * into dist/dashboards/ as they are) work both ways Grafana loads them:
 *
 * - imported (the plugin's Dashboards tab, or Dashboards > Import) next to a data source of any uid: they declare
 *   the data source as an `__inputs` entry and every data source reference is that input's `${DS_…}`;
 * - provisioned from the file (docker compose): no input is replaced, and `${DS_…}` resolves through the hidden
 *   data source variable of the same name to the provisioned data source `inference-logs`.
 *
 * test/support/dashboards.ts does what Grafana does in each case (its comment names Grafana's code).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

import {
  type Datasource,
  datasourceRefs,
  importDashboard,
  isBuiltin,
  type Json,
  resolveDatasourceUid,
  selectedDatasource,
} from './support/dashboards';

const ROOT = join(__dirname, '..');
const DASHBOARDS_DIR = join(ROOT, 'provisioning', 'dashboards');
const PLUGIN_JSON = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8'));
const PLUGIN_ID: string = PLUGIN_JSON.id;
const INCLUDED: string[] = (PLUGIN_JSON.includes as Json[]).filter((i) => i.type === 'dashboard').map((i) => i.path);
const PROVISIONED: Datasource[] = parseYaml(
  readFileSync(join(ROOT, 'provisioning', 'datasources', 'inference-logs.yaml'), 'utf8')
).datasources;
const FIXED_UID = 'inference-logs';

const DASHBOARDS: Array<[string, Json]> = INCLUDED.map((path) => [
  path,
  JSON.parse(readFileSync(join(DASHBOARDS_DIR, basename(path)), 'utf8')),
]);

/** Every string in a JSON value with its path. */
function strings(value: unknown, path = '$'): Array<[string, string]> {
  if (typeof value === 'string') {
    return [[path, value]];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => strings(item, `${path}[${i}]`));
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => strings(item, `${path}.${key}`));
  }
  return [];
}

/** The places a dashboard must name a data source: panels with queries, their targets, query variables, annotations. */
function placesNeedingADatasource(dashboard: Json): string[] {
  const places: string[] = [];
  const panels = (dashboard.panels ?? []).flatMap((p: Json) => [p, ...(p.panels ?? [])]);
  for (const panel of panels) {
    if (panel.targets?.length) {
      places.push(`panel "${panel.title}"`, ...panel.targets.map((t: Json) => `panel "${panel.title}" ${t.refId}`));
    }
  }
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === 'query') {
      places.push(`variable ${v.name}`);
    }
  }
  for (const a of dashboard.annotations?.list ?? []) {
    places.push(`annotation ${a.name}`);
  }
  return places;
}

/** A uid as Grafana makes them for data sources added in the UI. */
const randomUid = () => randomBytes(7).toString('hex');

it('every dashboard in provisioning/dashboards is shipped (plugin.json includes it), and only those', () => {
  const files = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json'));
  expect(INCLUDED.map((p) => p.replace(/^dashboards\//, '')).sort()).toEqual(files.sort());
  expect(DASHBOARDS.length).toBeGreaterThan(0);
});

describe.each(DASHBOARDS)('shipped dashboard %s', (_path, dashboard) => {
  const inputs = ((dashboard.__inputs ?? []) as Json[]).filter((i) => i.type === 'datasource');
  const placeholder = `\${${inputs[0]?.name}}`;

  it('declares its data source as an input, and every data source reference is that input', () => {
    expect(inputs).toEqual([
      expect.objectContaining({
        name: expect.stringMatching(/^DS_[A-Z0-9_]+$/),
        label: expect.stringMatching(/\S/),
        type: 'datasource',
        pluginId: PLUGIN_ID,
        pluginName: PLUGIN_JSON.name,
      }),
    ]);
    const refs = datasourceRefs(dashboard);
    const ours = refs.filter((r) => !isBuiltin(r.ref));
    for (const { path, ref } of ours) {
      expect({ path, ref }).toEqual({ path, ref: { type: PLUGIN_ID, uid: placeholder } });
    }
    // Each place that needs a data source names one: ours, or Grafana's own (-- Dashboard --, -- Grafana --).
    expect(refs.length).toBeGreaterThanOrEqual(placesNeedingADatasource(dashboard).length);
    expect(ours.length).toBeGreaterThan(0);
  });

  it('has the data source variable that resolves the input when the file is provisioned', () => {
    const variables = ((dashboard.templating?.list ?? []) as Json[]).filter((v) => v.type === 'datasource');
    expect(variables).toEqual([
      expect.objectContaining({ name: inputs[0].name, query: PLUGIN_ID, hide: 2, multi: false, includeAll: false }),
    ]);
    // Before any variable that queries through it.
    expect(dashboard.templating.list[0]).toBe(variables[0]);
    // Grafana re-imports plugin dashboards on a new `revision` with no inputs at all (plugindashboards'
    // dashboard_updater.go), which fails for a dashboard with __inputs: they carry none.
    expect(dashboard.revision).toBeUndefined();
  });

  it.each([
    ['Dashboards > Import (the chosen data source by uid)', 'named'],
    ["the plugin's Dashboards tab (`*`, the data source's name)", 'star'],
  ])('imported through %s next to a data source of another uid, points every reference at it', (_how, kind) => {
    const added: Datasource = { name: `Logs ${randomUid()}`, uid: randomUid(), type: PLUGIN_ID };
    const value = kind === 'named' ? added.uid : added.name;
    const imported = importDashboard(dashboard, [
      { name: kind === 'named' ? inputs[0].name : '*', type: 'datasource', pluginId: PLUGIN_ID, value },
    ]);

    expect(imported.__inputs).toBeUndefined();
    const before = datasourceRefs(dashboard).filter((r) => !isBuiltin(r.ref));
    const after = datasourceRefs(imported).filter((r) => !isBuiltin(r.ref));
    expect(after.map((r) => r.path)).toEqual(before.map((r) => r.path));
    for (const { path, ref } of after) {
      expect({ path, ref }).toEqual({ path, ref: { type: PLUGIN_ID, uid: value } });
      // In a Grafana with other data sources of this plugin (e.g. the provisioned ones) it is still the added one.
      expect({ path, uid: resolveDatasourceUid(ref, imported, [...PROVISIONED, added]) }).toEqual({
        path,
        uid: added.uid,
      });
    }
    // Nothing names the fixed uid any more (the dashboards' tag of the same name is a tag), nor an input.
    const left = strings(imported).filter(([path, text]) => text.includes(FIXED_UID) && !/\.tags\[\d+\]$/.test(path));
    expect(left).toEqual([]);
    expect(strings(imported).filter(([, text]) => text.includes('${DS_'))).toEqual([]);
    // The (hidden) variable agrees with the panels.
    const variable = (imported.templating.list as Json[]).find((v) => v.type === 'datasource')!;
    expect(selectedDatasource(variable, [...PROVISIONED, added])).toEqual(added);
  });

  it('provisioned from the file as it is, every reference resolves to the provisioned data source inference-logs', () => {
    const ours = datasourceRefs(dashboard).filter((r) => !isBuiltin(r.ref));
    expect(ours.length).toBeGreaterThan(0);
    for (const { path, ref } of ours) {
      expect({ path, uid: resolveDatasourceUid(ref, dashboard, PROVISIONED) }).toEqual({ path, uid: FIXED_UID });
    }
  });
});
