/**
 * The WebAssembly layout path (native/fast-scan.c) against the TypeScript scanner: the same lines through both, in
 * the same order (so both learn the same layouts), must give the same answer and the same slots, line by line.
 */
import { existsSync } from 'fs';
import { Random } from '../generator/random';
import { FastScanner } from './fast-scan';
import { FAST_SCAN_WASM_PATH } from './fast-scan-wasm-binary';
import { STANDARD_FIELDS } from './line-batch';
import { linesWithExtras } from './test-lines';

/** What a scanner holds after a line: its answer and every slot it wrote. */
function slotsOf(scanner: FastScanner, matched: boolean): unknown {
  if (!matched) {
    return false;
  }
  const extras = Array.from({ length: scanner.extraCount }, (_, i) => [
    scanner.keyName(scanner.extraSlot[i]),
    scanner.extraKind[i],
    scanner.extraNumber[i],
    scanner.extraStart[i],
    scanner.extraEnd[i],
  ]);
  const standard = Array.from(scanner.kind, (kind, slot) =>
    kind === 0 ? [0] : [kind, scanner.number[slot], scanner.start[slot], scanner.end[slot]]
  );
  return { standard, extras };
}

/** Lines the scanners took (the same for both when there are no differences). */
let taken = 0;

/** Each line through a WebAssembly scanner (from its input buffer) and a TypeScript-only one; their differences. */
function differences(lines: string[]): string[] {
  taken = 0;
  const wasm = new FastScanner(STANDARD_FIELDS);
  const plain = new FastScanner(STANDARD_FIELDS, false);
  const found: string[] = [];
  for (const line of lines) {
    const bytes = Buffer.from(line, 'utf8');
    const input = wasm.inputFor(bytes.length)!;
    bytes.copy(input, 0);
    const a = slotsOf(wasm, wasm.scan(input, 0, bytes.length));
    const b = slotsOf(plain, plain.scan(bytes, 0, bytes.length));
    taken += b === false ? 0 : 1;
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      found.push(`${line}\n  wasm ${JSON.stringify(a)}\n  ts   ${JSON.stringify(b)}`);
    }
  }
  return found;
}

/** A line with a few bytes changed: values that end early, odd numbers, broken layouts. */
function mutated(line: string, rng: Random): string {
  const bytes = [...line];
  const edits = rng.int(1, 3);
  for (let i = 0; i < edits; i++) {
    const at = rng.int(0, bytes.length - 1);
    bytes[at] = rng.choice(['"', '\\', '1', '0', 'e', 'E', '-', '.', ' ', ',', '}', '{', '[', 'N', 'é', '9', '+']);
  }
  return bytes.join('');
}

describe('WebAssembly layout scanner', () => {
  it('is built (scripts/build-wasm.mjs, run by npm ci) and used', () => {
    expect(existsSync(FAST_SCAN_WASM_PATH)).toBe(true);
    expect(new FastScanner(STANDARD_FIELDS).inputFor(1000)).not.toBeNull();
    expect(new FastScanner(STANDARD_FIELDS, false).inputFor(1000)).toBeNull();
  });

  it('reads generated lines with 0, 3 and 10 extra fields, shuffled or not, as the TypeScript scanner does', () => {
    for (const extraFields of [0, 3, 10]) {
      for (const shuffle of [false, true]) {
        const lines = linesWithExtras({ rows: 3000, seed: 5 + extraFields, extraFields, shuffle });
        expect(differences(lines)).toEqual([]);
        expect(taken).toBeGreaterThan(0.95 * lines.length);
      }
    }
  });

  it('agrees on numbers JavaScript must read, values of every kind and broken lines', () => {
    const template = (value: string): string =>
      `{"timestamp": "2026-11-20T00:00:01.084493", "model": "m", "latency_ms": ${value}, "status": "success", "x": ${value}}`;
    const values = [
      '414.701',
      '0',
      '-0',
      '-0.0',
      '1e3',
      '1E-2',
      '2.5e+10',
      '1e',
      '12345678901234567',
      '1234567890.12345',
      '123456789012345.6',
      '0.1',
      '-12.25',
      '00',
      '01',
      '1.',
      '.5',
      '-',
      'NaN',
      'Infinity',
      '-Infinity',
      'null',
      'true',
      'false',
      '"text"',
      '"esc\\"aped"',
      '"café"',
      '{"a": [1, {"b": "}"}]}',
      '[1, 2',
      '"unterminated',
      '9007199254740993',
      '0.30000000000000004',
      '1.7976931348623157e308',
    ];
    const lines: string[] = [];
    for (const value of values) {
      lines.push(template('1.5'), template(value), template(value) + ' ', template(value).replace(': ', ':'));
    }
    expect(differences(lines)).toEqual([]);
    const rng = new Random(11);
    const base = linesWithExtras({ rows: 2000, seed: 3, extraFields: 10 });
    const noisy = base.flatMap((line) => (rng.chance(0.3) ? [line, mutated(line, rng)] : [line]));
    expect(differences(noisy)).toEqual([]);
    expect(taken).toBeGreaterThan(0.7 * noisy.length);
  });
});
