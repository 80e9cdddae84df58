/**
 * The CLI as users run it: built JavaScript (scripts/build-cli.mjs, run by `npm ci`), not TypeScript transpiled at
 * start. Built here into a folder of its own (build/ is where node_modules resolve from), then run as a process:
 * `--help` loads none of the heavy packages (what keeps it fast), a large file is read by the scan workers embedded
 * in the bundle, and its answers equal the TypeScript sources'.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeLogs } from '../pkg/generator/write';
import { main } from '../pkg/cli/main';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..');
const HEAVY = ['vega', 'vega-lite', 'fastify', 'fast-glob', 'apache-arrow', '@grafana/data'];

let outDir: string;
let bundle: string;
let logDir: string;
let smallDir: string;

beforeAll(async () => {
  // A tree of its own, laid out as the repository's: bin/ beside build/cli/.
  outDir = join(ROOT, 'build', `test-cli-${process.pid}`);
  bundle = join(outDir, 'build', 'cli', 'inference-logs.js');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs'), '--out', bundle], { stdio: 'pipe' });
  mkdirSync(join(outDir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'inference-logs.js'), join(outDir, 'bin', 'inference-logs.js'));
  logDir = mkdtempSync(join(tmpdir(), 'cli-build-'));
  // More than the 16 MiB from which the reader hands a file to its worker threads.
  await writeLogs(logDir, { rows: 100_000, seed: 7, extras: true });
  smallDir = mkdtempSync(join(tmpdir(), 'cli-build-small-'));
  await writeLogs(smallDir, { rows: 2_000, seed: 3 });
});

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(logDir, { recursive: true, force: true });
  rmSync(smallDir, { recursive: true, force: true });
});

/** Runs the bundle in a fresh node; `modules` lists every package the process loaded. */
function runBundle(args: string[], env: Record<string, string> = {}) {
  const script =
    `const M = require('module'); const seen = new Set(); const load = M._load;` +
    `M._load = function (r) { seen.add(r); return load.apply(this, arguments); };` +
    `require(${JSON.stringify(bundle)}).main(${JSON.stringify(args)}).then((code) => {` +
    `process.exitCode = code; process.stderr.write('\\nMODULES ' + JSON.stringify([...seen]) + '\\n'); });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  const marker = result.stderr.lastIndexOf('\nMODULES ');
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr.slice(0, marker),
    modules: JSON.parse(result.stderr.slice(marker + 9)) as string[],
  };
}

it('is built into one file, with the V8 code cache of it beside it', () => {
  expect(existsSync(bundle)).toBe(true);
  expect(statSync(`${bundle}.cache`).size).toBeGreaterThan(10_000);
});

it('answers --help without loading the heavy packages', () => {
  const run = runBundle(['--help']);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('Usage: inference-logs');
  expect(run.stdout).toContain('summary');
  expect(run.modules).toContain('commander');
  expect(run.modules.filter((m) => HEAVY.includes(m))).toEqual([]);
  // Nor the lighter ones it has no use for: the ajv compiler (the validators are generated), tables, progress bars.
  expect(run.modules.filter((m) => ['ajv', 'cli-table3', 'cli-progress'].includes(m))).toEqual([]);
  // No TypeScript loader either: the bundle is plain JavaScript.
  expect(run.modules.filter((m) => m.startsWith('tsx') || m.endsWith('.ts'))).toEqual([]);
});

it('reads a large file with its scan workers and answers as the sources do', async () => {
  const args = ['summary', '--by', 'model', '--by', 'region', '--logs', logDir, '--format', 'json'];
  const run = runBundle(args, { INFERENCE_LOGS_VERBOSE: '1' });
  expect(run.status).toBe(0);
  const read = /read (\d+) bytes, (\d+) of them by scan workers/.exec(run.stderr);
  expect(read).not.toBeNull();
  expect(Number(read![1])).toBeGreaterThan(16 << 20);
  expect(read![2]).toBe(read![1]);
  // With the WebAssembly layout scanner embedded in the bundle (scripts/embedded-wasm.mjs).
  expect(run.stderr).toContain('layout scanner: WebAssembly');
  // The query is checked by the validators generated ahead of time (pkg/model/validators.generated.js): no ajv compiler.
  expect(run.modules).not.toContain('ajv');

  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    expect(await main(args)).toBe(0);
  } finally {
    write.mockRestore();
  }
  expect(JSON.parse(run.stdout)).toEqual(JSON.parse(chunks.join('')));
});

describe('bin/ with the code cache', () => {
  const cache = () => `${bundle}.cache`;
  let made: Buffer;
  beforeAll(() => {
    made = readFileSync(cache());
  });
  afterEach(() => writeFileSync(cache(), made));

  /** bin/inference-logs.js of the test tree: its stdout, and what it says of the cache. */
  function runBin(args: string[], nodeArgs: string[] = []) {
    const result = spawnSync(process.execPath, [...nodeArgs, join(outDir, 'bin', 'inference-logs.js'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, INFERENCE_LOGS_VERBOSE: '1' },
    });
    expect(result.status).toBe(0);
    return { stdout: result.stdout, cache: /^code cache: (.*)$/m.exec(result.stderr)?.[1] };
  }

  it('answers as the bundle does, with the cache, a damaged one, one of another Node and none', () => {
    // A glob: fast-glob is loaded on demand, by a require() in place of the import() the vm.Script could not run.
    const commands = [['--help'], ['summary', '--by', 'model', '--logs', join(smallDir, '*.log'), '--format', 'json']];
    const expected = commands.map((args) => {
      const run = runBundle(args);
      expect(run.status).toBe(0);
      return run.stdout;
    });
    expect(JSON.parse(expected[1]).length).toBeGreaterThan(0);
    const check = (cacheState: string | undefined, nodeArgs: string[] = []) =>
      commands.forEach((args, i) => expect(runBin(args, nodeArgs)).toEqual({ stdout: expected[i], cache: cacheState }));

    check('used');
    // Bytes changed in the middle: the launcher's checksum fails, V8 never sees it.
    const damaged = Buffer.from(made);
    damaged.fill(0x5a, damaged.length >> 1, (damaged.length >> 1) + 64);
    writeFileSync(cache(), damaged);
    check('none');
    // Made by another V8 (its version hash, in V8's header after the launcher's 4 bytes), with a valid checksum.
    const other = Buffer.from(made);
    other[4 + 4] ^= 0xff;
    other.writeUInt32LE(crc32(other.subarray(4), crc32(readFileSync(bundle))));
    writeFileSync(cache(), other);
    check('rejected by V8');
    writeFileSync(cache(), made.subarray(0, 3));
    check('none');
    rmSync(cache());
    check('none');
    // With source maps on, Node's own loader runs the bundle (it maps stack traces only for the files it loads).
    check(undefined, ['--enable-source-maps']);
  });
});

it('runs from bin/, and says how to build it when the build is missing', () => {
  // bin/ as npm links it: after npm ci (the prepare script) the build is there.
  const built = spawnSync(process.execPath, [join(ROOT, 'bin', 'inference-logs.js'), '--help'], { encoding: 'utf8' });
  expect(built.status).toBe(0);
  expect(built.stdout).toContain('Usage: inference-logs');
  // The same launcher in a tree without build/: a clear message, not a stack trace.
  const bare = mkdtempSync(join(tmpdir(), 'cli-bare-'));
  try {
    mkdirSync(join(bare, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'inference-logs.js'), join(bare, 'bin', 'inference-logs.js'));
    const missing = spawnSync(process.execPath, [join(bare, 'bin', 'inference-logs.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      'inference-logs: error: the CLI is not built: run `npm ci` (it builds it) or `npm run build:cli`\n'
    );
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

it('ends quietly, status 0, when the reader closes the pipe (export | head -1)', async () => {
  const script = `require(${JSON.stringify(bundle)}).main(process.argv.slice(1)).then((c) => (process.exitCode = c));`;
  for (const args of [
    ['export', '--logs', logDir],
    ['logs', '--logs', logDir, '--format', 'csv'],
  ]) {
    const child = spawn(process.execPath, ['-e', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // Read the first chunk, then close our end, as `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  }
});

it('serves the report from any working directory (the data worker loads vega from the bundle, not the cwd)', async () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'cli-build-cwd-'));
  const port = 20_000 + (process.pid % 20_000);
  const server = spawn(
    process.execPath,
    [join(outDir, 'bin', 'inference-logs.js'), 'serve', '--logs', smallDir, '--port', String(port)],
    { cwd: elsewhere, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  try {
    let status = 0;
    let body = '';
    for (let attempt = 0; attempt < 100 && status === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/report.html`);
        status = response.status;
        body = await response.text();
      } catch {
        // not listening yet
      }
    }
    expect(status).toBe(200);
    expect(body).toContain('<svg');
  } finally {
    server.kill();
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
