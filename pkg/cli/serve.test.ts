import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';

/** `inference-logs serve` as a process: started with tsx, as `npx tsx pkg/cli/main.ts serve` runs it. */
const TSX = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
const READY = /^serving (\d+) requests from (.+) at (http:\/\/[^ ]+) \((token required|no token)\)$/m;

interface Served {
  child: ChildProcess;
  stderr: () => string;
  requests: number;
  url: string;
  auth: string;
}

/** Starts the proxy and waits for its ready line on stderr. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(TSX, ['pkg/cli/main.ts', 'serve', ...args], {
    // The restart cache goes to the test's folder (a dot folder: not read as logs), not the user's.
    env: { ...process.env, INFERENCE_LOGS_TOKEN: '', XDG_CACHE_HOME: path.join(dir, '.cache'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 25_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const ready = READY.exec(stderr);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, stderr: () => stderr, requests: Number(ready[1]), url: ready[3], auth: ready[4] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready; stderr: ${stderr}`));
    });
  });
}

/** Stops a served proxy with a signal and resolves with its exit code. */
function stop(served: Served, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    served.child.removeAllListeners('exit');
    served.child.on('exit', (code) => resolve(code));
    served.child.kill(signal);
  });
}

/** Runs the CLI to its end: exit code and stderr. */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(TSX, ['pkg/cli/main.ts', ...args], {
    env: { ...process.env, XDG_CACHE_HOME: path.join(dir, '.cache'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'serve-cli-'));
  const lines = Array.from({ length: 25 }, (_, i) =>
    JSON.stringify({
      timestamp: new Date(Date.parse('2026-05-01T00:00:00Z') + i * 1000).toISOString(),
      model: i % 2 ? 'a' : 'b',
      latency_ms: 10 + i,
    })
  );
  writeFileSync(path.join(dir, 'server.log'), lines.join('\n') + '\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inference-logs serve', () => {
  it('prints where it serves, answers /api/health, and stops on SIGTERM', async () => {
    const served = await serve(['--logs', dir, '--port', '0']);
    try {
      expect(served.requests).toBe(25);
      expect(served.auth).toBe('no token');
      const response = await fetch(`${served.url}/api/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', requests: 25, files: 1, models: ['a', 'b'] });
    } finally {
      expect(await stop(served)).toBe(0);
    }
    expect(served.stderr()).toMatch(/SIGTERM: stopping/);
    // What it read is in the restart cache (XDG_CACHE_HOME/inference-logs), written as it stopped.
    expect(served.stderr()).toMatch(/restart cache written: 25 rows/);
  }, 40_000);

  it('takes the token from INFERENCE_LOGS_TOKEN and stops on SIGINT', async () => {
    const served = await serve(['--logs', dir, '--port', '0', '--max-rows', '5'], { INFERENCE_LOGS_TOKEN: 'tok' });
    try {
      expect(served.auth).toBe('token required');
      expect(served.stderr()).toMatch(/25 rows restored from .*\.cache\/inference-logs\//);
      expect((await fetch(`${served.url}/api/health`)).status).toBe(401);
      const response = await fetch(`${served.url}/api/query`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
        body: JSON.stringify({ queries: [{ refId: 'A', queryType: 'logs' }] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { results: { A: { frames: Array<{ data: { values: unknown[][] } }> } } };
      expect(body.results.A.frames[0].data.values[0]).toHaveLength(5);
    } finally {
      expect(await stop(served, 'SIGINT')).toBe(0);
    }
  }, 40_000);

  it('exits with status 2 and one line for logs that are not there or a bad option', async () => {
    const missing = await run(['serve', '--logs', path.join(dir, 'nope'), '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^inference-logs: error: no such file or directory: .*nope\n$/);
    const badPort = await run(['serve', '--logs', dir, '--port', '70000']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/not a port/);
  }, 40_000);

  it('refuses a non-loopback --host without a token, and serves it with --insecure-no-token and a warning', async () => {
    const refused = await run(['serve', '--logs', dir, '--port', '0', '--host', '0.0.0.0'], {
      INFERENCE_LOGS_TOKEN: '',
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^inference-logs: error: refusing to serve on 0\.0\.0\.0 without a token: .*--insecure-no-token/
    );
    const served = await serve(['--logs', dir, '--port', '0', '--host', '0.0.0.0', '--insecure-no-token']);
    try {
      expect(served.auth).toBe('no token');
      expect(served.stderr()).toMatch(/warning: serving on 0\.0\.0\.0 with no token/);
      const response = await fetch(served.url.replace('0.0.0.0', '127.0.0.1') + '/api/health');
      expect(response.status).toBe(200);
    } finally {
      expect(await stop(served)).toBe(0);
    }
  }, 40_000);
});
