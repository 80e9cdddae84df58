import path from 'path';
import { startProxy } from '../http/server';
import { runCli, type RunResult } from '../../test/support/run-cli';

/** Runs the CLI in this process with stdout and stderr captured. */
const run = (...argv: string[]): Promise<RunResult> => runCli(argv);
import { readingConfig } from './options';

const FIXTURES = path.join(__dirname, '..', 'sources', 'fixtures');

describe('CLI: --preset and --field-map expressions', () => {
  it('reads a preset format: the export has its rows in our columns; skips go to stderr by reason', async () => {
    const result = await run('export', '--logs', path.join(FIXTURES, 'litellm'), '--preset', 'litellm');
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trim().split(/\r?\n/);
    const columns = header.split(',');
    const cell = (row: string, name: string): string => row.split(',')[columns.indexOf(name)];
    expect(rows).toHaveLength(2);
    expect(cell(rows[0], 'model')).toBe('gpt-4o');
    expect(Number(cell(rows[0], 'latency_ms'))).toBeCloseTo(1500, 3);
    expect(cell(rows[0], 'input_tokens')).toBe('20');
    expect(cell(rows[1], 'status')).toBe('failure');
    expect(result.stderr).toMatch(/missing_latency/);
    expect(result.stderr).toMatch(/invalid_timestamp/);
  });

  it('a --field-map entry overrides the preset', async () => {
    const result = await run(
      'summary',
      '--logs',
      path.join(FIXTURES, 'tgi'),
      '--preset',
      'tgi',
      '--field-map',
      "model='llama-3-8b'",
      '--by',
      'model',
      '--format',
      'csv'
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^model,/);
    expect(result.stdout).toMatch(/\nllama-3-8b,2,/);
  });

  it('--preset NAME --help prints the preset', async () => {
    const result = await run('summary', '--preset', 'otel-genai', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('preset otel-genai: OTLP JSON spans');
    expect(result.stdout).toContain('  latency_ms=endTimeUnixNano-startTimeUnixNano:ns');
    expect(result.stdout).toContain('"resourceSpans"');
    const unknown = await run('summary', '--preset=splunk', '--help');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown preset "splunk"/);
  });

  it('a bad expression, an unknown preset, a preset with --clickhouse: one line, status 2', async () => {
    const bad = await run('summary', '--logs', FIXTURES, '--field-map', 'latency_ms=rt:minutes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--field-map latency_ms=rt:minutes: "rt:minutes": unknown unit "minutes"/);
    const unknown = await run('summary', '--logs', FIXTURES, '--preset', 'splunk');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown preset "splunk"/);
    const clickhouse = await run('summary', '--clickhouse', 'http://127.0.0.1:1', '--preset', 'litellm');
    expect(clickhouse.code).toBe(2);
    expect(clickhouse.stderr).toMatch(/--preset .* with --clickhouse, give them to `ship`/);
  });
});

describe('proxy (serve) with a preset', () => {
  it('answers from the mapped rows, one per OTLP span', async () => {
    const proxy = await startProxy({
      paths: [path.join(FIXTURES, 'otel-genai')],
      sourceConfig: readingConfig({ preset: 'otel-genai' }),
      port: 0,
    });
    try {
      const response = await fetch(`${proxy.url}/api/query`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          queries: [{ refId: 'A', queryType: 'logs' }],
          from: '2025-12-01T00:00:00Z',
          to: '2025-12-31T00:00:00Z',
        }),
      });
      const body = (await response.json()) as {
        results: {
          A: { frames: Array<{ schema: { fields: Array<{ name: string }> }; data: { values: unknown[][] } }> };
        };
      };
      const frame = body.results.A.frames[0];
      const column = (name: string) => frame.data.values[frame.schema.fields.findIndex((f) => f.name === name)];
      expect(column('model')).toEqual(['llama-3-8b', 'gpt-4o-2024-08-06']); // newest first
      expect(column('latency_ms')).toEqual([250.0005, 1250]);
      expect(column('request_id')).toEqual(['eee19b7ec3c1b175', 'eee19b7ec3c1b174']);
    } finally {
      await proxy.close();
    }
  });
});
