/**
 * The byte scanner must give exactly the rows (and skip counts) the full JSON.parse path gives: every line here
 * is read both ways and the two stores must be identical, column by column, value by value.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { writeLogs } from '../generator/write';
import { storeSnapshot as snapshot } from '../../test/support/test-store';
import { Store } from '../store/store';
import { FALSE, FastScanner, NULL, NUMBER, RAW, STRING, TRUE } from './fast-scan';
import { LineParser, SourceConfig } from './parse-line';
import { LogReader } from './reader';
import { linesWithExtras } from './test-lines';

function readBoth(lines: string[], config: SourceConfig = {}): { fast: Store; full: Store } {
  const fast = new Store();
  const fastParser = new LineParser(fast, config);
  const text = Buffer.from(lines.join('\n'), 'utf8');
  fastParser.parseBuffer(text, 0, text.length, null);
  const full = new Store();
  const fullParser = new LineParser(full, config);
  fullParser.useFastPath = false;
  for (const line of lines) {
    fullParser.parse(line);
  }
  return { fast, full };
}

function expectSame(lines: string[], config: SourceConfig = {}): Store {
  const { fast, full } = readBoth(lines, config);
  expect(snapshot(fast)).toEqual(snapshot(full));
  return fast;
}

/** expectSame, the lines read `perBatch` at a time (many batches: fields first seen, or turned to text, later). */
function expectSameInBatches(lines: string[], perBatch: number, config: SourceConfig = {}): Store {
  const fast = new Store();
  const parser = new LineParser(fast, config);
  for (let i = 0; i < lines.length; i += perBatch) {
    const piece = Buffer.from(lines.slice(i, i + perBatch).join('\n'), 'utf8');
    parser.parseBuffer(piece, 0, piece.length, null);
  }
  const { full } = readBoth(lines, config);
  expect(snapshot(fast)).toEqual(snapshot(full));
  return fast;
}

const BASE = {
  timestamp: '2026-11-27T15:03:15.123456',
  request_id: 'r1',
  model: 'm',
  latency_ms: 12.5,
  batch_size: 8,
  status: 'success',
  gpu_util: 71.2,
  memory_used_gb: 17.9,
};

/** A json.dumps-style line with one field's raw JSON text replaced (or the field dropped when `raw` is undefined). */
function withRaw(field: string, raw: string | undefined, compact = false): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(BASE)) {
    if (key === field) {
      if (raw !== undefined) {
        parts.push(`"${key}"${compact ? ':' : ': '}${raw}`);
      }
    } else {
      parts.push(`"${key}"${compact ? ':' : ': '}${JSON.stringify(value)}`);
    }
  }
  if (!(field in BASE) && raw !== undefined) {
    parts.push(`"${field}": ${raw}`);
  }
  return `{${parts.join(compact ? ',' : ', ')}}`;
}

const NUMBER_TEXTS = [
  '0',
  '-0',
  '0.0',
  '-0.0',
  '1',
  '12.5',
  '0.1',
  '0.30000000000000004',
  '123456789012345',
  '1234567890123456',
  '12345678901234567890',
  '1e5',
  '1E-3',
  '-2.5e+3',
  '1e999',
  '-1e999',
  '5e-324',
  '1.7976931348623157e308',
  '9007199254740993',
  '0.000001',
  '414.701',
  '99999.999',
  '01',
  '1.',
  '.5',
  '-',
  '+1',
  '1e',
  '--1',
  '0x10',
  'NaN',
  'Infinity',
  '-Infinity',
  'NaNx',
  'Infinityy',
  'nan',
  'null',
  'true',
  'false',
  '"12.5"',
  '" 12.5 "',
  '"fast"',
  '"NaN"',
  '"-inf"',
  '""',
  '[1]',
  '{"a": 1}',
];

const STRING_TEXTS = [
  '"a"',
  '""',
  '"success"',
  '"SUCCESS"',
  '" ok "',
  '"200"',
  '"204"',
  '"error"',
  '"timeout"',
  '"é"',
  '"\\u00e9"',
  '"a\\"b"',
  '"a\\\\b"',
  '"tab\there"',
  '"NaN"',
  '"Infinity"',
  '"line\\nbreak"',
  '"😀"',
  '"__proto__"',
  ...NUMBER_TEXTS,
];

const TIMESTAMP_TEXTS = [
  '"2026-11-27T15:03:15.123456"',
  '"2026-11-27T15:03:15"',
  '"2026-11-27T15:03:15.1"',
  '"2026-11-27T15:03:15.123456789"',
  '"2026-11-27T15:03:15.1234567891"',
  '"2026-11-27T15:03:15."',
  '"2026-11-27 15:03:15.5"',
  '"2026-11-27T15:03:15,5"',
  '"2026-11-27T15:03:15Z"',
  '"2026-11-27T15:03:15.25+02:00"',
  '"2026-11-27T15:03:15-0530"',
  '"2026-11-27T15:03"',
  '"2026-11-27"',
  '"2026-02-29T00:00:00"',
  '"2024-02-29T00:00:00"',
  '"2026-02-30T00:00:00"',
  '"2026-13-01T00:00:00"',
  '"2026-00-10T00:00:00"',
  '"2026-11-27T24:00:00"',
  '"2026-11-27T23:60:00"',
  '"2026-11-27T23:59:60"',
  '"0050-01-01T00:00:00"',
  '"2026-11-27T15:03:15.123456 "',
  '" 2026-11-27T15:03:15"',
  '"2026-1-27T15:03:15"',
  '"2026-11-27X15:03:15"',
  '"yesterday"',
  '""',
  '"1795791795"',
  '"1795791795123"',
  '"1795791795.5"',
  '1795791795',
  '1795791795.25',
  '1795791795123',
  '1795791795123456',
  '1795791795123456789',
  '-1',
  '0',
  'null',
  'NaN',
  'Infinity',
  'true',
  'false',
  '1e999',
  '[1]',
  '{"a": 1}',
  '"2026-11-27T15:03:15.123456+00:00"',
];

describe('FastScanner', () => {
  it('reads a json.dumps line into its slots', () => {
    const scanner = new FastScanner(['timestamp', 'model', 'latency_ms']);
    const line = Buffer.from('{"model": "m1", "latency_ms": 12.5, "timestamp": "t"}');
    expect(scanner.scan(line, 0, line.length)).toBe(true);
    expect(Array.from(scanner.kind)).toEqual([STRING, STRING, NUMBER]);
    expect(scanner.number[2]).toBe(12.5);
    expect(line.toString('latin1', scanner.start[1], scanner.end[1])).toBe('m1');
  });

  it('reads NaN, Infinity and -Infinity as null and refuses what is not the common case', () => {
    const scanner = new FastScanner(['a', 'b', 'c']);
    const ok = Buffer.from('{"a":NaN,"b":-Infinity,"c":Infinity}');
    expect(scanner.scan(ok, 0, ok.length)).toBe(true);
    expect(Array.from(scanner.kind)).toEqual([NULL, NULL, NULL]);
    for (const text of ['{"a": 1, "a": 2}', '{"a": "\\n"}', '{"a": {}}', '{"a": 01}', '{"a": 1} x', '[1]', '{}']) {
      const buf = Buffer.from(text);
      expect(scanner.scan(buf, 0, buf.length)).toBe(false);
    }
  });

  it('reads extra fields in line order, delimiting what it does not read; refuses repeated and index keys', () => {
    const scanner = new FastScanner(['a', 'b']);
    const line = Buffer.from(
      '{"x": "h1", "a": 1, "n": -2.5, "t": true, "f": false, "z": null, "o": {"k": [1, "}"]}, ' +
        '"e": "q\\"x", "u": "caf\u00e9", "l": [], "b": "s", "i": NaN}'
    );
    for (let pass = 0; pass < 3; pass++) {
      // The first pass reads any layout, the next ones the line's template.
      expect(scanner.scan(line, 0, line.length)).toBe(true);
      const extras = Array.from({ length: scanner.extraCount }, (_, i) => {
        const kind = scanner.extraKind[i];
        const text = line.toString('utf8', scanner.extraStart[i], scanner.extraEnd[i]);
        const value = kind === NUMBER ? scanner.extraNumber[i] : kind === STRING || kind === RAW ? text : null;
        return [scanner.keyName(scanner.extraSlot[i]), kind, value];
      });
      expect(extras).toEqual([
        ['x', STRING, 'h1'],
        ['n', NUMBER, -2.5],
        ['t', TRUE, null],
        ['f', FALSE, null],
        ['z', NULL, null],
        ['o', RAW, '{"k": [1, "}"]}'],
        ['e', RAW, '"q\\"x"'],
        ['u', RAW, '"caf\u00e9"'],
        ['l', RAW, '[]'],
        ['i', NULL, null],
      ]);
      expect(Array.from(scanner.kind)).toEqual([NUMBER, STRING]);
    }
    for (const text of [
      '{"a": 1, "x": 2, "x": 3}',
      '{"x": 2, "a": 1, "x": 3}',
      '{"a": 1, "7": 2}',
      '{"a": 1, "0": 2}',
      '{"a": 1, "x\\u0041": 2}',
      '{"a": 1, "é": 2}',
      '{"a": 1, "x": {"k": 1}',
      '{"a": 1, "x": [1, 2}',
      '{"a": 1, "x": "open}',
      '{"a": 1, "x": nul}',
      '{"a": 1, "x": 01}',
      '{"a": [1], "x": 1}',
    ]) {
      const buf = Buffer.from(text);
      expect([text, scanner.scan(buf, 0, buf.length)]).toEqual([text, false]);
    }
    // Index-like keys are the full path's, other digit keys are not.
    for (const key of ['07', '-1', '1.5', '4294967295', 'x7']) {
      const buf = Buffer.from(`{"a": 1, "${key}": 2}`);
      expect([key, scanner.scan(buf, 0, buf.length)]).toEqual([key, true]);
    }
  });

  it('computes numbers exactly as JSON.parse does', () => {
    const scanner = new FastScanner(['a']);
    const texts = [
      '0.1',
      '0.2',
      '0.3',
      '414.701',
      '1e5',
      '-2.5e-3',
      '123456789012345',
      '1234567890123456789',
      '5e-324',
      '-0',
    ];
    for (let i = 0; i < 6000; i++) {
      const digits = 1 + (i % 15);
      const k = Math.floor(Math.random() * 10 ** digits);
      const f = i % (digits + 1);
      const s = String(k).padStart(f + 1, '0');
      texts.push(f ? `${s.slice(0, s.length - f)}.${s.slice(s.length - f)}` : s);
    }
    const wrong = texts.filter((text) => {
      const buf = Buffer.from(`{"a": ${text}}`);
      return !scanner.scan(buf, 0, buf.length) || !Object.is(scanner.number[0], JSON.parse(text));
    });
    expect(wrong).toEqual([]);
  });
});

describe('LineParser: the byte scanner and the full path give identical stores', () => {
  it('on every value of every standard field, json.dumps and compact layouts', () => {
    const lines: string[] = [];
    for (const compact of [false, true]) {
      for (const field of ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb']) {
        for (const raw of [...NUMBER_TEXTS, undefined]) {
          lines.push(withRaw(field, raw, compact));
        }
      }
      for (const field of ['model', 'status', 'request_id']) {
        for (const raw of [...STRING_TEXTS, undefined]) {
          lines.push(withRaw(field, raw, compact));
        }
      }
      for (const raw of [...TIMESTAMP_TEXTS, undefined]) {
        lines.push(withRaw('timestamp', raw, compact));
      }
    }
    const store = expectSame(lines);
    expect(store.length).toBeGreaterThan(300);
    for (const config of [{ timezone: '+02:00' }, { timezone: 'Europe/Berlin' }, { successStatuses: ['fine'] }]) {
      expectSame(lines, config);
    }
  });

  it('on odd layouts, extras, duplicates, garbage and non-objects', () => {
    const line = withRaw('x', undefined);
    const lines = [
      line,
      `  ${line}  `,
      `${line}\r`,
      `\t${line}\t`,
      `\uFEFF${line}`,
      `\u00a0${line}`,
      line.replace(/, /g, ' ,  ').replace(/: /g, ' :\t'),
      line.replace('{', '{ '),
      line.replace(/}$/, ' }'),
      `${line} x`,
      `${line}}`,
      `${line},`,
      line.slice(0, -1),
      line.slice(0, 40),
      withRaw('host', '"h1"'),
      withRaw('shard', '3'),
      withRaw('flag', 'true'),
      withRaw('nested', '{"a": [1, 2]}'),
      withRaw('__proto__', '"p"'),
      withRaw('7', '"seven"'),
      withRaw('model', '"a", "model": "b"'),
      withRaw('latency_ms', '1, "latency_ms": 2'),
      withRaw('request_id', '"r", "request_id": null'),
      '{}',
      '{ }',
      '[]',
      '[1, 2]',
      '"text"',
      '123',
      'null',
      'NaN',
      '',
      '   ',
      '\r',
      'Traceback (most recent call last):',
      '{"timestamp": "2026-11-27T15:03:15", "model": "m", "latency_ms": 1}',
      '{"latency_ms": 1, "model": "m", "timestamp": "2026-11-27T15:03:15"}',
      '{"timestamp":"2026-11-27T15:03:15","model":"m","latency_ms":1,"status":"ok"}',
      '{"timestamp": "2026-11-27T15:03:15", "model": "m"}',
      '{"timestamp": "2026-11-27T15:03:15", "latency_ms": 1}',
      '{"model": "m", "latency_ms": 1}',
      '{"timestamp" : "2026-11-27T15:03:15" , "model" : "m" , "latency_ms" : 1 }',
      '{"timestamp": "2026-11-27T15:03:15", "model": "m", "latency_ms": 1, "status": "ok", "status_code": 200}',
    ];
    expectSame(lines);
    expectSame(lines, { fieldMap: { latency_ms: 'duration', model: 'name' } });
    expectSame(
      lines.map((l) => l.replace('"latency_ms"', '"duration"')),
      { fieldMap: { latency_ms: 'duration' } }
    );
    expectSame(lines, { fieldMap: { model: 'latency_ms' } });
  });

  it('extras first seen later, and a standard column turned into text by direct appends, still agree', () => {
    const line = withRaw('x', undefined);
    expectSame([line, withRaw('host', '"h1"'), line, withRaw('host', '5'), line, withRaw('region', 'null'), line]);
    const store = new Store();
    store.append(1, false, { model: 'a', latency_ms: 1, batch_size: 'big' });
    const parser = new LineParser(store);
    const buf = Buffer.from(line);
    parser.parseBuffer(buf, 0, buf.length, null);
    expect(store.length).toBe(2);
    expect(store.stringColumn('batch_size')?.get(1)).toBe('8');
  });

  it('on generated logs: noise, mixed timestamp styles, extras, CRLF, BOM, rotated files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fast-scan-'));
    try {
      for (const [i, options] of [
        { rows: 8000, seed: 3, noise: 0.05, timestampStyle: 'mixed' as const, extras: true },
        { rows: 8000, seed: 4, noise: 0.02, crlf: true, bom: true, files: 2 },
        { rows: 8000, seed: 5 },
      ].entries()) {
        const sub = join(dir, String(i));
        const result = await writeLogs(sub, options);
        const lines = result.files.flatMap((file) => {
          let text = readFileSync(file, 'utf8');
          if (text.startsWith('\uFEFF')) {
            text = text.slice(1);
          }
          return text.split('\n');
        });
        const store = expectSame(lines);
        expect(store.length).toBe(result.rows);

        // The reader (byte path, chunked) gives the same store as the full path on the same lines.
        const reader = new LogReader([sub]);
        await reader.refresh();
        const { full } = readBoth(lines);
        expect(snapshot(reader.store)).toEqual(snapshot(full));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("LineParser: extra fields read by the scanner give the full path's store", () => {
  const NESTED_TEXTS = [
    '{}',
    '[]',
    '{"a": 1, "b": [1, 2.50, null, true]}',
    '{"b": 1, "a": 2, "10": 3, "__proto__": 4}',
    '{"a": 1, "a": 2}',
    '{"s": "caf\u00e9 \\u00e9 \\"q\\" }]"}',
    '[{"x": []}, "y", -0, 1e999]',
    '{ "spaced" :  [ 1 ,2 ] }',
    '{"a": NaN}',
    '[Infinity]',
    '{"a": 1,}',
    '[1 2]',
    '{"a": "\t"}',
    '"\\ud800"',
  ];

  it('on every value an extra field can hold, first seen as any kind, one batch or many', () => {
    const lines: string[] = [];
    for (const raw of [...NUMBER_TEXTS, ...STRING_TEXTS, ...NESTED_TEXTS]) {
      lines.push(withRaw('x', raw), withRaw('y', '1'), withRaw('y', raw), withRaw('y', '2'));
    }
    // Each value first, then after numbers, then after text.
    for (const [i, raw] of [...NUMBER_TEXTS, ...STRING_TEXTS, ...NESTED_TEXTS].entries()) {
      lines.push(withRaw(`first-${i}`, raw), withRaw(`first-${i}`, '3'), withRaw(`first-${i}`, '"t"'));
    }
    const store = expectSame(lines);
    expect(store.columns.get('y')?.kind).toBe('string');
    for (const perBatch of [1, 2, 3, 7]) {
      expectSameInBatches(lines, perBatch);
    }
    const missingTimestamp = (raw: string): string => withRaw('timestamp', undefined).replace('}', `, "x": ${raw}}`);
    expectSame(NESTED_TEXTS.map(missingTimestamp)); // invalid JSON is not a missing timestamp
  });

  it('on odd keys: repeated, index-like, escaped, __proto__, empty, more than the scanner holds', () => {
    const line = withRaw('x', undefined);
    const many = Array.from({ length: 70 }, (_, i) => `, "k${i}": ${i}`).join('');
    const lines = [
      line.replace('}', ', "h": 1, "h": "two"}'),
      line.replace('}', ', "h": "one", "g": 2, "h": 3}'),
      line.replace('{', '{"7": "seven", "h": 1, '),
      line.replace('}', ', "h": 1, "0": 2, "4294967295": 3, "07": 4}'),
      line.replace('}', ', "h\\u0041": 1}'),
      line.replace('}', ', "hé": 1}'),
      line.replace('}', ', "__proto__": "p", "constructor": 1, "": "empty"}'),
      line.replace('}', many),
      line.replace('}', many.slice(0, 400) + '}'),
      line.replace('}', ', "h": 5}'),
    ];
    expectSame(lines);
    expectSameInBatches(lines, 2);
  });

  it('line by line (parse), text with a lone surrogate kept as given', () => {
    const lines = [
      withRaw('note', '"a\uD800b"'),
      withRaw('note', '["\uDC00", "😀"]'),
      withRaw('note', '"😀"'),
      withRaw('note', '{"k": "caf\u00e9"}'),
    ];
    const fast = new Store();
    const parser = new LineParser(fast);
    for (const line of lines) {
      parser.parse(line);
    }
    expect(snapshot(fast)).toEqual(snapshot(readBoth(lines).full));
    expect(fast.stringColumn('note')?.get(0)).toBe('a\uD800b');
  });

  it('with the field map: renamed standard fields next to extras, keys named like our fields', () => {
    const config = { fieldMap: { latency_ms: 'duration', model: 'name', status: 'state', request_id: 'host' } };
    const line = (extra: string): string =>
      `{"timestamp": "2026-11-27T15:03:15", "name": "m", "duration": 1.5, "state": "ok", "host": "h-1"${extra}}`;
    const lines = [
      line(', "region": "eu"'),
      line(', "latency_ms": 99, "region": "us"'),
      line(', "model": "other", "status": 500, "latency_ms": "slow"'),
      line(', "latency_ms_original": 1'),
      line(', "latency_ms": 2, "latency_ms_original": 3'),
      line(', "timestamp_original": true, "request_id": "r-1"'),
      line(', "duration": 2'),
      line(''),
    ];
    for (let i = 0; i < 3; i++) {
      lines.push(...lines);
    }
    expectSame(lines, config);
    expectSameInBatches(lines, 3, config);
  });

  it('with lines only the full path reads between them: fields first seen there, turned to text there', () => {
    const line = (extra: string, model = 'm'): string =>
      `{"timestamp": "2026-11-27T15:03:15", "model": "${model}", "latency_ms": 1.5${extra}}`;
    const fallback = (extra: string): string => line(extra, 'e\\u00e9');
    const lines = [
      line(', "a": 1'),
      fallback(', "b": 2, "a": 3'),
      line(', "b": 4, "c": "x"'),
      fallback(', "a": "text", "c": 5'),
      line(', "a": 6, "c": 7, "d": null'),
      fallback(', "d": [1]'),
      line(', "d": 8, "e": {"k": 1}'),
      'not json',
      line(', "e": 9, "b": "now text"'),
      line(', "f": 1'),
      fallback(', "f": "t"'),
      line(', "f": 2'),
    ];
    expectSame(lines);
    for (const perBatch of [2, 3, 5]) {
      expectSameInBatches(lines, perBatch);
    }
  });

  it('on generated logs with 0, 3 and 10 extra fields of mixed types, keys in line order or shuffled', () => {
    for (const [extraFields, shuffle] of [
      [0, false],
      [3, false],
      [10, false],
      [10, true],
    ] as const) {
      const lines = linesWithExtras({
        rows: 6000,
        seed: 8,
        noise: 0.03,
        timestampStyle: 'mixed',
        extraFields,
        shuffle,
      });
      const store = expectSame(lines);
      expect(store.length).toBe(6000);
      expectSameInBatches(lines, 500);
      if (extraFields === 10) {
        const kinds = Object.fromEntries([...store.columns].map(([name, column]) => [name, column.kind]));
        expect(kinds).toMatchObject({ host: 'string', region: 'string', prompt_tokens: 'number', shard: 'string' });
      }
    }
  });
});

describe('FastScanner: four bytes at a time, and lines read against the layout of earlier lines', () => {
  // Bytes that must end a plain string or the fast path (and some that must not), at every place in a 4-byte word.
  const SPECIAL = ['\\"', '\\\\', '\\u0041', '\t', '\u0001', '\u001f', '\u007f', 'é', '€', '😀', ' ', '~'];

  it('finds the end of a string, or what the fast path leaves to JSON.parse, wherever it falls in a word', () => {
    const lines: string[] = [];
    for (const special of SPECIAL) {
      for (let before = 0; before < 9; before++) {
        for (let after = 0; after < 5; after++) {
          const text = `${'a'.repeat(before)}${special}${'b'.repeat(after)}`;
          // Raw JSON text: escapes stay escapes, raw control characters stay raw (JSON.parse refuses those).
          const raw = `"${text}"`;
          for (const field of ['model', 'status', 'request_id']) {
            lines.push(withRaw(field, raw));
          }
        }
      }
    }
    const store = expectSame(lines);
    expect(store.length).toBeGreaterThan(0);
    expect(store.skipped.invalid_json).toBeGreaterThan(0); // the raw tab and control characters
  });

  it('reads every layout alike: lines unlike the ones before, more layouts than it keeps, one byte off', () => {
    const variants = [
      withRaw('x', undefined),
      withRaw('status', undefined), // a field missing
      withRaw('gpu_util', 'NaN'),
      withRaw('x', undefined, true), // compact
      withRaw('x', undefined).replace('{"timestamp"', '{ "timestamp"'),
      withRaw('x', undefined) + '  ',
      withRaw('x', undefined) + '\r',
      withRaw('x', undefined).replace('"timestamp"', '"timestamq"'), // an unknown key: JSON.parse's extra field
      withRaw('x', undefined).replace('"model": ', '"model":  '),
      withRaw('x', undefined).replace(', "status"', ',"status"'),
      withRaw('x', undefined).replace('"latency_ms": 12.5', '"latency_ms": 12.5e0'),
      withRaw('model', '"a, \\"status\\": b"'), // a value holding the text of the next key
      withRaw('latency_ms', 'true'),
      withRaw('latency_ms', '1.5.5'),
      withRaw('x', undefined).replace('}', '}}'),
      withRaw('x', undefined).slice(0, -1), // cut short
    ];
    const lines: string[] = [];
    // Runs of each, then every variant after every other: the scanner switches layouts all the time.
    for (const variant of variants) {
      lines.push(variant, variant, variant);
    }
    for (const a of variants) {
      for (const b of variants) {
        lines.push(a, b, withRaw('x', undefined));
      }
    }
    const store = expectSame(lines);
    expect(store.length).toBeGreaterThan(lines.length / 2);
  });

  it('keeps a field missing from some lines apart from the usual layout', () => {
    const scanner = new FastScanner(['timestamp', 'model', 'latency_ms', 'request_id', 'status']);
    const full = Buffer.from('{"timestamp": 1, "model": "m", "latency_ms": 2.5, "request_id": "r", "status": "ok"}');
    const missing = Buffer.from('{"timestamp": 1, "model": "m", "latency_ms": 2.5, "request_id": "r"}');
    for (const line of [full, missing, full, missing, missing, full]) {
      expect(scanner.scan(line, 0, line.length)).toBe(true);
      expect(scanner.kind[4]).toBe(line === full ? STRING : 0);
      expect(scanner.number[2]).toBe(2.5);
    }
  });
});
