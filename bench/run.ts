/**
 * `npm run bench [-- --rows N --seed S --runs R --warmups W --extras-rows N
 * --skip duckdb,clickhouse,live,ceilings,end-to-end,restart,extras]`: our engine against
 * DuckDB and ClickHouse on the same generated logs, in one run on this machine. Logs are generated once per rows+seed
 * into .cache/bench (git-ignored). Each engine loads and queries in its own child process (so peak RSS is its own);
 * ClickHouse is a private clickhouse-server started for its part and stopped by pid after, into which the file is
 * shipped with the CLI. The parent checks that all give the same answers and prints the side-by-side table
 * (markdown) with the targets of issue 7 (ratio: ours against DuckDB). The end-to-end section (fresh processes:
 * the CLI, the Grafana backend's first answer without and with its restart cache, logs with 0, 3 and 10 extra
 * fields of --extras-rows lines, default min(rows, 2,000,000)) follows; `end-to-end` in --skip skips all of it.
 */
import { spawn } from 'child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { cpus, loadavg, totalmem } from 'os';
import { join, resolve } from 'path';
import { writeLogs } from '../pkg/generator/write';
import { startClickHouse, stopClickHouse } from '../test/support/clickhouse-server';
import { timestampToMicros } from '../pkg/sources/timestamp';
import {
  backendCachedRestart,
  backendFirstAnswer,
  cliAgainstDuckDB,
  EndToEndRow,
  extrasAgainstDuckDB,
  ExtrasRow,
  helpTimes,
  median,
} from './end-to-end';
import { writeExtrasLogs } from './extras-logs';
import {
  BenchInput,
  CeilingReport,
  EngineReport,
  LiveReport,
  QUERY_NAMES,
  QueryName,
  SummaryRow,
  WARMUP_BUDGET_MS,
} from './common';

interface Options {
  rows: number;
  seed: number;
  runs: number;
  warmups: number;
  /** Lines of the extra-field logs (default min(rows, 2,000,000)). */
  extrasRows: number;
  skip: Set<string>;
}

const SKIP_USAGE = '--skip duckdb,clickhouse,live,ceilings,end-to-end,restart,extras';

function parseArgs(argv: string[]): Options {
  const options: Options = { rows: 2_000_000, seed: 1, runs: 7, warmups: 20, extrasRows: 0, skip: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    const int = (): number => {
      const n = Number(value?.replace(/_/g, ''));
      if (!Number.isInteger(n) || n <= 0) {
        throw new Error(`${argv[i]} needs a positive whole number`);
      }
      i++;
      return n;
    };
    switch (argv[i]) {
      case '--rows':
        options.rows = int();
        break;
      case '--seed':
        options.seed = int();
        break;
      case '--runs':
        options.runs = int();
        break;
      case '--warmups':
        options.warmups = int();
        break;
      case '--extras-rows':
        options.extrasRows = int();
        break;
      case '--skip':
        (value ?? '').split(',').forEach((s) => options.skip.add(s.trim()));
        i++;
        break;
      default:
        throw new Error(
          `unknown option ${argv[i]} (use --rows N, --seed S, --runs R, --warmups W, --extras-rows N, ${SKIP_USAGE})`
        );
    }
  }
  options.extrasRows ||= Math.min(options.rows, 2_000_000);
  return options;
}

const ROOT = resolve(__dirname, '..');
const CACHE = join(ROOT, '.cache', 'bench');

/** The benchmark's log file, generated once per rows+seed (written aside, then renamed: never half a cache). */
async function ensureLogs(rows: number, seed: number): Promise<string> {
  const dir = join(CACHE, `rows-${rows}-seed-${seed}`);
  const file = join(dir, 'inference.log');
  if (existsSync(file)) {
    return file;
  }
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  process.stderr.write(`generating ${rows} rows (seed ${seed}) into ${dir} ...\n`);
  const start = performance.now();
  await writeLogs(partial, { rows, seed, files: 1 });
  renameSync(partial, dir);
  process.stderr.write(`generated in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return file;
}

/** Generated logs with `extras` extra fields a line (bench/extras-logs.ts; none: the benchmark's own logs), cached. */
async function ensureExtrasLogs(rows: number, seed: number, extras: number): Promise<string> {
  if (extras === 0) {
    return ensureLogs(rows, seed);
  }
  const dir = join(CACHE, `extras-${extras}-rows-${rows}-seed-${seed}`);
  const file = join(dir, 'inference.log');
  if (!existsSync(file)) {
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    process.stderr.write(`generating ${rows} rows with ${extras} extra fields into ${dir} ...\n`);
    await writeExtrasLogs(join(partial, 'inference.log'), rows, seed, extras);
    renameSync(partial, dir);
  }
  return file;
}

/** Times (µs) of the file's first and last requests (the generator writes in time order). */
function timeSpan(file: string): { firstUs: number; lastUs: number } {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const read = (position: number, length: number): string => {
    const buffer = Buffer.alloc(length);
    const n = readSync(fd, buffer, 0, length, position);
    return buffer.toString('utf8', 0, n);
  };
  try {
    const stamps = (text: string): number[] =>
      [...text.matchAll(/"timestamp": "([^"]+)"/g)].map((m) => timestampToMicros(m[1]) ?? NaN).filter((t) => t === t);
    const head = stamps(read(0, 4096));
    const tail = stamps(read(Math.max(0, size - 4096), 4096));
    return { firstUs: head[0], lastUs: tail[tail.length - 1] };
  } finally {
    closeSync(fd);
  }
}

/** Runs a child (TypeScript through tsx) and returns its report. */
function child<T>(script: string, input: BenchInput): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    // Node's default heap settings, as the packaged Grafana backend runs (--expose-gc only lets a child
    // collect garbage before it measures the memory it holds).
    const args = ['--expose-gc', '--import', 'tsx', join(__dirname, script), JSON.stringify(input)];
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@REPORT '));
      if (code !== 0 || !line) {
        reject(new Error(`${script} failed (exit ${code})`));
        return;
      }
      resolvePromise(JSON.parse(line.slice('@@REPORT '.length)) as T);
    });
  });
}

/** The ClickHouse child, with a private server started for it and stopped (by pid) after it. */
async function clickhouseChild(input: BenchInput): Promise<EngineReport> {
  const server = await startClickHouse();
  try {
    return await child<EngineReport>('clickhouse.ts', { ...input, clickhouse: { url: server.url, pid: server.pid } });
  } finally {
    await stopClickHouse(server);
  }
}

// ---- answer check ----

const TOLERANCE = 1e-9;

function same(a: number | null, b: number | null): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  return a === b || Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

function checkSummary(
  name: string,
  ours: SummaryRow[],
  theirs: SummaryRow[],
  problems: string[],
  engine: string
): number {
  let compared = 0;
  if (ours.map((r) => r.model).join() !== theirs.map((r) => r.model).join()) {
    problems.push(`${name}: models differ (${ours.map((r) => r.model)} vs ${theirs.map((r) => r.model)})`);
    return 0;
  }
  ours.forEach((o, i) => {
    const t = theirs[i];
    for (const key of ['requests', 'avg', 'p50', 'p95', 'p99', 'max', 'errorRate'] as const) {
      compared++;
      if (!same(o[key], t[key])) {
        problems.push(`${name} ${o.model} ${key}: ours ${o[key]}, ${engine} ${t[key]}`);
      }
    }
  });
  return compared;
}

function checkAnswers(
  ours: EngineReport,
  other: EngineReport,
  engine: string
): { compared: number; problems: string[] } {
  const problems: string[] = [];
  let compared = 0;
  const a = ours.answers;
  const b = other.answers;
  compared += checkSummary('summary', a.summary, b.summary, problems, engine);
  compared += checkSummary('one-hour summary', a.hour, b.hour, problems, engine);
  compared += checkSummary('alert', a.alert, b.alert, problems, engine);
  for (const [model, series] of Object.entries(a.trend)) {
    const other = b.trend[model] ?? {};
    for (const [bucket, [mean, p99]] of Object.entries(series)) {
      const [m2, p2] = other[bucket] ?? [null, null];
      compared += 2;
      if (!same(mean, m2) || !same(p99, p2)) {
        problems.push(`trend ${model} @${bucket}: ours ${mean}/${p99}, ${engine} ${m2}/${p2}`);
      }
    }
  }
  compared++;
  if (a.anomaliesFound !== b.anomaliesFound) {
    problems.push(`anomalies found: ours ${a.anomaliesFound}, ${engine} ${b.anomaliesFound}`);
  }
  a.anomalyScores.forEach((s, i) => {
    compared++;
    if (!same(s, b.anomalyScores[i] ?? null)) {
      problems.push(`anomaly #${i} |score|: ours ${s}, ${engine} ${b.anomalyScores[i]}`);
    }
  });
  const idsDiffer = a.anomalyIds.filter((id, i) => id !== b.anomalyIds[i]).length;
  if (idsDiffer > 0) {
    problems.push(`anomalies: ${idsDiffer} of ${a.anomalyIds.length} request ids differ in order (ties?)`);
  }
  a.pearson.forEach((row, i) =>
    row.forEach((r, j) => {
      compared++;
      if (!same(r, b.pearson[i]?.[j] ?? null)) {
        problems.push(`pearson[${i}][${j}]: ours ${r}, ${engine} ${b.pearson[i]?.[j]}`);
      }
    })
  );
  return { compared, problems };
}

// ---- table ----

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const fmtMs = (ms: number): string =>
  ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
const ratio = (x: number): string => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}x` : 'n/a');

const QUERY_TARGETS: Record<QueryName, number> = {
  'summary by model': 2,
  'trend per model per minute (mean + p99)': 2,
  'z-score anomalies per model': 2,
  '4x4 Pearson matrix': 2,
  'one-hour summary by model': 5,
  'alert: p99 last 5 min per model': 5,
};

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const file = await ensureLogs(options.rows, options.seed);
  const bytes = statSync(file).size;
  const { firstUs, lastUs } = timeSpan(file);
  const midMs = Math.floor((firstUs + lastUs) / 2000 / 60_000) * 60_000;
  const alertTo = Math.ceil(lastUs / 1000);
  const input: BenchInput = {
    file,
    bytes,
    rows: options.rows,
    runs: options.runs,
    warmups: options.warmups,
    hourFrom: midMs - 1_800_000,
    hourTo: midMs + 1_800_000,
    alertFrom: alertTo - 300_000,
    alertTo,
  };
  const loadBefore = loadavg();
  const ceilings = options.skip.has('ceilings') ? null : await child<CeilingReport>('ceilings.ts', input);
  const ours = await child<EngineReport>('ours.ts', input);
  const duck = options.skip.has('duckdb') ? null : await child<EngineReport>('duckdb.ts', input);
  const house = options.skip.has('clickhouse') ? null : await clickhouseChild(input);
  const live = options.skip.has('live') ? null : await child<LiveReport>('live.ts', input);
  const endToEndRuns = Math.min(options.runs, 5);
  const e2e = !options.skip.has('end-to-end');
  // The backend is asked about all the data (the plugin host's default is the hour before now).
  const range = { from: Math.floor(firstUs / 1000), to: Math.ceil(lastUs / 1000) };
  const endToEnd = e2e ? await cliAgainstDuckDB(file, endToEndRuns) : null;
  const backend = e2e ? await backendFirstAnswer(file, endToEndRuns, range) : null;
  const restart = e2e && !options.skip.has('restart') ? await backendCachedRestart(file, endToEndRuns, range) : null;
  let extras: ExtrasRow[] | null = null;
  if (e2e && !options.skip.has('extras')) {
    const files: Array<{ extras: number; file: string }> = [];
    for (const count of [0, 3, 10]) {
      files.push({ extras: count, file: await ensureExtrasLogs(options.extrasRows, options.seed, count) });
    }
    extras = await extrasAgainstDuckDB(files, endToEndRuns);
  }
  const help = e2e ? await helpTimes(endToEndRuns) : null;
  const loadAfter = loadavg();

  const lines: string[] = [];
  const out = (s = ''): void => {
    lines.push(s);
  };
  out(
    `${options.rows.toLocaleString('en-US')} rows, ${(bytes / options.rows).toFixed(0)} bytes/line, ${mb(bytes)}; ` +
      `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
      `load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after; median of ${options.runs} runs after up to ${options.warmups} warm-up runs (at most ${WARMUP_BUDGET_MS / 1000} s of them per query)`
  );
  out();
  out('| measure | ours | DuckDB | ClickHouse | ratio | target | met |');
  out('| --- | ---: | ---: | ---: | ---: | --- | --- |');
  const row = (cells: string[]): void => out(`| ${cells.join(' | ')} |`);
  const mbps = (ms: number): number => bytes / 2 ** 20 / (ms / 1000);
  const met = (ok: boolean | null): string => (ok === null ? '' : ok ? 'met' : '**missed**');
  const ourLoad = mbps(ours.loadMs);
  const duckLoad = duck ? mbps(duck.loadMs) : NaN;
  const na = 'n/a';
  row([
    'load, MB/s (ClickHouse: ship)',
    ourLoad.toFixed(0),
    duck ? duckLoad.toFixed(0) : na,
    house ? mbps(house.loadMs).toFixed(0) : na,
    ratio(ourLoad / duckLoad),
    '>= 1x DuckDB',
    met(duck ? ourLoad >= duckLoad : null),
  ]);
  row([
    'load, rows/s',
    Math.round(ours.rows / (ours.loadMs / 1000)).toLocaleString('en-US'),
    duck ? Math.round(duck.rows / (duck.loadMs / 1000)).toLocaleString('en-US') : na,
    house ? Math.round(house.rows / (house.loadMs / 1000)).toLocaleString('en-US') : na,
    '',
    '',
    '',
  ]);
  row(['load, time', fmtMs(ours.loadMs), duck ? fmtMs(duck.loadMs) : na, house ? fmtMs(house.loadMs) : na, '', '', '']);
  if (house?.processMs !== undefined) {
    row([
      'ship, MB/s as the command reports it (whole process, start-up included)',
      na,
      na,
      `${mbps(house.loadMs).toFixed(0)} (${mbps(house.processMs).toFixed(0)})`,
      '',
      '>= 100 MB/s',
      met(mbps(house.loadMs) >= 100),
    ]);
  }
  row([
    'peak RSS after load (ClickHouse: server)',
    mb(ours.peakRssBytes),
    duck ? mb(duck.peakRssBytes) : na,
    house ? mb(house.peakRssBytes) : na,
    '',
    '',
    '',
  ]);
  row([
    'memory, bytes/row (ClickHouse: on disk)',
    ours.bytesPerRow.toFixed(1),
    duck ? duck.bytesPerRow.toFixed(1) : na,
    house ? house.bytesPerRow.toFixed(1) : na,
    ratio(duck ? duck.bytesPerRow / ours.bytesPerRow : NaN),
    '<= 32',
    met(ours.bytesPerRow <= 32),
  ]);
  for (const name of QUERY_NAMES) {
    const o = ours.queries[name];
    const d = duck?.queries[name];
    const c = house?.queries[name];
    const speedup = d === undefined ? NaN : d / o;
    row([
      name,
      fmtMs(o),
      d === undefined ? na : fmtMs(d),
      c === undefined ? na : fmtMs(c),
      ratio(speedup),
      `>= ${QUERY_TARGETS[name]}x faster`,
      met(d === undefined ? null : speedup >= QUERY_TARGETS[name]),
    ]);
  }
  if (live) {
    row([
      `live: append to visible (${Math.round(live.linesPerSecond).toLocaleString('en-US')} lines/s)`,
      `p50 ${fmtMs(live.p50Ms)}, max ${fmtMs(live.maxMs)}`,
      na,
      na,
      '',
      '<= 1 s at 50,000 lines/s',
      met(live.maxMs <= 1000 && live.linesPerSecond >= 49_000),
    ]);
  }
  out();
  out('First run of each query (cold: our kernels not yet compiled, per-block aggregates not yet built):');
  out();
  out('| query | ours | DuckDB | ClickHouse |');
  out('| --- | ---: | ---: | ---: |');
  for (const name of QUERY_NAMES) {
    const d = duck?.firstRunMs[name];
    const c = house?.firstRunMs[name];
    out(
      `| ${name} | ${fmtMs(ours.firstRunMs[name])} | ${d === undefined ? na : fmtMs(d)} | ${c === undefined ? na : fmtMs(c)} |`
    );
  }
  if (ceilings) {
    out();
    out('Ceilings on this machine, same file, same run (page-cached):');
    out();
    out('| ceiling | MB/s | ours (load) as share |');
    out('| --- | ---: | ---: |');
    for (const [name, ms] of [
      ['reading the bytes (4 MiB reads)', ceilings.readMs],
      ['reading + splitting lines (Buffer.indexOf)', ceilings.splitMs],
      ['readline + JSON.parse', ceilings.readlineJsonMs],
    ] as Array<[string, number]>) {
      out(`| ${name} | ${mbps(ms).toFixed(0)} | ${((100 * ourLoad) / mbps(ms)).toFixed(0)}% |`);
    }
  }
  for (const [engine, other] of [
    ['DuckDB', duck],
    ['ClickHouse', house],
  ] as const) {
    if (!other) {
      continue;
    }
    const { compared, problems } = checkAnswers(ours, other, engine);
    out();
    out(
      problems.length === 0
        ? `Answers: all ${compared} compared numbers equal ${engine}'s (relative 1e-9): summary, one-hour and alert ` +
            `(count, avg, p50, p95, p99, max, error rate per model), every trend bucket's mean and p99, anomalies ` +
            `found and top ${ours.answers.anomalyScores.length} scores, the Pearson matrix.`
        : `Answers: ${problems.length} of ${compared} compared numbers DIFFER from ${engine}'s:\n  ${problems.slice(0, 20).join('\n  ')}`
    );
  }
  if (house) {
    out();
    out(`ClickHouse: ${house.notes.join('; ')}.`);
  }
  if (endToEnd || restart || extras || help) {
    out();
    out(
      `End to end, fresh processes on the page-cached file (median of ${endToEndRuns}; ours: the built CLI, ` +
        'DuckDB: read_json of the columns the question needs, through its Node API):'
    );
    out();
    out('| what the user runs | ours | DuckDB | ratio (ours / DuckDB) | target | met |');
    out('| --- | ---: | ---: | ---: | --- | --- |');
    const e2eRow = (name: string, o: number[], d: number[]): void =>
      row([
        name,
        fmtMs(median(o)),
        fmtMs(median(d)),
        ratio(median(o) / median(d)),
        '<= 1.0x',
        met(median(o) <= median(d)),
      ]);
    const checks: Array<{ what: string; compared: number; problems: string[] }> = [];
    endToEnd?.forEach((r: EndToEndRow) => {
      e2eRow(`CLI: ${r.name}`, r.oursMs, r.duckMs);
      checks.push({ what: `CLI ${r.name}`, ...r });
    });
    if (backend && 'oursMs' in backend) {
      e2eRow('backend: plugin start to first answer (summary by model)', backend.oursMs, backend.duckMs);
      checks.push({ what: 'backend first answer', ...backend });
    } else if (backend) {
      row(['backend: plugin start to first answer', na, na, '', '<= 1.0x', `not run: ${backend.missing} missing`]);
    }
    if (restart && 'oursMs' in restart) {
      const o = median(restart.oursMs);
      const d = median(restart.duckMs);
      row([
        'backend: restart to first answer, restart cache (summary by model; DuckDB: one-shot summary)',
        fmtMs(o),
        fmtMs(d),
        ratio(o / d),
        '< 2 s at 10M rows',
        met(o < 2000),
      ]);
      row([
        'backend: restart cache file',
        `${(restart.cacheBytes / 1e6).toFixed(1)} MB, ${(restart.cacheBytes / restart.cacheRows).toFixed(1)} bytes/request`,
        na,
        '',
        '',
        '',
      ]);
      checks.push({ what: 'backend restart', ...restart });
    } else if (restart) {
      row(['backend: restart to first answer', na, na, '', '< 2 s at 10M rows', `not run: ${restart.missing} missing`]);
    }
    for (const r of extras ?? []) {
      const rate = (ms: number[]): number => r.bytes / 2 ** 20 / (median(ms) / 1000);
      row([
        `CLI: summary by model, ${r.extras} extra fields (${r.lines.toLocaleString('en-US')} lines, ${mb(r.bytes)}), MB/s`,
        `${rate(r.oursMs).toFixed(0)} (${fmtMs(median(r.oursMs))})`,
        `${rate(r.duckMs).toFixed(0)} (${fmtMs(median(r.duckMs))})`,
        ratio(rate(r.oursMs) / rate(r.duckMs)),
        '',
        '',
      ]);
      checks.push({ what: `CLI summary, ${r.extras} extra fields`, ...r });
    }
    if (extras) {
      row([
        `fast path: lines to the full JSON.parse path (${extras.map((r) => r.extras).join(' / ')} extra fields)`,
        extras.map((r) => r.fullParseLines.toLocaleString('en-US')).join(' / '),
        na,
        '',
        '0',
        met(extras.every((r) => r.fullParseLines === 0)),
      ]);
    }
    if (help) {
      row(['`inference-logs --help`', fmtMs(median(help)), na, '', '< 250 ms', met(median(help) < 250)]);
    }
    if (restart && 'oursMs' in restart) {
      out();
      out(
        `Restart cache: the uncached run answered in ${fmtMs(restart.uncachedMs)} and wrote the cache ` +
          `(${restart.cacheRows.toLocaleString('en-US')} rows) in ${fmtMs(restart.writeMs)}, ` +
          (restart.writtenBeforeStop ? '2 s after its read, before the host stopped it' : 'when the host stopped it') +
          `; the restarts restored it in ${restart.restoreMs.map(fmtMs).join(', ')} and answered in ` +
          `${restart.oursMs.map(fmtMs).join(', ')}.`
      );
    }
    if (extras) {
      out();
      out(
        "Extra fields: lines to the full JSON.parse path are counted by the bench with the reader's byte scanner " +
          "(BatchScanner), as the CLI's INFERENCE_LOGS_VERBOSE=1 output does not report them; it reports (last run): " +
          extras
            .map((r) =>
              r.verbose
                ? `${r.extras} fields: ${((100 * r.verbose.byWorkers) / r.verbose.bytesRead).toFixed(0)}% of the ` +
                  `bytes read by scan workers, read in ${fmtMs(r.verbose.readMs)}, CPU user ${fmtMs(r.verbose.userMs)} ` +
                  `system ${fmtMs(r.verbose.systemMs)}`
                : `${r.extras} fields: no verbose line`
            )
            .join('; ') +
          '.'
      );
    }
    const problems = checks.flatMap((c) => c.problems.map((p) => `${c.what}: ${p}`));
    const compared = checks.reduce((n, c) => n + c.compared, 0);
    out();
    out(
      problems.length === 0
        ? `End-to-end answers: all ${compared} compared numbers equal DuckDB's (relative 1e-9)` +
            (restart && 'oursMs' in restart ? ", the cached restarts' equal the uncached run's exactly." : '.')
        : `End-to-end answers: ${problems.length} of ${compared} compared numbers DIFFER:\n  ${problems.slice(0, 20).join('\n  ')}`
    );
  }
  const text = lines.join('\n');
  process.stdout.write(`\n${text}\n`);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(
    join(CACHE, `result-rows-${options.rows}.json`),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        options: { ...options, skip: [...options.skip] },
        input,
        ceilings,
        ours,
        duck,
        clickhouse: house,
        live,
        endToEnd,
        backend,
        restart,
        extras,
        help,
        table: text,
      },
      null,
      1
    )
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
