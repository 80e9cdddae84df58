/**
 * Every provisioned query runs: each panel target and annotation of provisioning/dashboards/*.json and each query of
 * provisioning/alerting/rules.yaml goes through the BUILT backend (dist/gpx_inference_log_analytics_linux_amd64) under
 * the Grafana plugin host (test/grafana-host), against live sample logs of the last 6 hours written
 * into a temporary folder by the demo's generator (pkg/generator/live.ts). The data source settings are those of
 * provisioning/datasources/inference-logs.yaml with `paths` pointing at that folder.
 *
 * Template variables are resolved the way Grafana would: query variables through the backend's resources (the
 * `models` and `fields` lookups of src/variables.ts), then each target is interpolated as the frontend's
 * applyTemplateVariables does (a whole-entry `$model` in a list expands to every selected value). Data source references
 * are the dashboards' input `${DS_…}`, which file provisioning leaves as it is: the data source variable of that name
 * resolves it (test/support/dashboards.ts).
 *
 * Each answer must be non-empty and of the shape its panel needs: timeseries-multi frames labelled by model for
 * trends (alert rules: one number per model as Grafana's server-side expressions read the answer, unique labels),
 * the fields the panel's options, overrides and transformations name, three frames for spike, and so on.
 *
 * Needs the build (`npm run build` or `npm run build:backend`) and the host (test/grafana-host/build.sh).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, tableFromIPC, Type } from 'apache-arrow';
import { parse as parseYaml } from 'yaml';

import { DEFAULT_MODELS } from '../pkg/generator/generate';
import { LiveLogWriter } from '../pkg/generator/live';
import { AGGREGATIONS, ANOMALY_METHODS, QUERY_TYPES, parseWindow } from '../pkg/model/query';
import { resolveDatasourceUid, selectedDatasource } from './support/dashboards';
import { decodeTable, evaluate, reduce, sseValues } from './support/grafana-alerting';
import { explain, findHost, PLUGIN, ROOT, run } from './support/plugin-host';

jest.setTimeout(180_000);

const PROVISIONING = join(ROOT, 'provisioning');
const PLUGIN_JSON = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8'));
const PLUGIN_ID: string = PLUGIN_JSON.id;
const DS_UID = 'inference-logs';
const DASHBOARD_DS = '-- Dashboard --';
const EXPR_UID = '__expr__';

// ---------------------------------------------------------------------------------------------------------------
// The host (as test/plugin-host.test.ts finds and runs it)

// ---------------------------------------------------------------------------------------------------------------
// Provisioning files

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const readYaml = (file: string): Json => parseYaml(readFileSync(join(PROVISIONING, file), 'utf8'));

const DATASOURCES = readYaml('datasources/inference-logs.yaml');
const RULES = readYaml('alerting/rules.yaml');
const CONTACT_POINTS = readYaml('alerting/contact-points.yaml');
const POLICIES = readYaml('alerting/policies.yaml');
const DASHBOARD_FILES = readdirSync(join(PROVISIONING, 'dashboards'))
  .filter((f) => f.endsWith('.json'))
  .sort();
const DASHBOARDS: Array<[string, Json]> = DASHBOARD_FILES.map((f) => [
  f,
  JSON.parse(readFileSync(join(PROVISIONING, 'dashboards', f), 'utf8')),
]);
const LOCAL_DS = (DATASOURCES.datasources as Json[]).find((d) => d.uid === DS_UID)!;

/** Every panel of a dashboard, rows' collapsed panels included. */
function panelsOf(dashboard: Json): Json[] {
  const out: Json[] = [];
  for (const panel of dashboard.panels ?? []) {
    out.push(panel);
    out.push(...(panel.panels ?? []));
  }
  return out;
}

/**
 * The uid a data source reference of a provisioned dashboard points at: file provisioning replaces no `${DS_…}`
 * input, the dashboard's data source variable of that name resolves it (test/support/dashboards.ts).
 */
const dsUid = (ds: unknown, dashboard: Json): string | undefined =>
  resolveDatasourceUid(ds, dashboard, DATASOURCES.datasources);

// ---------------------------------------------------------------------------------------------------------------
// Time ranges and intervals as Grafana computes them

let NOW = 0;

/** `now`, `now-6h` (what the provisioned dashboards use) to epoch ms. */
function relativeTime(text: string): number {
  if (text === 'now') {
    return NOW;
  }
  const match = /^now-(\S+)$/.exec(text);
  const back = match ? parseWindow(match[1]) : null;
  if (back === null) {
    throw new Error(`time "${text}" is not now or now-<duration>`);
  }
  return NOW - back;
}

const NICE_INTERVALS_MS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600].map(
  (s) => s * 1000
);

/** Grafana's interval: the range over the data points (rounded to a nice one), at least the panel's minimum. */
function intervalOf(range: { from: number; to: number }, minInterval?: string, maxDataPoints = 1000): number {
  const raw = (range.to - range.from) / maxDataPoints;
  const nice = NICE_INTERVALS_MS.find((n) => n >= raw) ?? NICE_INTERVALS_MS[NICE_INTERVALS_MS.length - 1];
  const min = minInterval ? parseWindow(minInterval) : null;
  if (minInterval && min === null) {
    throw new Error(`panel interval "${minInterval}" is not a duration`);
  }
  return Math.max(nice, min ?? 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Running queries through the host

let HOST: string;
let work: string;
let logsDir: string;
let counter = 0;

interface HostQuery {
  refId: string;
  model: Json;
  intervalMs?: number;
  maxDataPoints?: number;
  timeRange?: { from: number; to: number };
}

interface RefAnswer {
  status: number;
  error?: string;
  tables: Table[];
}

function datasource(jsonData: Json = { ...LOCAL_DS.jsonData, paths: [logsDir] }) {
  return { uid: DS_UID, name: LOCAL_DS.name as string, jsonData };
}

/**
 * Runs queries in one QueryData call; every refId's status, error and decoded frames. A query answering an error
 * fails the call (the host's exit 3) unless `someFail`.
 */
async function query(
  queries: HostQuery[],
  headers?: Record<string, string>,
  someFail = false
): Promise<Map<string, RefAnswer>> {
  const n = ++counter;
  const file = join(work, `request-${n}.json`);
  const out = join(work, `frames-${n}`);
  mkdirSync(out);
  writeFileSync(file, JSON.stringify({ datasource: datasource(), headers, queries }, null, 2));
  const r = await run(HOST, ['--skip-host-env', PLUGIN, 'query', '--json', file, '--out', out, '--rows', '1']);
  if (r.code !== 0 && !(someFail && r.code === 3)) {
    throw new Error(`host query failed: ${explain(r)}`);
  }
  const answers = new Map<string, RefAnswer>();
  let current: RefAnswer | undefined;
  for (const line of r.stdout.split('\n')) {
    const head = /^refId (\S+): status (\d+), frames (\d+)/.exec(line);
    if (head) {
      current = { status: Number(head[2]), tables: [] };
      answers.set(head[1], current);
      continue;
    }
    if (line.startsWith('--- decode-frames.mjs')) {
      current = undefined;
    }
    const error = /^\s+error: (.*)$/.exec(line);
    if (error && current) {
      current.error = error[1];
    }
    const frame = /^\s+frame \d+: .* -> (\S+\.arrow)/.exec(line);
    if (frame && current) {
      current.tables.push(tableFromIPC(readFileSync(frame[1])));
    }
  }
  const frames = [...answers.values()].reduce((sum, a) => sum + a.tables.length, 0);
  // The host checked every frame the way Grafana reads it.
  expect(r.stdout.split('\n').filter((l) => l.startsWith('OK: Grafana can read this frame'))).toHaveLength(frames);
  return answers;
}

async function resource(path: string): Promise<unknown> {
  const n = ++counter;
  const file = join(work, `request-${n}.json`);
  const body = join(work, `body-${n}.json`);
  writeFileSync(file, JSON.stringify({ datasource: datasource() }));
  const r = await run(HOST, [
    '--skip-host-env',
    PLUGIN,
    'resource',
    '--path',
    path,
    '--json',
    file,
    '--body-out',
    body,
  ]);
  if (r.code !== 0) {
    throw new Error(`host resource ${path} failed: ${explain(r)}`);
  }
  return JSON.parse(readFileSync(body, 'utf8'));
}

// ---------------------------------------------------------------------------------------------------------------
// Frames

const meta = (t: Table): Json => JSON.parse(t.schema.metadata.get('meta') ?? '{}');
const frameName = (t: Table) => t.schema.metadata.get('name') ?? '';
const fieldNames = (t: Table) => t.schema.fields.map((f) => f.name);
const labelsOf = (t: Table, i: number): Record<string, string> =>
  JSON.parse(t.schema.fields[i].metadata.get('labels') ?? '{}');

function columnValues(t: Table, i: number): unknown[] {
  const column = t.getChildAt(i)!;
  return Array.from({ length: t.numRows }, (_, row) => column.get(row));
}

/** The checks of a trend answer: timeseries-multi, time + one number field, a `model` label when grouped by it. */
function expectTrendFrames(where: string, tables: Table[], models: string[], grouped: boolean): void {
  expect({ where, frames: tables.length }).toEqual({ where, frames: grouped ? models.length : 1 });
  const seen: string[] = [];
  for (const t of tables) {
    expect({ where, meta: meta(t) }).toMatchObject({ where, meta: { type: 'timeseries-multi', typeVersion: [0, 1] } });
    expect(t.schema.fields).toHaveLength(2);
    expect(t.schema.fields[0].type.typeId).toBe(Type.Timestamp);
    expect(t.schema.fields[1].type.typeId).toBe(Type.Float);
    expect({ where, rows: t.numRows > 0 }).toEqual({ where, rows: true });
    const values = columnValues(t, 1).filter((v) => v !== null);
    expect({ where, someValues: values.length > 0 }).toEqual({ where, someValues: true });
    if (grouped) {
      const labels = labelsOf(t, 1);
      expect(Object.keys(labels)).toEqual(['model']);
      seen.push(labels.model);
    }
  }
  if (grouped) {
    expect(seen.sort()).toEqual([...models].sort());
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Template variables

type VariableValues = Map<string, string[]>;

/** The values of every variable of a dashboard: query variables from the backend's resources, the rest as saved. */
async function resolveVariables(dashboard: Json): Promise<VariableValues> {
  const values: VariableValues = new Map();
  for (const v of dashboard.templating?.list ?? []) {
    let options: string[];
    if (v.type === 'datasource') {
      // Hidden: the data source the `${DS_…}` references resolve to.
      const selected = selectedDatasource(v, DATASOURCES.datasources);
      expect({ variable: v.name, uid: selected?.uid }).toEqual({ variable: v.name, uid: DS_UID });
      values.set(v.name, [selected!.uid]);
      continue;
    }
    if (v.type === 'query') {
      expect(dsUid(v.datasource, dashboard)).toBe(DS_UID);
      const q = v.query as Json;
      if (q.kind === 'models') {
        options = (await resource('models')) as string[];
      } else if (q.kind === 'fields') {
        const fields = (await resource('fields')) as Array<{ name: string; type: string }>;
        options = fields.filter((f) => !q.fieldType || f.type === q.fieldType).map((f) => f.name);
      } else if (q.kind === 'values') {
        options = (await resource(`values?field=${encodeURIComponent(q.field)}`)) as string[];
      } else {
        throw new Error(`variable ${v.name}: unknown query kind ${JSON.stringify(q)}`);
      }
      expect({ variable: v.name, options: options.length > 0 }).toEqual({ variable: v.name, options: true });
    } else if (v.type === 'custom') {
      options = String(v.query)
        .split(',')
        .map((s) => s.trim());
    } else if (v.type === 'textbox' || v.type === 'constant') {
      options = [String(v.query)];
    } else {
      throw new Error(`variable ${v.name}: type ${v.type} is not handled by this test`);
    }
    const current = ([] as string[]).concat(v.current?.value ?? []);
    const selected = current.includes('$__all') ? options : current;
    for (const value of selected) {
      expect({ variable: v.name, value, known: options.includes(value) }).toEqual({
        variable: v.name,
        value,
        known: true,
      });
    }
    expect({ variable: v.name, selected: selected.length > 0 }).toEqual({ variable: v.name, selected: true });
    values.set(v.name, selected);
  }
  return values;
}

const VARIABLE = /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g;

function interpolateString(text: string, vars: VariableValues): string {
  return text.replace(VARIABLE, (whole, a, b, c) => {
    const values = vars.get(a ?? b ?? c);
    return values ? values.join(',') : whole;
  });
}

/** A list entry that is a whole variable expands into its values (the frontend's `json` formatting). */
function interpolateList(list: unknown[], vars: VariableValues): unknown[] {
  const out: unknown[] = [];
  for (const entry of list) {
    const whole = typeof entry === 'string' ? /^(?:\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\])$/.exec(entry) : null;
    const values = whole ? vars.get(whole[1] ?? whole[2] ?? whole[3]) : undefined;
    if (values) {
      out.push(...values);
    } else {
      out.push(typeof entry === 'string' ? interpolateString(entry, vars) : entry);
    }
  }
  return [...new Set(out)];
}

/**
 * A target as the frontend sends it: Grafana's keys dropped, variables replaced, numeric text as numbers (or
 * left as text with `numbersAsText`, as a variable's value is text).
 */
function interpolateTarget(target: Json, vars: VariableValues, numbersAsText = false): Json {
  const { datasource: _ds, hide: _hide, ...rest } = target;
  const out: Json = {};
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value === 'string') {
      const text = interpolateString(value, vars);
      const numeric = !numbersAsText && (key === 'threshold' || key === 'limit') && text.trim() !== '';
      out[key] = numeric ? Number(text) : text;
    } else if (Array.isArray(value)) {
      out[key] = interpolateList(value, vars);
    } else if (key === 'filters' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown[]>).map(([f, vs]) => [f, interpolateList(vs, vars)])
      );
    } else {
      out[key] = value;
    }
  }
  expect({ target: target.refId, leftover: JSON.stringify(out).match(/\$\w+|\[\[/g) }).toEqual({
    target: target.refId,
    leftover: null,
  });
  return out;
}

/** The models a target selects: its model filter, else every model. */
function modelsOf(target: Json, all: string[]): string[] {
  const filter = (target.filters as Record<string, string[]> | undefined)?.model;
  return filter?.length ? filter : all;
}

// ---------------------------------------------------------------------------------------------------------------

let ALL_MODELS: string[] = [];

beforeAll(async () => {
  if (!existsSync(PLUGIN)) {
    throw new Error(`${PLUGIN} does not exist: run npm run build first (or npm run build:backend)`);
  }
  HOST = findHost();
  work = mkdtempSync(join(tmpdir(), 'provisioning-test-'));
  logsDir = join(work, 'logs');
  NOW = Date.now();
  // The demo's sample logs (as `npm run demo` and the compose log generator write them), 6 h up to now.
  const live = await LiveLogWriter.create({
    dir: logsDir,
    historyMs: 6 * 3_600_000,
    historyFiles: 3,
    seed: 7,
    ratePerSecond: 2,
    extras: true,
    llm: true,
    noise: 0.002,
    spikeEveryHours: 1.5,
    now: () => NOW,
  });
  expect(live.stats.rows).toBeGreaterThan(20_000);
  ALL_MODELS = [...DEFAULT_MODELS].sort();
});

afterAll(() => {
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('provisioned data sources', () => {
  it('the local data source reads /var/log/inference (the compose volume); the remote one the proxy service', () => {
    expect(LOCAL_DS).toMatchObject({ type: PLUGIN_ID, uid: DS_UID, jsonData: { paths: ['/var/log/inference'] } });
    const remote = (DATASOURCES.datasources as Json[]).find((d) => d.jsonData?.mode === 'remote')!;
    expect(remote).toMatchObject({ type: PLUGIN_ID, jsonData: { proxyUrl: 'http://proxy:8686' } });
    expect(remote.secureJsonData.proxyToken).toMatch(/^\$\{?[A-Z_]+\}?$/);
    expect(new Set((DATASOURCES.datasources as Json[]).map((d) => d.uid)).size).toBe(DATASOURCES.datasources.length);
  });

  it('health of the local data source (with paths pointing at the sample logs) is OK', async () => {
    const file = join(work, 'health.json');
    writeFileSync(file, JSON.stringify({ datasource: datasource() }));
    const r = await run(HOST, ['--skip-host-env', PLUGIN, 'health', '--json', file]);
    expect({ code: r.code, out: r.code === 0 ? '' : explain(r) }).toEqual({ code: 0, out: '' });
    expect(r.stdout).toContain('CheckHealth: status=OK');
  });
});

describe.each(DASHBOARDS.map(([file, d]) => [d.title as string, file, d] as const))(
  'dashboard "%s" (%s)',
  (_title, file, dashboard) => {
    it('is a current dashboard JSON with a uid, unique panel ids and only our data source', () => {
      expect(dashboard).toMatchObject({ uid: expect.stringMatching(/^[a-z0-9-]{1,40}$/), editable: true });
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
      expect(dashboard.id ?? null).toBeNull();
      const panels = panelsOf(dashboard);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      for (const panel of panels) {
        expect({ panel: panel.title, gridPos: Object.keys(panel.gridPos ?? {}).sort() }).toEqual({
          panel: panel.title,
          gridPos: ['h', 'w', 'x', 'y'],
        });
        for (const target of panel.targets ?? []) {
          const uid = dsUid(target.datasource ?? panel.datasource, dashboard);
          expect({ panel: panel.title, uid: [DS_UID, DASHBOARD_DS].includes(uid!) }).toEqual({
            panel: panel.title,
            uid: true,
          });
          if (uid === DS_UID) {
            expect(QUERY_TYPES).toContain(target.queryType);
          }
        }
      }
      expect(PLUGIN_JSON.includes ?? []).toContainEqual(
        expect.objectContaining({ type: 'dashboard', path: `dashboards/${file}` })
      );
    });

    it('every panel target and annotation answers through the built backend, in the shape its panel needs', async () => {
      const vars = await resolveVariables(dashboard);
      const dashboardRange = { from: relativeTime(dashboard.time.from), to: relativeTime(dashboard.time.to) };
      const queries: HostQuery[] = [];
      const checks: Array<{ refId: string; panel: Json; target: Json; model: Json }> = [];
      for (const panel of panelsOf(dashboard)) {
        const range = panel.timeFrom ? { from: relativeTime(`now-${panel.timeFrom}`), to: NOW } : dashboardRange;
        for (const target of panel.targets ?? []) {
          if (dsUid(target.datasource ?? panel.datasource, dashboard) !== DS_UID) {
            continue;
          }
          const refId = `p${panel.id}${target.refId}`;
          const model = { ...interpolateTarget(target, vars), refId };
          queries.push({ refId, model, timeRange: range, intervalMs: intervalOf(range, panel.interval) });
          checks.push({ refId, panel, target, model });
        }
      }
      for (const [i, annotation] of (dashboard.annotations?.list ?? []).entries()) {
        if (annotation.builtIn) {
          continue;
        }
        expect(dsUid(annotation.datasource, dashboard)).toBe(DS_UID);
        expect(annotation.target.queryType).toBe('anomalies');
        const refId = `anno${i}`;
        const model = { ...interpolateTarget(annotation.target, vars), refId };
        queries.push({ refId, model, timeRange: dashboardRange, intervalMs: intervalOf(dashboardRange) });
        checks.push({
          refId,
          panel: { title: `annotation ${annotation.name}`, id: -1 },
          target: annotation.target,
          model,
        });
      }
      expect(queries.length).toBeGreaterThan(0);

      const answers = await query(queries);
      const framesByPanel = new Map<number, Table[]>();
      for (const { refId, panel, model } of checks) {
        const where = `${file} panel "${panel.title}" ${refId}`;
        const answer = answers.get(refId);
        expect({ where, status: answer?.status, error: answer?.error }).toEqual({
          where,
          status: 200,
          error: undefined,
        });
        const tables = answer!.tables;
        expect({ where, frames: tables.length > 0 }).toEqual({ where, frames: true });
        framesByPanel.set(panel.id, [...(framesByPanel.get(panel.id) ?? []), ...tables]);
        const models = modelsOf(model, ALL_MODELS);
        switch (model.queryType) {
          case 'trend':
            expect(AGGREGATIONS).toContain(model.aggregation);
            expectTrendFrames(where, tables, models, (model.groupBy ?? []).includes('model'));
            break;
          case 'summary':
          case 'compare': {
            expect(tables).toHaveLength(1);
            const grouped = model.queryType === 'compare' || (model.groupBy ?? []).length > 0;
            expect({ where, rows: tables[0].numRows }).toEqual({ where, rows: grouped ? models.length : 1 });
            break;
          }
          case 'anomalies':
            expect(ANOMALY_METHODS).toContain(model.method ?? 'zscore');
            expect(tables).toHaveLength(1);
            expect({ where, anomalies: tables[0].numRows > 0 }).toEqual({ where, anomalies: true });
            expect(fieldNames(tables[0])).toEqual(
              expect.arrayContaining(['timestamp', 'model', model.metric, 'score'])
            );
            if (model.limit) {
              expect(tables[0].numRows).toBeLessThanOrEqual(model.limit);
            }
            break;
          case 'correlation':
            expect(tables).toHaveLength(1);
            expect(fieldNames(tables[0])).toEqual(['metric', ...model.metrics]);
            expect(columnValues(tables[0], 0)).toEqual(model.metrics);
            break;
          case 'spike':
            expect(tables.map(frameName)).toEqual(['spike', 'model mix', 'slowest requests']);
            for (const t of tables) {
              expect({ where, frame: frameName(t), rows: t.numRows > 0 }).toEqual({
                where,
                frame: frameName(t),
                rows: true,
              });
            }
            break;
          default:
            throw new Error(`${where}: no shape check for ${model.queryType}`);
        }
      }

      // Panels reading another panel's answer (the -- Dashboard -- data source) get the frame they show.
      for (const panel of panelsOf(dashboard)) {
        for (const target of panel.targets ?? []) {
          if (dsUid(target.datasource ?? panel.datasource, dashboard) === DASHBOARD_DS) {
            const source = framesByPanel.get(target.panelId);
            expect({ panel: panel.title, source: Boolean(source) }).toEqual({ panel: panel.title, source: true });
            framesByPanel.set(panel.id, source!);
          }
        }
      }

      // What the panels' options, overrides and transformations name is in their frames.
      for (const panel of panelsOf(dashboard)) {
        const tables = framesByPanel.get(panel.id);
        if (!tables) {
          continue;
        }
        const frameIndex = panel.options?.frameIndex;
        const shown = frameIndex === undefined ? tables : [tables[frameIndex]];
        expect({ panel: panel.title, frame: shown.every(Boolean) }).toEqual({ panel: panel.title, frame: true });
        const names = new Set(shown.flatMap(fieldNames));
        const named: string[] = [];
        for (const o of panel.fieldConfig?.overrides ?? []) {
          if (o.matcher.id === 'byName') {
            named.push(o.matcher.options);
          }
          if (o.matcher.id === 'byRegexp') {
            const re = new RegExp(String(o.matcher.options).replace(/^\/(.*)\/$/, '$1'));
            expect({
              panel: panel.title,
              regexp: o.matcher.options,
              matches: [...names].some((n) => re.test(n)),
            }).toEqual({ panel: panel.title, regexp: o.matcher.options, matches: true });
          }
        }
        for (const t of panel.transformations ?? []) {
          named.push(...Object.keys(t.options?.excludeByName ?? {}), ...(t.options?.include?.names ?? []));
        }
        if (panel.options?.xField) {
          named.push(panel.options.xField);
        }
        const reduceFields = panel.options?.reduceOptions?.fields;
        if (reduceFields) {
          const re = new RegExp(String(reduceFields).replace(/^\/(.*)\/$/, '$1'));
          expect({ panel: panel.title, reduce: reduceFields, matches: [...names].some((n) => re.test(n)) }).toEqual({
            panel: panel.title,
            reduce: reduceFields,
            matches: true,
          });
        }
        for (const name of named) {
          expect({ panel: panel.title, field: name, present: names.has(name) }).toEqual({
            panel: panel.title,
            field: name,
            present: true,
          });
        }
      }
    });
  }
);

describe('numeric query fields given as the text of a template variable', () => {
  it('answer as their numbers (the Latency investigation anomalies panel\'s "$threshold"); unresolved, a clear 400', async () => {
    const queries: HostQuery[] = [];
    const cases: Array<{ where: string; refId: string; key: string; raw: string }> = [];
    for (const [file, dashboard] of DASHBOARDS) {
      const vars = await resolveVariables(dashboard);
      const range = { from: relativeTime(dashboard.time.from), to: relativeTime(dashboard.time.to) };
      for (const panel of panelsOf(dashboard)) {
        for (const target of panel.targets ?? []) {
          const key = ['threshold', 'limit'].find((k) => typeof target[k] === 'string');
          if (!key || dsUid(target.datasource ?? panel.datasource, dashboard) !== DS_UID) {
            continue;
          }
          const refId = `p${panel.id}${target.refId}`;
          const asText = interpolateTarget(target, vars, true);
          expect(typeof asText[key]).toBe('string');
          const common = { timeRange: range, intervalMs: intervalOf(range, panel.interval) };
          queries.push(
            { refId: `${refId}-text`, model: { ...asText, refId: `${refId}-text` }, ...common },
            {
              refId: `${refId}-number`,
              model: { ...interpolateTarget(target, vars), refId: `${refId}-number` },
              ...common,
            },
            {
              refId: `${refId}-unresolved`,
              model: { ...asText, [key]: target[key], refId: `${refId}-unresolved` },
              ...common,
            }
          );
          cases.push({ where: `${file} panel "${panel.title}"`, refId, key, raw: target[key] });
        }
      }
    }
    expect(cases.map((c) => c.where)).toContainEqual(
      expect.stringMatching(/^latency-investigation\.json panel "Anomalies/)
    );

    const answers = await query(queries, undefined, true);
    for (const { where, refId, key, raw } of cases) {
      const text = answers.get(`${refId}-text`)!;
      const number = answers.get(`${refId}-number`)!;
      expect({ where, status: text.status, error: text.error }).toEqual({ where, status: 200, error: undefined });
      expect({ where, status: number.status }).toEqual({ where, status: 200 });
      // The same answer as with the number: same frames, same rows.
      expect(text.tables.map((t) => [fieldNames(t), t.numRows])).toEqual(
        number.tables.map((t) => [fieldNames(t), t.numRows])
      );
      expect(text.tables.reduce((n, t) => n + t.numRows, 0)).toBeGreaterThan(0);
      const unresolved = answers.get(`${refId}-unresolved`)!;
      expect({ where, status: unresolved.status }).toEqual({ where, status: 400 });
      expect(unresolved.error).toContain(`${key} must be a number, got ${JSON.stringify(raw)}`);
      expect(unresolved.error).toContain('template variable was not replaced');
    }
  });
});

describe('provisioned alert rules', () => {
  const rules: Json[] = (RULES.groups as Json[]).flatMap((g) => g.rules);

  it('are Grafana file provisioning: apiVersion 1, a folder and interval, condition chain A → [Reduce →] Threshold', () => {
    expect(RULES.apiVersion).toBe(1);
    for (const group of RULES.groups as Json[]) {
      expect(group).toMatchObject({ orgId: 1, name: expect.any(String), folder: expect.any(String) });
      expect(parseWindow(group.interval)).not.toBeNull();
    }
    expect(rules.map((r) => r.title)).toEqual(
      expect.arrayContaining(['p99 latency above threshold', 'Error rate above threshold'])
    );
    for (const rule of rules) {
      expect(rule.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      const refIds = (rule.data as Json[]).map((d) => d.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      expect(refIds).toContain(rule.condition);
      const byRef = new Map((rule.data as Json[]).map((d) => [d.refId, d]));
      const condition = byRef.get(rule.condition)!;
      expect(condition).toMatchObject({ datasourceUid: EXPR_UID, model: { type: 'threshold' } });
      let source = byRef.get(condition.model.expression)!;
      if (source.datasourceUid === EXPR_UID) {
        expect(source).toMatchObject({ model: { type: 'reduce', reducer: 'last' } });
        source = byRef.get(source.model.expression)!;
      }
      expect(source).toMatchObject({ datasourceUid: DS_UID, model: { groupBy: ['model'] } });
      expect(source.relativeTimeRange.from).toBeGreaterThan(source.relativeTimeRange.to);
      expect(parseWindow(rule.for)).not.toBeNull();
      // Every template names a value the rule has.
      for (const text of Object.values(rule.annotations as Record<string, string>)) {
        for (const [, ref] of text.matchAll(/\$values\.(\w+)/g)) {
          expect(refIds).toContain(ref);
        }
      }
      // The rule's dashboard panel exists.
      const dashboard = DASHBOARDS.map(([, d]) => d).find((d) => d.uid === rule.dashboardUid);
      expect(dashboard && panelsOf(dashboard).some((p) => p.id === rule.panelId)).toBe(true);
    }
  });

  it('every rule query gives Grafana one number per model, labelled by the model alone (FromAlert, as the rule runs)', async () => {
    const queries: HostQuery[] = [];
    for (const rule of rules) {
      for (const d of rule.data as Json[]) {
        if (d.datasourceUid !== DS_UID) {
          expect(d.datasourceUid).toBe(EXPR_UID);
          continue;
        }
        const refId = `${rule.uid}-${d.refId}`;
        queries.push({
          refId,
          model: { ...d.model, refId },
          intervalMs: d.model.intervalMs ?? 1000,
          maxDataPoints: d.model.maxDataPoints ?? 43200,
          timeRange: { from: NOW - d.relativeTimeRange.from * 1000, to: NOW - d.relativeTimeRange.to * 1000 },
        });
      }
    }
    expect(queries.length).toBeGreaterThanOrEqual(2);
    const answers = await query(queries, { FromAlert: 'true', 'X-Rule-Uid': 'provisioning-test' });
    for (const q of queries) {
      const answer = answers.get(q.refId)!;
      expect({ refId: q.refId, status: answer.status, error: answer.error }).toEqual({
        refId: q.refId,
        status: 200,
        error: undefined,
      });
      // As server-side expressions read them (then Reduce, for a series): a number per model, unique labels.
      const values = reduce(sseValues(answer.tables.map(decodeTable)), 'last', 'dropNN');
      const results = evaluate(values);
      expect(results).not.toBe('NoData');
      expect([...(results as Map<string, unknown>).keys()].sort()).toEqual(ALL_MODELS.map((m) => `model=${m}`).sort());
      for (const v of values) {
        expect(v.kind === 'number' && Number.isFinite(v.value)).toBe(true);
      }
    }
  });

  it('notifications go to a contact point that exists: the compose webhook receiver', () => {
    const receivers = (CONTACT_POINTS.contactPoints as Json[]).map((c) => c.name);
    for (const policy of POLICIES.policies as Json[]) {
      expect(receivers).toContain(policy.receiver);
    }
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yaml'), 'utf8'));
    for (const cp of CONTACT_POINTS.contactPoints as Json[]) {
      for (const receiver of cp.receivers as Json[]) {
        expect(receiver.type).toBe('webhook');
        const url = new URL(receiver.settings.url);
        expect(Object.keys(compose.services)).toContain(url.hostname);
        expect(compose.services[url.hostname].environment?.PORT ?? '').toBe(url.port);
      }
    }
  });
});
