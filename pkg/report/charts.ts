/**
 * The report's charts: vega-lite specs rendered to SVG on the server (no script in the page). Text, axes and grid
 * are drawn in `currentColor`, so the page's CSS colour (light or dark scheme) decides them; the data colours are
 * mid-tones readable on both backgrounds, and the background is transparent.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Config } from 'vega-lite/build/src/config';
import { checkpoint } from '../engine/interrupt';
import { escapeHtml } from './html';

const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

/** Width of the plotting area of a full-width chart, in px (the SVG scales down on narrow screens). */
export const CHART_WIDTH = 820;

/** Percentile line colours and the anomaly marker colour (mid-tones: legible on white and on near-black). */
export const SERIES_COLORS = { p50: '#3b8fd9', p95: '#e0952a', p99: '#d9485f', anomaly: '#a35ee8' } as const;
/** Colours of models (Tableau 10). */
export const MODEL_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Time axis labels in UTC, 24-hour clock. */
const TIME_FORMAT = {
  year: '%Y',
  quarter: '%b %Y',
  month: '%b %Y',
  week: '%b %d',
  date: '%b %d',
  hours: '%H:%M',
  minutes: '%H:%M',
  seconds: '%H:%M:%S',
  milliseconds: '%H:%M:%S.%L',
};

const CONFIG: Config = {
  aria: false,
  background: 'transparent',
  font: FONT,
  padding: 6,
  view: { stroke: null },
  axis: {
    labelColor: 'currentColor',
    titleColor: 'currentColor',
    domainColor: 'currentColor',
    domainOpacity: 0.45,
    tickColor: 'currentColor',
    tickOpacity: 0.45,
    gridColor: 'currentColor',
    gridOpacity: 0.13,
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal',
    labelOverlap: true,
  },
  legend: {
    labelColor: 'currentColor',
    titleColor: 'currentColor',
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 'normal',
    labelLimit: 220,
  },
  title: { color: 'currentColor', subtitleColor: 'currentColor', fontSize: 13, anchor: 'start' },
  header: { labelColor: 'currentColor', titleColor: 'currentColor' },
  line: { strokeWidth: 1.6 },
};

/** Renders a vega-lite spec to an SVG element ready to inline into HTML: ids made unique, no namespace URLs. */
export async function renderSvg(spec: TopLevelSpec, id: string, label: string): Promise<string> {
  checkpoint(); // a report section: where a report past its deadline stops
  // vega is loaded with the first chart: the CLI's other commands start without it.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return inlineSvg(svg, id, label);
  } finally {
    view.finalize();
  }
}

/**
 * Makes vega's standalone SVG fit for inlining: HTML needs no `xmlns` (and the page then names no URL at all),
 * ids (gradients, clip paths) get the chart's prefix so that several charts in one page never share one, and the
 * element gets an accessible name.
 */
export function inlineSvg(svg: string, id: string, label: string): string {
  return svg
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/\sid="([^"]+)"/g, (_m, name: string) => ` id="${id}-${name}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, name: string) => `url(#${id}-${name})`)
    .replace(/href="#([^"]+)"/g, (_m, name: string) => `href="#${id}-${name}"`)
    .replace(/^<svg\b/, `<svg role="img" aria-label="${escapeHtml(label)}"`);
}

/** The x axis of every time chart: UTC, the report's bucket range. */
function timeX(domain: [number, number]) {
  return {
    field: 't',
    type: 'temporal' as const,
    title: null,
    scale: { type: 'utc' as const, domain },
    axis: { format: TIME_FORMAT, labelFlush: true, tickCount: 8 },
  };
}

export interface LatencyPoint {
  /** Epoch ms (bucket start, or the request's time for an anomaly). */
  t: number;
  /** Milliseconds; null for an empty bucket. */
  v: number | null;
  s: 'p50' | 'p95' | 'p99' | 'anomaly';
}

/** p50, p95 and p99 latency of one model per bucket as lines, its anomalous requests as diamonds. */
export function latencySpec(points: LatencyPoint[], domain: [number, number]): TopLevelSpec {
  const series = Object.keys(SERIES_COLORS);
  return {
    width: CHART_WIDTH,
    height: 150,
    data: { values: points },
    encoding: {
      x: timeX(domain),
      y: { field: 'v', type: 'quantitative', title: 'latency (ms)', axis: { tickCount: 5 } },
      color: {
        field: 's',
        type: 'nominal',
        title: null,
        scale: { domain: series, range: Object.values(SERIES_COLORS) },
        legend: {
          orient: 'top',
          direction: 'horizontal',
          labelExpr: "datum.label === 'anomaly' ? 'anomalies' : datum.label",
        },
      },
    },
    layer: [
      {
        transform: [{ filter: "datum.s !== 'anomaly'" }],
        mark: { type: 'line', invalid: 'break-paths-show-domains' },
      },
      {
        transform: [{ filter: "datum.s === 'anomaly'" }],
        mark: {
          type: 'point',
          shape: 'diamond',
          filled: true,
          size: 46,
          opacity: 0.95,
          stroke: 'currentColor',
          strokeWidth: 0.6,
        },
      },
    ],
  };
}

export interface ModelPoint {
  t: number;
  v: number | null;
  model: string;
}

/** Requests per second per bucket, stacked by model. */
export function rateSpec(points: ModelPoint[], models: string[], domain: [number, number]): TopLevelSpec {
  return {
    width: CHART_WIDTH,
    height: 150,
    data: { values: points },
    mark: { type: 'area', opacity: 0.85, interpolate: 'step-after' },
    encoding: {
      x: timeX(domain),
      y: { field: 'v', type: 'quantitative', stack: 'zero', title: 'requests / s', axis: { tickCount: 5 } },
      color: {
        field: 'model',
        type: 'nominal',
        title: null,
        scale: { domain: models, range: MODEL_COLORS },
        legend: { orient: 'top', direction: 'horizontal', columns: 4 },
      },
      order: { field: 'model', sort: 'ascending' },
    },
  };
}

export interface TimePoint {
  t: number;
  v: number | null;
}

/** The error rate (0–1) of all selected requests per bucket; empty buckets leave a gap. */
export function errorRateSpec(points: TimePoint[], domain: [number, number]): TopLevelSpec {
  return {
    width: CHART_WIDTH,
    height: 120,
    data: { values: points },
    encoding: {
      x: timeX(domain),
      y: { field: 'v', type: 'quantitative', title: 'error rate', axis: { format: '.1%', tickCount: 4 } },
    },
    layer: [
      { mark: { type: 'area', color: SERIES_COLORS.p99, opacity: 0.18, invalid: 'break-paths-show-domains' } },
      { mark: { type: 'line', color: SERIES_COLORS.p99, invalid: 'break-paths-show-domains' } },
    ],
  };
}

export interface CorrelationCell {
  x: string;
  y: string;
  /** The coefficient; null when it is undefined (fewer than two pairs, no variance). */
  r: number | null;
  label: string;
}

/** The correlation matrix as an n×n heatmap, each cell printed with its coefficient. */
export function heatmapSpec(cells: CorrelationCell[], metrics: string[]): TopLevelSpec {
  const size = 110 * metrics.length;
  return {
    width: size,
    height: size,
    data: { values: cells },
    encoding: {
      x: {
        field: 'x',
        type: 'nominal',
        sort: metrics,
        title: null,
        axis: { orient: 'top', labelAngle: 0, labelOverlap: false, labelLimit: 0, domain: false, ticks: false },
      },
      y: {
        field: 'y',
        type: 'nominal',
        sort: metrics,
        title: null,
        axis: { labelOverlap: false, labelLimit: 160, domain: false, ticks: false },
      },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'currentColor', strokeOpacity: 0.15, strokeWidth: 1 },
        encoding: {
          color: {
            condition: { test: 'datum.r === null', value: '#8a8f98' },
            field: 'r',
            type: 'quantitative',
            title: 'Pearson r',
            scale: { scheme: 'blueorange', domain: [-1, 1] },
            legend: { orient: 'right', gradientLength: size - 20, direction: 'vertical' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 13, fontWeight: 'bold' },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: 'datum.r !== null && abs(datum.r) > 0.6', value: '#ffffff' }, value: '#15181d' },
        },
      },
    ],
  };
}
