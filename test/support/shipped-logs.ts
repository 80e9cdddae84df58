/**
 * The same logs as files and in ClickHouse, for the doors' parity tests: generated logs written to a folder, the
 * tables created as `clickhouse init` creates them, the folder shipped with the shipper every host runs.
 */
import { writeLogs } from '../../pkg/generator/write';
import { ClickHouseClient } from '../../pkg/clickhouse/client';
import { createStatements, TableRef } from '../../pkg/clickhouse/schema';
import { Shipper } from '../../pkg/clickhouse/ship';

export interface ShippedLogs {
  /** The folder of log files. */
  dir: string;
  ref: TableRef;
  /** Rows and skipped lines the shipper sent. */
  rows: number;
  skipped: Record<string, number>;
}

/** Default start of the generated logs (the generator's own default). */
export const LOG_START = Date.parse('2026-11-20T00:00:00Z');

/** Writes `rows` generated requests (with noise lines, in two files) into `dir` and ships them into `ref`. */
export async function shipGeneratedLogs(
  client: ClickHouseClient,
  dir: string,
  ref: TableRef,
  options: { rows: number; seed?: number; noise?: number } = { rows: 3000 }
): Promise<ShippedLogs> {
  await writeLogs(dir, {
    rows: options.rows,
    seed: options.seed ?? 7,
    noise: options.noise ?? 0.01,
    files: 2,
    start: LOG_START,
  });
  for (const statement of createStatements(ref)) {
    await client.exec(statement);
  }
  const shipper = new Shipper({ paths: [dir], client, ref, host: 'gpu-test-1' });
  const stats = await shipper.shipNew();
  return { dir, ref, rows: stats.rows, skipped: stats.skipped };
}

/**
 * Throws unless `actual` equals `expected` with every number within 1e-9 (relative, or absolute near 0): the
 * parity rule of the ClickHouse source. The message names the first place that differs.
 */
export function expectSameNumbers(actual: unknown, expected: unknown, where = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const same =
      Object.is(actual, expected) ||
      Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)) ||
      (Number.isNaN(actual) && Number.isNaN(expected));
    if (!same) {
      throw new Error(`${where}: ${actual} differs from ${expected}`);
    }
    return;
  }
  if (Array.isArray(expected) || (typeof expected === 'object' && expected !== null)) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual) !== Array.isArray(expected)) {
      throw new Error(
        `${where}: ${JSON.stringify(actual)?.slice(0, 200)} differs from ${JSON.stringify(expected)?.slice(0, 200)}`
      );
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      expectSameNumbers(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${where}.${key}`
      );
    }
    return;
  }
  if (actual !== expected) {
    throw new Error(`${where}: ${JSON.stringify(actual)} differs from ${JSON.stringify(expected)}`);
  }
}
