/**
 * Child process: ClickHouse on the same file and the same questions. The parent starts a private server (Debian's
 * clickhouse-server, as CI) and stops it after. The file is shipped with the CLI in a fresh process, as a user
 * runs `inference-logs ship`; the queries are asked through ClickHouseSource, as the CLI, `serve` and the backend
 * ask them.
 */
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join, resolve } from 'path';
import { ClickHouseClient } from '../pkg/clickhouse/client';
import { DEFAULT_DATABASE, DEFAULT_TABLE } from '../pkg/clickhouse/schema';
import { ClickHouseSource } from '../pkg/clickhouse/source';
import { initTables } from '../pkg/cli/clickhouse';
import type { Frame } from '../pkg/engine/frames';
import { answersOf, benchJobs } from './answers';
import { EngineReport, inputOf, QueryName, report, timeRuns } from './common';

const ROOT = resolve(__dirname, '..');

/** The server's peak resident memory (VmHWM), bytes. */
function serverPeakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? NaN) * 1024;
}

async function main(): Promise<void> {
  const input = inputOf(process.argv);
  if (!input.clickhouse) {
    throw new Error('no ClickHouse server given');
  }
  const { url, pid } = input.clickhouse;
  const client = new ClickHouseClient({ url });
  const ref = { database: DEFAULT_DATABASE, table: DEFAULT_TABLE };
  await initTables(client, ref);

  const started = performance.now();
  const ship = spawnSync(
    process.execPath,
    [join(ROOT, 'bin/inference-logs.js'), 'ship', '--logs', input.file, '--clickhouse', url],
    { cwd: ROOT, encoding: 'utf8' }
  );
  const processMs = performance.now() - started;
  const shipped = /of log in ([\d.]+) s/.exec(ship.stdout);
  if (ship.status !== 0 || !shipped) {
    throw new Error(`ship failed (exit ${ship.status}): ${ship.stdout}${ship.stderr}`);
  }
  const loadMs = Number(shipped[1]) * 1000;
  process.stderr.write(`clickhouse: ${ship.stdout.trim()} (process ${(processMs / 1000).toFixed(2)} s)\n`);
  // Queries are timed once the server's background merges of the new parts are over (a table at rest).
  const mergesStarted = performance.now();
  while ((await client.query<{ n: number }>('SELECT count() AS n FROM system.merges'))[0].n > 0) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const mergeMs = performance.now() - mergesStarted;
  const [{ rows }] = await client.query<{ rows: number }>(`SELECT count() AS rows FROM ${DEFAULT_TABLE}`);
  const [{ disk }] = await client.query<{ disk: number }>(
    `SELECT sum(bytes) AS disk FROM system.parts WHERE active AND database = '${DEFAULT_DATABASE}' AND table = '${DEFAULT_TABLE}'`
  );

  const source = new ClickHouseSource(client, ref);
  const queries: Record<string, number> = {};
  const runsMs: Record<string, number[]> = {};
  const firstRunMs: Record<string, number> = {};
  const results = new Map<QueryName, Frame[] | Frame[][]>();
  for (const [name, asked] of benchJobs(input)) {
    const timed = await timeRuns(input.warmups, input.runs, async () => {
      const frames: Frame[][] = [];
      for (const [query, range] of asked) {
        frames.push(await source.analyse(query, range));
      }
      return frames.length === 1 ? frames[0] : frames;
    });
    queries[name] = timed.ms;
    runsMs[name] = timed.all;
    firstRunMs[name] = timed.firstMs;
    results.set(name, timed.result);
    process.stderr.write(`clickhouse: ${name}: ${timed.ms.toFixed(1)} ms\n`);
  }
  const version = (await client.query<{ v: string }>('SELECT version() AS v'))[0].v;
  const result: EngineReport = {
    loadMs,
    processMs,
    rows: Number(rows),
    peakRssBytes: serverPeakRss(pid),
    bytesPerRow: Number(disk) / Number(rows),
    queries,
    firstRunMs,
    runsMs,
    answers: answersOf((name) => results.get(name)!),
    notes: [`ClickHouse ${version}`, `background merges after the ship: ${(mergeMs / 1000).toFixed(1)} s`],
  };
  report(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
