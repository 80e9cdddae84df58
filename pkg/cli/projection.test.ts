/**
 * One-shot questions load only the columns they read (engine/columns-needed.ts): their answers are those of a full
 * load, and a mistake in a field name still lists every field of the logs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import type { AnalysisQuery } from '../model/query';
import { StoreSource } from '../engine/store-source';
import { toDataFrameJSON } from '../format/dataframe-json';
import { LogReader } from '../sources/reader';
import { linesWithExtras } from '../sources/test-lines';
import { runCli } from '../../test/support/run-cli';

jest.setTimeout(120_000);

describe('a one-shot question', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-projection-'));
    file = path.join(dir, 'inference.log');
    const lines = linesWithExtras({ rows: 4000, seed: 21, noise: 0.03, extraFields: 10, ratePerSecond: 0.5 });
    writeFileSync(file, lines.join('\n') + '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each<[string[], AnalysisQuery]>([
    [['summary', '--by', 'model'], { queryType: 'summary', groupBy: ['model'] }],
    [
      ['trend', '--by', 'model', '--window', '1m', '--agg', 'p99'],
      { queryType: 'trend', groupBy: ['model'], window: '1m', aggregation: 'p99', metric: 'latency_ms' },
    ],
    [
      ['anomalies', '--by', 'model', '--limit', '100'],
      {
        queryType: 'anomalies',
        groupBy: ['model'],
        limit: 100,
        metric: 'latency_ms',
        method: 'zscore',
        window: 'auto',
      },
    ],
    [
      ['summary', '--by', 'host', '--filter', 'region=eu-west-1'],
      { queryType: 'summary', groupBy: ['host'], filters: { region: ['eu-west-1'] } },
    ],
  ])('%p answers as over a full load', async (argv, query) => {
    const reader = new LogReader([file]);
    await reader.refresh();
    const frames = await new StoreSource(reader.store).analyse({ refId: 'A', ...query }, {});
    const result = await runCli([...argv, '--logs', file, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify(frames.map((f) => toDataFrameJSON(f, 'A')))));
  });

  it('names every field of the logs for an unknown one', async () => {
    const result = await runCli(['trend', '--by', 'nosuch', '--logs', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown group-by field "nosuch"; fields: .*\bhost\b.*\bsampling\b/);
  });
});
