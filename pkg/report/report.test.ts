import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { main } from '../cli/main';
import { QueryError } from '../engine/errors';
import { Frame } from '../engine/frames';
import { analyse } from '../engine/run';
import { LogRecord, ms, req, storeOf, values } from '../../test/support/test-store';
import { Filters, STANDARD_METRICS, TimeRange } from '../model/query';
import { SKIP_REASONS } from '../sources/parse-line';
import { Store } from '../store/store';
import { escapeHtml, formatTimeUs } from './html';
import { renderReport } from './report';

const T0 = ms('2026-11-20T10:00:00Z');
const EVIL_MODEL = '<script>alert(1)</script>';
const EVIL_ID = '"><img src=x onerror=alert(2)>';

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

/** Two hours of three models (one named like an injection), errors, a few slow requests, and some bad lines. */
function records(): Array<LogRecord | string> {
  const random = lcg(42);
  const out: Array<LogRecord | string> = [];
  const models = ['bert-large', 'llama-3-8b', EVIL_MODEL];
  for (let i = 0; i < 1800; i++) {
    const model = models[i % models.length];
    const batch = 1 + Math.floor(random() * 16);
    const slow = i % 97 === 0 ? 40 : 1;
    out.push(
      req(T0 + i * 4000 + Math.floor(random() * 1000), {
        model,
        request_id: i === 97 ? EVIL_ID : `req-${i}`,
        latency_ms: (20 + (model === 'llama-3-8b' ? 200 : 30) * random() + batch * 3) * slow,
        batch_size: batch,
        gpu_util: 30 + batch * 4 + random() * 10,
        memory_used_gb: 8 + random() * 4,
        status: random() < 0.03 ? 'error' : 'success',
      })
    );
  }
  out.push('not json at all', '[1, 2]', JSON.stringify({ timestamp: '2026-11-20T10:00:00', latency_ms: 1 }));
  return out;
}

const store = storeOf(records());

function one(query: Parameters<typeof analyse>[1], range: TimeRange = {}, filters: Filters = {}): Frame {
  return analyse(store, { ...query, filters }, { range })[0];
}

function numbers(frame: Frame, name: string): number[] {
  const field = frame.fields.find((f) => f.name === name);
  if (!field || field.type === 'string') {
    throw new Error(`no numeric field ${name}`);
  }
  return Array.from(field.values);
}

/** The HTML of `<section id="…">` … `</section>`. */
function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** `data-key` → the number in `data-value`, of the elements carrying both. */
function keyedValues(html: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const m of html.matchAll(/data-key="([^"]+)" data-value="([^"]+)"/g)) {
    map.set(m[1], Number(m[2]));
  }
  return map;
}

/** The numbers in `data-value` attributes, in order. */
function dataValues(html: string): number[] {
  return Array.from(html.matchAll(/data-value="([^"]+)"/g), (m) => Number(m[1]));
}

describe('renderReport', () => {
  let html: string;
  beforeAll(async () => {
    html = await renderReport(store, { range: {}, title: 'Test & <report>' });
  });

  it('is one HTML document with every section and chart', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Test &amp; &lt;report&gt;</title>');
    for (const id of [
      'headline',
      'latency',
      'traffic',
      'anomalies',
      'correlation',
      'compare',
      'skipped',
      'conventions',
    ]) {
      expect(html).toContain(`<section id="${id}"`);
    }
    // One latency chart per model, plus request rate, error rate and the heatmap.
    expect(html.match(/data-chart="latency"/g)).toHaveLength(3);
    for (const chart of ['rate', 'error-rate', 'correlation']) {
      expect(html).toContain(`data-chart="${chart}"`);
    }
    expect(html.match(/<svg\b/g)).toHaveLength(6);
    expect(html).not.toContain('data-empty');
  });

  it('shows the headline numbers the engine answers', () => {
    const summary = one({ queryType: 'summary' });
    const shown = keyedValues(sectionOf(html, 'headline'));
    for (const name of [
      'requests',
      'error_rate',
      'throughput_rps',
      'p50_latency_ms',
      'p95_latency_ms',
      'p99_latency_ms',
    ]) {
      expect(shown.get(name)).toBe(numbers(summary, name)[0]);
    }
    expect(shown.get('requests')).toBe(1800);
    expect(sectionOf(html, 'headline')).toContain('2026-11-20 10:00:00 → 11:59:5');
  });

  it('shows the model comparison the engine answers, row by row', () => {
    const compare = one({ queryType: 'compare' });
    const rows = sectionOf(html, 'compare').split('<tr>').slice(2); // after the header row
    expect(rows).toHaveLength(3);
    const columns = ['requests', 'request_share', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms', 'error_rate'];
    rows.forEach((row, i) => {
      const shown = keyedValues(row);
      for (const name of columns) {
        expect(shown.get(name)).toBe(numbers(compare, name)[i]);
      }
    });
    // Each model but the baseline (the first) in words, as compare's verdict says it.
    const verdicts = sectionOf(html, 'compare').split('<li>').slice(1);
    expect(verdicts).toHaveLength(2);
    const models = values(compare, 'model');
    expect(sectionOf(html, 'compare')).toContain(`the baseline <strong>${escapeHtml(String(models[0]))}</strong>`);
    verdicts.forEach((item, i) => {
      expect(item).toContain(`<strong>${escapeHtml(String(models[i + 1]))}</strong>: `);
      expect(item).toContain(escapeHtml(String(values(compare, 'verdict')[i + 1])));
      expect(values(compare, 'verdict')[i + 1]).toMatch(/^p50 .*; p99 .*; latency distributions .*; .*error/);
    });
  });

  it('has no tokens section when the logs have no token counts', () => {
    expect(html).not.toContain('<section id="tokens"');
  });

  it('shows the tokens and LLM serving times the engine answers, when the logs have them', async () => {
    const random = lcg(7);
    const llm = storeOf(
      Array.from({ length: 600 }, (_, i) => {
        const output = 1 + Math.floor(random() * 300);
        const ttft = 20 + random() * 80;
        return req(T0 + i * 1000, {
          model: i % 2 ? 'llama-3-8b' : 'mistral-7b',
          latency_ms: ttft + output * (5 + random() * 10),
          ttft_ms: ttft,
          input_tokens: 100 + Math.floor(random() * 2000),
          output_tokens: output,
          status: 'success',
        });
      })
    );
    const page = await renderReport(llm, { range: {} });
    const summary = analyse(llm, { queryType: 'summary', groupBy: ['model'] }, { range: {} })[0];
    const rows = sectionOf(page, 'tokens').split('<tr>').slice(2);
    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => {
      const shown = keyedValues(row);
      for (const name of [
        'avg_input_tokens',
        'avg_output_tokens',
        'p50_ttft_ms',
        'p99_tpot_ms',
        'p50_output_tokens_per_s',
      ]) {
        expect(shown.get(name)).toBe(numbers(summary, name)[i]);
        expect(Number.isFinite(shown.get(name))).toBe(true);
      }
    });
  });

  it('lists the most extreme anomalies the engine finds, and marks them on the latency charts', () => {
    const anomalies = one({ queryType: 'anomalies', method: 'zscore', groupBy: ['model'], limit: 20 });
    const section = sectionOf(html, 'anomalies');
    const rows = section.split('<tr>').slice(2);
    expect(rows.length).toBe(numbers(anomalies, 'latency_ms').length);
    expect(rows.length).toBeGreaterThan(0);
    rows.forEach((row, i) => {
      expect(dataValues(row)).toEqual([numbers(anomalies, 'latency_ms')[i], numbers(anomalies, 'score')[i]]);
      expect(row).toContain(formatTimeUs(numbers(anomalies, 'timestamp')[i]));
    });
    expect(section).toContain(`${anomalies.meta?.custom?.found} requests with |score| &gt; 3`);
    // Diamonds on the latency charts: vega draws each anomaly as one symbol path.
    const latency = sectionOf(html, 'latency');
    expect((latency.match(/<g class="mark-symbol role-mark[^"]*"[^>]*>(<path[^>]*>)+/g) ?? []).join('')).toMatch(
      /<path/
    );
  });

  it('draws the correlation matrix the engine answers, with its coefficients', () => {
    const correlation = one({ queryType: 'correlation', metrics: [...STANDARD_METRICS] });
    const expected = STANDARD_METRICS.map((_, i) => STANDARD_METRICS.map((m) => numbers(correlation, m)[i])).flat();
    const section = sectionOf(html, 'correlation');
    expect(dataValues(section)).toEqual(expected);
    // The heatmap: one rect per cell, each printed with its coefficient to two decimals.
    const figure = section.slice(section.indexOf('data-chart="correlation"'), section.indexOf('</figure>'));
    const cells = figure.match(/<g class="mark-rect role-mark[^"]*"[^>]*>((?:<path[^>]*\/>)+)<\/g>/);
    expect(cells?.[1].match(/<path/g)).toHaveLength(16);
    for (const r of expected) {
      expect(figure).toContain(`>${r.toFixed(2)}</text>`);
    }
  });

  it('escapes model names and request ids from the logs', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain(escapeHtml(EVIL_MODEL));
    expect(sectionOf(html, 'compare')).toContain('<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    expect(sectionOf(html, 'latency')).toContain('<h3>&lt;script&gt;alert(1)&lt;/script&gt;</h3>');
    expect(html).toContain(escapeHtml(EVIL_ID));
  });

  it('refers to nothing outside the file: no URLs, no scripts, no external resources', () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    for (const m of html.matchAll(/\b(?:src|href|xlink:href)\s*=\s*"([^"]*)"/gi)) {
      expect(m[1]).toMatch(/^#/);
    }
    for (const m of html.matchAll(/url\(([^)]*)\)/g)) {
      expect(m[1]).toMatch(/^#/);
    }
  });

  it('counts skipped lines by reason, with their descriptions', () => {
    const section = sectionOf(html, 'skipped');
    expect(section).toContain('data-skipped-total="3"');
    for (const reason of ['invalid_json', 'not_an_object', 'missing_model']) {
      expect(store.skipped[reason]).toBe(1);
      expect(section).toContain(`<code>${reason}</code>`);
      expect(section).toContain(escapeHtml(SKIP_REASONS[reason]));
      expect(keyedValues(section).get(reason)).toBe(1);
    }
  });

  it('states the conventions', () => {
    const section = sectionOf(html, 'conventions');
    for (const words of ['(n − 1)·q', 'ddof = 1', '2xx', 'Both ends are included', 'Unix epoch', 'pairwise complete']) {
      expect(section).toContain(words);
    }
  });

  it('says so when no request is in the range, instead of drawing empty charts', async () => {
    const empty = await renderReport(store, {
      range: { from: ms('2027-01-01T00:00:00Z'), to: ms('2027-01-02T00:00:00Z') },
    });
    expect(empty).toContain('data-empty="true"');
    expect(empty).toContain('No requests to report');
    expect(empty).toContain('The logs hold 1,800 requests, from 2026-11-20 10:00:00');
    expect(empty).not.toContain('<svg');
    expect(keyedValues(sectionOf(empty, 'headline')).get('requests')).toBe(0);
    expect(empty).toContain('<section id="skipped"');
    expect(empty).toContain('<section id="conventions"');

    const nothing = await renderReport(new Store(), { range: {} });
    expect(nothing).toContain('The logs hold no requests at all.');
    expect(nothing).toContain('No lines were skipped');
  });

  it('reports on a range and filters, as the engine selects them', async () => {
    const range = { from: T0, to: T0 + 3_600_000 };
    const filters = { model: ['bert-large'] };
    const filtered = await renderReport(store, { range, filters, window: '5m' });
    const summary = one({ queryType: 'summary' }, range, filters);
    expect(keyedValues(sectionOf(filtered, 'headline')).get('requests')).toBe(numbers(summary, 'requests')[0]);
    expect(keyedValues(sectionOf(filtered, 'headline')).get('throughput_rps')).toBe(
      numbers(summary, 'throughput_rps')[0]
    );
    expect(filtered.match(/data-chart="latency"/g)).toHaveLength(1);
    expect(filtered).toContain('Filters: model = bert-large.');
    expect(filtered).toContain('5m buckets');
    expect(filtered).toContain('both ends included');
  });

  it('refuses a window that would give an unreadable chart', async () => {
    await expect(renderReport(store, { range: {}, window: '1s' })).rejects.toThrow(QueryError);
  });
});

describe('inference-logs report', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'report-cli-'));
    writeFileSync(
      path.join(dir, 'inference.log'),
      records()
        .map((r) => (typeof r === 'string' ? r : JSON.stringify(r)))
        .join('\n') + '\n'
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(...argv: string[]): Promise<{ code: number; stderr: string }> {
    const err: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    }) as typeof process.stderr.write);
    try {
      return { code: await main(argv), stderr: err.join('') };
    } finally {
      stderr.mockRestore();
    }
  }

  it('writes the report with the range, model and title asked for', async () => {
    const out = path.join(dir, 'report.html');
    const result = await run(
      'report',
      '--logs',
      dir,
      '--out',
      out,
      '--from',
      '2026-11-20T10:30:00',
      '--to',
      '2026-11-20T11:00:00',
      '--model',
      'llama-3-8b',
      '--title',
      'Nightly <check>'
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h1>Nightly &lt;check&gt;</h1>');
    const summary = one(
      { queryType: 'summary' },
      { from: ms('2026-11-20T10:30:00Z'), to: ms('2026-11-20T11:00:00Z') },
      { model: ['llama-3-8b'] }
    );
    expect(keyedValues(sectionOf(html, 'headline')).get('requests')).toBe(numbers(summary, 'requests')[0]);
  });

  it('fails with status 2 when --out cannot be written', async () => {
    const result = await run('report', '--logs', dir, '--out', path.join(dir, 'missing', 'r.html'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a directory/);
  });
});
