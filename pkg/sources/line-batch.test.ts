import { BatchScanner } from './line-batch';

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
