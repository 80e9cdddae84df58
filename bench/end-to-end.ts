/**
 * End to end, as users run it: every answer is a fresh process on the page-cached log file — our built CLI
 * (bin/inference-logs.js) against DuckDB answering from the same file (bench/duckdb-oneshot.mjs, read_json of only
 * the columns the question needs), and the Grafana backend's first answer (plugin start, load, answer, under the
 * Grafana plugin host) over a folder it has never read, and after a restart from its restart cache; and the CLI on
 * logs with 0, 3 and 10 extra fields. Medians of `runs`; the answers are compared.
 */
import { tableFromIPC } from 'apache-arrow';
import { execFileSync, spawn } from 'child_process';
import {
  closeSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'fs';
import { readFile } from 'fs/promises';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';
import { BatchScanner } from '../pkg/sources/line-batch';

const ROOT = resolve(__dirname, '..');
/** Run as the `inference-logs` command runs (npm link, npm run cli): the executable script itself, its #! line included. */
const CLI = join(ROOT, 'bin', 'inference-logs.js');
const ONESHOT = join(__dirname, 'duckdb-oneshot.mjs');
const ANOMALY_LIMIT = 100;

export const QUESTIONS = {
  'summary by model': { ours: ['summary', '--by', 'model'], duck: 'summary' },
  'trend p99 per minute by model': {
    ours: ['trend', '--by', 'model', '--window', '1m', '--agg', 'p99'],
    duck: 'trend',
  },
  'z-score anomalies by model': {
    ours: ['anomalies', '--by', 'model', '--limit', String(ANOMALY_LIMIT)],
    duck: 'anomalies',
  },
} as const;
export type Question = keyof typeof QUESTIONS;

export interface EndToEndRow {
  name: string;
  oursMs: number[];
  duckMs: number[];
  /** Numbers compared between the two answers, and what differed. */
  compared: number;
  problems: string[];
}

interface Timed {
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs a process to its end; its wall time from spawn to exit, or to the first stdout line matching `until`. */
function timed(command: string, args: string[], until?: RegExp, env?: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    let answeredMs: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (until && answeredMs === undefined && until.test(stdout)) {
        answeredMs = performance.now() - started;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = answeredMs ?? performance.now() - started;
      if (code !== 0 || (until && answeredMs === undefined)) {
        reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${stdout.slice(0, 2000)}\n${stderr}`));
        return;
      }
      resolvePromise({ ms, stdout, stderr });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export { median };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const close = (a: number | null, b: number | null): boolean =>
  a === null || b === null ? a === b : a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/** The values of a field of one of our JSON frames. */
function column(frame: Json, name: string): unknown[] {
  const index = (frame.schema.fields as Json[]).findIndex((f) => f.name === name);
  if (index < 0) {
    throw new Error(`no field ${name} in frame ${frame.schema.name}`);
  }
  return frame.data.values[index];
}

/** Our answer (JSON frames) against DuckDB's (rows): the numbers both give, equal to 1e-9. */
function compareAnswers(question: Question, ours: Json[], duck: Json[]): { compared: number; problems: string[] } {
  const problems: string[] = [];
  let compared = 0;
  const check = (what: string, a: number | null, b: number | null): void => {
    compared++;
    if (!close(a, b)) {
      problems.push(`${what}: ours ${a}, DuckDB ${b}`);
    }
  };
  if (question === 'summary by model') {
    const models = column(ours[0], 'model') as string[];
    const byModel = new Map(duck.map((r) => [r.model as string, r]));
    models.forEach((model, i) => {
      const d = byModel.get(model);
      if (!d) {
        problems.push(`${model}: not in DuckDB's answer`);
        return;
      }
      check(`${model} requests`, column(ours[0], 'requests')[i] as number, d.requests);
      check(`${model} avg`, column(ours[0], 'avg_latency_ms')[i] as number, d.avg);
      check(`${model} p50`, column(ours[0], 'p50_latency_ms')[i] as number, d.q[0]);
      check(`${model} p99`, column(ours[0], 'p99_latency_ms')[i] as number, d.q[3]);
      check(`${model} error rate`, column(ours[0], 'error_rate')[i] as number, d.error_rate);
    });
    if (models.length !== duck.length) {
      problems.push(`models: ours ${models.length}, DuckDB ${duck.length}`);
    }
  } else if (question === 'trend p99 per minute by model') {
    const theirs = new Map(duck.map((r) => [`${r.model}@${r.bucket}`, r.p99 as number]));
    let buckets = 0;
    for (const frame of ours) {
      const model = (frame.schema.fields as Json[])[1].labels.model as string;
      const times = column(frame, 'time') as number[];
      const values = frame.data.values[1] as Array<number | null>;
      times.forEach((t, i) => {
        if (values[i] !== null) {
          buckets++;
          check(`${model}@${t}`, values[i], theirs.get(`${model}@${t}`) ?? null);
        }
      });
    }
    if (buckets !== duck.length) {
      problems.push(`non-empty buckets: ours ${buckets}, DuckDB ${duck.length}`);
    }
  } else {
    const found = ours[0].schema.meta.custom.found as number;
    check('anomalies found', found, duck[0]?.found ?? 0);
    const scores = column(ours[0], 'score') as number[];
    scores.forEach((s, i) => check(`anomaly #${i} |score|`, Math.abs(s), Math.abs(duck[i]?.score ?? NaN)));
  }
  return { compared, problems };
}

/** Our CLI and DuckDB, alternately, `runs` times each per question. */
export async function cliAgainstDuckDB(file: string, runs: number): Promise<EndToEndRow[]> {
  const rows: EndToEndRow[] = [];
  for (const [name, question] of Object.entries(QUESTIONS) as Array<[Question, (typeof QUESTIONS)[Question]]>) {
    const row: EndToEndRow = { name, oursMs: [], duckMs: [], compared: 0, problems: [] };
    let last: { ours: string; duck: string } = { ours: '', duck: '' };
    for (let run = 0; run < runs; run++) {
      const ours = await timed(CLI, [...question.ours, '--logs', file, '--format', 'json']);
      const duck = await timed(process.execPath, [ONESHOT, question.duck, file, String(ANOMALY_LIMIT)]);
      row.oursMs.push(ours.ms);
      row.duckMs.push(duck.ms);
      last = { ours: ours.stdout, duck: duck.stdout };
      process.stderr.write(`end to end: ${name}: ours ${ours.ms.toFixed(0)} ms, DuckDB ${duck.ms.toFixed(0)} ms\n`);
    }
    Object.assign(row, compareAnswers(name, JSON.parse(last.ours), JSON.parse(last.duck)));
    rows.push(row);
  }
  return rows;
}

// ---- the Grafana backend under the plugin host ----

const PLUGIN = join(ROOT, 'dist', 'gpx_inference_log_analytics_linux_amd64');
const HOST = process.env.GRAFANA_PLUGIN_HOST || join(ROOT, 'test', 'grafana-host', 'bin', 'grafana-host');
/** The host's line for a good answer: the time to it is the time to the first answer. */
const ANSWERED = /refId A: status 200/;
/** How long the uncached run may take to write the restart cache after its answer. */
const CACHE_WAIT_MS = 120_000;

/** Epoch ms, both ends inclusive. */
export interface TimeRange {
  from: number;
  to: number;
}

/** The executable or the host, when one is not built. */
function backendMissing(): string | null {
  const missing = [PLUGIN, HOST].find((needed) => !existsSync(needed));
  return missing ? `${missing} (npm run build; bash test/grafana-host/build.sh)` : null;
}

/**
 * In `work`: `logs`, a link to the log file's folder, and request.json asking the summary by model over `range`
 * (without a range the host asks for the hour before now: none of the data, or an hour of it). Returns the
 * request's path.
 */
function backendRequest(work: string, file: string, range: TimeRange, uid: string, jsonData: Json): string {
  const logs = join(work, 'logs');
  if (!existsSync(logs)) {
    symlinkSync(dirname(file), logs);
  }
  const request = join(work, 'request.json');
  writeFileSync(
    request,
    JSON.stringify({
      datasource: { uid, name: 'bench', jsonData: { paths: [logs], ...jsonData } },
      timeRange: range,
      queries: [{ refId: 'A', queryType: 'summary', model: { groupBy: ['model'] } }],
    })
  );
  return request;
}

const hostArgs = (request: string, out: string): string[] => [
  '--skip-host-env',
  PLUGIN,
  'query',
  '--json',
  request,
  '--out',
  out,
  '--no-decode',
];

/** A frame the host wrote (Arrow IPC) as the JSON frame our CLI prints (fields' names, values; int64 as numbers). */
function frameJson(bytes: Buffer): Json {
  const table = tableFromIPC(bytes);
  const fields = table.schema.fields;
  return {
    schema: { name: table.schema.metadata.get('name'), fields: fields.map((f) => ({ name: f.name })) },
    data: {
      values: fields.map((_, i) =>
        Array.from(table.getChildAt(i) ?? [], (v: unknown) => (typeof v === 'bigint' ? Number(v) : v))
      ),
    },
  };
}

/** Two frames with the same fields and exactly the same values. */
function sameFrame(a: Json, b: Json): { compared: number; problems: string[] } {
  const problems: string[] = [];
  let compared = 0;
  const names = (f: Json): string => (f.schema.fields as Json[]).map((x) => x.name).join();
  if (names(a) !== names(b) || names(a) === '') {
    return { compared, problems: [`fields: ${names(a) || 'none'} vs ${names(b) || 'none'}`] };
  }
  (a.data.values as unknown[][]).forEach((column, i) => {
    const other = b.data.values[i] as unknown[];
    if (column.length !== other.length) {
      problems.push(`${a.schema.fields[i].name}: ${column.length} vs ${other.length} rows`);
    }
    column.forEach((value, row) => {
      compared++;
      if (!Object.is(value, other[row])) {
        problems.push(`${a.schema.fields[i].name}[${row}]: ${value} vs ${other[row]}`);
      }
    });
  });
  return { compared, problems };
}

/**
 * The Grafana backend's first answer (summary by model over all the data) over a folder it has never read: the
 * plugin host starts the built executable as Grafana does and asks once; timed from the host's start to the answer
 * on its stdout. DuckDB's one-shot summary is the peer; the last answers are compared.
 */
export async function backendFirstAnswer(
  file: string,
  runs: number,
  range: TimeRange
): Promise<{ oursMs: number[]; duckMs: number[]; compared: number; problems: string[] } | { missing: string }> {
  const missing = backendMissing();
  if (missing) {
    return { missing };
  }
  const oursMs: number[] = [];
  const duckMs: number[] = [];
  let check = { compared: 0, problems: [] as string[] };
  for (let run = 0; run < runs; run++) {
    // A folder of its own each run: nothing read before (no cache of an earlier run applies).
    const work = mkdtempSync(join(tmpdir(), 'bench-backend-'));
    try {
      // No restart cache: a cold start, and no cache file left behind.
      const request = backendRequest(work, file, range, `bench-${run}`, { cache: false });
      const ours = await timed(HOST, hostArgs(request, join(work, 'frames')), ANSWERED);
      const duck = await timed(process.execPath, [ONESHOT, 'summary', file]);
      oursMs.push(ours.ms);
      duckMs.push(duck.ms);
      process.stderr.write(`backend first answer: ours ${ours.ms.toFixed(0)} ms, DuckDB ${duck.ms.toFixed(0)} ms\n`);
      const frame = frameJson(readFileSync(join(work, 'frames', 'A-0.arrow')));
      check = compareAnswers('summary by model', [frame], JSON.parse(duck.stdout));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { oursMs, duckMs, ...check };
}

export interface RestartReport {
  /** The uncached run that wrote the cache: host start to its answer. */
  uncachedMs: number;
  /** From the plugin's log: rows written, how long the write took, and whether it came before the host stopped it. */
  cacheRows: number;
  writeMs: number;
  writtenBeforeStop: boolean;
  cacheBytes: number;
  /** Restarts over the cache: host start to the answer; DuckDB's one-shot summary after each. */
  oursMs: number[];
  duckMs: number[];
  /** How long restoring took, per restart (from the plugin's log). */
  restoreMs: number[];
  /** Numbers compared: each restart's answer against the uncached one (exactly), the uncached one against DuckDB. */
  compared: number;
  problems: string[];
}

/** The restart cache file in `dir` (written to a temporary file and renamed: there, it is whole). */
function cacheFileIn(dir: string): string | null {
  const name = existsSync(dir) ? readdirSync(dir).find((n) => /^logs-[0-9a-f]{16}\.ilcache$/.test(n)) : undefined;
  return name ? join(dir, name) : null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

/** Reads the FIFO a held host writes its frame into (which lets it go on); null when the host ends without it. */
async function readHeld(fifo: string, host: Promise<unknown>): Promise<Buffer | null> {
  const reading = readFile(fifo);
  const ended = host.then(
    () => null,
    () => null
  );
  const first = await Promise.race([reading, ended]);
  if (first) {
    return first;
  }
  // The host ended: its frame may be read already, or the read waits for a writer that never comes: be one.
  for (let i = 0; i < 20; i++) {
    try {
      closeSync(openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
      break;
    } catch {
      await sleep(50); // ENXIO: our read has not opened it yet, or is done with it
    }
  }
  const bytes = await reading;
  return bytes.length > 0 ? bytes : null;
}

/**
 * The backend's first answer after a restart over rows it has already read: one uncached run writes the restart
 * cache (in a temporary folder, deleted after), then `runs` restarts, each timed from the host's start to the
 * answer (summary by model over all the data), with DuckDB's one-shot summary after each for reference.
 *
 * When the cache is written: 2 s after the plugin's first read (the answer goes out first), or when it is stopped
 * (Grafana's Shutdown) if it has not been written yet. The host stops the plugin right after the answer, and at a
 * stop the plugin gives the write at most 1.5 s (go-plugin kills it 2 s after Shutdown): at 10M rows a 240 MB
 * write can take longer. Under Grafana the plugin keeps running, so the bench holds the host at its answer — the
 * frame file it writes is a FIFO, whose open blocks until the bench reads it — until the cache file is there.
 */
export async function backendCachedRestart(
  file: string,
  runs: number,
  range: TimeRange
): Promise<RestartReport | { missing: string }> {
  const missing = backendMissing();
  if (missing) {
    return { missing };
  }
  const work = mkdtempSync(join(tmpdir(), 'bench-restart-'));
  try {
    const cacheDir = join(work, 'cache');
    const request = backendRequest(work, file, range, 'bench-restart', { cacheDir });
    const held = join(work, 'uncached');
    mkdirSync(held);
    const fifo = join(held, 'A-0.arrow');
    execFileSync('mkfifo', [fifo]);
    const running = timed(HOST, hostArgs(request, held), ANSWERED);
    let ended = false;
    running.then(
      () => (ended = true),
      () => (ended = true)
    );
    const waitFrom = performance.now();
    while (!ended && !cacheFileIn(cacheDir) && performance.now() - waitFrom < CACHE_WAIT_MS) {
      await sleep(50);
    }
    const frameBytes = await readHeld(fifo, running);
    const uncached = await running;
    const cacheFile = cacheFileIn(cacheDir);
    const written = /restart cache written: (\d+) rows, [\d.]+ MB, (\d+) ms/.exec(uncached.stderr);
    if (!frameBytes || !cacheFile || !written) {
      throw new Error(
        `restart cache: the uncached run ${frameBytes ? 'gave its answer' : 'gave no frame'} but ` +
          `${cacheFile ? 'logged no write' : 'wrote no cache'}:\n${uncached.stderr.slice(-3000)}`
      );
    }
    const uncachedFrame = frameJson(frameBytes);
    const report: RestartReport = {
      uncachedMs: uncached.ms,
      cacheRows: Number(written[1]),
      writeMs: Number(written[2]),
      writtenBeforeStop: !uncached.stderr.slice(0, written.index).includes('shutdown requested'),
      cacheBytes: statSync(cacheFile).size,
      oursMs: [],
      duckMs: [],
      restoreMs: [],
      compared: 0,
      problems: [],
    };
    process.stderr.write(
      `backend uncached run: ${uncached.ms.toFixed(0)} ms to its answer; cache of ${report.cacheRows} rows, ` +
        `${report.cacheBytes} bytes, written in ${report.writeMs} ms\n`
    );
    const tally = (check: { compared: number; problems: string[] }, what: string): void => {
      report.compared += check.compared;
      report.problems.push(...check.problems.map((p) => `${what}: ${p}`));
    };
    for (let run = 0; run < runs; run++) {
      const out = join(work, `restart-${run}`);
      const ours = await timed(HOST, hostArgs(request, out), ANSWERED);
      const duck = await timed(process.execPath, [ONESHOT, 'summary', file]);
      report.oursMs.push(ours.ms);
      report.duckMs.push(duck.ms);
      const restored = /restart cache: (\d+) rows restored from .* in (\d+) ms/.exec(ours.stderr);
      if (restored) {
        report.restoreMs.push(Number(restored[2]));
      } else {
        const said = /restart cache[^\n]*/.exec(ours.stderr)?.[0] ?? 'nothing about the cache in its log';
        report.problems.push(`restart ${run + 1}: the cache was not restored (${said})`);
      }
      tally(sameFrame(uncachedFrame, frameJson(readFileSync(join(out, 'A-0.arrow')))), `restart ${run + 1}`);
      if (run === runs - 1) {
        tally(compareAnswers('summary by model', [uncachedFrame], JSON.parse(duck.stdout)), 'uncached vs DuckDB');
      }
      process.stderr.write(
        `backend cached restart: ours ${ours.ms.toFixed(0)} ms (restored in ${restored?.[2] ?? '?'} ms), ` +
          `DuckDB ${duck.ms.toFixed(0)} ms\n`
      );
    }
    return report;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---- extra fields ----

export interface ExtrasRow {
  extras: number;
  lines: number;
  bytes: number;
  /** The CLI's summary by model as a fresh process (whole process), and DuckDB's one-shot summary. */
  oursMs: number[];
  duckMs: number[];
  /**
   * Lines the reader's byte scanner (BatchScanner, as the CLI's scan workers use it) hands to the full JSON.parse
   * path, counted by the bench in a pass of its own: the CLI's verbose output does not report them.
   */
  fullParseLines: number;
  /** What INFERENCE_LOGS_VERBOSE=1 reports (the last run): bytes read, of them by scan workers, read time, CPU. */
  verbose: { bytesRead: number; byWorkers: number; readMs: number; userMs: number; systemMs: number } | null;
  compared: number;
  problems: string[];
}

/** Lines the byte scanner takes, and those it leaves to the full JSON.parse path (reads the file: page-caches it). */
export function scanLines(file: string): { lines: number; fullParse: number } {
  const scanner = new BatchScanner();
  const buf = Buffer.allocUnsafe(16 << 20);
  const fd = openSync(file, 'r');
  let lines = 0;
  let fullParse = 0;
  try {
    let kept = 0;
    for (let position = 0; ;) {
      const n = readSync(fd, buf, kept, buf.length - kept, position);
      position += n;
      const filled = kept + n;
      // Whole lines only, but all that is left at the end (a line longer than the buffer is cut: not here).
      const end = n === 0 ? filled : buf.lastIndexOf(10, filled - 1) + 1 || filled;
      if (end > 0) {
        const batch = scanner.scan(buf, 0, end, 0);
        lines += batch.rows + batch.fallbacks.length + Object.values(batch.skipped).reduce((a, b) => a + b, 0);
        fullParse += batch.fallbacks.length;
      }
      if (n === 0) {
        break;
      }
      buf.copy(buf, 0, end, filled);
      kept = filled - end;
    }
  } finally {
    closeSync(fd);
  }
  return { lines, fullParse };
}

/** The CLI's summary by model against DuckDB's, alternately, `runs` times each, on logs with extra fields. */
export async function extrasAgainstDuckDB(
  files: Array<{ extras: number; file: string }>,
  runs: number
): Promise<ExtrasRow[]> {
  const rows: ExtrasRow[] = [];
  const env = { ...process.env, INFERENCE_LOGS_VERBOSE: '1' };
  for (const { extras, file } of files) {
    const { lines, fullParse } = scanLines(file);
    const row: ExtrasRow = {
      extras,
      lines,
      bytes: statSync(file).size,
      oursMs: [],
      duckMs: [],
      fullParseLines: fullParse,
      verbose: null,
      compared: 0,
      problems: [],
    };
    let last = { ours: '', duck: '' };
    for (let run = 0; run < runs; run++) {
      const ours = await timed(
        CLI,
        [...QUESTIONS['summary by model'].ours, '--logs', file, '--format', 'json'],
        undefined,
        env
      );
      const duck = await timed(process.execPath, [ONESHOT, 'summary', file]);
      row.oursMs.push(ours.ms);
      row.duckMs.push(duck.ms);
      last = { ours: ours.stdout, duck: duck.stdout };
      const v =
        /read (\d+) bytes, (\d+) of them by scan workers \(layout scanner: \w+\), in (\d+) ms \(process CPU so far: user (\d+) ms, system (\d+) ms/.exec(
          ours.stderr
        );
      row.verbose = v ? { bytesRead: +v[1], byWorkers: +v[2], readMs: +v[3], userMs: +v[4], systemMs: +v[5] } : null;
      process.stderr.write(
        `extra fields ${extras}: ours ${ours.ms.toFixed(0)} ms, DuckDB ${duck.ms.toFixed(0)} ms` +
          `${v ? ` (${v[0]})` : ''}\n`
      );
    }
    Object.assign(row, compareAnswers('summary by model', JSON.parse(last.ours), JSON.parse(last.duck)));
    rows.push(row);
  }
  return rows;
}

/** `--help` of the built CLI as a fresh process. */
export async function helpTimes(runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    times.push((await timed(CLI, ['--help'])).ms);
  }
  return times;
}
