/**
 * The screenshot page: renders the plugin's REAL editors (src/components/QueryEditor.tsx and
 * ConfigEditor.tsx) with the real @grafana/ui components, inside Grafana's theme (light or dark),
 * against a stub data source whose backend resources answer with sample data (./fixtures.ts).
 *
 *   index.html?scene=query-trend|query-anomalies|config&theme=light|dark
 *
 * Bundled by ./take.mjs with esbuild (React and @grafana/* inside: this page is not the plugin bundle).
 * When the editor has rendered and every resource request has been answered, the page sets
 * `document.body.dataset.ready`; errors go to `window.__screenshot.errors` (and to the console).
 */
import React, { Component, ComponentType, ErrorInfo, ReactNode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Observable, of } from 'rxjs';
import {
  CoreApp,
  DataSourceInstanceSettings,
  DataSourcePluginMeta,
  DataSourceSettings,
  GrafanaTheme2,
  LoadingState,
  PanelData,
  PluginType,
  ThemeContext,
  createTheme,
  getDefaultTimeRange,
} from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';
import {
  BackendSrv,
  DataSourceSrv,
  TemplateSrv,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
} from '@grafana/runtime';

import pluginJson from '../../src/plugin.json';
import * as queryEditorModule from '../../src/components/QueryEditor';
import * as configEditorModule from '../../src/components/ConfigEditor';
import * as datasourceModule from '../../src/datasource';
import { JSON_DATA, QUERIES, VARIABLES, resource } from './fixtures';

// ---------------------------------------------------------------------------------------------------------------
// what the harness reads back

interface ScreenshotState {
  errors: string[];
  resourceCalls: string[];
}
const state: ScreenshotState = { errors: [], resourceCalls: [] };
(window as unknown as { __screenshot: ScreenshotState }).__screenshot = state;

function reportError(message: string) {
  state.errors.push(message);
  console.error(`[screenshot] ${message}`);
}

let pending = 0;
function track<T>(promise: Promise<T>): Promise<T> {
  pending++;
  return promise.finally(() => pending--);
}

// ---------------------------------------------------------------------------------------------------------------
// the scene asked for

const params = new URLSearchParams(window.location.search);
const themeName = params.get('theme') === 'light' ? 'light' : 'dark';
const scene = params.get('scene') ?? 'query-trend';
const theme: GrafanaTheme2 = createTheme({ colors: { mode: themeName } });

// ---------------------------------------------------------------------------------------------------------------
// stub Grafana services

const meta = {
  id: pluginJson.id,
  name: pluginJson.name,
  type: PluginType.datasource,
  info: {
    ...pluginJson.info,
    logos: { small: 'plugin/img/logo-small.svg', large: 'plugin/img/logo.svg' },
    screenshots: [],
    version: '0.0.0',
    updated: '',
  },
  module: 'plugin/module.js',
  baseUrl: 'plugin',
  backend: true,
  metrics: true,
  logs: true,
  alerting: true,
  annotations: true,
} as unknown as DataSourcePluginMeta;

const instanceSettings = {
  id: 1,
  uid: 'inference-logs',
  type: pluginJson.id,
  name: 'Inference logs',
  meta,
  jsonData: JSON_DATA,
  access: 'proxy',
  readOnly: false,
} as unknown as DataSourceInstanceSettings;

/** Answers `/api/datasources/uid/<uid>/resources/<path>` like the backend would, with the fixtures. */
function answer(url: string, query?: Record<string, unknown>): Promise<unknown> {
  const match = /\/resources\/(.+?)(?:\?(.*))?$/.exec(url);
  if (!match) {
    return Promise.reject(new Error(`the screenshot stub has no answer for ${url}`));
  }
  const search = Object.fromEntries(new URLSearchParams(match[2] ?? ''));
  const path = match[1];
  state.resourceCalls.push(
    path + (query && Object.keys(query).length ? `?${new URLSearchParams(query as Record<string, string>)}` : '')
  );
  const body = resource(path, { ...search, ...query });
  if (body === undefined) {
    return Promise.reject({ status: 404, data: { message: `no resource "${path}"` } });
  }
  // a little latency, as from a real backend
  return new Promise((resolve) => setTimeout(() => resolve(body), 30));
}

interface FetchOptions {
  url: string;
  params?: Record<string, unknown>;
}

const backendSrv = {
  fetch: (options: FetchOptions) =>
    new Observable((subscriber) => {
      track(answer(options.url, options.params)).then(
        (data) => {
          subscriber.next({ data, status: 200, ok: true, config: options, headers: new Headers() });
          subscriber.complete();
        },
        (error) => subscriber.error(error)
      );
    }),
  get: (url: string, query?: Record<string, unknown>) => track(answer(url, query)),
  post: (url: string) => Promise.reject(new Error(`POST ${url} is not stubbed`)),
  put: (url: string) => Promise.reject(new Error(`PUT ${url} is not stubbed`)),
  patch: (url: string) => Promise.reject(new Error(`PATCH ${url} is not stubbed`)),
  delete: (url: string) => Promise.reject(new Error(`DELETE ${url} is not stubbed`)),
  request: (options: FetchOptions) => track(answer(options.url, options.params)),
  datasourceRequest: (options: FetchOptions) => track(answer(options.url, options.params)),
} as unknown as BackendSrv;

const templateSrv = {
  getVariables: () => VARIABLES,
  replace: (target?: string) => target ?? '',
  containsTemplate: (target?: string) => !!target && target.includes('$'),
  updateTimeRange: () => {},
} as unknown as TemplateSrv;

setBackendSrv(backendSrv);
setTemplateSrv(templateSrv);

type DataSourceClass = new (settings: DataSourceInstanceSettings) => {
  getResource?: unknown;
  query?: unknown;
};
const DataSource = (datasourceModule as unknown as Record<string, DataSourceClass>).DataSource;
const datasource = new DataSource(instanceSettings);
// Queries never reach a backend here: an empty answer.
datasource.query = () => of({ data: [], state: LoadingState.Done });

setDataSourceSrv({
  get: async () => datasource,
  getInstanceSettings: () => instanceSettings,
  getList: () => [instanceSettings],
  reload: async () => {},
  registerRuntimeDataSource: () => {},
} as unknown as DataSourceSrv);

// ---------------------------------------------------------------------------------------------------------------
// the editors, as the plugin exports them (named export, or default)

function pick<T>(module: Record<string, unknown>, name: string): T {
  const found = module[name] ?? module.default;
  if (!found) {
    throw new Error(`${name} is not exported by its module`);
  }
  return found as T;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProps = any;
const QueryEditor = pick<ComponentType<AnyProps>>(queryEditorModule, 'QueryEditor');
const ConfigEditor = pick<ComponentType<AnyProps>>(configEditorModule, 'ConfigEditor');

const range = getDefaultTimeRange();
const panelData: PanelData = { state: LoadingState.Done, series: [], timeRange: range };

function QueryScene({ queryType }: { queryType: string }) {
  const [query, setQuery] = useState(QUERIES[queryType]);
  return (
    <QueryEditor
      datasource={datasource}
      query={query}
      queries={[query]}
      onChange={setQuery}
      onRunQuery={() => {}}
      range={range}
      data={panelData}
      app={CoreApp.PanelEditor}
    />
  );
}

function ConfigScene() {
  const [options, setOptions] = useState({
    id: 1,
    uid: 'inference-logs',
    orgId: 1,
    name: 'Inference logs',
    type: pluginJson.id,
    typeName: pluginJson.name,
    typeLogoUrl: 'plugin/img/logo.svg',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: true,
    withCredentials: false,
    readOnly: false,
    version: 1,
    jsonData: JSON_DATA,
    secureJsonFields: {},
    secureJsonData: {},
  } as unknown as DataSourceSettings);
  return <ConfigEditor options={options} onOptionsChange={setOptions} />;
}

// ---------------------------------------------------------------------------------------------------------------
// a frame like Grafana's around the editor

class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  componentDidCatch(error: Error, info: ErrorInfo) {
    reportError(`render error: ${error.stack ?? error.message}\n${info.componentStack ?? ''}`);
  }
  render() {
    return this.state.error ? <pre>{String(this.state.error)}</pre> : this.props.children;
  }
}

function Frame({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  const c = theme.colors;
  return (
    <div
      id="capture"
      style={{
        width: 1040,
        padding: theme.spacing(2),
        background: c.background.canvas,
        color: c.text.primary,
        fontFamily: theme.typography.fontFamily,
      }}
    >
      <div
        style={{
          background: c.background.primary,
          border: `1px solid ${c.border.weak}`,
          borderRadius: theme.shape.radius.default,
        }}
      >
        <div
          style={{
            display: 'flex',
            alignItems: 'center',
            gap: theme.spacing(1),
            padding: theme.spacing(1, 2),
            borderBottom: `1px solid ${c.border.weak}`,
            background: c.background.secondary,
          }}
        >
          <img src="plugin/img/logo-small.svg" width={20} height={20} alt="" />
          <span style={{ fontWeight: theme.typography.fontWeightMedium }}>{title}</span>
          <span style={{ color: c.text.secondary }}>{subtitle}</span>
        </div>
        <div style={{ padding: theme.spacing(2) }}>{children}</div>
      </div>
    </div>
  );
}

function Scene() {
  useEffect(() => {
    // Ready once nothing has been pending for a quarter of a second (the editors load fields and models).
    const started = Date.now();
    let quiet = 0;
    const timer = setInterval(() => {
      quiet = pending === 0 ? quiet + 1 : 0;
      if (quiet >= 5 && Date.now() - started > 400) {
        clearInterval(timer);
        requestAnimationFrame(() => requestAnimationFrame(() => (document.body.dataset.ready = '1')));
      }
    }, 50);
    return () => clearInterval(timer);
  }, []);

  if (scene === 'config') {
    return (
      <Frame title="Inference logs" subtitle="Type: Inference Log Analytics · Settings">
        <ConfigScene />
      </Frame>
    );
  }
  const queryType = scene.replace(/^query-/, '');
  if (!QUERIES[queryType]) {
    throw new Error(`unknown scene ${scene}`);
  }
  return (
    <Frame title="A" subtitle={`(Inference logs) · ${queryType}`}>
      <QueryScene queryType={queryType} />
    </Frame>
  );
}

window.addEventListener('error', (event) => reportError(`uncaught: ${event.message}`));
window.addEventListener('unhandledrejection', (event) => reportError(`unhandled rejection: ${String(event.reason)}`));

document.body.style.margin = '0';
document.body.style.background = theme.colors.background.canvas;
createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    <GlobalStyles />
    <ErrorBoundary>
      <Scene />
    </ErrorBoundary>
  </ThemeContext.Provider>
);
