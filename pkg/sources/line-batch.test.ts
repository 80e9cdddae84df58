import { EXTRA_MISSING, EXTRA_NUMBER, EXTRA_TEXT } from '../store/store';
import { batchTransferList, BatchScanner } from './line-batch';
import { linesWithExtras } from './test-lines';

describe('BatchScanner: extra fields', () => {
  test('lines with extra fields of any type are read by the scanner, as columns in the order of first values', () => {
    const lines = [
      '{"timestamp": 1795791795, "model": "m", "latency_ms": 1, "host": "h1", "tokens": 12, "gpu": null}',
      '{"region": "eu", "timestamp": 1795791796, "model": "m", "latency_ms": 2, "host": "h2", "gpu": "H100"}',
      '{"timestamp": 1795791797, "latency_ms": 3, "host": "h1"}', // skipped: no model; "h1" only counted once
      '{"timestamp": 1795791797, "model": "m", "latency_ms": 3, "tokens": "many", "o": {"b": 1, "1": [true]}}',
      '{"timestamp": 1795791798, "model": "m", "latency_ms": 4, "flag": false, "note": "caf\u00e9", "tokens": 1e999}',
    ];
    const buf = Buffer.from(lines.join('\n'));
    const batch = new BatchScanner().scan(buf, 0, buf.length, 0);
    expect(batch.fallbacks).toEqual([]);
    expect(batch.rows).toBe(4);
    expect(batch.skipped).toEqual({ missing_model: 1 });
    const columns = batch.extras!.map(({ name, kinds, values, texts, firstRow }) => ({
      name,
      firstRow,
      values: Array.from(kinds.subarray(0, batch.rows), (kind, row) =>
        kind === EXTRA_MISSING ? null : kind === EXTRA_NUMBER ? values[row] : texts[values[row] - 1]
      ),
      kinds: Array.from(kinds.subarray(0, batch.rows)),
    }));
    const [M, N, T] = [EXTRA_MISSING, EXTRA_NUMBER, EXTRA_TEXT];
    expect(columns).toEqual([
      { name: 'host', firstRow: 0, values: ['h1', 'h2', null, null], kinds: [T, T, M, M] },
      { name: 'tokens', firstRow: 0, values: [12, null, 'many', null], kinds: [N, M, T, M] },
      { name: 'region', firstRow: 1, values: [null, 'eu', null, null], kinds: [M, T, M, M] },
      { name: 'gpu', firstRow: 1, values: [null, 'H100', null, null], kinds: [M, T, M, M] },
      { name: 'o', firstRow: 2, values: [null, null, '{"1":[true],"b":1}', null], kinds: [M, M, T, M] },
      { name: 'flag', firstRow: 3, values: [null, null, null, 'false'], kinds: [M, M, M, T] },
      { name: 'note', firstRow: 3, values: [null, null, null, 'café'], kinds: [M, M, M, T] },
    ]);
    // Each extra field's arrays travel to the main thread with the batch, not copied.
    const transfer = batchTransferList(batch);
    for (const extra of batch.extras!) {
      expect(transfer).toContain(extra.kinds.buffer);
      expect(transfer).toContain(extra.values.buffer);
    }
  });

  test('nested values that repeat, differ in one byte or outnumber the byte cache each keep their own text', () => {
    const nested = [
      '{"a": 1}',
      '{"a": 2}', // same length as the first, one byte apart
      '{"a": 1}',
      ...Array.from({ length: 40 }, (_, i) => `{"k": ${i}, "z": [${i % 3}]}`), // more than the cache holds
      '{"a": 2}',
      `{"long": "${'x'.repeat(300)}"}`, // longer than the cache keeps
      `{"long": "${'x'.repeat(300)}"}`,
      '{"k": 39, "z": [0]}',
    ];
    const lines = nested.map((o, i) => `{"timestamp": ${1795791795 + i}, "model": "m", "latency_ms": 1, "o": ${o}}`);
    const buf = Buffer.from(lines.join('\n'));
    const batch = new BatchScanner().scan(buf, 0, buf.length, 0);
    expect(batch.fallbacks).toEqual([]);
    const [o] = batch.extras!;
    const texts = Array.from(o.kinds.subarray(0, batch.rows), (_, row) => o.texts[o.values[row] - 1]);
    expect(texts).toEqual(nested.map((json) => JSON.stringify(JSON.parse(json))));
  });

  test('a nested value that is not JSON sends its line to the full path every time, cached or not', () => {
    const lines = [1, 2, 3].map(
      (i) => `{"timestamp": ${1795791795 + i}, "model": "m", "latency_ms": 1, "o": {"a": 1,}}`
    );
    const buf = Buffer.from(lines.join('\n'));
    const batch = new BatchScanner().scan(buf, 0, buf.length, 0);
    expect(batch.rows + batch.fallbacks.length).toBe(3);
    expect(batch.fallbacks.length).toBe(3);
  });

  test('generated lines with 10 extra fields, keys shuffled, never take the full path', () => {
    const lines = linesWithExtras({ rows: 3000, seed: 4, extraFields: 10, shuffle: true });
    const buf = Buffer.from(lines.join('\n'));
    const batch = new BatchScanner().scan(buf, 0, buf.length, 0);
    expect(batch.fallbacks).toEqual([]);
    expect(batch.rows).toBe(3000);
    expect(batch.extras!.map((extra) => extra.name).sort()).toEqual(
      ['host', 'region', 'gpu_type', 'prompt_tokens', 'queue_ms', 'cached', 'sampling', 'tags', 'shard', 'note'].sort()
    );
  });
});

describe('BatchScanner spans (the ClickHouse shipper)', () => {
  test("each row's request id bytes and line end; an id given as a number takes the full path", () => {
    const lines = [
      '{"timestamp": "2026-01-01T00:00:00", "request_id": "abc-1", "model": "m", "latency_ms": 1.5}',
      '{"timestamp": "2026-01-01T00:00:01", "request_id": 12, "model": "m", "latency_ms": 2}',
      '{"timestamp": "2026-01-01T00:00:02", "model": "m", "latency_ms": 3}',
      '{"timestamp": "2026-01-01T00:00:03", "request_id": null, "model": "m", "latency_ms": 4}',
    ];
    const buf = Buffer.from(lines.join('\n') + '\n');
    const batch = new BatchScanner({}).scan(buf, 0, buf.length - 1, 100, false, true);
    expect(batch.rows).toBe(3);
    expect(batch.fallbacks.map((f) => [f.row, f.text])).toEqual([[1, lines[1]]]);
    const spans = batch.spans!;
    const ids = [0, 1, 2].map((r) => buf.toString('latin1', spans[3 * r], spans[3 * r + 1]));
    expect(ids).toEqual(['abc-1', '', '']);
    const ends = [0, 1, 2].map((r) => spans[3 * r + 2]);
    const newlines = [...buf.entries()].filter(([, b]) => b === 10).map(([i]) => i);
    expect(ends).toEqual([newlines[0], newlines[2], newlines[3]]);
    expect(Array.from(batch.lineOffset.subarray(0, 3))).toEqual([100, 100 + newlines[1] + 1, 100 + newlines[2] + 1]);
  });
});

describe('BatchScanner spare columns (recycled between the main thread and the scan workers)', () => {
  const lines = Array.from(
    { length: 200 },
    (_, i) =>
      `{"timestamp": "2026-01-01T00:00:${String(i % 60).padStart(2, '0')}", "request_id": "r${i}", "model": "m${i % 3}", ` +
      `"latency_ms": ${i * 1.5}, "status": "${i % 7 ? 'success' : 'error'}", "batch_size": ${i % 8}, "gpu_util": ${i % 100}, ` +
      `"memory_used_gb": ${i / 10}}`
  );
  const buf = Buffer.from(lines.join('\n') + '\n');
  const columns = ['time', 'errors', 'model', 'status', 'latency', 'batch', 'gpu', 'memory', 'lineOffset'] as const;
  const used = (batch: ReturnType<BatchScanner['scan']>) =>
    Object.fromEntries(columns.map((c) => [c, Array.from(batch[c].subarray(0, batch.rows))]));

  test('a spare full of old values gives the batch a fresh scan gives, written into the spare', () => {
    const fresh = new BatchScanner({}).scan(buf, 0, buf.length, 0);
    const spare = new BatchScanner({}).scan(buf, 0, buf.length, 0);
    for (const c of columns) {
      spare[c].fill(99);
    }
    const reused = new BatchScanner({}).scan(buf, 0, buf.length, 0, false, false, { ...spare, rows: 123 });
    expect(reused.rows).toBe(fresh.rows);
    expect(used(reused)).toEqual(used(fresh));
    expect(reused.time).toBe(spare.time); // written into, not allocated
  });

  test('a spare too small for the piece is not used', () => {
    const small = new BatchScanner({}).scan(buf, 0, buf.indexOf(10) + 1, 0);
    const batch = new BatchScanner({}).scan(buf, 0, buf.length, 0, false, false, small);
    expect(batch.time).not.toBe(small.time);
    expect(used(batch)).toEqual(used(new BatchScanner({}).scan(buf, 0, buf.length, 0)));
  });
});

describe('BatchScanner: a projection', () => {
  test('fills only the columns it keeps, with the lines, skips and fallbacks of a full scan', () => {
    const text = linesWithExtras({ rows: 3000, seed: 3, noise: 0.05, extraFields: 10 }).join('\n');
    const buf = Buffer.from(text);
    const full = new BatchScanner().scan(buf, 0, buf.length, 0);
    const projection = { columns: ['latency_ms', 'model', 'host', 'sampling'], errors: false };
    const some = new BatchScanner().scan(buf, 0, buf.length, 0, false, false, undefined, projection);
    expect(some.rows).toBe(full.rows);
    expect(some.skipped).toEqual(full.skipped);
    expect(some.fallbacks).toEqual(full.fallbacks);
    expect(some.fallbacks.length).toBeGreaterThan(0);
    expect(some.time.subarray(0, some.rows)).toEqual(full.time.subarray(0, full.rows));
    expect(some.latency.subarray(0, some.rows)).toEqual(full.latency.subarray(0, full.rows));
    expect(some.model.subarray(0, some.rows)).toEqual(full.model.subarray(0, full.rows));
    // Left out: not filled, no codes made.
    for (const column of [some.errors, some.status, some.batch, some.gpu, some.memory, some.lineOffset]) {
      expect(column.length).toBe(0);
    }
    expect(some.statuses.texts).toEqual([]);
    expect(some.extras!.map((e) => e.name)).toEqual(['host', 'sampling']);
    const fullExtras = full.extras!.filter((e) => e.name === 'host' || e.name === 'sampling');
    expect(some.extras).toEqual(fullExtras.map((e) => ({ ...e })));
  });
});
