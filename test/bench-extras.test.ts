/**
 * The bench's extra-field logs (bench/extras-logs.ts) and its count of lines the byte scanner leaves to the full
 * JSON.parse path (scanLines in bench/end-to-end.ts).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanLines } from '../bench/end-to-end';
import { writeExtrasLogs } from '../bench/extras-logs';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bench-extras-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STANDARD = 8;
/** A line's keys (json.dumps writes NaN, which JSON.parse refuses). */
const keys = (line: string): string[] => Object.keys(JSON.parse(line.replace(/\bNaN\b/g, 'null')));

test.each([0, 3, 10])('%i extra fields a line, all on the fast path', async (extras) => {
  const file = join(dir, `extras-${extras}.log`);
  await writeExtrasLogs(file, 2000, 1, extras);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  expect(lines).toHaveLength(2000);
  for (const line of lines.slice(0, 50)) {
    expect(keys(line)).toHaveLength(STANDARD + extras);
  }
  if (extras === 3) {
    expect(keys(lines[0]).slice(STANDARD)).toEqual(['host', 'prompt_tokens', 'completion_tokens']);
  }
  expect(scanLines(file)).toEqual({ lines: 2000, fullParse: 0 });
});

test('lines the scanner does not take are counted', async () => {
  const file = join(dir, 'mixed.log');
  await writeExtrasLogs(file, 100, 1, 3);
  appendFileSync(
    file,
    '{"timestamp": "2026-11-20T00:00:01", "model": "a\\"b", "latency_ms": 1}\n' +
      '{"timestamp": "2026-11-20T00:00:02", "model": "m", "latency_ms": 2, "latency_ms": 3}\n' +
      '{"timestamp": "2026-11-20T00:00:03", "model": "m", "latency_ms": 4}'
  );
  expect(scanLines(file)).toEqual({ lines: 103, fullParse: 2 });
});
