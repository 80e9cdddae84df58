/**
 * `generate_report`: one self-contained HTML file (inline CSS, inline SVG charts, no script, nothing fetched) with the
 * headline numbers, latency percentiles over time per model with the anomalies marked, request and error rate over
 * time, the top anomalies, the correlation heatmap, the model comparison, skipped lines and the statistical
 * conventions. Every number is one the engine answered (`analyse`); this module only lays them out.
 */
import {
  AnalysisQuery,
  AnomalyMethod,
  DEFAULT_THRESHOLDS,
  Filters,
  formatWindow,
  STANDARD_METRICS,
  TimeRange,
} from '../model/query';
import { QueryError } from '../engine/errors';
import { describeSkipReason, Frame, FrameField, skipsInOrder } from '../engine/frames';
import { ReportSource, Skips, StoreReportSource } from '../engine/report-source';
import { SKIP_REASONS } from '../sources/parse-line';
import { REQUEST_ID, Store } from '../store/store';
import {
  CorrelationCell,
  errorRateSpec,
  heatmapSpec,
  LatencyPoint,
  latencySpec,
  ModelPoint,
  rateSpec,
  renderSvg,
  TimePoint,
} from './charts';
import {
  escapeHtml,
  formatCount,
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent,
  formatTimeShort,
  formatTimeUs,
  MISSING,
  rawValue,
} from './html';
import { page } from './template';

export interface ReportOptions {
  /** Epoch ms, both ends inclusive; either end may be open. */
  range: TimeRange;
  filters?: Filters;
  /** Heading and document title (default "Inference log report"). */
  title?: string;
  /** Trend bucket width (`1m`, `5m`, …) or `auto` (default): at most 300 buckets over the span. */
  window?: string;
  /** Anomaly detection on latency within each model (default: z-score, threshold 3, the 20 most extreme listed). */
  anomalies?: { method?: AnomalyMethod; threshold?: number; top?: number };
  /** Epoch ms the report says it was generated at (default now; fixed for reproducible files). */
  generatedAt?: number;
}

/** Anomalies drawn on the latency charts: the most extreme this many (all models together). */
export const MAX_MARKED_ANOMALIES = 500;
/** A chart with more buckets than this is unreadable (and a large file): ask for a wider window. */
export const MAX_REPORT_BUCKETS = 3000;
const DEFAULT_TOP = 20;
const DEFAULT_TITLE = 'Inference log report';

const METHOD_NAMES: Record<AnomalyMethod, string> = {
  zscore: 'z-score (x − mean) / std',
  mad: 'modified z-score 0.6745 (x − median) / MAD',
  iqr: 'distance beyond the quartiles in IQRs (Tukey fences)',
};

/** The values of a field of an unencoded frame; throws if absent (the engine's frame shapes are fixed). */
function fieldOf(frame: Frame, name: string): FrameField {
  const found = frame.fields.find((f) => f.name === name);
  if (!found) {
    throw new Error(`report: no field "${name}" in frame "${frame.name}"`);
  }
  return found;
}

function numbersOf(frame: Frame, name: string): number[] {
  const field = fieldOf(frame, name);
  if (field.type === 'string') {
    throw new Error(`report: field "${name}" is not numeric`);
  }
  return Array.from(field.values);
}

function stringsOf(frame: Frame, name: string): Array<string | null> {
  const field = fieldOf(frame, name);
  return field.type === 'string' ? Array.from(field.values) : Array.from(field.values, (v) => String(v));
}

/** Chart values: NaN (the engine's missing) becomes null, which vega leaves out. */
const chartValue = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** A value cell carrying the engine's exact number in `data-value`. */
function numCell(value: number, text: string, tag: 'td' | 'div' = 'td', key?: string): string {
  const cls = tag === 'td' ? 'num' : 'value';
  const keyAttr = key ? ` data-key="${escapeHtml(key)}"` : '';
  return `<${tag} class="${cls}"${keyAttr} data-value="${rawValue(value)}">${escapeHtml(text)}</${tag}>`;
}

function card(label: string, key: string, value: number, text: string): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div>${numCell(value, text, 'div', key)}</div>`;
}

function describeFilters(filters: Filters): string {
  const parts = Object.entries(filters)
    .filter(([, values]) => values.length > 0)
    .map(([field, values]) => `${field} = ${values.map(String).join(' or ')}`);
  return parts.length ? parts.join('; ') : 'none';
}

function describeRange(range: TimeRange): string {
  const end = (ms: number | undefined, open: string) =>
    ms === undefined ? open : ms % 1000 === 0 ? formatTimeShort(ms * 1000) : formatTimeUs(ms * 1000);
  if (range.from === undefined && range.to === undefined) {
    return 'all requests in the logs';
  }
  return `${end(range.from, 'the first request')} to ${end(range.to, 'the last request')} UTC, both ends included`;
}

interface Section {
  id: string;
  title: string;
  html: string;
}

function section({ id, title, html }: Section): string {
  return `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${html}\n</section>`;
}

function figure(chart: string, svg: string, caption: string): string {
  return `<figure data-chart="${escapeHtml(chart)}">${svg}<figcaption>${caption}</figcaption></figure>`;
}

/**
 * HTTP headers the report is served with (proxy and Grafana resource). The page is self-contained: one inline
 * <style>, inline SVG charts, no script, no image, no font, no link out to fetch — so everything else is refused,
 * and a model name that slipped past escaping still could not run or load anything. frame-ancestors 'self' lets
 * Grafana (same origin as its resources) frame it, and no other site.
 */
export const REPORT_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Renders the report over `options.range` and `options.filters`, from a store in memory or any ReportSource
 * (ClickHouse): every number is one the source answered.
 */
export async function renderReport(logs: Store | ReportSource, options: ReportOptions): Promise<string> {
  const source = logs instanceof Store ? new StoreReportSource(logs) : logs;
  const range = options.range;
  const filters = options.filters ?? {};
  const title = options.title?.trim() || DEFAULT_TITLE;
  const run = (query: AnalysisQuery): Promise<Frame[]> => source.analyse({ ...query, filters }, range);

  const summary = (await run({ queryType: 'summary' }))[0];
  const requests = numbersOf(summary, 'requests')[0] ?? 0;
  const { data: dataSpan, seconds: throughputSeconds } = await source.span(range, filters);

  const sections: string[] = [];
  sections.push(headline(summary, requests, dataSpan, throughputSeconds));

  if (requests === 0) {
    const totals = await source.totals();
    const all = totals.span;
    const held = all
      ? `The logs hold ${formatCount(totals.requests)} requests, from ${formatTimeShort(all.startUs)} to ${formatTimeShort(all.endUs)} UTC.`
      : 'The logs hold no requests at all.';
    sections.push(
      `<section id="empty" class="empty" data-empty="true"><h2>No requests to report</h2>` +
        `<p>No request matches this time range and these filters, so there are no charts, anomalies, correlations or comparisons.</p>` +
        `<p>${escapeHtml(held)}</p></section>`
    );
  } else {
    sections.push(...(await analysisSections(run, options)));
  }
  sections.push(section({ id: 'skipped', title: 'Skipped lines', html: skippedLines(await source.skips()) }));
  sections.push(section({ id: 'conventions', title: 'Conventions', html: CONVENTIONS }));

  const header =
    `<header><h1>${escapeHtml(title)}</h1>` +
    `<p class="meta">Range: ${escapeHtml(describeRange(range))}. Filters: ${escapeHtml(describeFilters(filters))}. ` +
    `Generated ${escapeHtml(formatTimeShort((options.generatedAt ?? Date.now()) * 1000))} UTC by <code>inference-logs report</code>.</p></header>`;
  return page(title, [header, ...sections, FOOTER].join('\n'));
}

function headline(
  summary: Frame,
  requests: number,
  span: { startUs: number; endUs: number } | null,
  throughputSeconds: number
): string {
  const n = (name: string) => numbersOf(summary, name)[0] ?? NaN;
  let spanText = MISSING;
  let spanLabel = 'Time span';
  if (span) {
    const start = formatTimeShort(span.startUs);
    const end = formatTimeShort(span.endUs);
    // The end's date only when it differs from the start's.
    spanText = `${start} → ${end.slice(0, 10) === start.slice(0, 10) ? end.slice(11) : end} UTC`;
    spanLabel = `Time span: ${formatDuration((span.endUs - span.startUs) / 1e6)}, first to last request`;
  }
  const cards = [
    card('Requests', 'requests', requests, formatCount(requests)),
    card('Error rate', 'error_rate', n('error_rate'), formatPercent(n('error_rate'))),
    card('Throughput', 'throughput_rps', n('throughput_rps'), formatNumber(n('throughput_rps'), 'req/s')),
    card('p50 latency', 'p50_latency_ms', n('p50_latency_ms'), formatMs(n('p50_latency_ms'))),
    card('p95 latency', 'p95_latency_ms', n('p95_latency_ms'), formatMs(n('p95_latency_ms'))),
    card('p99 latency', 'p99_latency_ms', n('p99_latency_ms'), formatMs(n('p99_latency_ms'))),
    `<div class="card wide"><div class="label">${escapeHtml(spanLabel)}</div><div class="value" data-key="span">${escapeHtml(spanText)}</div></div>`,
  ];
  const basis = Number.isFinite(throughputSeconds)
    ? `Throughput is requests per second over ${formatDuration(throughputSeconds)}.`
    : '';
  return section({
    id: 'headline',
    title: 'Headline',
    html: `<div class="cards">${cards.join('')}</div><p class="note">Average latency ${escapeHtml(formatMs(n('avg_latency_ms')))}, maximum ${escapeHtml(formatMs(n('max_latency_ms')))}. ${escapeHtml(basis)}</p>`,
  });
}

/** The sections that need requests: charts, anomalies, correlation, comparison. */
async function analysisSections(
  run: (q: AnalysisQuery) => Promise<Frame[]>,
  options: ReportOptions
): Promise<string[]> {
  const window = options.window ?? 'auto';
  const method = options.anomalies?.method ?? 'zscore';
  const threshold = options.anomalies?.threshold ?? DEFAULT_THRESHOLDS[method];
  const top = options.anomalies?.top ?? DEFAULT_TOP;

  const trendOf = (aggregation: AnalysisQuery['aggregation'], groupBy: string[]) =>
    run({ queryType: 'trend', metric: 'latency_ms', aggregation, window, groupBy });
  const p50 = await trendOf('p50', ['model']);
  const buckets = p50.length ? p50[0].fields[0].values.length : 0;
  if (buckets > MAX_REPORT_BUCKETS) {
    throw new QueryError(
      `window ${window} gives ${buckets} buckets per chart (a report draws at most ${MAX_REPORT_BUCKETS}); use a wider window or auto`
    );
  }
  const p95 = await trendOf('p95', ['model']);
  const p99 = await trendOf('p99', ['model']);
  const rate = await trendOf('rate', ['model']);
  const errorRate = await trendOf('error_rate', []);
  const anomalyFrame = (
    await run({
      queryType: 'anomalies',
      metric: 'latency_ms',
      method,
      threshold,
      groupBy: ['model'],
      limit: Math.max(MAX_MARKED_ANOMALIES, top),
    })
  )[0];
  const correlationFrame = (
    await run({ queryType: 'correlation', metrics: [...STANDARD_METRICS], correlation: 'pearson' })
  )[0];
  const compareFrame = (await run({ queryType: 'compare' }))[0];
  const modelSummary = (await run({ queryType: 'summary', groupBy: ['model'] }))[0];

  const custom = (errorRate[0]?.meta?.custom ?? {}) as { windowMs?: number };
  const windowMs = custom.windowMs ?? NaN;
  const starts = errorRate.length ? Array.from(errorRate[0].fields[0].values as ArrayLike<number>) : [];
  const domain: [number, number] = starts.length
    ? [starts[0] / 1000, starts[starts.length - 1] / 1000 + windowMs]
    : [0, 1];
  const windowText = Number.isFinite(windowMs) ? formatWindow(windowMs) : window;

  const modelOf = (frame: Frame) => frame.fields[1].labels?.model ?? '';
  const seriesOf = (frame: Frame) => ({
    times: Array.from(frame.fields[0].values as ArrayLike<number>),
    values: Array.from(frame.fields[1].values as ArrayLike<number>),
  });

  // Anomalies: all marked ones, by model.
  const aTimes = numbersOf(anomalyFrame, 'timestamp');
  const aModels = stringsOf(anomalyFrame, 'model');
  const aIds = stringsOf(anomalyFrame, REQUEST_ID);
  const aLatency = numbersOf(anomalyFrame, 'latency_ms');
  const aScores = numbersOf(anomalyFrame, 'score');
  const found = Number((anomalyFrame.meta?.custom as { found?: number } | undefined)?.found ?? aTimes.length);
  const marked = Math.min(aTimes.length, MAX_MARKED_ANOMALIES);

  // Latency per model.
  const latencyFigures: string[] = [];
  for (let g = 0; g < p50.length; g++) {
    const model = modelOf(p50[g]);
    const points: LatencyPoint[] = [];
    for (const [name, frames] of [
      ['p50', p50],
      ['p95', p95],
      ['p99', p99],
    ] as const) {
      const { times, values } = seriesOf(frames[g]);
      times.forEach((t, i) => points.push({ t: t / 1000, v: chartValue(values[i]), s: name }));
    }
    let anomaliesHere = 0;
    for (let i = 0; i < marked; i++) {
      if (aModels[i] === model && Number.isFinite(aLatency[i])) {
        points.push({ t: aTimes[i] / 1000, v: aLatency[i], s: 'anomaly' });
        anomaliesHere++;
      }
    }
    const svg = await renderSvg(latencySpec(points, domain), `latency-${g}`, `Latency percentiles of ${model}`);
    latencyFigures.push(
      `<h3>${escapeHtml(model)}</h3>` +
        figure(
          'latency',
          svg,
          `p50, p95 and p99 latency per ${escapeHtml(windowText)} bucket; ${formatCount(anomaliesHere)} anomalous request${anomaliesHere === 1 ? '' : 's'} marked ◆.`
        )
    );
  }

  const models = rate.map(modelOf);
  const ratePoints: ModelPoint[] = [];
  for (const frame of rate) {
    const { times, values } = seriesOf(frame);
    times.forEach((t, i) => ratePoints.push({ t: t / 1000, v: chartValue(values[i]), model: modelOf(frame) }));
  }
  const errorPoints: TimePoint[] = [];
  if (errorRate.length) {
    const { times, values } = seriesOf(errorRate[0]);
    times.forEach((t, i) => errorPoints.push({ t: t / 1000, v: chartValue(values[i]) }));
  }
  const rateSvg = await renderSvg(rateSpec(ratePoints, models, domain), 'rate', 'Requests per second by model');
  const errorSvg = await renderSvg(errorRateSpec(errorPoints, domain), 'errors', 'Error rate over time');

  const sections: string[] = [];
  const markedNote =
    found > marked ? ` The ${formatCount(marked)} most extreme of the ${formatCount(found)} anomalies are marked.` : '';
  sections.push(
    section({
      id: 'latency',
      title: 'Latency percentiles over time',
      html:
        `<p class="note">Per model, ${escapeHtml(windowText)} buckets aligned to the Unix epoch (UTC), each labelled by its start. ` +
        `Anomalies (◆) are requests whose latency is anomalous within their model.${escapeHtml(markedNote)}</p>` +
        latencyFigures.join('\n'),
    })
  );
  sections.push(
    section({
      id: 'traffic',
      title: 'Request rate and error rate',
      html:
        figure('rate', rateSvg, `Requests per second per ${escapeHtml(windowText)} bucket, stacked by model.`) +
        figure(
          'error-rate',
          errorSvg,
          `Errors / requests per ${escapeHtml(windowText)} bucket, all models; a gap is a bucket without requests.`
        ),
    })
  );
  const tokens = tokensTable(modelSummary);
  if (tokens) {
    sections.push(section({ id: 'tokens', title: 'Tokens and LLM serving times', html: tokens }));
  }
  sections.push(section({ id: 'anomalies', title: 'Anomalies', html: anomalyTable() }));
  sections.push(section({ id: 'correlation', title: 'Correlation', html: await correlationSection(correlationFrame) }));
  sections.push(section({ id: 'compare', title: 'Model comparison', html: compareTable(compareFrame) }));
  return sections;

  function anomalyTable(): string {
    const intro =
      `<p class="note">${formatCount(found)} request${found === 1 ? '' : 's'} with |score| &gt; ${escapeHtml(formatNumber(threshold))} ` +
      `by ${escapeHtml(METHOD_NAMES[method])} of latency, computed within each model.` +
      (found > 0 ? ` The ${formatCount(Math.min(top, found))} most extreme:` : '') +
      `</p>`;
    if (found === 0 || top === 0) {
      return intro;
    }
    const rows: string[] = [];
    for (let i = 0; i < Math.min(top, aTimes.length); i++) {
      rows.push(
        `<tr><td class="num">${i + 1}</td><td>${escapeHtml(formatTimeUs(aTimes[i]))}</td>` +
          `<td class="id">${escapeHtml(aIds[i] ?? MISSING)}</td><td>${escapeHtml(aModels[i] ?? MISSING)}</td>` +
          numCell(aLatency[i], formatMs(aLatency[i])) +
          numCell(aScores[i], formatNumber(aScores[i])) +
          `</tr>`
      );
    }
    return (
      intro +
      `<div class="table-wrap"><table data-table="anomalies"><thead><tr><th class="num">#</th><th>time (UTC)</th>` +
      `<th>request id</th><th>model</th><th class="num">latency</th><th class="num">score</th></tr></thead>` +
      `<tbody>${rows.join('\n')}</tbody></table></div>`
    );
  }
}

async function correlationSection(frame: Frame): Promise<string> {
  const metrics = stringsOf(frame, 'metric').map((m) => m ?? '');
  const pairs = ((frame.meta?.custom as { pairs?: number[][] } | undefined)?.pairs ?? []) as number[][];
  const cells: CorrelationCell[] = [];
  metrics.forEach((rowMetric, i) => {
    metrics.forEach((colMetric) => {
      const r = numbersOf(frame, colMetric)[i];
      cells.push({ x: colMetric, y: rowMetric, r: chartValue(r), label: Number.isFinite(r) ? r.toFixed(2) : 'n/a' });
    });
  });
  const svg = await renderSvg(heatmapSpec(cells, metrics), 'corr', 'Pearson correlation matrix');
  const minPairs = pairs.length ? Math.min(...pairs.flat()) : NaN;
  const maxPairs = pairs.length ? Math.max(...pairs.flat()) : NaN;
  const pairText =
    minPairs === maxPairs
      ? `${formatCount(minPairs)} pairs each`
      : `${formatCount(minPairs)}–${formatCount(maxPairs)} pairs`;
  // The exact coefficients, for anyone who wants more than two decimals.
  const exact = metrics
    .map(
      (m, i) =>
        `<tr><th>${escapeHtml(m)}</th>${metrics.map((c) => numCell(numbersOf(frame, c)[i], formatNumber(numbersOf(frame, c)[i]))).join('')}</tr>`
    )
    .join('');
  return (
    figure(
      'correlation',
      svg,
      `Pearson correlation of the standard metrics, pairwise complete (${escapeHtml(pairText)}); n/a: fewer than two pairs or no variance.`
    ) +
    `<details><summary class="note">Coefficients as a table</summary><div class="table-wrap"><table data-table="correlation">` +
    `<thead><tr><th></th>${metrics.map((m) => `<th class="num">${escapeHtml(m)}</th>`).join('')}</tr></thead>` +
    `<tbody>${exact}</tbody></table></div></details>`
  );
}

/**
 * Per model, the LLM measures the logs allow (token counts, time to first token, time per output token, output
 * tokens per second: see engine/llm.ts); null when the logs have none of them.
 */
function tokensTable(frame: Frame | undefined): string | null {
  const present = new Set(frame?.fields.map((f) => f.name) ?? []);
  const tokens = (v: number) => formatNumber(v, 'tokens');
  const columns = [
    { name: 'avg_input_tokens', label: 'avg input', format: tokens },
    { name: 'avg_output_tokens', label: 'avg output', format: tokens },
    { name: 'p50_ttft_ms', label: 'TTFT p50', format: formatMs },
    { name: 'p99_ttft_ms', label: 'TTFT p99', format: formatMs },
    { name: 'p50_tpot_ms', label: 'TPOT p50', format: formatMs },
    { name: 'p99_tpot_ms', label: 'TPOT p99', format: formatMs },
    { name: 'p50_output_tokens_per_s', label: 'output tokens/s p50', format: (v: number) => formatNumber(v, 'tok/s') },
  ].filter((c) => present.has(c.name));
  if (!frame || columns.length === 0) {
    return null;
  }
  return (
    modelTable(frame, 'tokens', columns) +
    `<p class="note">TTFT: time to first token, as logged. TPOT: time per output token after the first, ` +
    `(latency − TTFT) / (output tokens − 1). Output tokens/s: output tokens over the request's latency.</p>`
  );
}

/** A number column of a per-model table: the frame's field, its header, how its cells read. */
interface TableColumn {
  name: string;
  label: string;
  format: (v: number) => string;
}

/** A table of one row per model of `frame` (its `model` field), a cell per column keyed by the field's name. */
function modelTable(frame: Frame, table: string, columns: TableColumn[]): string {
  const models = stringsOf(frame, 'model');
  const values = columns.map((c) => numbersOf(frame, c.name));
  const rows = models.map(
    (model, i) =>
      `<tr><td>${escapeHtml(model ?? MISSING)}</td>${columns.map((c, j) => numCell(values[j][i], c.format(values[j][i]), 'td', c.name)).join('')}</tr>`
  );
  return (
    `<div class="table-wrap"><table data-table="${table}"><thead><tr><th>model</th>` +
    columns.map((c) => `<th class="num">${escapeHtml(c.label)}</th>`).join('') +
    `</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`
  );
}

function compareTable(frame: Frame): string {
  const columns: TableColumn[] = [
    { name: 'requests', label: 'requests', format: formatCount },
    { name: 'request_share', label: 'share', format: formatPercent },
    { name: 'avg_latency_ms', label: 'avg', format: formatMs },
    { name: 'p50_latency_ms', label: 'p50', format: formatMs },
    { name: 'p95_latency_ms', label: 'p95', format: formatMs },
    { name: 'p99_latency_ms', label: 'p99', format: formatMs },
    { name: 'error_rate', label: 'error rate', format: formatPercent },
    { name: 'throughput_rps', label: 'throughput', format: (v) => formatNumber(v, 'req/s') },
    {
      name: 'p99_vs_fastest',
      label: 'p99 vs fastest',
      format: (v) => (Number.isFinite(v) ? `${formatNumber(v)}×` : MISSING),
    },
  ];
  return (
    modelTable(frame, 'compare', columns) +
    `<p class="note">Share: of the selected requests. p99 vs fastest: the model's p99 divided by the lowest p99.</p>` +
    compareVerdicts(frame, stringsOf(frame, 'model'))
  );
}

/** Each model against the baseline in words (compare's verdict), when there is more than one model. */
function compareVerdicts(frame: Frame, models: Array<string | null>): string {
  const baseline = frame.meta?.custom?.baseline as string | undefined;
  const verdicts = frame.fields.some((f) => f.name === 'verdict') ? stringsOf(frame, 'verdict') : [];
  const items = models
    .map((model, i) => ({ model, verdict: verdicts[i] }))
    .filter((m) => m.verdict && m.model !== baseline)
    .map((m) => `<li><strong>${escapeHtml(m.model ?? MISSING)}</strong>: ${escapeHtml(m.verdict!)}</li>`);
  if (baseline === undefined || items.length === 0) {
    return '';
  }
  return (
    `<p>Against the baseline <strong>${escapeHtml(baseline)}</strong> (the first model by name):</p>` +
    `<ul data-verdicts="compare">${items.join('')}</ul>` +
    '<p class="note">Differences of p50 and p99 with 95% percentile bootstrap intervals (1,000 seeded resamples); ' +
    'latency distributions by the Mann–Whitney U test (normal approximation, tie and continuity corrections); ' +
    'error rates by the pooled two-proportion z-test; significant below p = 0.05.</p>'
  );
}

function skippedLines({ skipped, invalidValues }: Skips): string {
  const total = Object.values(skipped).reduce((a, b) => a + b, 0);
  const invalid = Object.entries(invalidValues);
  const invalidNote = invalid.length
    ? `<p class="note">Kept as missing because they are not numbers: ${invalid.map(([f, n]) => `${escapeHtml(f)} ${formatCount(n)}`).join(', ')}.</p>`
    : '';
  const scope = '<p class="note">Counted over all lines read, whatever the range and filters.</p>';
  if (total === 0) {
    return `<p data-skipped-total="0">No lines were skipped: every line read is a request.</p>${invalidNote}`;
  }
  const rows = skipsInOrder(skipped).map(
    ([reason, count]) =>
      `<tr><td><code>${escapeHtml(reason)}</code></td><td>${escapeHtml(describeSkipReason(reason))}</td>${numCell(count, formatCount(count), 'td', reason)}</tr>`
  );
  const known = Object.keys(SKIP_REASONS).length;
  return (
    `<p data-skipped-total="${total}">${formatCount(total)} line${total === 1 ? '' : 's'} could not be read as requests (of ${known} possible reasons, these occurred):</p>` +
    `<div class="table-wrap"><table data-table="skipped"><thead><tr><th>reason</th><th>the line</th><th class="num">lines</th></tr></thead>` +
    `<tbody>${rows.join('\n')}</tbody></table></div>${scope}${invalidNote}`
  );
}

const CONVENTIONS = `<p>The numbers are the ones pandas gives on the same data with its defaults.</p>
<dl class="conventions">
<dt>Quantiles (p50, p95, p99)</dt>
<dd>Exact, interpolating linearly between the two nearest values (numpy's default): for n sorted values the q-quantile lies at position (n − 1)·q.</dd>
<dt>Standard deviation</dt>
<dd>The sample standard deviation, ddof = 1. Means, quantiles and deviations ignore missing values.</dd>
<dt>Error rate</dt>
<dd>Errors divided by requests. An error is any status other than <code>success</code>, <code>ok</code> (any case) or a 2xx code; a request without a status is not an error.</dd>
<dt>Throughput</dt>
<dd>Requests per second of the time range when both of its ends are given, otherwise of the span from the first to the last selected request.</dd>
<dt>Time range</dt>
<dd>Both ends are included: a request at exactly the start or the end time counts. Times are UTC.</dd>
<dt>Buckets</dt>
<dd>Aligned to the Unix epoch (a bucket starts at floor(t / width) × width) and labelled by their start; every bucket of the span is drawn. Rate is 0 in a bucket without requests; percentiles and error rate have no value there (a gap).</dd>
<dt>Anomalies</dt>
<dd>z-score = (x − mean) / std; modified z-score = 0.6745 (x − median) / MAD; IQR score = distance beyond Q1 or Q3 in IQRs. A request is anomalous when |score| exceeds the threshold; scores are computed within each model.</dd>
<dt>Correlation</dt>
<dd>Pearson, pairwise complete: each coefficient uses the requests where both fields are present. It is undefined (n/a) with fewer than two pairs or when a field does not vary.</dd>
</dl>`;

const FOOTER = `<footer>Self-contained report: no scripts, fonts or images are loaded from anywhere. Charts rendered with Vega-Lite.</footer>`;
