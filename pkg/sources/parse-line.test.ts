import { generateLines } from '../generator/generate';
import { Store } from '../store/store';
import { LineParser, MAX_LINE_LENGTH, replaceNonFiniteWords, SourceConfig } from './parse-line';

// 2026-11-27T15:03:15Z: day 20784 since the epoch (20454 days to 2026-01-01, + 330), + 54_195 s.
const T0 = 1_795_791_795_000_000;
const TS = '2026-11-27T15:03:15.123456';

/** A bare word in a Python json.dumps line, such as NaN or Infinity. */
class Raw {
  constructor(readonly text: string) {}
}
const NAN = new Raw('NaN');
const INF = new Raw('Infinity');
const NEG_INF = new Raw('-Infinity');

/** A line as Python's json.dumps writes it (`", "` and `": "` separators). */
function py(fields: Record<string, unknown>): string {
  const parts = Object.entries(fields).map(
    ([key, value]) => `${JSON.stringify(key)}: ${value instanceof Raw ? value.text : JSON.stringify(value)}`
  );
  return `{${parts.join(', ')}}`;
}

/** A complete, valid request; `overrides` replaces or adds fields, `omit` drops some. */
function request(overrides: Record<string, unknown> = {}, omit: string[] = []): string {
  const base: Record<string, unknown> = {
    timestamp: TS,
    request_id: 'r1',
    model: 'm',
    latency_ms: 12.5,
    batch_size: 8,
    status: 'success',
    gpu_util: 71.2,
    memory_used_gb: 17.9,
  };
  const fields = { ...base, ...overrides };
  for (const key of omit) {
    delete fields[key];
  }
  return py(fields);
}

function parseAll(lines: string[], config: SourceConfig = {}): Store {
  const store = new Store();
  const parser = new LineParser(store, config);
  for (const line of lines) {
    parser.parse(line);
  }
  return store;
}

function num(store: Store, name: string, row: number): number {
  const column = store.numberColumn(name);
  if (!column) {
    throw new Error(`no number column ${name} (have ${[...store.columns.keys()].join(', ')})`);
  }
  return column.get(row);
}

function str(store: Store, name: string, row: number): string | null {
  const column = store.stringColumn(name);
  if (!column) {
    throw new Error(`no string column ${name} (have ${[...store.columns.keys()].join(', ')})`);
  }
  return column.get(row);
}

describe('replaceNonFiniteWords', () => {
  it('replaces bare NaN, Infinity and -Infinity by null', () => {
    expect(replaceNonFiniteWords('{"a": NaN, "b": Infinity, "c": -Infinity}')).toBe(
      '{"a": null, "b": null, "c": null}'
    );
  });

  it('leaves NaN and Infinity inside strings alone, escaped quotes included', () => {
    const line = '{"model": "NaN-model", "id": "x\\"NaN\\" -Infinity", "v": NaN}';
    expect(replaceNonFiniteWords(line)).toBe('{"model": "NaN-model", "id": "x\\"NaN\\" -Infinity", "v": null}');
  });

  it('returns a line without those words unchanged', () => {
    const line = request();
    expect(replaceNonFiniteWords(line)).toBe(line);
  });
});

describe('LineParser: a json.dumps line', () => {
  it('reads every standard field', () => {
    const line =
      '{"timestamp": "2026-11-27T15:03:15.123456", "request_id": "r1", "model": "m", "latency_ms": 12.5, ' +
      '"batch_size": 8, "status": "success", "gpu_util": 71.2, "memory_used_gb": 17.9}';
    const store = parseAll([line]);
    expect(store.length).toBe(1);
    expect(store.skippedTotal()).toBe(0);
    expect(store.time.get(0)).toBe(T0 + 123_456);
    expect(str(store, 'request_id', 0)).toBe('r1');
    expect(str(store, 'model', 0)).toBe('m');
    expect(num(store, 'latency_ms', 0)).toBe(12.5);
    expect(num(store, 'batch_size', 0)).toBe(8);
    expect(str(store, 'status', 0)).toBe('success');
    expect(num(store, 'gpu_util', 0)).toBe(71.2);
    expect(num(store, 'memory_used_gb', 0)).toBe(17.9);
    expect(store.errors.values()[0]).toBe(0);
    // no extra columns beyond the standard seven
    expect([...store.columns.keys()].sort()).toEqual(
      ['batch_size', 'gpu_util', 'latency_ms', 'memory_used_gb', 'model', 'request_id', 'status'].sort()
    );
  });

  it('a trailing \\r (CRLF line end) and surrounding spaces are fine', () => {
    const store = parseAll([request() + '\r', `  ${request({ request_id: 'r2' })}  `]);
    expect(store.length).toBe(2);
    expect(str(store, 'request_id', 1)).toBe('r2');
    expect(store.skippedTotal()).toBe(0);
  });

  it('a UTF-8 BOM before the first line is fine', () => {
    const store = parseAll(['\uFEFF' + request()]);
    expect(store.length).toBe(1);
    expect(store.skippedTotal()).toBe(0);
  });

  it('blank lines are ignored and not counted', () => {
    const store = parseAll(['', '   ', '\r', '\t', request()]);
    expect(store.length).toBe(1);
    expect(store.skipped).toEqual({});
    expect(store.skippedTotal()).toBe(0);
  });

  it('reads a numeric model as its text, a numeric request_id as its text', () => {
    const store = parseAll([request({ model: 42, request_id: 1234 })]);
    expect(str(store, 'model', 0)).toBe('42');
    expect(str(store, 'request_id', 0)).toBe('1234');
  });

  it('a row without request_id or known numeric fields keeps them missing', () => {
    const store = parseAll([request({}, ['request_id', 'batch_size', 'gpu_util', 'memory_used_gb', 'status'])]);
    expect(store.length).toBe(1);
    expect(str(store, 'request_id', 0)).toBeNull();
    expect(num(store, 'batch_size', 0)).toBeNaN();
    expect(num(store, 'gpu_util', 0)).toBeNaN();
    expect(num(store, 'memory_used_gb', 0)).toBeNaN();
    expect(str(store, 'status', 0)).toBeNull();
  });
});

describe('LineParser: NaN, Infinity, -Infinity and null numbers', () => {
  it.each([
    ['NaN', NAN],
    ['Infinity', INF],
    ['-Infinity', NEG_INF],
    ['null', null],
  ])('%s keeps the row, the value missing', (_name, word) => {
    const store = parseAll([request({ gpu_util: word, memory_used_gb: word, batch_size: word })]);
    expect(store.length).toBe(1);
    expect(store.skippedTotal()).toBe(0);
    expect(num(store, 'gpu_util', 0)).toBeNaN();
    expect(num(store, 'memory_used_gb', 0)).toBeNaN();
    expect(num(store, 'batch_size', 0)).toBeNaN();
    expect(num(store, 'latency_ms', 0)).toBe(12.5);
    expect(store.invalidValues).toEqual({});
  });

  it.each([
    ['NaN', NAN],
    ['Infinity', INF],
    ['-Infinity', NEG_INF],
    ['null', null],
  ])('a latency of %s keeps the row with a missing latency', (_name, word) => {
    const store = parseAll([request({ latency_ms: word })]);
    expect(store.length).toBe(1);
    expect(store.skippedTotal()).toBe(0);
    expect(num(store, 'latency_ms', 0)).toBeNaN();
    expect(str(store, 'model', 0)).toBe('m');
  });

  it('several bare words in one line', () => {
    const line = request({ latency_ms: NAN, gpu_util: INF, memory_used_gb: NEG_INF, batch_size: 4 });
    const store = parseAll([line]);
    expect(store.length).toBe(1);
    expect(num(store, 'latency_ms', 0)).toBeNaN();
    expect(num(store, 'gpu_util', 0)).toBeNaN();
    expect(num(store, 'memory_used_gb', 0)).toBeNaN();
    expect(num(store, 'batch_size', 0)).toBe(4);
  });

  it('NaN and Infinity inside string values are left alone', () => {
    const line = request({
      model: 'NaN-model',
      request_id: 'req-Infinity-NaN',
      status: '-Infinity',
      note: 'say "NaN" or Infinity',
      gpu_util: NAN,
    });
    const store = parseAll([line]);
    expect(store.length).toBe(1);
    expect(str(store, 'model', 0)).toBe('NaN-model');
    expect(str(store, 'request_id', 0)).toBe('req-Infinity-NaN');
    expect(str(store, 'status', 0)).toBe('-Infinity');
    expect(str(store, 'note', 0)).toBe('say "NaN" or Infinity');
    expect(num(store, 'gpu_util', 0)).toBeNaN();
  });

  it('a string value that is exactly "NaN" stays that string in a string field', () => {
    const store = parseAll([request({ model: 'NaN', request_id: 'Infinity', latency_ms: NAN })]);
    expect(str(store, 'model', 0)).toBe('NaN');
    expect(str(store, 'request_id', 0)).toBe('Infinity');
  });
});

describe('LineParser: skip reasons', () => {
  const cases: Array<[string, string[]]> = [
    ['invalid_json', ['hello world', '{"timestamp": "2026-11-27T15:03', '{bad json}', "{'model': 'm'}", '{"a": NaNa}']],
    ['not_an_object', ['[1, 2, 3]', '42', '"a string"', 'null', 'true', '[]']],
    ['missing_timestamp', [request({}, ['timestamp']), request({ timestamp: null })]],
    [
      'invalid_timestamp',
      [
        request({ timestamp: 'yesterday' }),
        request({ timestamp: '2026-13-01T00:00:00' }),
        request({ timestamp: '2026-02-30T00:00:00' }),
        request({ timestamp: '2026-02-29T10:00:00' }),
        request({ timestamp: '2026-11-27T24:00:00' }),
        request({ timestamp: true }),
        request({ timestamp: { t: 1 } }),
      ],
    ],
    ['missing_model', [request({}, ['model']), request({ model: null }), request({ model: '' })]],
    ['invalid_model', [request({ model: { name: 'm' } }), request({ model: true }), request({ model: false })]],
    ['missing_latency', [request({}, ['latency_ms'])]],
    [
      'invalid_latency',
      [
        request({ latency_ms: 'fast' }),
        request({ latency_ms: true }),
        request({ latency_ms: { v: 1 } }),
        request({ latency_ms: [12] }),
      ],
    ],
  ];

  it.each(cases)('%s', (reason, lines) => {
    const store = parseAll(lines);
    expect(store.length).toBe(0);
    expect(store.skipped).toEqual({ [reason]: lines.length });
    expect(store.skippedTotal()).toBe(lines.length);
  });

  it('a line longer than 1 MiB is line_too_long', () => {
    const line = request({ pad: 'x'.repeat(MAX_LINE_LENGTH) });
    expect(Buffer.byteLength(line)).toBeGreaterThan(1 << 20);
    const store = parseAll([line, request()]);
    expect(store.skipped).toEqual({ line_too_long: 1 });
    expect(store.length).toBe(1);
  });

  it('a line just under 1 MiB is kept', () => {
    const short = request();
    const line = request({ pad: 'x'.repeat((1 << 20) - short.length - 20) });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(1 << 20);
    const store = parseAll([line]);
    expect(store.skipped).toEqual({});
    expect(store.length).toBe(1);
    expect(str(store, 'pad', 0)?.length).toBe((1 << 20) - short.length - 20);
  });

  it('a line of more than 1 MiB of UTF-8 bytes (multi-byte characters) is line_too_long', () => {
    // 600_000 × "ü" = 1_200_000 bytes in UTF-8, but only 600_000 UTF-16 code units
    const line = request({ pad: 'ü'.repeat(600_000) });
    expect(Buffer.byteLength(line)).toBeGreaterThan(1 << 20);
    const store = parseAll([line]);
    expect(store.skipped).toEqual({ line_too_long: 1 });
    expect(store.length).toBe(0);
  });

  it('counts mixed reasons separately and keeps the good rows', () => {
    const store = parseAll([
      request({ request_id: 'a' }),
      'garbage',
      '[1]',
      request({ model: '' }),
      request({ request_id: 'b' }),
      request({ latency_ms: 'slow' }),
      '',
      request({}, ['latency_ms']),
      'garbage again',
    ]);
    expect(store.length).toBe(2);
    expect(store.skipped).toEqual({
      invalid_json: 2,
      not_an_object: 1,
      missing_model: 1,
      invalid_latency: 1,
      missing_latency: 1,
    });
    expect(store.skippedTotal()).toBe(6);
    expect(str(store, 'request_id', 0)).toBe('a');
    expect(str(store, 'request_id', 1)).toBe('b');
  });

  it('a latency given as a numeric string is read as a number', () => {
    const store = parseAll([request({ latency_ms: '12.5' })]);
    expect(store.length).toBe(1);
    expect(num(store, 'latency_ms', 0)).toBe(12.5);
  });
});

describe('LineParser: error flag', () => {
  const errorOf = (status: unknown, config: SourceConfig = {}): number => {
    const store = parseAll([status === undefined ? request({}, ['status']) : request({ status })], config);
    expect(store.length).toBe(1);
    return store.errors.values()[0];
  };

  it.each([
    ['success', 0],
    ['ok', 0],
    ['OK', 0],
    ['Success', 0],
    ['SUCCESS', 0],
    ['200', 0],
    [200, 0],
    [204, 0],
    ['201', 0],
    [299, 0],
    ['error', 1],
    ['failed', 1],
    ['timeout', 1],
    ['500', 1],
    [500, 1],
    [404, 1],
    [199, 1],
    [300, 1],
    [2000, 1],
    [null, 0],
    [undefined, 0],
  ])('status %p -> error %d', (status, expected) => {
    expect(errorOf(status)).toBe(expected);
  });

  it('custom successStatuses (case-insensitive); 2xx still succeeds', () => {
    const config: SourceConfig = { successStatuses: ['done', 'Completed'] };
    expect(errorOf('done', config)).toBe(0);
    expect(errorOf('DONE', config)).toBe(0);
    expect(errorOf('completed', config)).toBe(0);
    expect(errorOf(200, config)).toBe(0);
    expect(errorOf('failed', config)).toBe(1);
    expect(errorOf(undefined, config)).toBe(0);
  });

  it('isError directly', () => {
    const parser = new LineParser(new Store());
    expect(parser.isError(null)).toBe(false);
    expect(parser.isError('ok')).toBe(false);
    expect(parser.isError(200)).toBe(false);
    expect(parser.isError('error')).toBe(true);
    expect(parser.isError(503)).toBe(true);
  });

  it('counts errors across rows', () => {
    const store = parseAll([
      request({ status: 'success' }),
      request({ status: 'error' }),
      request({ status: 200 }),
      request({ status: '503' }),
      request({}, ['status']),
    ]);
    expect(Array.from(store.errors.values())).toEqual([0, 1, 0, 1, 0]);
  });
});

describe('LineParser: extra fields', () => {
  it('keeps numbers, strings, booleans and objects', () => {
    const store = parseAll([
      request({ region: 'eu-west', queue_ms: 3.25, cached: true, meta: { a: 1, b: 'x' }, tags: [1, 'two'] }),
      request({ region: 'us-east', queue_ms: 0, cached: false, meta: null, tags: [] }),
    ]);
    expect(store.length).toBe(2);
    expect(store.columns.get('region')?.kind).toBe('string');
    expect(str(store, 'region', 0)).toBe('eu-west');
    expect(str(store, 'region', 1)).toBe('us-east');
    expect(store.columns.get('queue_ms')?.kind).toBe('number');
    expect(num(store, 'queue_ms', 0)).toBe(3.25);
    expect(num(store, 'queue_ms', 1)).toBe(0);
    expect(str(store, 'cached', 0)).toBe('true');
    expect(str(store, 'cached', 1)).toBe('false');
    expect(str(store, 'meta', 0)).toBe('{"a":1,"b":"x"}');
    expect(str(store, 'meta', 1)).toBeNull();
    expect(str(store, 'tags', 0)).toBe('[1,"two"]');
    expect(str(store, 'tags', 1)).toBe('[]');
  });

  it('string extras are dictionary columns', () => {
    const store = parseAll([request({ region: 'a' }), request({ region: 'b' }), request({ region: 'a' })]);
    const column = store.stringColumn('region');
    expect(column?.kind).toBe('string');
    if (column?.kind !== 'string') {
      throw new Error('not a dictionary column');
    }
    expect(Array.from(column.codeArray())).toEqual([1, 2, 1]);
    expect(column.dictionary).toEqual([null, 'a', 'b']);
  });

  it('a column first seen on row k is missing on the rows before', () => {
    const store = parseAll([
      request({ request_id: 'a' }),
      request({ request_id: 'b' }),
      request({ request_id: 'c', queue_ms: 7, region: 'eu' }),
      request({ request_id: 'd' }),
    ]);
    expect(store.length).toBe(4);
    expect(num(store, 'queue_ms', 0)).toBeNaN();
    expect(num(store, 'queue_ms', 1)).toBeNaN();
    expect(num(store, 'queue_ms', 2)).toBe(7);
    expect(num(store, 'queue_ms', 3)).toBeNaN();
    expect([0, 1, 2, 3].map((row) => str(store, 'region', row))).toEqual([null, null, 'eu', null]);
    expect(store.columns.get('queue_ms')?.length).toBe(4);
    expect(store.columns.get('region')?.length).toBe(4);
  });

  it('an extra field that is null until row k is created on row k', () => {
    const store = parseAll([request({ extra: null }), request({ extra: 'x' })]);
    expect(str(store, 'extra', 0)).toBeNull();
    expect(str(store, 'extra', 1)).toBe('x');
  });

  it('a numeric extra column that later gets a string becomes a string column, numbers kept as text', () => {
    const store = parseAll([
      request({ shard: 1.5 }),
      request({}),
      request({ shard: 3 }),
      request({ shard: 'primary' }),
      request({ shard: 4 }),
      request({ shard: null }),
    ]);
    expect(store.columns.get('shard')?.kind).toBe('string');
    expect(store.numberColumn('shard')).toBeUndefined();
    expect([0, 1, 2, 3, 4, 5].map((row) => str(store, 'shard', row))).toEqual(['1.5', null, '3', 'primary', '4', null]);
    expect(store.fields()).toContainEqual({ name: 'shard', type: 'string' });
  });

  it('known numeric fields given as numeric strings are parsed', () => {
    const store = parseAll([request({ batch_size: '8', gpu_util: ' 71.5 ', memory_used_gb: '1e1' })]);
    expect(num(store, 'batch_size', 0)).toBe(8);
    expect(num(store, 'gpu_util', 0)).toBe(71.5);
    expect(num(store, 'memory_used_gb', 0)).toBe(10);
    expect(store.invalidValues).toEqual({});
  });

  it('known numeric fields with non-numeric values become missing and are counted in invalidValues', () => {
    const store = parseAll([
      request({ batch_size: 'big' }),
      request({ batch_size: 'huge', gpu_util: 'n/a' }),
      request({ memory_used_gb: true }),
      request({ batch_size: 4 }),
    ]);
    expect(store.length).toBe(4);
    expect(store.skippedTotal()).toBe(0);
    expect(num(store, 'batch_size', 0)).toBeNaN();
    expect(num(store, 'batch_size', 1)).toBeNaN();
    expect(num(store, 'gpu_util', 1)).toBeNaN();
    expect(num(store, 'memory_used_gb', 2)).toBeNaN();
    expect(num(store, 'batch_size', 3)).toBe(4);
    expect(store.invalidValues).toEqual({ batch_size: 2, gpu_util: 1, memory_used_gb: 1 });
    // the known numeric columns stay number columns
    expect(store.columns.get('batch_size')?.kind).toBe('number');
  });

  it('a field named __proto__ is a plain field and pollutes nothing', () => {
    const store = parseAll([
      '{"timestamp": "2026-11-27T15:03:15", "model": "m", "latency_ms": 1, "__proto__": {"polluted": "yes"}}',
      '{"timestamp": "2026-11-27T15:03:15", "model": "m", "latency_ms": 2, "__proto__": "plain"}',
    ]);
    expect(store.length).toBe(2);
    expect(store.columns.has('__proto__')).toBe(true);
    expect(str(store, '__proto__', 0)).toBe('{"polluted":"yes"}');
    expect(str(store, '__proto__', 1)).toBe('plain');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(store.fields()).toContainEqual({ name: '__proto__', type: 'string' });
  });

  it('a numeric __proto__ field is a number column', () => {
    const store = parseAll(['{"timestamp": "2026-11-27T15:03:15", "model": "m", "latency_ms": 1, "__proto__": 5}']);
    expect(num(store, '__proto__', 0)).toBe(5);
  });
});

describe('LineParser: fieldMap', () => {
  const config: SourceConfig = { fieldMap: { latency_ms: 'duration', model: 'model_name', timestamp: 'ts' } };

  it("reads another server's field names", () => {
    const store = parseAll(
      ['{"ts": "2026-11-27T15:03:15", "model_name": "llama", "duration": 40.5, "status": "ok"}'],
      config
    );
    expect(store.length).toBe(1);
    expect(store.time.get(0)).toBe(T0);
    expect(str(store, 'model', 0)).toBe('llama');
    expect(num(store, 'latency_ms', 0)).toBe(40.5);
    expect(store.errors.values()[0]).toBe(0);
    // the log's names are not also kept as extra columns
    expect(store.columns.has('duration')).toBe(false);
    expect(store.columns.has('model_name')).toBe(false);
    expect(store.columns.has('ts')).toBe(false);
  });

  it('keeps a file field with one of our names that the map moved elsewhere as <name>_original', () => {
    const line = py({
      ts: '2026-11-27T15:03:15',
      timestamp: 'local-clock',
      model_name: 'llama',
      model: 'llama-7b-q4',
      duration: 40.5,
      latency_ms: 99,
    });
    const store = parseAll([line], config);
    expect(store.length).toBe(1);
    expect(store.time.get(0)).toBe(T0);
    expect(str(store, 'model', 0)).toBe('llama');
    expect(num(store, 'latency_ms', 0)).toBe(40.5);
    expect(num(store, 'latency_ms_original', 0)).toBe(99);
    expect(str(store, 'model_original', 0)).toBe('llama-7b-q4');
    expect(str(store, 'timestamp_original', 0)).toBe('local-clock');
  });

  it('skip reasons use the mapped names', () => {
    const store = parseAll(
      [
        py({ timestamp: TS, model_name: 'm', duration: 1 }), // no ts
        py({ ts: TS, model: 'm', duration: 1 }), // no model_name
        py({ ts: TS, model_name: 'm', latency_ms: 1 }), // no duration
      ],
      config
    );
    expect(store.length).toBe(0);
    expect(store.skipped).toEqual({ missing_timestamp: 1, missing_model: 1, missing_latency: 1 });
  });

  it('maps the other fields too (status, request_id, batch_size)', () => {
    const store = parseAll([py({ timestamp: TS, model: 'm', latency_ms: 1, state: 'FAILED', id: 'abc', bs: '16' })], {
      fieldMap: { status: 'state', request_id: 'id', batch_size: 'bs' },
    });
    expect(str(store, 'status', 0)).toBe('FAILED');
    expect(store.errors.values()[0]).toBe(1);
    expect(str(store, 'request_id', 0)).toBe('abc');
    expect(num(store, 'batch_size', 0)).toBe(16);
  });
});

describe('LineParser: configured timezone', () => {
  it('reads naive timestamps in the configured zone, explicit ones as given', () => {
    const store = parseAll(
      [
        request({ timestamp: '2026-11-27T16:03:15' }),
        request({ timestamp: '2026-11-27T15:03:15Z' }),
        request({ timestamp: 1_795_791_795 }),
      ],
      { timezone: 'Europe/Berlin' }
    );
    expect(store.length).toBe(3);
    expect([store.time.get(0), store.time.get(1), store.time.get(2)]).toEqual([T0, T0, T0]);
  });

  it('an unknown timezone is rejected when the parser is made', () => {
    expect(() => new LineParser(new Store(), { timezone: 'Nowhere/Land' })).toThrow(/unknown time zone/);
  });
});

describe('readBackBytes: the byte scanner gives what the full path gives', () => {
  it('on generated lines with noise, and on hand-made edge cases', () => {
    const parser = new LineParser(new Store());
    // Mixed timestamps without extra fields: the scanner's lines; with extra fields: its fallback.
    const lines = [
      ...generateLines({ rows: 3000, noise: 0.2, seed: 4, timestampStyle: 'mixed' }),
      ...generateLines({ rows: 300, noise: 0.2, seed: 5, extras: true }),
    ];
    lines.push(
      '{"timestamp": 1795600000.5, "request_id": 12.5, "model": "m", "latency_ms": 1}',
      '{"timestamp": "2026-11-27T10:00:00+02:00", "request_id": null, "model": "m", "latency_ms": 1}',
      '{"timestamp": "2026-11-27T10:00:00", "request_id": NaN, "model": "m", "latency_ms": 1}',
      '{"timestamp": "2026-11-27T10:00:00", "request_id": true, "model": "m", "latency_ms": 1}',
      '{"timestamp": true, "request_id": "x", "model": "m", "latency_ms": 1}',
      '{"model": "m", "latency_ms": 1, "request_id": "no-time"}',
      '  {"timestamp": "2026-11-27 10:00:00.5Z", "request_id": "spaces"}\r'
    );
    for (const line of lines) {
      const bytes = Buffer.from(line, 'utf8');
      expect([line, parser.readBackBytes(bytes, 0, bytes.length)]).toEqual([line, parser.readBack(line)]);
    }
  });
});
