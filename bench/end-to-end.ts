/**
 * End to end, as users run it: every answer is a fresh process on the page-cached log file — our built CLI
 * (bin/inference-logs.js) against DuckDB answering from the same file (bench/duckdb-oneshot.mjs, read_json of only
 * the columns the question needs), and the Grafana backend's first answer (plugin start, load, answer, under the
 * Grafana plugin host) over a folder it has never read. Medians of `runs`; the answers are compared.
 */
import { spawn } from 'child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';

const ROOT = resolve(__dirname, '..');
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
}

/** Runs a process to its end; its wall time from spawn to exit, or to the first stdout line matching `until`. */
function timed(command: string, args: string[], until?: RegExp): Promise<Timed> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
      resolvePromise({ ms, stdout });
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

/** Our answer against DuckDB's: the numbers both give, equal to 1e-9. */
function compareAnswers(
  question: Question,
  oursText: string,
  duckText: string
): { compared: number; problems: string[] } {
  const ours: Json[] = JSON.parse(oursText);
  const duck: Json[] = JSON.parse(duckText);
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
      const ours = await timed(process.execPath, [CLI, ...question.ours, '--logs', file, '--format', 'json']);
      const duck = await timed(process.execPath, [ONESHOT, question.duck, file, String(ANOMALY_LIMIT)]);
      row.oursMs.push(ours.ms);
      row.duckMs.push(duck.ms);
      last = { ours: ours.stdout, duck: duck.stdout };
      process.stderr.write(`end to end: ${name}: ours ${ours.ms.toFixed(0)} ms, DuckDB ${duck.ms.toFixed(0)} ms\n`);
    }
    Object.assign(row, compareAnswers(name, last.ours, last.duck));
    rows.push(row);
  }
  return rows;
}

/**
 * The Grafana backend's first answer (summary by model) over a folder it has never read: the plugin host starts
 * the built executable as Grafana does and asks once; timed from the host's start to the answer on its stdout.
 * DuckDB's one-shot summary is the peer. Null when the executable or the host is not built.
 */
export async function backendFirstAnswer(
  file: string,
  runs: number
): Promise<{ oursMs: number[]; duckMs: number[] } | { missing: string }> {
  const plugin = join(ROOT, 'dist', 'gpx_inference_log_analytics_linux_amd64');
  const host = process.env.GRAFANA_PLUGIN_HOST || join(ROOT, 'test', 'grafana-host', 'bin', 'grafana-host');
  for (const needed of [plugin, host]) {
    if (!existsSync(needed)) {
      return { missing: `${needed} (npm run build; bash test/grafana-host/build.sh)` };
    }
  }
  const oursMs: number[] = [];
  const duckMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    // A folder of its own each run: nothing read before (no cache of an earlier run applies).
    const work = mkdtempSync(join(tmpdir(), 'bench-backend-'));
    try {
      const logs = join(work, 'logs');
      symlinkSync(dirname(file), logs);
      const request = join(work, 'request.json');
      writeFileSync(
        request,
        JSON.stringify({
          // No restart cache: a cold start, and no cache file left behind.
          datasource: { uid: `bench-${run}`, name: 'bench', jsonData: { paths: [logs], cache: false } },
          queries: [{ refId: 'A', queryType: 'summary', model: { groupBy: ['model'] } }],
        })
      );
      const args = [
        '--skip-host-env',
        plugin,
        'query',
        '--json',
        request,
        '--out',
        join(work, 'frames'),
        '--no-decode',
      ];
      const ours = await timed(host, args, /refId A: status 200/);
      const duck = await timed(process.execPath, [ONESHOT, 'summary', file]);
      oursMs.push(ours.ms);
      duckMs.push(duck.ms);
      process.stderr.write(`backend first answer: ours ${ours.ms.toFixed(0)} ms, DuckDB ${duck.ms.toFixed(0)} ms\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { oursMs, duckMs };
}

/** `--help` of the built CLI as a fresh process. */
export async function helpTimes(runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    times.push((await timed(process.execPath, [CLI, '--help'])).ms);
  }
  return times;
}
