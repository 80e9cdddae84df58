/**
 * The HTML report in a real browser: generated logs with a latency spike, the report written to a file and opened in
 * headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) with every network request blocked, in
 * the light and the dark colour scheme. Checks that nothing is fetched, nothing errs, every chart has its marks, the
 * chart text is legible on the page's background, and an injected model name stays text. Saves the screenshots the
 * README shows (docs/img/report-light.png, docs/img/report-dark.png). Without Chromium this fails, on purpose.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeLogs, type WriteResult } from '../pkg/generator/write';
import { renderReport, REPORT_HEADERS } from '../pkg/report/report';
import { loadLogs } from '../pkg/sources/load';
import { storeOf } from './support/test-store';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..');
const SCREENSHOTS = join(ROOT, 'docs', 'img');
const MAX_SCREENSHOT_BYTES = 500 * 1024;

jest.setTimeout(180_000);

/** What the page counts in each chart's SVG. */
interface ChartMarks {
  chart: string;
  caption: string;
  lines: number;
  symbols: number;
  areas: number;
  rects: number;
  texts: number;
}

interface PageCheck {
  charts: ChartMarks[];
  /** Contrast of chart axis labels and of body text against the page background. */
  axisContrast: number;
  textContrast: number;
  background: string;
}

/** Everything a page did that it should not: network requests, console errors, exceptions, dialogs. */
interface Misbehaviour {
  network: string[];
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
}

async function openOffline(
  browser: Browser,
  file: string,
  colorScheme: 'light' | 'dark'
): Promise<{ page: Page; bad: Misbehaviour }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1300 }, colorScheme });
  const bad: Misbehaviour = { network: [], consoleErrors: [], pageErrors: [], dialogs: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) {
      return route.continue();
    }
    bad.network.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) {
      bad.network.push(request.url());
    }
  });
  page.on('console', (message) => {
    if (message.type() === 'error') {
      bad.consoleErrors.push(message.text());
    }
  });
  page.on('pageerror', (error) => bad.pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    bad.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.emulateMedia({ colorScheme });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, bad };
}

/** Counts marks per chart and measures contrast, inside the page. */
function inspect(page: Page): Promise<PageCheck> {
  return page.evaluate(() => {
    const luminance = (color: string): number => {
      const [r, g, b] = (color.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((c) => {
        const v = Number(c) / 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a: string, b: string): number => {
      const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    };
    const background = getComputedStyle(document.body).backgroundColor;
    const count = (figure: Element, selector: string) => figure.querySelectorAll(selector).length;
    const charts = Array.from(document.querySelectorAll('figure[data-chart]')).map((figure) => ({
      chart: figure.getAttribute('data-chart') ?? '',
      caption: figure.querySelector('figcaption')?.textContent ?? '',
      lines: count(figure, 'svg g.mark-line.role-mark path'),
      symbols: count(figure, 'svg g.mark-symbol.role-mark path'),
      areas: count(figure, 'svg g.mark-area.role-mark path'),
      rects: count(figure, 'svg g.mark-rect.role-mark path'),
      texts: count(figure, 'svg g.mark-text.role-mark text'),
    }));
    const axisLabel = document.querySelector('figure[data-chart] svg g.role-axis-label text');
    return {
      charts,
      axisContrast: axisLabel ? contrast(getComputedStyle(axisLabel).fill, background) : 0,
      textContrast: contrast(getComputedStyle(document.body).color, background),
      background,
    };
  });
}

describe('HTML report in headless Chromium, offline', () => {
  let dir: string;
  let browser: Browser;
  let generated: WriteResult;
  let reportFile: string;
  let evilFile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run this test`
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
    generated = await writeLogs(join(dir, 'logs'), { rows: 20_000, seed: 11, noise: 0.002, spikeEveryHours: 1 });
    const store = await loadLogs([join(dir, 'logs')]);
    reportFile = join(dir, 'report.html');
    writeFileSync(
      reportFile,
      await renderReport(store, {
        range: {},
        title: 'Inference log report (sample logs)',
        // A fixed date keeps the file, and so the screenshots, the same from run to run.
        generatedAt: Date.UTC(2026, 10, 20, 6),
      })
    );

    // Names that would run script, load an image or break out of an attribute if they were not escaped.
    const evil = storeOf(
      Array.from({ length: 200 }, (_, i) => ({
        timestamp: new Date(Date.UTC(2026, 10, 20) + i * 10_000).toISOString(),
        model: i % 2 ? '<script>alert(1)</script>' : '<img src=x onerror=alert(2)>',
        request_id: `"><svg onload=alert(3)><a href="https://example.com/x">`,
        latency_ms: i === 150 ? 5000 : 10 + (i % 7),
        status: 'success',
      }))
    );
    evilFile = join(dir, 'evil.html');
    writeFileSync(evilFile, await renderReport(evil, { range: {}, title: '<style>*{display:none}</style>' }));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generated a latency spike to find', () => {
    expect(generated.spikes.length).toBeGreaterThan(0);
    expect(generated.rows).toBe(20_000);
  });

  describe.each(['light', 'dark'] as const)('%s colour scheme', (colorScheme) => {
    let page: Page;
    let bad: Misbehaviour;
    let check: PageCheck;

    beforeAll(async () => {
      ({ page, bad } = await openOffline(browser, reportFile, colorScheme));
      check = await inspect(page);
    });
    afterAll(async () => {
      await page?.context().close();
    });

    it('loads without touching the network and without errors', () => {
      expect(bad).toEqual({ network: [], consoleErrors: [], pageErrors: [], dialogs: [] });
    });

    it('draws p50, p95 and p99 per model, with the anomalies marked', () => {
      const latency = check.charts.filter((c) => c.chart === 'latency');
      expect(latency).toHaveLength(4); // the generator's four models
      let marked = 0;
      for (const chart of latency) {
        expect(chart.lines).toBe(3);
        const said = /(\d[\d,]*) anomalous request/.exec(chart.caption);
        expect(said).not.toBeNull();
        expect(chart.symbols).toBe(Number(said![1].replace(/,/g, '')));
        marked += chart.symbols;
      }
      expect(marked).toBeGreaterThan(0);
    });

    it('draws request rate, error rate and the n×n correlation heatmap', () => {
      const byName = new Map(check.charts.map((c) => [c.chart, c]));
      expect(byName.get('rate')!.areas).toBe(4);
      expect(byName.get('error-rate')!.lines).toBeGreaterThan(0);
      expect(byName.get('error-rate')!.areas).toBeGreaterThan(0);
      expect(byName.get('correlation')!.rects).toBe(16);
      expect(byName.get('correlation')!.texts).toBe(16);
    });

    it('keeps chart labels and text legible on the background', () => {
      const dark = colorScheme === 'dark';
      expect(check.background).toBe(dark ? 'rgb(17, 20, 24)' : 'rgb(255, 255, 255)');
      expect(check.axisContrast).toBeGreaterThan(7);
      expect(check.textContrast).toBeGreaterThan(7);
    });

    it('saves a screenshot for the README', async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, `report-${colorScheme}.png`);
      await page.screenshot({ path: file, clip: { x: 0, y: 0, width: 1000, height: 1300 } });
      expect(statSync(file).size).toBeLessThan(MAX_SCREENSHOT_BYTES);
    });
  });

  it('renders under the Content-Security-Policy it is served with, with no violation', async () => {
    // Served over http (a CSP needs a response header), from a route, as the proxy serves it.
    const context = await browser.newContext({ viewport: { width: 1000, height: 1300 } });
    const errors: string[] = [];
    const html = readFileSync(reportFile, 'utf8');
    await context.route('**/*', (route) =>
      route.request().url() === 'http://report.test/report.html'
        ? route.fulfill({
            status: 200,
            contentType: 'text/html; charset=utf-8',
            headers: { ...REPORT_HEADERS },
            body: html,
          })
        : route.abort('blockedbyclient')
    );
    const page = await context.newPage();
    page.on('console', (message) => (message.type() === 'error' ? errors.push(message.text()) : undefined));
    page.on('request', (request) =>
      request.url() === 'http://report.test/report.html' ? undefined : errors.push(`fetched ${request.url()}`)
    );
    try {
      const response = await page.goto('http://report.test/report.html', { waitUntil: 'load' });
      expect(response!.headers()['content-security-policy']).toBe(REPORT_HEADERS['Content-Security-Policy']);
      const check = await inspect(page);
      expect(errors).toEqual([]);
      // The inline <style> applied (the light background) and the inline SVG charts drew their marks.
      expect(check.background).toBe('rgb(255, 255, 255)');
      expect(check.charts.filter((c) => c.chart === 'latency').every((c) => c.lines === 3)).toBe(true);
      expect(check.charts.length).toBeGreaterThan(4);
    } finally {
      await context.close();
    }
  });

  it('keeps injected names as text: no script runs, nothing is fetched', async () => {
    const { page, bad } = await openOffline(browser, evilFile, 'light');
    try {
      expect(bad).toEqual({ network: [], consoleErrors: [], pageErrors: [], dialogs: [] });
      const found = await page.evaluate(() => ({
        scripts: document.querySelectorAll('script').length,
        images: document.querySelectorAll('img').length,
        links: document.querySelectorAll('a').length,
        styles: document.querySelectorAll('style').length,
        headings: Array.from(document.querySelectorAll('#latency h3'), (h) => h.textContent),
        title: document.title,
      }));
      expect(found).toEqual({
        scripts: 0,
        images: 0,
        links: 0,
        styles: 1,
        headings: ['<img src=x onerror=alert(2)>', '<script>alert(1)</script>'],
        title: '<style>*{display:none}</style>',
      });
    } finally {
      await page.context().close();
    }
  });
});
