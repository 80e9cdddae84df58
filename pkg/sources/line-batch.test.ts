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
