/**
 * `npm run loadtest`: a load and fault test of `inference-logs serve`, loopback only, bounded in time.
 *
 * In a temporary folder it writes a few seconds of generated logs (pkg/generator), starts the built CLI's `serve` on
 * 127.0.0.1 with a token and a restart cache, then at once appends lines at a steady rate with a logrotate-style
 * rotation every second (rename cascade app.log → .1 → .2 …, copy-truncate, gzip of generation 2) and drives mixed
 * queries from several clients. Midway the server is killed with SIGKILL and started again with the same options.
 * Then appending stops, the server is given time to catch up, and the rows it counts (health, an all-time summary)
 * and the request ids of a full CSV export must be exactly the lines written. Exits 1 on any error or difference.
 *
 * Options: --seconds N (load phase, default 45: about 60 s in all), --rate LINES_PER_S (8000), --clients N (4),
 * --rotate-ms MS (1000), --kill-at FRACTION (0.5; 0: no kill), --retention-rows N (serve keeps only the newest N:
 * then the newest N ids are expected), --keep N (rotated generations kept; default all), --keep-dir (keep the
 * folder: logs, events.txt, the final export), --cli PATH (default bin/inference-logs.js, the built CLI),
 * --strict-ids (also fail when the final export shows ids empty: rows counted, their ids not read back).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { LogGenerator } from '../pkg/generator/generate';

const ROOT = join(__dirname, '..');
const TOKEN = 'loadtest-token';

const args = parseArgs({
  options: {
    seconds: { type: 'string', default: '45' },
    rate: { type: 'string', default: '8000' },
    clients: { type: 'string', default: '4' },
    'rotate-ms': { type: 'string', default: '1000' },
    'kill-at': { type: 'string', default: '0.5' },
    'retention-rows': { type: 'string' },
    keep: { type: 'string' },
    'keep-dir': { type: 'boolean', default: false },
    'strict-ids': { type: 'boolean', default: false },
    cli: { type: 'string', default: join(ROOT, 'bin', 'inference-logs.js') },
  },
}).values;

function num(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) {
    throw new Error(`--${name} must be a number of at least ${min}`);
  }
  return n;
}

const SECONDS = num('seconds', args.seconds, 2);
const RATE = num('rate', args.rate, 1);
const CLIENTS = Math.floor(num('clients', args.clients, 1));
const ROTATE_MS = num('rotate-ms', args['rotate-ms'], 50);
const KILL_AT = num('kill-at', args['kill-at'], 0);
const RETENTION = args['retention-rows'] === undefined ? undefined : num('retention-rows', args['retention-rows'], 1);
const CLI = args.cli!;
const KEEP = args.keep === undefined ? Infinity : num('keep', args.keep, 1);

const work = mkdtempSync(join(tmpdir(), 'inference-loadtest-'));
const logs = join(work, 'logs');
const cacheDir = join(work, 'cache');
mkdirSync(logs);
mkdirSync(cacheDir);
const live = join(logs, 'app.log');
const started = Date.now();
const elapsed = (): number => (Date.now() - started) / 1000;
const say = (text: string): void => void process.stderr.write(`[${elapsed().toFixed(1)}s] ${text}\n`);

// ---- the writer: generated lines, each with a request id of its own (lt-<n>), so ids can be checked one by one ----

const HISTORY_LINES = Math.max(1000, Math.round(RATE * 4));
const generator = new LogGenerator({
  rows: Number.MAX_SAFE_INTEGER,
  seed: 15,
  start: Date.now() - (HISTORY_LINES / RATE) * 1000,
  ratePerSecond: RATE,
  extras: true,
});
const lineSource = generator.lines();
let written = 0;

function nextLines(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    const line = lineSource.next().value!.text;
    text += line.replace(/"request_id": "[^"]*"/, `"request_id": "lt-${written++}"`) + '\n';
  }
  return text;
}

/** Rotated generations, index 0 = app.log.1; `gz` once gzipped. */
const generations: Array<{ gz: boolean }> = [];
const genName = (i: number): string => join(logs, `app.log.${i + 1}${generations[i].gz ? '.gz' : ''}`);
let fd = openSync(live, 'a');
/** What happened when, by line number: written to events.txt in the folder (kept with --keep-dir). */
const events: string[] = [];
let rotations = 0;

function writeLines(count: number): void {
  if (count > 0) {
    writeSync(fd, nextLines(count));
  }
}

/** logrotate: shift app.log.N(.gz) up one, drop those past --keep. */
function cascade(): void {
  for (let i = generations.length - 1; i >= 0; i--) {
    const to = join(logs, `app.log.${i + 2}${generations[i].gz ? '.gz' : ''}`);
    if (i + 1 >= KEEP) {
      unlinkSync(genName(i));
    } else {
      renameSync(genName(i), to);
    }
  }
  generations.splice(KEEP - 1);
  generations.unshift({ gz: false });
}

/** One rotation, alternating rename (the writer reopens after a last batch) and copy-truncate; then gzip of .2. */
function rotate(): void {
  const kind = rotations++ % 2 === 0 ? 'rename' : 'copytruncate';
  events.push(`${elapsed().toFixed(2)}s rotation ${rotations} ${kind} at line ${written}`);
  cascade();
  if (kind === 'rename') {
    renameSync(live, genName(0));
    // A server writes on to the renamed file until it reopens its log (logrotate's postrotate signal).
    writeLines(Math.ceil(RATE / 100));
    closeSync(fd);
    fd = openSync(live, 'a');
  } else {
    // Lines written between copy and truncate would be lost (logrotate says so too): none are written here.
    copyFileSync(live, genName(0));
    ftruncateSync(fd, 0);
  }
  if (generations.length > 1 && !generations[1].gz) {
    const plain = genName(1);
    generations[1].gz = true;
    writeFileSync(genName(1), gzipSync(readFileSync(plain)));
    unlinkSync(plain);
  }
}

// ---- the server ----

interface Server {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let port = 0;
const serverLog: string[] = [];
/** The server running now, stopped whatever happens. */
let current: ChildProcess | null = null;

function startServer(): Promise<Server> {
  const retention = RETENTION === undefined ? [] : ['--retention-rows', String(RETENTION)];
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--logs',
      logs,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--cache-dir',
      cacheDir,
      ...retention,
    ],
    // The token through the environment, so it is not in the process list.
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, INFERENCE_LOGS_TOKEN: TOKEN } }
  );
  current = child;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      text += chunk;
      let end;
      while ((end = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, end);
        text = text.slice(end + 1);
        serverLog.push(line);
        if (line.startsWith('serving ')) {
          resolve({ child, pid: child.pid!, exited });
        }
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`serve exited (${code ?? signal}) before it listened:\n${serverLog.slice(-10).join('\n')}`))
    );
  });
}

// ---- memory: the server's VmRSS every 250 ms, and each process's VmHWM ----

const rssSamples: Array<{ t: number; pid: number; rssKiB: number }> = [];
const hwmKiB = new Map<number, number>();

function sampleMemory(pid: number): void {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    if (Number.isFinite(rss)) {
      rssSamples.push({ t: elapsed(), pid, rssKiB: rss });
      hwmKiB.set(pid, Math.max(hwmKiB.get(pid) ?? 0, hwm));
    }
  } catch {
    // The process is gone (killed): nothing to sample.
  }
}

// ---- the clients ----

interface Call {
  kind: string;
  path: string;
  body?: unknown;
}

const queryCall = (kind: string, query: Record<string, unknown>, range?: Record<string, string>): Call => ({
  kind: `query:${kind}`,
  path: '/api/query',
  body: { queries: [{ refId: 'A', queryType: kind, ...query }], range: range ?? {} },
});

/** The mix, weighted by repetition. */
const MIX: Array<() => Call> = [
  () => queryCall('summary', { groupBy: ['model'] }),
  () => queryCall('summary', {}, { from: 'now-1m', to: 'now' }),
  () => queryCall('trend', { aggregation: 'p99', window: '5s', groupBy: ['model'] }),
  () => queryCall('trend', { aggregation: 'count', window: 'auto' }, { from: 'now-2m', to: 'now' }),
  () => queryCall('anomalies', { method: 'zscore', groupBy: ['model'], limit: 50 }),
  () => queryCall('anomalies', { method: 'mad', limit: 20 }, { from: 'now-1m', to: 'now' }),
  () => queryCall('correlation', { correlation: 'pearson' }),
  () => queryCall('compare', {}),
  () => queryCall('logs', { limit: 100 }),
  () => queryCall('logs', { limit: 20, filters: { model: ['llama-3-8b'] } }),
  () => ({ kind: 'health', path: '/api/health' }),
  () => ({ kind: 'health', path: '/api/health' }),
  () => ({ kind: 'fields', path: '/api/fields' }),
  () => ({ kind: 'values', path: '/api/values?field=region' }),
  () => ({ kind: 'report', path: '/api/report.html?from=now-1m' }),
  () => ({ kind: 'export', path: '/api/export.csv?from=now-30s&limit=2000' }),
];

const latencies = new Map<string, number[]>();
const errors: string[] = [];
/** Failures while the server was down on purpose: from the kill until the restarted server listens. */
let expectedFailures = 0;
let killWindow: { from: number; to: number } | null = null;
let emptyIds = 0;
const emptyIdNotes: string[] = [];

function inKillWindow(t: number): boolean {
  return killWindow !== null && t >= killWindow.from && t <= killWindow.to;
}

async function call(path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Why an answer is wrong, or null: a 4xx/5xx, or a query that failed inside a 200 answer. */
function problemOf(c: Call, status: number, text: string): string | null {
  if (status !== 200) {
    return `${c.kind} ${c.path}: HTTP ${status} ${text.slice(0, 200)}`;
  }
  if (c.kind.startsWith('query:')) {
    const result = (JSON.parse(text) as { results: Record<string, { error?: string }> }).results.A;
    return result.error === undefined ? null : `${c.kind}: ${result.error}`;
  }
  if (c.kind === 'export') {
    const empty = emptyIdCount(text);
    if (empty > 0) {
      emptyIds += empty;
      emptyIdNotes.push(`${empty} at ${elapsed().toFixed(1)}s`);
    }
  }
  return null;
}

/** Rows of a CSV export whose request_id is empty (its log line could not be read back). */
function emptyIdCount(csv: string): number {
  return csvIds(csv).filter((id) => id === '').length;
}

/** The request_id column of a CSV export (ids, models and hosts here hold no commas or quotes). */
function csvIds(csv: string): string[] {
  const lines = csv.split(/\r?\n/).filter((l) => l !== '');
  const column = lines.length > 0 ? lines[0].split(',').indexOf('request_id') : -1;
  if (column < 0) {
    return [];
  }
  return lines.slice(1).map((l) => l.split(',')[column]);
}

let loadRunning = true;

async function client(first: number): Promise<void> {
  // Round robin through the mix, each client from its own place in it.
  for (let i = first; loadRunning; i++) {
    const c = MIX[i % MIX.length]();
    const t0 = performance.now();
    try {
      const { status, text } = await call(c.path, c.body);
      const problem = problemOf(c, status, text);
      if (problem === null) {
        const list = latencies.get(c.kind) ?? [];
        list.push(performance.now() - t0);
        latencies.set(c.kind, list);
      } else if (inKillWindow(elapsed())) {
        expectedFailures++;
      } else {
        errors.push(problem);
      }
    } catch (error) {
      if (inKillWindow(elapsed())) {
        expectedFailures++;
        // Refused while down: wait a little instead of spinning.
        await new Promise((r) => setTimeout(r, 50));
      } else {
        errors.push(
          `${c.kind} ${c.path}: ${error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : error}`
        );
      }
    }
  }
}

// ---- the run ----

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  // History: one rotated gzipped generation and the live file.
  writeLines(Math.floor(HISTORY_LINES / 2));
  rotate();
  writeLines(HISTORY_LINES - Math.floor(HISTORY_LINES / 2));
  port = await freePort();
  let server = await startServer();
  say(`serve pid ${server.pid} on 127.0.0.1:${port}, ${written} lines written before it started`);
  let sampler = setInterval(() => sampleMemory(server.pid), 250);

  const clients = Array.from({ length: CLIENTS }, (_, i) => client(Math.floor((i * MIX.length) / CLIENTS)));
  const loadStart = performance.now();
  const loadStartWritten = written;
  const killAtMs = KILL_AT > 0 ? KILL_AT * SECONDS * 1000 : Infinity;
  let lastRotate = 0;
  let killed = false;
  let restartSeconds = NaN;
  let restarted: Promise<void> = Promise.resolve();
  while (performance.now() - loadStart < SECONDS * 1000) {
    const now = performance.now() - loadStart;
    writeLines(loadStartWritten + Math.floor((now / 1000) * RATE) - written);
    if (now - lastRotate >= ROTATE_MS) {
      lastRotate = now;
      rotate();
    }
    if (!killed && now >= killAtMs) {
      killed = true;
      killWindow = { from: elapsed(), to: Infinity };
      say(`SIGKILL to serve pid ${server.pid}`);
      events.push(`${elapsed().toFixed(2)}s SIGKILL at line ${written}`);
      server.child.kill('SIGKILL');
      await server.exited;
      clearInterval(sampler);
      const t0 = performance.now();
      // The writer keeps appending while the new server starts: restart without blocking this loop.
      restarted = startServer().then((s) => {
        server = s;
        restartSeconds = (performance.now() - t0) / 1000;
        killWindow!.to = elapsed();
        events.push(`${elapsed().toFixed(2)}s restarted at line ${written}`);
        sampler = setInterval(() => sampleMemory(server.pid), 250);
        say(`restarted: pid ${s.pid}, listening after ${restartSeconds.toFixed(2)} s`);
      });
    }
    await sleep(20);
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  closeSync(fd);
  loadRunning = false;
  await Promise.all(clients);
  // A short run on a busy machine can end before the restarted server listens: wait for it (it fails if serve does).
  await restarted;
  say(`appending stopped: ${written} lines written, ${rotations} rotations`);

  // Caught up: the server's count is what was written (or the retention), or it stops moving for 15 s.
  const expected = RETENTION === undefined ? written : Math.min(RETENTION, written);
  const catchStart = performance.now();
  let held = -1;
  let heldSince = performance.now();
  let health: { requests: number; skipped: Record<string, number>; cache?: { state?: string } } = {
    requests: -1,
    skipped: {},
  };
  while (performance.now() - catchStart < 60_000 && performance.now() - heldSince < 15_000) {
    health = JSON.parse((await call('/api/health')).text);
    if (health.requests === expected) {
      break;
    }
    if (health.requests !== held) {
      held = health.requests;
      heldSince = performance.now();
    }
    await sleep(250);
  }
  const catchUpSeconds = (performance.now() - catchStart) / 1000;
  sampleMemory(server.pid);

  // The all-time summary's count, and every request id of a full export.
  const summary = JSON.parse(
    (await call('/api/query', { queries: [{ refId: 'A', queryType: 'summary' }], range: {} })).text
  ) as {
    results: { A: { frames: Array<{ schema: { fields: Array<{ name: string }> }; data: { values: number[][] } }> } };
  };
  const frame = summary.results.A.frames[0];
  const summaryCount = frame.data.values[frame.schema.fields.findIndex((f) => f.name === 'requests')][0];
  const exported = await call('/api/export.csv');
  const ids = csvIds(exported.text);
  if (args['keep-dir']) {
    writeFileSync(join(work, 'export.csv'), exported.text);
  }
  // Each expected id once, no other ids, none empty.
  const seen = new Set<number>();
  let duplicates = 0;
  let foreign = 0;
  let emptyFinal = 0;
  const duplicated: number[] = [];
  const firstExpected = written - expected;
  for (const id of ids) {
    const n = /^lt-\d+$/.test(id) ? Number(id.slice(3)) : -1;
    if (id === '') {
      emptyFinal++;
    } else if (n < firstExpected || n >= written) {
      foreign++;
    } else if (seen.has(n)) {
      duplicates++;
      duplicated.push(n);
    } else {
      seen.add(n);
    }
  }
  // Ids not in the export at all; the rows shown with an empty id are counted apart.
  const missing = expected - seen.size - emptyFinal;
  const missingRanges = ranges(
    Array.from({ length: expected }, (_, k) => firstExpected + k).filter((n) => !seen.has(n))
  );

  clearInterval(sampler);
  server.child.kill('SIGTERM');
  await server.exited;

  // ---- the figures ----
  let requests = 0;
  const routes: Record<string, { n: number; p50Ms: number; p99Ms: number }> = {};
  for (const [kind, list] of [...latencies].sort()) {
    const sorted = [...list].sort((a, b) => a - b);
    requests += list.length;
    routes[kind] = { n: list.length, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
  }
  const peakRssMiB = Math.max(0, ...hwmKiB.values()) / 1024;
  const result = {
    loadSeconds,
    linesWritten: written,
    linesPerSecond: (written - loadStartWritten) / loadSeconds,
    rotations,
    retentionRows: RETENTION ?? null,
    expectedRows: expected,
    healthRequests: health.requests,
    summaryRequests: summaryCount,
    exportedIds: ids.length,
    missingIds: missing,
    duplicateIds: duplicates,
    unexpectedIds: foreign,
    emptyIds: emptyFinal,
    emptyIdsDuringRun: emptyIds,
    skipped: health.skipped,
    cacheState: health.cache?.state ?? null,
    catchUpSeconds,
    requests,
    requestsPerSecond: requests / loadSeconds,
    errors: errors.length,
    expectedFailuresDuringKill: expectedFailures,
    killed,
    restartSeconds: killed ? restartSeconds : null,
    peakRssMiB,
    peakRssMiBPerProcess: [...hwmKiB.values()].map((k) => k / 1024),
    routes,
  };
  const ok =
    errors.length === 0 &&
    health.requests === expected &&
    summaryCount === expected &&
    ids.length === expected &&
    missing === 0 &&
    duplicates === 0 &&
    foreign === 0 &&
    (emptyFinal === 0 || !args['strict-ids']) &&
    Object.values(health.skipped).every((n) => n === 0);

  const out: string[] = [];
  out.push(
    `load phase ${loadSeconds.toFixed(1)} s, ${CLIENTS} clients, ${RATE} lines/s asked, ${result.linesPerSecond.toFixed(0)} written/s, ${rotations} rotations`
  );
  out.push(
    `requests: ${requests} answered, ${result.requestsPerSecond.toFixed(1)}/s; errors: ${errors.length}; failed while killed (expected): ${expectedFailures}`
  );
  out.push('route                    n     p50 ms    p99 ms');
  for (const [kind, r] of Object.entries(routes)) {
    out.push(
      `${kind.padEnd(20)} ${String(r.n).padStart(6)} ${r.p50Ms.toFixed(1).padStart(10)} ${r.p99Ms.toFixed(1).padStart(9)}`
    );
  }
  if (killed) {
    out.push(
      `SIGKILL at ${(KILL_AT * SECONDS).toFixed(1)} s into the load; the restarted server listened after ${restartSeconds.toFixed(2)} s`
    );
  }
  out.push(`server peak RSS (VmHWM): ${result.peakRssMiBPerProcess.map((m) => `${m.toFixed(0)} MiB`).join(' then ')}`);
  out.push(rssTimeline());
  out.push(
    `lines written ${written}; expected rows ${expected}${RETENTION === undefined ? '' : ` (retention ${RETENTION})`}`
  );
  out.push(
    `counted: health ${health.requests}, summary ${summaryCount}, export ${ids.length} ids (missing ${missing}, duplicated ${duplicates}, unexpected ${foreign}, empty ${emptyFinal}); caught up after ${catchUpSeconds.toFixed(1)} s`
  );
  if (emptyIds > 0) {
    // Not counted as a failure: the rows are there, their ids could not be read back while files were renamed.
    out.push(
      `warning: ${emptyIds} request ids shown empty in exports during the run (${emptyIdNotes.slice(0, 5).join(', ')})`
    );
  }
  if (duplicated.length > 0) {
    out.push(`duplicated ids: ${ranges(duplicated.sort((a, b) => a - b))}`);
  }
  if (missingRanges !== '') {
    out.push(`${missing > 0 ? 'missing' : 'warning: empty'} ids (not in the export): ${missingRanges}`);
  }
  for (const e of errors.slice(0, 10)) {
    out.push(`error: ${e}`);
  }
  out.push(ok ? 'PASS' : 'FAIL');
  process.stdout.write(`${out.join('\n')}\nLOADTEST_RESULT ${JSON.stringify(result)}\n`);
  if (!ok) {
    process.stderr.write(`server stderr (last 20 lines):\n${serverLog.slice(-20).join('\n')}\n`);
  }
  return ok ? 0 : 1;
}

/** `lt-5..lt-9, lt-20` for the sorted numbers 5 to 9 and 20: the first ten runs. */
function ranges(numbers: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < numbers.length && runs.length < 10;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) {
      j++;
    }
    runs.push(i === j ? `lt-${numbers[i]}` : `lt-${numbers[i]}..lt-${numbers[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** The server's RSS over the run in ten slices: the largest sample of each, so a plateau shows. */
function rssTimeline(): string {
  if (rssSamples.length === 0) {
    return 'RSS: no samples';
  }
  const end = rssSamples[rssSamples.length - 1].t;
  const begin = rssSamples[0].t;
  const cells: string[] = [];
  for (let s = 0; s < 10; s++) {
    const from = begin + ((end - begin) * s) / 10;
    const to = begin + ((end - begin) * (s + 1)) / 10;
    const inSlice = rssSamples.filter((x) => x.t >= from && x.t <= to);
    // '-': no sample (the server was down).
    const max = inSlice.length > 0 ? (Math.max(...inSlice.map((x) => x.rssKiB)) / 1024).toFixed(0) : '-';
    cells.push(`${to.toFixed(1)}s:${max}`);
  }
  return `server RSS MiB, max per tenth of the run (time: MiB): ${cells.join(' ')}`;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`loadtest: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  })
  .finally(() => {
    if (current && current.exitCode === null && current.signalCode === null) {
      current.kill('SIGKILL');
    }
    if (args['keep-dir']) {
      writeFileSync(join(work, 'events.txt'), events.join('\n') + '\n');
      say(`kept ${work}`);
    } else if (existsSync(work)) {
      rmSync(work, { recursive: true, force: true });
    }
  });
