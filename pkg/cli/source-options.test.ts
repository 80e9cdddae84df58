/**
 * The CLI's analyses from ClickHouse (`--clickhouse`) equal the same analyses from the log files (`--logs`): the
 * same generated logs shipped into a private ClickHouse server (Debian's clickhouse-server; without it these
 * tests fail, they are not skipped), the JSON output of each query type compared number by number.
 */
import type { DataFrameJSON } from '@grafana/data';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { ClickHouseClient } from '../clickhouse/client';
import { ClickHouseServer, serverPorts, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { expectSameReport, withoutColumn } from '../../test/support/same-report';
import { expectSameNumbers, shipGeneratedLogs, ShippedLogs } from '../../test/support/shipped-logs';
import { runCli, type RunResult } from '../../test/support/run-cli';

/** Runs the CLI in this process with stdout and stderr captured. */
const run = (...argv: string[]): Promise<RunResult> => runCli(argv);

jest.setTimeout(120_000);

const PASSWORD = 'cli-pa55';

async function frames(...argv: string[]): Promise<DataFrameJSON[]> {
  const result = await run(...argv, '--format', 'json');
  if (result.code !== 0) {
    throw new Error(`inference-logs ${argv.join(' ')}: exit ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as DataFrameJSON[];
}

let server: ClickHouseServer;
let dir: string;
let shipped: ShippedLogs;
const savedPassword = process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD;

beforeAll(async () => {
  server = await startClickHouse({ password: PASSWORD });
  dir = mkdtempSync(path.join(os.tmpdir(), 'cli-clickhouse-'));
  const client = new ClickHouseClient({ url: server.url, password: PASSWORD });
  shipped = await shipGeneratedLogs(
    client,
    path.join(dir, 'logs'),
    { database: 'fleet', table: 'requests' },
    { rows: 3000 }
  );
  process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD = PASSWORD;
});

afterAll(async () => {
  if (savedPassword === undefined) {
    delete process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD;
  } else {
    process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD = savedPassword;
  }
  if (server) {
    await stopClickHouse(server);
  }
  rmSync(dir, { recursive: true, force: true });
});

const FROM = '2026-11-20T00:10:00Z';
const TO = '2026-11-20T00:15:00Z';

const QUERIES: Array<[string, string[]]> = [
  ['summary by model', ['summary', '--by', 'model']],
  ['summary of one model over a range', ['summary', '--model', 'llama-3-8b', '--from', FROM, '--to', TO]],
  ['trend p99 per 5m by model', ['trend', '--agg', 'p99', '--window', '5m', '--by', 'model']],
  ['trend error rate per 1m, filtered', ['trend', '--agg', 'error_rate', '--window', '1m', '--filter', 'status=error']],
  ['anomalies by MAD per model', ['anomalies', '--method', 'mad', '--by', 'model', '--limit', '50']],
  ['correlation (Spearman)', ['correlate', '--method', 'spearman']],
  ['compare', ['compare']],
  ['spike', ['spike', '--from', FROM, '--to', TO]],
];

describe('CLI analyses from ClickHouse', () => {
  it('shipped every generated request', () => {
    expect(shipped.rows).toBe(3000);
  });

  it.each(QUERIES)('%s: the same frames as from the files', async (_, args) => {
    const fromFiles = await frames(...args, '--logs', shipped.dir);
    const fromClickHouse = await frames(
      ...args,
      '--clickhouse',
      server.url,
      '--database',
      shipped.ref.database,
      '--table',
      shipped.ref.table
    );
    expect(fromFiles.length).toBeGreaterThan(0);
    expect(fromFiles[0].data!.values[0].length).toBeGreaterThan(0);
    expectSameNumbers(fromClickHouse, fromFiles);
  });

  it('logs: the same requests as from the files, each with the host it was shipped from', async () => {
    const args = ['logs', '--limit', '20', '--from', FROM];
    const [fromFiles] = await frames(...args, '--logs', shipped.dir);
    const [fromClickHouse] = await frames(
      ...args,
      '--clickhouse',
      server.url,
      '--database',
      'fleet',
      '--table',
      'requests'
    );
    // ClickHouse rows carry a host column (ship --host-label); the files have no host field.
    const host = fromClickHouse.schema!.fields.findIndex((f) => f.name === 'host');
    expect(fromClickHouse.data!.values[host]).toEqual(Array(20).fill('gpu-test-1'));
    fromClickHouse.schema!.fields.splice(host, 1);
    fromClickHouse.data!.values.splice(host, 1);
    fromClickHouse.data!.nanos?.splice(host, 1);
    // The line id is unique per line in both, made of what each has: row number, or file identity and offset.
    for (const frame of [fromClickHouse, fromFiles]) {
      const id = frame.schema!.fields.findIndex((f) => f.name === 'id');
      expect(new Set(frame.data!.values[id]).size).toBe(20);
      frame.data!.values[id] = [];
    }
    const body = fromClickHouse.schema!.fields.findIndex((f) => f.name === 'body');
    fromClickHouse.data!.values[body] = fromClickHouse.data!.values[body].map((b) =>
      String(b).replace(' host=gpu-test-1', '')
    );
    expectSameNumbers(fromClickHouse, fromFiles);
  });

  it('report: the same report as from the files', async () => {
    const ch = ['--clickhouse', server.url, '--database', 'fleet', '--table', 'requests'];
    for (const args of [
      ['--title', 'Fleet'],
      ['--from', FROM, '--to', TO, '--model', 'llama-3-8b', '--window', '1m'],
    ]) {
      const [fromFiles, fromClickHouse] = [path.join(dir, 'files.html'), path.join(dir, 'clickhouse.html')];
      expect((await run('report', ...args, '--out', fromFiles, '--logs', shipped.dir)).code).toBe(0);
      const result = await run('report', ...args, '--out', fromClickHouse, ...ch);
      expect(result).toMatchObject({ code: 0, stderr: expect.stringContaining(`wrote ${fromClickHouse}`) });
      expectSameReport(readFileSync(fromClickHouse, 'utf8'), readFileSync(fromFiles, 'utf8'));
    }
  });

  it('export: the same CSV as from the files, with the host each request was shipped from', async () => {
    const ch = ['--clickhouse', server.url, '--database', 'fleet', '--table', 'requests'];
    for (const args of [[], ['--from', FROM, '--to', TO, '--filter', 'status=error'], ['--limit', '11']]) {
      const fromFiles = await run('export', ...args, '--logs', shipped.dir);
      const fromClickHouse = await run('export', ...args, ...ch);
      expect(fromClickHouse.code).toBe(0);
      // The one difference: ClickHouse rows carry a host column (ship --host-label) after request_id.
      const header = fromClickHouse.stdout.slice(0, fromClickHouse.stdout.indexOf('\r\n')).split(',');
      expect(header[header.indexOf('host') - 1]).toBe('request_id');
      const { csv, values } = withoutColumn(fromClickHouse.stdout, 'host');
      expect(csv).toBe(fromFiles.stdout);
      expect([...values]).toEqual(['gpu-test-1']);
    }
  });

  it('takes the user from --clickhouse-user and the URL, the password from the environment', async () => {
    const url = new URL(server.url);
    url.username = 'default';
    const viaUrl = await frames(
      'summary',
      '--clickhouse',
      url.toString(),
      '--database',
      'fleet',
      '--table',
      'requests'
    );
    const viaOption = await frames(
      'summary',
      '--clickhouse',
      server.url,
      '--clickhouse-user',
      'default',
      '--database',
      'fleet',
      '--table',
      'requests'
    );
    expect(viaUrl).toEqual(viaOption);
  });
});

describe('CLI source options: one line on stderr and exit 2', () => {
  const ONE_LINE = /^[^\n]+\n$/;
  const cases: Array<[string, () => string[], RegExp]> = [
    ['neither --logs nor --clickhouse', () => ['summary'], /give --logs PATH\.\.\. .* or --clickhouse URL/],
    [
      'both',
      () => ['summary', '--logs', dir, '--clickhouse', server.url],
      /either --logs .* or --clickhouse URL, not both/,
    ],
    ['--table without --clickhouse', () => ['trend', '--logs', dir, '--table', 't'], /go with --clickhouse URL/],
    [
      '--timezone with --clickhouse',
      () => ['summary', '--clickhouse', server.url, '--timezone', 'UTC'],
      /give them to `ship`/,
    ],
    ['a table that is not there', () => ['compare', '--clickhouse', server.url, '--table', 'nope'], /clickhouse init/],
    ['not a URL', () => ['logs', '--clickhouse', 'ch-1:8123'], /http:\/\//],
    ['export from a table that is not there', () => ['export', '--clickhouse', server.url, '--table', 'nope'], /init/],
  ];

  it.each(cases)('%s', async (_, argv, message) => {
    const result = await run(...argv(), '--format', 'json');
    expect(result.stderr).toMatch(ONE_LINE);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });

  it('report: from --logs or --clickhouse, not both, and nothing written', async () => {
    const out = path.join(dir, 'both.html');
    const result = await run('report', '--logs', dir, '--clickhouse', server.url, '--out', out);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(ONE_LINE);
    expect(result.stderr).toMatch(/not both/);
    expect(existsSync(out)).toBe(false);
  });

  it('a wrong password: refused, and the password is not printed', async () => {
    process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD = 'wrong-secret';
    try {
      const result = await run('summary', '--clickhouse', server.url, '--database', 'fleet', '--table', 'requests');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(ONE_LINE);
      expect(result.stderr).toMatch(/refused the user or password/);
      expect(result.stderr).not.toContain('wrong-secret');
    } finally {
      process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD = PASSWORD;
    }
  });

  it('serve --clickhouse: a server that is not there stops it before it listens', async () => {
    const { httpPort } = await serverPorts();
    const result = await run('serve', '--clickhouse', `http://127.0.0.1:${httpPort}`, '--port', '0');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(ONE_LINE);
    expect(result.stderr).toMatch(/unreachable/);
  });
});
