#!/usr/bin/env node
/**
 * Screenshots of the plugin's real editors for the catalog page (src/plugin.json info.screenshots, README):
 *
 *   1. bundles ./page.tsx (the real src/components editors, real @grafana/ui, Grafana's light and dark themes,
 *      a stub data source answering the backend resources with ./fixtures.ts) with esbuild into
 *      .cache/screenshots/ (React and @grafana/* inside: a page of its own, not the plugin bundle);
 *   2. serves it on 127.0.0.1 (a random port), with Grafana's icons from @grafana/ui and the plugin's images;
 *   3. opens every scene in Debian's Chromium through playwright-core and saves the editor's frame as PNG.
 *
 * Fails (exit 1) when the page logs an error, throws, requests something that is not there, or a PNG is over
 * the size budget. Needs Chromium: `apt-get install -y chromium` (or CHROMIUM_PATH=/path/to/chrome).
 *
 * Usage: node scripts/screenshots/take.mjs [--out DIR] [--only NAME[,NAME]] [--scale N]
 *   --out    where the PNGs go (default src/img/screenshots)
 *   --only   some of: query-editor-trend-light, ..., config-editor-dark (default all six)
 *   --scale  device scale factor (default 1)
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const WORK = join(ROOT, '.cache', 'screenshots');
const MAX_PNG_BYTES = 300 * 1024;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** name -> page scene and theme; the names are the PNG files that src/plugin.json lists. */
const SHOTS = {
  'query-editor-trend-light': { scene: 'query-trend', theme: 'light' },
  'query-editor-trend-dark': { scene: 'query-trend', theme: 'dark' },
  'query-editor-anomalies-light': { scene: 'query-anomalies', theme: 'light' },
  'query-editor-anomalies-dark': { scene: 'query-anomalies', theme: 'dark' },
  'config-editor-light': { scene: 'config', theme: 'light' },
  'config-editor-dark': { scene: 'config', theme: 'dark' },
};

const log = (msg) => process.stdout.write(`screenshots: ${msg}\n`);
class Failure extends Error {}

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, 'src', 'img', 'screenshots') },
    only: { type: 'string' },
    scale: { type: 'string', default: '1' },
  },
});

// ---------------------------------------------------------------------------------------------------------------
// 1. bundle

async function bundle() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const t0 = Date.now();
  const result = await build({
    entryPoints: { page: join(HERE, 'page.tsx') },
    outdir: WORK,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    jsx: 'automatic',
    minify: true,
    sourcemap: false,
    logLevel: 'silent',
    legalComments: 'none',
    metafile: true,
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    loader: {
      '.svg': 'file',
      '.png': 'file',
      '.gif': 'file',
      '.woff': 'file',
      '.woff2': 'file',
      '.ttf': 'file',
      '.eot': 'file',
    },
  });
  for (const warning of result.warnings) {
    log(`esbuild warning: ${warning.text} (${warning.location?.file ?? ''})`);
  }
  const js = statSync(join(WORK, 'page.js')).size;
  const hasCss = existsSync(join(WORK, 'page.css'));
  writeFileSync(
    join(WORK, 'index.html'),
    [
      '<!doctype html>',
      '<html><head><meta charset="utf-8"><title>Inference Log Analytics editors</title>',
      hasCss ? '<link rel="stylesheet" href="/page.css">' : '',
      // What Grafana's index.html would provide: boot data for @grafana/runtime's config, the public path for icons.
      '<script>window.grafanaBootData={settings:{},user:{},navTree:[]};window.__grafana_public_path__="/public/";</script>',
      '</head><body><div id="root"></div><script src="/page.js"></script></body></html>',
    ].join('\n')
  );
  log(`bundled page.js (${(js / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------------------------
// 2. serve

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/** Grafana's Inter files (public/fonts/inter/, loaded by @grafana/ui's GlobalStyles) from @fontsource/inter. */
const FONTSOURCE = join(ROOT, 'node_modules', '@fontsource', 'inter', 'files');
const FONTS = {
  '/public/fonts/inter/Inter-Regular.woff2': 'inter-latin-400-normal.woff2',
  '/public/fonts/inter/Inter-Medium.woff2': 'inter-latin-500-normal.woff2',
  '/public/fonts/inter/Inter-Italic.woff2': 'inter-latin-400-italic.woff2',
  '/public/fonts/inter/Inter-MediumItalic.woff2': 'inter-latin-500-italic.woff2',
};

/** URL prefix -> folder. */
const MOUNTS = [
  ['/public/build/img/icons/', join(ROOT, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons')],
  ['/plugin/', join(ROOT, 'src')],
  ['/', WORK],
];

function serve() {
  const missing = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (FONTS[path]) {
      res.writeHead(200, { 'Content-Type': 'font/woff2' });
      res.end(readFileSync(join(FONTSOURCE, FONTS[path])));
      return;
    }
    for (const [prefix, folder] of MOUNTS) {
      if (!path.startsWith(prefix)) {
        continue;
      }
      const rest = path.slice(prefix.length) || 'index.html';
      const file = normalize(join(folder, rest));
      if (!file.startsWith(folder + sep) || !existsSync(file) || !statSync(file).isFile()) {
        break;
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
      return;
    }
    missing.push(path);
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolvePromise) => {
    server.listen(0, '127.0.0.1', () => resolvePromise({ server, missing, port: server.address().port }));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 3. shoot

async function shoot(browser, port, name, { scene, theme }, outDir, scale) {
  const context = await browser.newContext({
    viewport: { width: 1080, height: 800 },
    deviceScaleFactor: scale,
    colorScheme: theme,
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      problems.push(`console error: ${msg.text()}`);
    } else if (msg.type() === 'warning') {
      log(`  ${name}: console warning: ${msg.text().slice(0, 300)}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.stack ?? error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problems.push(`HTTP ${response.status()} for ${response.url()}`);
    }
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));

  await page.goto(`http://127.0.0.1:${port}/index.html?scene=${scene}&theme=${theme}`);
  try {
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  } catch {
    problems.push('the page did not become ready within 30 s');
  }
  const reported = await page.evaluate(() => window.__screenshot ?? { errors: [], resourceCalls: [] });
  // Icons are fetched and inlined asynchronously: give them a moment, then wait for fonts.
  await page.waitForTimeout(300);
  await page.evaluate(() => document.fonts.ready);
  const file = join(outDir, `${name}.png`);
  await page.locator('#capture').screenshot({ path: file, animations: 'disabled' });
  await context.close();

  const size = statSync(file).size;
  if (size > MAX_PNG_BYTES) {
    problems.push(
      `${relative(ROOT, file)} is ${(size / 1024).toFixed(0)} KB, over the ${MAX_PNG_BYTES / 1024} KB budget`
    );
  }
  const calls = [...new Set(reported.resourceCalls)].join(', ') || 'none';
  log(`  ${name}: ${(size / 1024).toFixed(1)} KB, resources asked: ${calls}`);
  return problems;
}

async function main() {
  const names = args.only ? args.only.split(',').map((s) => s.trim()) : Object.keys(SHOTS);
  for (const name of names) {
    if (!SHOTS[name]) {
      throw new Failure(`unknown screenshot ${name}; known: ${Object.keys(SHOTS).join(', ')}`);
    }
  }
  if (!existsSync(CHROMIUM)) {
    throw new Failure(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const scale = Number(args.scale);
  const outDir = resolve(args.out);
  mkdirSync(outDir, { recursive: true });

  await bundle();
  const { server, missing, port } = await serve();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const failures = [];
  try {
    for (const name of names) {
      const problems = await shoot(browser, port, name, SHOTS[name], outDir, scale);
      for (const problem of problems) {
        failures.push(`${name}: ${problem}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  for (const path of new Set(missing)) {
    log(`not found: ${path}`);
  }
  if (failures.length) {
    throw new Failure(`${failures.length} problem(s):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  }
  log(`wrote ${names.length} PNG(s) to ${relative(ROOT, outDir) || '.'}`);
}

main().catch((error) => {
  process.stderr.write(`screenshots: FAILED: ${error instanceof Failure ? error.message : (error.stack ?? error)}\n`);
  process.exit(1);
});
