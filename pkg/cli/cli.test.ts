import type { DataFrameJSON } from '@grafana/data';
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { runCli, type RunResult } from '../../test/support/run-cli';

/** Runs the CLI in this process with stdout and stderr captured. */
const run = (...argv: string[]): Promise<RunResult> => runCli(argv);

const T0 = Date.parse('2026-01-01T00:00:00Z');
const S = 1000;
const iso = (t: number): string => new Date(t).toISOString();

/** Runs a command asking for JSON and parses the frames. */
async function runJson(...argv: string[]): Promise<DataFrameJSON[]> {
  const result = await run(...argv, '--format', 'json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const parsed: unknown = JSON.parse(result.stdout);
  expect(Array.isArray(parsed)).toBe(true);
  return parsed as DataFrameJSON[];
}

function column(frame: DataFrameJSON, name: string): unknown[] {
  const i = frame.schema!.fields.findIndex((f) => f.name === name);
  expect(i).toBeGreaterThanOrEqual(0);
  return frame.data!.values[i];
}

/** Minimal RFC 4180 reader: records of fields, CRLF line ends, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        cell += c;
        i++;
      }
    } else if (c === '"') {
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(cell);
      cell = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i += 2;
    } else if (c === '\n') {
      throw new Error(`bare LF at ${i}`);
    } else {
      cell += c;
      i++;
    }
  }
  if (cell !== '' || record.length > 0) {
    throw new Error('last record does not end with CRLF');
  }
  return records;
}

/** Exactly one non-empty line. */
const ONE_LINE = /^[^\n]+\n$/;

let dir: string;
let logFile: string;
let quotingFile: string;
let noisyFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'inference-logs-cli-'));
  /*
   * Written out of time order:
   *   r1 t0     a lat 10 success batch 1
   *   r2 t0+10s a lat 20 error   batch 2
   *   r3 t0+20s b lat 30 ok      batch 3
   *   r4 t0+30s b lat 40 success batch 4
   */
  const records = [
    { timestamp: iso(T0 + 20 * S), model: 'b', latency_ms: 30, status: 'ok', batch_size: 3, request_id: 'r3' },
    { timestamp: iso(T0), model: 'a', latency_ms: 10, status: 'success', batch_size: 1, request_id: 'r1' },
    { timestamp: iso(T0 + 30 * S), model: 'b', latency_ms: 40, status: 'success', batch_size: 4, request_id: 'r4' },
    { timestamp: iso(T0 + 10 * S), model: 'a', latency_ms: 20, status: 'error', batch_size: 2, request_id: 'r2' },
  ];
  logFile = path.join(dir, 'requests.jsonl');
  writeFileSync(logFile, records.map((r) => JSON.stringify(r)).join('\n') + '\n');

  const quoting = [
    { timestamp: iso(T0 + 2 * S), model: 'plain', latency_ms: 2, status: 'ok', request_id: 'q2', note: 'line1\nline2' },
    { timestamp: iso(T0 + 1 * S), model: 'm,1', latency_ms: 1, status: 'say "hi"', request_id: 'q1', note: 'x' },
  ];
  quotingFile = path.join(dir, 'quoting.jsonl');
  writeFileSync(quotingFile, quoting.map((r) => JSON.stringify(r)).join('\n') + '\n');

  noisyFile = path.join(dir, 'noisy.jsonl');
  writeFileSync(
    noisyFile,
    [
      'not json at all',
      JSON.stringify({ timestamp: iso(T0), model: 'a', latency_ms: 10 }),
      '{"timestamp": "2026-01-01T00:00:01Z", "model": "a", "latency',
      JSON.stringify({ timestamp: iso(T0 + S), model: 'a', latency_ms: 20 }),
    ].join('\n') + '\n'
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('cli summary', () => {
  it('prints an array of DataFrameJSON (hand-computed numbers)', async () => {
    const [frame] = await runJson('summary', '--logs', logFile);
    expect(frame.schema!.fields.map((f) => f.name)).toEqual([
      'requests',
      'avg_latency_ms',
      'p50_latency_ms',
      'p90_latency_ms',
      'p95_latency_ms',
      'p99_latency_ms',
      'max_latency_ms',
      'error_rate',
      'throughput_rps',
      'avg_batch_size',
      'avg_gpu_util',
      'avg_memory_used_gb',
    ]);
    expect(column(frame, 'requests')).toEqual([4]);
    expect(column(frame, 'avg_latency_ms')).toEqual([25]);
    expect(column(frame, 'p90_latency_ms')[0]).toBeCloseTo(37, 10); // [10,20,30,40] h=2.7
    expect(column(frame, 'error_rate')).toEqual([0.25]);
    expect(column(frame, 'throughput_rps')[0]).toBeCloseTo(4 / 30, 12); // data spans 30 s
    expect(column(frame, 'avg_batch_size')).toEqual([2.5]);
    expect(column(frame, 'avg_gpu_util')).toEqual([null]); // no gpu_util in the log
  });

  it('takes --from as ISO and --to as epoch ms, both inclusive', async () => {
    const [frame] = await runJson(
      'summary',
      '--logs',
      logFile,
      '--from',
      iso(T0 + 10 * S),
      '--to',
      String(T0 + 20 * S)
    );
    expect(column(frame, 'requests')).toEqual([2]);
    expect(column(frame, 'avg_latency_ms')).toEqual([25]);
    expect(column(frame, 'error_rate')).toEqual([0.5]);
    expect(column(frame, 'throughput_rps')[0]).toBeCloseTo(0.2, 12); // 2 requests in 10 s
  });

  it('filters with --model (repeatable) and --filter', async () => {
    expect(column((await runJson('summary', '--logs', logFile, '--model', 'a'))[0], 'requests')).toEqual([2]);
    const both = await runJson('summary', '--logs', logFile, '--model', 'a', '--model', 'b');
    expect(column(both[0], 'requests')).toEqual([4]);
    const errors = await runJson('summary', '--logs', logFile, '--filter', 'status=error');
    expect(column(errors[0], 'avg_latency_ms')).toEqual([20]);
    const batch = await runJson('summary', '--logs', logFile, '--filter', 'batch_size=3');
    expect(column(batch[0], 'avg_latency_ms')).toEqual([30]);
  });

  it('groups with --by', async () => {
    const [frame] = await runJson('summary', '--logs', logFile, '--by', 'model');
    expect(column(frame, 'model')).toEqual(['a', 'b']);
    expect(column(frame, 'requests')).toEqual([2, 2]);
    expect(column(frame, 'avg_latency_ms')).toEqual([15, 35]);
    expect(column(frame, 'error_rate')).toEqual([0.5, 0]);
  });

  it('keeps the value columns --measures names, in its order', async () => {
    const [frame] = await runJson('summary', '--logs', logFile, '--by', 'model', '--measures', 'error_rate,requests');
    expect(frame.schema!.fields.map((f) => f.name)).toEqual(['model', 'error_rate', 'requests']);
    expect(column(frame, 'requests')).toEqual([2, 2]);
    const [compared] = await runJson('compare', '--logs', logFile, '--measures', 'p99_latency_ms');
    expect(compared.schema!.fields.map((f) => f.name)).toEqual(['model', 'p99_latency_ms']);
    const wrong = await run('summary', '--logs', logFile, '--measures', 'p99');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown measure "p99" for summary');
  });

  it('prints CSV with a header row and CRLF', async () => {
    const result = await run('summary', '--logs', logFile, '--by', 'model', '--format', 'csv');
    expect(result.code).toBe(0);
    const records = parseCsv(result.stdout);
    expect(records[0].slice(0, 3)).toEqual(['model', 'requests', 'avg_latency_ms']);
    expect(records.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['a', '2', '15'],
      ['b', '2', '35'],
    ]);
  });

  it("CSV: text a spreadsheet would run gets a leading ', numbers never; --keep-formulas writes it as it is", async () => {
    const file = path.join(dir, 'formulas.jsonl');
    const models = ['=1+1', '@SUM(A1)', '+x', '-x', '\tx', '-1.5'];
    writeFileSync(
      file,
      models.map((model, i) => JSON.stringify({ timestamp: iso(T0 + i * S), model, latency_ms: -1.5 })).join('\n') +
        '\n'
    );
    const cells = async (...extra: string[]) => {
      const result = await run('logs', '--logs', file, '--format', 'csv', ...extra);
      expect(result.code).toBe(0);
      const records = parseCsv(result.stdout);
      const [model, latency] = [records[0].indexOf('model'), records[0].indexOf('latency_ms')];
      return records
        .slice(1)
        .map((r) => [r[model], r[latency]])
        .sort();
    };
    expect(await cells()).toEqual(models.map((m) => [`'${m}`, '-1.5']).sort());
    expect(await cells('--keep-formulas')).toEqual(models.map((m) => [m, '-1.5']).sort());
    const exported = await run('export', '--logs', file);
    expect(
      parseCsv(exported.stdout)
        .slice(1)
        .map((r) => r[1])
    ).toEqual(models.map(() => '-1.5'));
    expect(exported.stdout).toContain("'=1+1");
    expect((await run('export', '--logs', file, '--keep-formulas')).stdout).toContain(',=1+1,');
  });

  it('prints a table', async () => {
    const result = await run('summary', '--logs', logFile, '--format', 'table');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('requests');
    expect(result.stdout).toContain('avg_latency_ms');
    expect(result.stdout).toContain('25');
    expect(() => JSON.parse(result.stdout)).toThrow();
  });

  it('reports skipped lines on stderr, not in the answer', async () => {
    const result = await run('summary', '--logs', noisyFile, '--format', 'json');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/skipped 2 lines/i);
    expect(result.stderr).toContain('invalid_json');
    const [frame] = JSON.parse(result.stdout) as DataFrameJSON[];
    expect(column(frame, 'requests')).toEqual([2]);
    expect(frame.schema!.meta!.notices![0].text).toBe('Skipped 2 log lines: invalid_json 2');
  });

  it('reads several paths and directories', async () => {
    const [frame] = await runJson('summary', '--logs', logFile, quotingFile);
    expect(column(frame, 'requests')).toEqual([6]);
    const sub = mkdtempSync(path.join(dir, 'sub-'));
    writeFileSync(path.join(sub, 'one.log'), JSON.stringify({ timestamp: iso(T0), model: 'z', latency_ms: 3 }) + '\n');
    const [fromDir] = await runJson('summary', '--logs', sub);
    expect(column(fromDir, 'requests')).toEqual([1]);
  });
});

describe('cli analyses', () => {
  it('anomalies with --method, --threshold and --limit', async () => {
    // iqr over [10,20,30,40]: Q1 17.5, Q3 32.5, IQR 15; 40 -> +0.5, 10 -> -0.5; equal |score| -> by time
    const [frame] = await runJson('anomalies', '--logs', logFile, '--method', 'iqr', '--threshold', '0.4');
    expect(frame.schema!.fields.map((f) => f.name)).toEqual([
      'timestamp',
      'request_id',
      'model',
      'latency_ms',
      'score',
    ]);
    expect(column(frame, 'request_id')).toEqual(['r1', 'r4']);
    expect(column(frame, 'score')).toEqual([-0.5, 0.5]);
    expect(column(frame, 'timestamp')).toEqual([T0, T0 + 30 * S]);
    const [limited] = await runJson(
      'anomalies',
      '--logs',
      logFile,
      '--method',
      'iqr',
      '--threshold',
      '0.4',
      '--limit',
      '1'
    );
    expect(column(limited, 'request_id')).toEqual(['r1']);
  });

  it('anomalies with --metric', async () => {
    // batch [1,2,3,4]: mean 2.5, std sqrt(5/3); z(1) = -1.5/1.291 = -1.162, z(4) = +1.162, z(2) = -0.387
    const [frame] = await runJson('anomalies', '--logs', logFile, '--metric', 'batch_size', '--threshold', '1');
    expect(column(frame, 'batch_size')).toEqual([1, 4]);
    expect(column(frame, 'score')[1]).toBeCloseTo(1.5 / Math.sqrt(5 / 3), 12);
    // default zscore threshold 3: nothing
    const [none] = await runJson('anomalies', '--logs', logFile);
    expect(column(none, 'score')).toEqual([]);
  });

  it('trend with --window and --agg', async () => {
    const [count] = await runJson('trend', '--logs', logFile, '--window', '10s', '--agg', 'count');
    expect(count.data!.values).toEqual([
      [T0, T0 + 10 * S, T0 + 20 * S, T0 + 30 * S],
      [1, 1, 1, 1],
    ]);
    const [mean] = await runJson('trend', '--logs', logFile, '--window', '20s', '--agg', 'mean');
    expect(mean.schema!.fields[1].name).toBe('mean latency_ms');
    expect(mean.data!.values).toEqual([
      [T0, T0 + 20 * S],
      [15, 35],
    ]);
  });

  it('trend --seasonality adds the seasonal fields; forecast extrapolates the next buckets', async () => {
    const [seasonal] = await runJson('trend', '--logs', logFile, '--window', '1h', '--seasonality', 'daily');
    expect(seasonal.schema!.fields.map((f) => f.name)).toEqual([
      'time',
      'mean latency_ms',
      'expected',
      'lower',
      'upper',
      'score',
    ]);
    expect(seasonal.schema!.meta!.custom).toMatchObject({ seasonality: 'daily', seasonalPeriods: 7 });
    // Whole 5 s buckets of t0..t0+30s: 1, 0, 1, 0, 1, 0 requests; then the next 10 s.
    const [forecast] = await runJson(
      'forecast',
      '--logs',
      logFile,
      '--window',
      '5s',
      '--agg',
      'count',
      '--horizon',
      '10s'
    );
    expect(forecast.schema!.fields.map((f) => f.name)).toEqual(['time', 'count', 'lower', 'upper']);
    expect(forecast.data!.values[0]).toEqual([T0 + 30 * S, T0 + 35 * S]);
    expect(forecast.schema!.meta!.custom).toMatchObject({ method: 'holt', history: 6 });
  });

  it('trend --by gives a frame per group with labels', async () => {
    const frames = await runJson('trend', '--logs', logFile, '--window', '20s', '--agg', 'count', '--by', 'model');
    expect(frames.map((f) => f.schema!.fields[1].labels)).toEqual([{ model: 'a' }, { model: 'b' }]);
    expect(frames.map((f) => f.data!.values[1])).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });

  it('correlate with --metrics and --method', async () => {
    const [pearson] = await runJson('correlate', '--logs', logFile, '--metrics', 'latency_ms,batch_size');
    expect(column(pearson, 'metric')).toEqual(['latency_ms', 'batch_size']);
    expect(column(pearson, 'batch_size')[0]).toBeCloseTo(1, 12); // latency = 10 * batch
    const [spearman] = await runJson(
      'correlate',
      '--logs',
      logFile,
      '--metrics',
      'batch_size,latency_ms',
      '--method',
      'spearman'
    );
    expect(column(spearman, 'metric')).toEqual(['batch_size', 'latency_ms']);
    expect(column(spearman, 'latency_ms')[0]).toBeCloseTo(1, 12);
  });

  it('compare', async () => {
    const [frame] = await runJson('compare', '--logs', logFile);
    expect(column(frame, 'model')).toEqual(['a', 'b']);
    expect(column(frame, 'request_share')).toEqual([0.5, 0.5]);
    // p99: a [10,20] -> 19.9; b [30,40] -> 39.9
    expect(column(frame, 'p99_vs_fastest')[1]).toBeCloseTo(39.9 / 19.9, 10);
    expect(column(frame, 'verdict')[0]).toBe('baseline');
  });

  it('compare --baseline', async () => {
    const [frame] = await runJson('compare', '--logs', logFile, '--baseline', 'b', '--measures', 'p50_diff_ms,verdict');
    expect(frame.schema!.fields.map((f) => f.name)).toEqual(['model', 'p50_diff_ms', 'verdict']);
    // p50: a [10,20] -> 15; b [30,40] -> 35
    expect(column(frame, 'p50_diff_ms')).toEqual([-20, null]);
    expect(column(frame, 'verdict')[1]).toBe('baseline');
    const wrong = await run('compare', '--logs', logFile, '--baseline', 'c');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/unknown baseline model "c" for compare.*models compared: a, b/);
  });

  it('spike with --from, --to and --limit', async () => {
    // window [t0+20s, t0+30s]: r3, r4; baseline [t0+10s, t0+20s): r2
    const frames = await runJson(
      'spike',
      '--logs',
      logFile,
      '--from',
      iso(T0 + 20 * S),
      '--to',
      iso(T0 + 30 * S),
      '--limit',
      '1'
    );
    expect(frames.map((f) => f.schema!.name)).toEqual(['spike', 'model mix', 'slowest requests']);
    const measures = column(frames[0], 'measure');
    const i = measures.indexOf('requests');
    expect(column(frames[0], 'before')[i]).toBe(1);
    expect(column(frames[0], 'window')[i]).toBe(2);
    expect(column(frames[2], 'request_id')).toEqual(['r4']);
  });

  it('logs, newest first', async () => {
    const [frame] = await runJson('logs', '--logs', logFile, '--limit', '2');
    expect(column(frame, 'request_id')).toEqual(['r4', 'r3']);
  });
});

describe('cli export', () => {
  it('writes RFC 4180 CSV: header, CRLF, time order', async () => {
    const result = await run('export', '--logs', logFile);
    expect(result.code).toBe(0);
    expect(result.stdout.endsWith('\r\n')).toBe(true);
    const records = parseCsv(result.stdout);
    const header = records[0];
    expect(header[0]).toBe('timestamp');
    const at = (name: string) => header.indexOf(name);
    expect(at('request_id')).toBeGreaterThan(0);
    expect(at('latency_ms')).toBeGreaterThan(0);
    const rows = records.slice(1);
    expect(rows.map((r) => r[at('request_id')])).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(rows.map((r) => r[at('latency_ms')])).toEqual(['10', '20', '30', '40']);
    expect(rows.map((r) => Date.parse(r[0]))).toEqual([T0, T0 + 10 * S, T0 + 20 * S, T0 + 30 * S]);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
  });

  it('quotes commas, quotes and line breaks', async () => {
    const result = await run('export', '--logs', quotingFile);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"m,1"');
    expect(result.stdout).toContain('"say ""hi"""');
    expect(result.stdout).toContain('"line1\nline2"');
    const records = parseCsv(result.stdout);
    const header = records[0];
    expect(records).toHaveLength(3);
    // time order: q1 (t0+1s) before q2 (t0+2s)
    expect(records[1][header.indexOf('request_id')]).toBe('q1');
    expect(records[1][header.indexOf('model')]).toBe('m,1');
    expect(records[1][header.indexOf('status')]).toBe('say "hi"');
    expect(records[2][header.indexOf('note')]).toBe('line1\nline2');
  });

  it('applies the range, filters and --limit', async () => {
    const ranged = parseCsv(
      (await run('export', '--logs', logFile, '--from', String(T0 + 10 * S), '--model', 'b')).stdout
    );
    expect(ranged.slice(1).map((r) => r[ranged[0].indexOf('request_id')])).toEqual(['r3', 'r4']);
    const limited = parseCsv((await run('export', '--logs', logFile, '--limit', '1')).stdout);
    expect(limited).toHaveLength(2);
    expect(limited[1][limited[0].indexOf('request_id')]).toBe('r1');
  });
});

describe('cli generate', () => {
  it('writes sample logs the other commands read', async () => {
    const out = path.join(dir, 'generated');
    const result = await run('generate', '--out', out, '--rows', '40', '--seed', '3');
    expect(result.code).toBe(0);
    const [frame] = await runJson('summary', '--logs', out);
    expect(column(frame, 'requests')).toEqual([40]);
  });
});

describe('cli usage errors: one line on stderr, exit code 2', () => {
  const cases: Array<[string, () => string[]]> = [
    ['unknown anomaly method', () => ['anomalies', '--logs', logFile, '--method', 'bogus']],
    ['unknown correlation method', () => ['correlate', '--logs', logFile, '--method', 'kendall']],
    ['bad window', () => ['trend', '--logs', logFile, '--window', 'abc']],
    ['unknown aggregation', () => ['trend', '--logs', logFile, '--agg', 'median']],
    ['non-number threshold', () => ['anomalies', '--logs', logFile, '--threshold', 'abc']],
    ['non-number limit', () => ['logs', '--logs', logFile, '--limit', 'ten']],
    ['missing --logs', () => ['summary']],
    ['nonexistent path', () => ['summary', '--logs', path.join(dir, 'does-not-exist.jsonl')]],
    ['unknown group-by field', () => ['summary', '--logs', logFile, '--by', 'nosuch']],
    ['unknown filter field', () => ['summary', '--logs', logFile, '--filter', 'nosuch=1']],
    ['unknown metric', () => ['anomalies', '--logs', logFile, '--metric', 'nosuch']],
    ['unknown correlation metric', () => ['correlate', '--logs', logFile, '--metrics', 'latency_ms,nosuch']],
    ['bad --from', () => ['summary', '--logs', logFile, '--from', 'yesterday-ish']],
    ['malformed --filter', () => ['summary', '--logs', logFile, '--filter', 'status']],
    ['spike without a window', () => ['spike', '--logs', logFile]],
    [
      'range ending before it starts',
      () => ['summary', '--logs', logFile, '--from', String(T0 + S), '--to', String(T0)],
    ],
    [
      'too many buckets',
      () => ['trend', '--logs', logFile, '--window', '1s', '--from', String(T0), '--to', String(T0 + 3 * 86_400_000)],
    ],
    ['unknown format', () => ['summary', '--logs', logFile, '--format', 'xml']],
  ];

  it.each(cases)('%s', async (_, argv) => {
    const args = argv();
    const result = await run(...args, ...(args.includes('--format') ? [] : ['--format', 'json']));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(ONE_LINE);
    expect(result.stdout).toBe('');
  });

  it('exits with status 2 and one stderr line as a process', () => {
    const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const child = spawnSync(tsx, ['pkg/cli/main.ts', 'trend', '--logs', logFile, '--window', 'soon'], {
      encoding: 'utf8',
    });
    expect(child.status).toBe(2);
    expect(child.stderr).toMatch(ONE_LINE);
    expect(child.stdout).toBe('');
  }, 30_000);
});
