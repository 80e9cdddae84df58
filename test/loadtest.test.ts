/**
 * `npm run loadtest` (scripts/loadtest.ts) in a short, light configuration: the built CLI's `serve` under appends,
 * rotations, mixed queries and a SIGKILL with restart must answer without errors and count every line once.
 */
import { spawn } from 'child_process';
import { existsSync } from 'fs';
import path from 'path';

const ROOT = path.join(__dirname, '..');

interface LoadtestResult {
  linesWritten: number;
  healthRequests: number;
  summaryRequests: number;
  exportedIds: number;
  missingIds: number;
  duplicateIds: number;
  errors: number;
  killed: boolean;
  requests: number;
  rotations: number;
  peakRssMiB: number;
  routes: Record<string, { n: number }>;
}

function runLoadtest(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/loadtest.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a short load and fault run: no errors, every line counted once across a SIGKILL and restart', async () => {
  expect(existsSync(path.join(ROOT, 'build', 'cli', 'inference-logs.js'))).toBe(true);
  const run = await runLoadtest(['--seconds', '8', '--rate', '400', '--clients', '2', '--rotate-ms', '700']);
  const line = run.stdout.split('\n').find((l) => l.startsWith('LOADTEST_RESULT '));
  if (run.code !== 0 || !line) {
    throw new Error(`loadtest exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  }
  const result = JSON.parse(line.slice('LOADTEST_RESULT '.length)) as LoadtestResult;
  expect(result.errors).toBe(0);
  expect(result.killed).toBe(true);
  expect(result.rotations).toBeGreaterThanOrEqual(8);
  // 1,600 lines of history, then about 400 a second for 8 s.
  expect(result.linesWritten).toBeGreaterThan(4000);
  expect(result.healthRequests).toBe(result.linesWritten);
  expect(result.summaryRequests).toBe(result.linesWritten);
  expect(result.exportedIds).toBe(result.linesWritten);
  expect(result.missingIds).toBe(0);
  expect(result.duplicateIds).toBe(0);
  // Queries were answered (how many depends on the machine: the report alone can take seconds on a busy one).
  expect(result.requests).toBeGreaterThan(10);
  expect(result.routes['query:summary']?.n).toBeGreaterThan(0);
  expect(result.peakRssMiB).toBeGreaterThan(10);
}, 120_000);
