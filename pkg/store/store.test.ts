import { DictionaryColumn, NumberColumn, TextColumn } from './columns';
import { RequestIdColumn } from './request-ids';
import { NUMERIC_FIELDS, REQUEST_ID, Store, STRING_FIELDS } from './store';

describe('NumberColumn', () => {
  it('starts empty and pushes values', () => {
    const column = new NumberColumn();
    expect(column.kind).toBe('number');
    expect(column.length).toBe(0);
    expect(column.values().length).toBe(0);
    column.push(1.5);
    column.push(-2);
    column.push(NaN);
    expect(column.length).toBe(3);
    expect(column.get(0)).toBe(1.5);
    expect(column.get(1)).toBe(-2);
    expect(column.get(2)).toBeNaN();
    expect(Array.from(column.values())).toEqual([1.5, -2, NaN]);
  });

  it('keeps every value when it grows beyond the initial capacity of 1024', () => {
    const column = new NumberColumn();
    const n = 5000; // 1024 -> 2048 -> 4096 -> 8192
    for (let i = 0; i < n; i++) {
      column.push(i * 0.5);
    }
    expect(column.length).toBe(n);
    expect(column.values().length).toBe(n);
    expect(column.get(0)).toBe(0);
    expect(column.get(1023)).toBe(511.5);
    expect(column.get(1024)).toBe(512);
    expect(column.get(2047)).toBe(1023.5);
    expect(column.get(2048)).toBe(1024);
    expect(column.get(4999)).toBe(2499.5);
    // the sum 0.5 * (0 + 1 + ... + 4999) = 0.5 * 4999 * 5000 / 2 = 6_248_750
    expect(column.values().reduce((a, b) => a + b, 0)).toBe(6_248_750);
  });

  it('pushMissing appends NaN, also across a growth', () => {
    const column = new NumberColumn();
    column.push(7);
    column.pushMissing(1500);
    column.push(8);
    expect(column.length).toBe(1502);
    expect(column.get(0)).toBe(7);
    expect(column.get(1)).toBeNaN();
    expect(column.get(1500)).toBeNaN();
    expect(column.get(1501)).toBe(8);
    expect(column.values().filter((v) => Number.isNaN(v)).length).toBe(1500);
  });

  it('values() is a view of the filled part only', () => {
    const column = new NumberColumn();
    column.push(1);
    column.push(2);
    const view = column.values();
    expect(view).toBeInstanceOf(Float64Array);
    expect(view.length).toBe(2);
  });
});

describe('DictionaryColumn', () => {
  it('code 0 is the missing value; strings get codes in order of first appearance', () => {
    const column = new DictionaryColumn();
    expect(column.kind).toBe('string');
    expect(column.dictionary).toEqual([null]);
    for (const value of ['a', 'b', null, 'a', 'c', 'b', null]) {
      column.push(value);
    }
    expect(column.length).toBe(7);
    expect(Array.from(column.codeArray())).toEqual([1, 2, 0, 1, 3, 2, 0]);
    expect(column.dictionary).toEqual([null, 'a', 'b', 'c']);
    expect(column.get(0)).toBe('a');
    expect(column.get(2)).toBeNull();
    expect(column.get(4)).toBe('c');
    expect(column.code(5)).toBe(2);
    expect(column.code(6)).toBe(0);
  });

  it('the empty string is a value, not missing', () => {
    const column = new DictionaryColumn();
    column.push('');
    column.push(null);
    expect(Array.from(column.codeArray())).toEqual([1, 0]);
    expect(column.get(0)).toBe('');
    expect(column.get(1)).toBeNull();
  });

  it('codeOf adds new strings, findCode only looks', () => {
    const column = new DictionaryColumn();
    expect(column.findCode('x')).toBeUndefined();
    expect(column.codeOf('x')).toBe(1);
    expect(column.codeOf('y')).toBe(2);
    expect(column.codeOf('x')).toBe(1);
    expect(column.findCode('x')).toBe(1);
    expect(column.findCode('y')).toBe(2);
    expect(column.findCode('z')).toBeUndefined();
    expect(column.dictionary).toEqual([null, 'x', 'y']);
    expect(column.length).toBe(0); // codeOf does not add rows
  });

  it('pushMissing appends code 0', () => {
    const column = new DictionaryColumn();
    column.pushMissing(3);
    column.push('v');
    expect(Array.from(column.codeArray())).toEqual([0, 0, 0, 1]);
  });

  it('keeps every code when it grows beyond 1024 rows', () => {
    const column = new DictionaryColumn();
    const n = 3000;
    for (let i = 0; i < n; i++) {
      column.push(i % 3 === 0 ? null : `v${i % 5}`);
    }
    expect(column.length).toBe(n);
    expect(column.codeArray().length).toBe(n);
    for (const row of [0, 1, 2, 1023, 1024, 1025, 2047, 2048, 2999]) {
      expect(column.get(row)).toBe(row % 3 === 0 ? null : `v${row % 5}`);
    }
    // rows 0..2999 with row % 3 === 0 are missing: 1000 of them
    expect(Array.from(column.codeArray()).filter((c) => c === 0).length).toBe(1000);
    // five distinct strings, plus the missing entry
    expect(column.dictionary.length).toBe(6);
    expect(column.dictionary[0]).toBeNull();
  });

  it('multi-byte strings are stored intact', () => {
    const column = new DictionaryColumn();
    column.push('модель-ü');
    column.push('😀');
    column.push('модель-ü');
    expect(column.dictionary).toEqual([null, 'модель-ü', '😀']);
    expect(Array.from(column.codeArray())).toEqual([1, 2, 1]);
  });
});

describe('TextColumn', () => {
  it('stores strings and nulls row by row', () => {
    const column = new TextColumn();
    expect(column.kind).toBe('text');
    column.push('r1');
    column.pushMissing(2);
    column.push('r2');
    expect(column.length).toBe(4);
    expect([0, 1, 2, 3].map((i) => column.get(i))).toEqual(['r1', null, null, 'r2']);
  });
});

describe('Store', () => {
  it('has the standard columns from the start', () => {
    const store = new Store();
    expect(store.length).toBe(0);
    for (const name of NUMERIC_FIELDS) {
      expect(store.numberColumn(name)).toBeInstanceOf(NumberColumn);
    }
    for (const name of STRING_FIELDS) {
      expect(store.stringColumn(name)).toBeInstanceOf(DictionaryColumn);
    }
    expect(store.stringColumn(REQUEST_ID)).toBeInstanceOf(RequestIdColumn);
    expect(store.fields()).toEqual([
      { name: 'latency_ms', type: 'number' },
      { name: 'batch_size', type: 'number' },
      { name: 'gpu_util', type: 'number' },
      { name: 'memory_used_gb', type: 'number' },
      { name: 'model', type: 'string' },
      { name: 'status', type: 'string' },
      { name: 'request_id', type: 'string' },
    ]);
  });

  it('appends rows; fields not given are missing', () => {
    const store = new Store();
    store.append(1_000_000, false, { model: 'a', latency_ms: 10, request_id: 'r1', status: 'ok' });
    store.append(2_000_000, true, { model: 'b', latency_ms: null, batch_size: 4 });
    expect(store.length).toBe(2);
    expect(Array.from(store.time.values())).toEqual([1_000_000, 2_000_000]);
    expect(Array.from(store.errors.values())).toEqual([0, 1]);
    expect(store.stringColumn('model')?.get(1)).toBe('b');
    expect(store.numberColumn('latency_ms')?.get(0)).toBe(10);
    expect(store.numberColumn('latency_ms')?.get(1)).toBeNaN();
    expect(store.numberColumn('batch_size')?.get(0)).toBeNaN();
    expect(store.numberColumn('batch_size')?.get(1)).toBe(4);
    expect(store.stringColumn('request_id')?.get(1)).toBeNull();
    expect(store.stringColumn('status')?.get(1)).toBeNull();
    // every column has one value per row
    for (const column of store.columns.values()) {
      expect(column.length).toBe(2);
    }
  });

  it('a column first seen on row k has missing values before it', () => {
    const store = new Store();
    store.append(1, false, { model: 'a', latency_ms: 1 });
    store.append(2, false, { model: 'a', latency_ms: 1 });
    store.append(3, false, { model: 'a', latency_ms: 1, queue: 5, region: 'eu' });
    store.append(4, false, { model: 'a', latency_ms: 1 });
    const queue = store.numberColumn('queue');
    const region = store.stringColumn('region');
    expect(queue?.length).toBe(4);
    expect(Array.from(queue?.values() ?? [])).toEqual([NaN, NaN, 5, NaN]);
    expect(region).toBeInstanceOf(DictionaryColumn);
    expect([0, 1, 2, 3].map((row) => region?.get(row))).toEqual([null, null, 'eu', null]);
    expect(store.fields()).toContainEqual({ name: 'queue', type: 'number' });
    expect(store.fields()).toContainEqual({ name: 'region', type: 'string' });
  });

  it('a new field that is only null does not create a column', () => {
    const store = new Store();
    store.append(1, false, { model: 'a', latency_ms: 1, nothing: null });
    expect(store.columns.has('nothing')).toBe(false);
  });

  it('a numeric extra column that later gets a string becomes a string column keeping the numbers as text', () => {
    const store = new Store();
    store.append(1, false, { model: 'a', latency_ms: 1, shard: 2 });
    store.append(2, false, { model: 'a', latency_ms: 1, shard: 0.25 });
    store.append(3, false, { model: 'a', latency_ms: 1 });
    store.append(4, false, { model: 'a', latency_ms: 1, shard: 'main' });
    store.append(5, false, { model: 'a', latency_ms: 1, shard: 7 });
    expect(store.numberColumn('shard')).toBeUndefined();
    const shard = store.stringColumn('shard');
    expect(shard).toBeInstanceOf(DictionaryColumn);
    expect(shard?.length).toBe(5);
    expect([0, 1, 2, 3, 4].map((row) => shard?.get(row))).toEqual(['2', '0.25', null, 'main', '7']);
    expect(store.fields()).toContainEqual({ name: 'shard', type: 'string' });
  });

  it('a string column that later gets a number keeps it as text', () => {
    const store = new Store();
    store.append(1, false, { model: 'a', latency_ms: 1, tag: 'x' });
    store.append(2, false, { model: 'a', latency_ms: 1, tag: 3 });
    expect([0, 1].map((row) => store.stringColumn('tag')?.get(row))).toEqual(['x', '3']);
  });

  it('the error flags and time grow beyond 1024 rows', () => {
    const store = new Store();
    const n = 2500;
    for (let i = 0; i < n; i++) {
      store.append(i * 1000, i % 7 === 0, { model: `m${i % 2}`, latency_ms: i });
    }
    expect(store.length).toBe(n);
    expect(store.time.get(2499)).toBe(2_499_000);
    expect(store.numberColumn('latency_ms')?.get(1500)).toBe(1500);
    const errors = store.errors.values();
    expect(errors.length).toBe(n);
    // multiples of 7 in 0..2499: 0, 7, ..., 2499 - (2499 % 7 = 0) -> 2499 / 7 + 1 = 358
    expect(errors.reduce((a, b) => a + b, 0)).toBe(358);
    expect(errors[2499]).toBe(1);
    expect(errors[2498]).toBe(0);
    const model = store.stringColumn('model');
    expect(model?.get(2049)).toBe('m1');
  });

  it('counts skipped lines and invalid values', () => {
    const store = new Store();
    expect(store.skippedTotal()).toBe(0);
    store.skip('invalid_json');
    store.skip('invalid_json');
    store.skip('line_too_long', 3);
    expect(store.skipped).toEqual({ invalid_json: 2, line_too_long: 3 });
    expect(store.skippedTotal()).toBe(5);
    store.invalidValue('batch_size');
    store.invalidValue('batch_size');
    store.invalidValue('gpu_util');
    expect(store.invalidValues).toEqual({ batch_size: 2, gpu_util: 1 });
    expect(store.length).toBe(0);
  });

  it('numberColumn and stringColumn return undefined for the wrong kind or an unknown name', () => {
    const store = new Store();
    expect(store.numberColumn('model')).toBeUndefined();
    expect(store.stringColumn('latency_ms')).toBeUndefined();
    expect(store.numberColumn('nope')).toBeUndefined();
    expect(store.stringColumn('nope')).toBeUndefined();
  });

  it('a field called __proto__ is an ordinary column', () => {
    const store = new Store();
    const values = Object.create(null) as Record<string, string | number | null>;
    values.model = 'a';
    values.latency_ms = 1;
    values.__proto__ = 'x';
    store.append(1, false, values);
    expect(store.stringColumn('__proto__')?.get(0)).toBe('x');
  });
});

describe('TextColumn: a byte heap that gives back exactly the strings pushed', () => {
  const samples: Array<string | null> = [
    'c7ef63a1-0dab-4ee7-a23e-5a07eb6f5f99',
    'C7EF63A1-0DAB-4EE7-A23E-5A07EB6F5F99',
    'c7ef63a1-0dab-4ee7-a23e-5a07eb6f5f9g',
    'c7ef63a1x0dab-4ee7-a23e-5a07eb6f5f99',
    'c7ef63a1-0dab-4ee7-a23e-5a07eb6f5f9',
    'c7ef63a1-0dab-4ee7-a23e-5a07eb6f5f99 ',
    '00000000-0000-0000-0000-000000000000',
    'req-fcfd6b8ccedc',
    '',
    null,
    'модель-ü 😀',
    '\ud800lone',
    'tail\udc00',
    'é'.repeat(18),
    '1234',
  ];

  it('round-trips UUIDs, near-UUIDs, other text, unicode, lone surrogates and nulls', () => {
    const column = new TextColumn();
    for (let i = 0; i < 3000; i++) {
      column.push(samples[i % samples.length]);
    }
    expect(column.length).toBe(3000);
    for (let i = 0; i < 3000; i++) {
      expect(column.get(i)).toBe(samples[i % samples.length]);
    }
    expect(column.get(3000)).toBeNull();
  });

  it('pushAscii stores bytes as push stores their string', () => {
    const column = new TextColumn();
    const ascii = samples.filter((s): s is string => s !== null && /^[\x20-\x7e]*$/.test(s));
    for (const text of ascii) {
      const buf = Buffer.from(`xx${text}yy`, 'latin1');
      column.pushAscii(buf, 2, 2 + text.length);
    }
    expect(ascii.map((_, i) => column.get(i))).toEqual(ascii);
  });

  it('dropFront keeps the rest intact, and appends go on after it', () => {
    const column = new TextColumn();
    for (let i = 0; i < 2000; i++) {
      column.push(samples[i % samples.length]);
    }
    column.dropFront(777);
    expect(column.length).toBe(1223);
    for (let i = 0; i < 1223; i++) {
      expect(column.get(i)).toBe(samples[(i + 777) % samples.length]);
    }
    column.push('after');
    expect(column.get(1223)).toBe('after');
  });
});
