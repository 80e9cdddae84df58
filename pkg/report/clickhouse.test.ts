/**
 * The HTML report from ClickHouse is the report from the files, on the same generated logs (with skipped lines)
 * shipped into a private ClickHouse server (Debian's clickhouse-server; without it these tests fail, they are not
 * skipped): the same text, tables and charts, the exact numbers within 1e-9 (expectSameReport), for whole logs,
 * ranges, filters and empty selections.
 */
import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { ClickHouseClient } from '../clickhouse/client';
import { ClickHouseReportSource } from '../clickhouse/report-source';
import { ClickHouseSource } from '../clickhouse/source';
import { LogReader } from '../sources/reader';
import { Store } from '../store/store';
import { ClickHouseServer, startClickHouse, stopClickHouse } from '../../test/support/clickhouse-server';
import { expectSameReport } from '../../test/support/same-report';
import { LOG_START, shipGeneratedLogs, ShippedLogs } from '../../test/support/shipped-logs';
import { renderReport, ReportOptions } from './report';

jest.setTimeout(120_000);

const GENERATED_AT = Date.parse('2026-12-01T12:00:00Z');
const MINUTE = 60_000;

let server: ClickHouseServer;
let dir: string;
let shipped: ShippedLogs;
let store: Store;
let source: ClickHouseReportSource;

beforeAll(async () => {
  server = await startClickHouse();
  dir = mkdtempSync(path.join(os.tmpdir(), 'report-clickhouse-'));
  const client = new ClickHouseClient({ url: server.url });
  shipped = await shipGeneratedLogs(client, path.join(dir, 'logs'), { database: 'default', table: 'inference_logs' });
  const reader = new LogReader([shipped.dir]);
  await reader.refresh();
  store = reader.store;
  source = new ClickHouseReportSource(new ClickHouseSource(client, shipped.ref));
});

afterAll(async () => {
  if (server) {
    await stopClickHouse(server);
  }
  rmSync(dir, { recursive: true, force: true });
});

async function both(options: Omit<ReportOptions, 'generatedAt'>) {
  const fixed = { ...options, generatedAt: GENERATED_AT };
  return { files: await renderReport(store, fixed), clickhouse: await renderReport(source, fixed) };
}

describe('the report from ClickHouse', () => {
  it('over the whole logs: the same report as from the files, skipped lines included', async () => {
    const { files, clickhouse } = await both({ range: {}, title: 'Fleet' });
    expect(Object.keys(shipped.skipped).length).toBeGreaterThan(1);
    expect(files).toContain('data-table="skipped"');
    expect(files).toContain('data-chart="latency"');
    expectSameReport(clickhouse, files);
  });

  it.each<[string, Omit<ReportOptions, 'generatedAt'>]>([
    [
      'a range and a filter',
      { range: { from: LOG_START + 5 * MINUTE, to: LOG_START + 25 * MINUTE }, filters: { model: ['llama-3-8b'] } },
    ],
    ['a range open at its end, 1m buckets', { range: { from: LOG_START + 10 * MINUTE }, window: '1m' }],
    [
      'filters on two fields, MAD anomalies, a short list',
      {
        range: {},
        filters: { status: ['success', 'error'], model: ['gpt-j-6b', 'mistral-7b'] },
        anomalies: { method: 'mad', threshold: 2, top: 5 },
      },
    ],
  ])('%s: the same report as from the files', async (_, options) => {
    const { files, clickhouse } = await both(options);
    expect(files).not.toContain('data-empty');
    expectSameReport(clickhouse, files);
  });

  it('an empty selection: the same report, with the totals of the whole logs', async () => {
    for (const options of [
      { range: { from: LOG_START - 120 * MINUTE, to: LOG_START - 60 * MINUTE } },
      { range: {}, filters: { model: ['no-such-model'] } },
    ]) {
      const { files, clickhouse } = await both(options);
      expect(files).toContain('data-empty="true"');
      expect(files).toContain(`The logs hold ${shipped.rows.toLocaleString('en-US')} requests`);
      expectSameReport(clickhouse, files);
    }
  });

  it('refuses what the files refuse, with the same message', async () => {
    const options = { range: {}, filters: { nosuch: ['x'] } };
    const message = await renderReport(store, options).catch((error: Error) => error.message);
    expect(message).toMatch(/unknown filter field "nosuch"/);
    // ClickHouse's table has a host column (the shipper's label) the files do not have.
    await expect(renderReport(source, options)).rejects.toThrow(`${message}, host`);
  });
});
