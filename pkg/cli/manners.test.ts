/**
 * The CLI's manners (issue 17, items 7-11), run as a user runs it: `main(argv)` with stdout, stderr and the exit
 * status captured, and the built CLI as a process for what only a process shows (start-up noise, signals).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { runCli as run } from '../../test/support/run-cli';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();

/** Exactly one line. */
const ONE_LINE = /^[^\n]+\n$/;

let dir: string;
let logFile: string;
let emptyDir: string;
let junkDir: string;
let noisyFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'inference-logs-manners-'));
  logFile = path.join(dir, 'requests.jsonl');
  const records = [
    { timestamp: iso(T0), model: 'a', latency_ms: 10, status: 'success', host: 'h1' },
    { timestamp: '2026-01-01T00:00:01.500001Z', model: 'b', latency_ms: 20, status: 'error', host: 'h2' },
  ];
  writeFileSync(logFile, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  emptyDir = path.join(dir, 'empty');
  mkdirSync(emptyDir);
  writeFileSync(path.join(emptyDir, 'README.md'), 'not a log\n');
  junkDir = path.join(dir, 'junk');
  mkdirSync(junkDir);
  writeFileSync(path.join(junkDir, 'a.log'), Array.from({ length: 14 }, (_, i) => `garbage ${i}`).join('\n') + '\n');
  writeFileSync(path.join(junkDir, 'b.log'), '');
  noisyFile = path.join(dir, 'noisy.jsonl');
  writeFileSync(noisyFile, ['not json', JSON.stringify(records[0])].join('\n') + '\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('item 7: no logs or no requests is an error; values matching nothing are warned about', () => {
  it('a path with no log files: one line, status 2, nothing on stdout', async () => {
    const result = await run(['summary', '--logs', emptyDir, '--format', 'json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(ONE_LINE);
    expect(result.stderr).toMatch(new RegExp(`^inference-logs: error: no log files in ${emptyDir} \\(read: \\*\\.log`));
    expect(result.stdout).toBe('');
  });

  it('files with no request: says how many files, requests and skipped lines by reason', async () => {
    for (const command of [
      ['summary', '--format', 'json'],
      ['export'],
      ['report', '--out', path.join(dir, 'r.html')],
    ]) {
      const result = await run([...command, '--logs', junkDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `inference-logs: error: no requests in ${junkDir} (2 files, 0 requests, 14 lines skipped: invalid_json 14)\n`
      );
      expect(result.stdout).toBe('');
    }
  });

  it('a --model, --filter or --field-map that matches nothing: a warning line each, the answer still printed', async () => {
    const result = await run([
      'summary',
      '--logs',
      logFile,
      '--model',
      'zz',
      '--filter',
      'host=nowhere',
      '--field-map',
      'region=zone',
      '--format',
      'csv',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^requests,/);
    expect(result.stderr.split('\n')).toEqual([
      'inference-logs: warning: --model zz matches no request (models: a, b)',
      'inference-logs: warning: --filter host=nowhere matches no request',
      'inference-logs: warning: --field-map region=zone: no line has zone',
      '',
    ]);
  });

  it('values that match say nothing', async () => {
    const result = await run(['summary', '--logs', logFile, '--model', 'a', '--filter', 'host=h1', '--format', 'csv']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('a range holding no request, and export with a --model matching nothing, are warned about', async () => {
    const range = await run(['summary', '--logs', logFile, '--from', '2027-01-01', '--format', 'csv']);
    expect(range.code).toBe(0);
    expect(range.stderr).toBe(
      'inference-logs: warning: no request in the time range (the logs hold 2026-01-01T00:00:00.000000Z to ' +
        '2026-01-01T00:00:01.500001Z)\n'
    );
    const exported = await run(['export', '--logs', logFile, '--model', 'zz']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^timestamp,/);
    expect(exported.stderr).toMatch(/^inference-logs: warning: --model zz matches no request/);
  });
});

describe('item 8: errors about the question, one line, one prefix', () => {
  // A path that does not exist: an error found before reading wins over it, so nothing was read.
  const missing = (): string => path.join(dir, 'never-read');
  const before: Array<[string, () => string[], RegExp]> = [
    ['unknown measure', () => ['summary', '--measures', 'p42'], /unknown measure "p42" for summary; use any of/],
    ['reversed range', () => ['summary', '--from', '2026-01-02', '--to', '2026-01-01'], /range ends before it starts/],
    ['spike without a window', () => ['spike'], /spike needs a time window/],
    [
      'too many buckets',
      () => ['trend', '--window', '1s', '--from', '2026-01-01', '--to', '2026-01-09'],
      /buckets over this range/,
    ],
    ['bad window', () => ['trend', '--window', 'soon'], /"soon" is not a window/],
  ];

  it.each(before)('%s is found before the logs are read', async (_, argv, message) => {
    const result = await run([...argv(), '--logs', missing(), '--format', 'json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(ONE_LINE);
    expect(result.stderr).toMatch(/^inference-logs: error: /);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('an unknown field, known only once the logs are read: one line listing the fields, no skipped-lines block', async () => {
    for (const [argv, message] of [
      [['--by', 'nosuch'], /^inference-logs: error: unknown group-by field "nosuch"; fields: .*\bmodel\b.*\bhost\b/],
      [['--filter', 'nosuch=1'], /^inference-logs: error: unknown filter field "nosuch"; fields: .*\bhost\b/],
    ] as const) {
      const result = await run(['summary', '--logs', noisyFile, ...argv, '--format', 'json']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(ONE_LINE);
      expect(result.stderr).toMatch(message);
    }
  });

  it("commander's own usage errors get the same prefix, on one line", async () => {
    for (const argv of [
      ['summary', '--logs', logFile, '--bogus'],
      ['bogus'],
      ['report', '--logs', logFile],
      ['summary', '--logs', logFile, '--format', 'xml'],
      ['summary', '--logs', logFile, '--preset', 'nosuch', '--help'],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(ONE_LINE);
      expect(result.stderr).toMatch(/^inference-logs: error: /);
      expect(result.stdout).toBe('');
    }
  });
});

describe('item 10: tables fit the terminal; times as in CSV; durations in help', () => {
  it('a table on a narrow terminal keeps to its width and names the columns left out', async () => {
    const result = await run(['summary', '--logs', logFile, '--format', 'table'], { columns: 60 });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    const note = lines.pop()!;
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(60);
    }
    // The note names every column left out, even if the terminal wraps it.
    expect(note).toMatch(/^\d+ more columns: p90_latency_ms, .*, avg_memory_used_gb — use --wide or --format csv$/);
    expect(result.stdout).toMatch(/│ requests │/);
    expect(result.stdout).not.toMatch(/avg_memory_used_gb │/);
  });

  it('--wide, and output that is not a terminal, show every column', async () => {
    const wide = await run(['summary', '--logs', logFile, '--format', 'table', '--wide'], { columns: 60 });
    const piped = await run(['summary', '--logs', logFile, '--format', 'table']);
    for (const result of [wide, piped]) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/avg_memory_used_gb/);
      expect(result.stdout).not.toMatch(/more column/);
    }
  });

  it('the logs table has no body or id column; times read as export writes them (microseconds)', async () => {
    const table = await run(['logs', '--logs', logFile, '--format', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/│ body │|│ id │|host=h1/);
    expect(table.stdout).toMatch(/│ timestamp +│ severity │ latency_ms │/);
    expect(table.stdout).toMatch(/│ 2026-01-01T00:00:01\.500001Z │/);
    expect(table.stdout).toMatch(/│ 2026-01-01T00:00:00\.000000Z │/);
    const csv = await run(['logs', '--logs', logFile, '--format', 'csv']);
    const exported = await run(['export', '--logs', logFile]);
    const times = (text: string) =>
      text
        .split('\r\n')
        .slice(1, -1)
        .map((line) => line.split(',')[0]);
    expect(times(csv.stdout).sort()).toEqual(times(exported.stdout));
    expect(times(exported.stdout)).toEqual(['2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:01.500001Z']);
  });

  it('demo --help shows durations as durations', async () => {
    const result = await run(['demo', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--history <duration>[^]*\(default: 6h\)/);
    expect(result.stdout).toMatch(/\(default: 15m\)/);
    expect(result.stdout).not.toMatch(/21600000|900000/);
  });
});

describe('item 9: quiet starts (the built CLI as a process)', () => {
  let cli: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    // A private build of the current sources: the shared build/cli may be stale or being rebuilt by someone else.
    const out = path.join(process.cwd(), 'build', `cli-test-${process.pid}`);
    cli = path.join(out, 'inference-logs.js');
    execFileSync(process.execPath, ['scripts/build-cli.mjs', '--out', cli], { stdio: 'ignore' });
  }, 60_000);

  afterAll(() => {
    for (const child of children) {
      child.kill('SIGKILL');
    }
    rmSync(path.dirname(cli), { recursive: true, force: true });
  });

  /** Starts the CLI; resolves once `ready` matches what it wrote, then stops it with SIGINT. */
  function runUntil(
    argv: string[],
    ready: (out: string, err: string) => boolean,
    whileUp: (out: string) => Promise<void> = async () => {}
  ): Promise<{ stdout: string; stderr: string; code: number | null }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cli, ...argv], { env: { ...process.env, INFERENCE_LOGS_TOKEN: '' } });
      children.push(child);
      let [stdout, stderr, stopping] = ['', '', false];
      const check = (): void => {
        if (!stopping && ready(stdout, stderr)) {
          stopping = true;
          whileUp(stdout).then(() => child.kill('SIGINT'), reject);
        }
      };
      child.stdout.on('data', (d) => ((stdout += d), check()));
      child.stderr.on('data', (d) => ((stderr += d), check()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ stdout, stderr, code }));
    });
  }

  it('serve says where it serves, and nothing else (no ajv strict-mode line)', async () => {
    const result = await runUntil(['serve', '--logs', logFile, '--port', '0', '--no-cache'], (_, err) =>
      err.includes('serving')
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /^serving 2 requests from .* at http:\/\/127\.0\.0\.1:\d+ \(no token\)\nSIGINT: stopping\n$/
    );
  }, 30_000);

  it('demo --once writes nothing on stderr', async () => {
    const result = await runUntil(
      ['demo', '--once', '--dir', path.join(dir, 'demo-once'), '--history', '30m', '--no-trace'],
      () => false
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Wrote \d+ requests/);
  }, 30_000);

  it("demo serves quietly, and the README's curl example works: health with the bearer token", async () => {
    let health: unknown;
    let unauthorised = 0;
    const result = await runUntil(
      ['demo', '--dir', path.join(dir, 'demo-live'), '--history', '30m', '--no-trace', '--port', '0', '--token', 't0k'],
      (out) => /Ctrl-C stops/.test(out),
      async (out) => {
        const url = /health +(http:\S+)/.exec(out)![1];
        unauthorised = (await fetch(url)).status;
        health = await (await fetch(url, { headers: { Authorization: 'Bearer t0k' } })).json();
      }
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(unauthorised).toBe(401);
    expect(health).toMatchObject({ status: 'ok', files: 3 });
  }, 60_000);
});
