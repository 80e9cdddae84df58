import { NumberColumn } from './columns';

/** -0 shown as "-0" (String(-0) is "0"), so that a mismatch message tells the two apart. */
function show(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** The value of each row as raw() says to decode it: `data[r] === missing ? NaN : data[r] / factor`. */
function decodeRaw(column: NumberColumn): number[] {
  const { data, factor, missing } = column.raw();
  return Array.from(data, (v) => (v === missing ? NaN : v / factor));
}

/** The storage kind behind a column. */
function storage(column: NumberColumn): string {
  return column.raw().data.constructor.name;
}

/**
 * Every way of reading the column gives back exactly (Object.is) the values pushed: get(), values(), raw() decoded,
 * and valuesAt() of every row. Mismatches are listed as "how row: got, expected".
 */
function expectExact(column: NumberColumn, expected: number[]): void {
  expect(column.length).toBe(expected.length);
  const values = column.values();
  expect(values.length).toBe(expected.length);
  const decoded = decodeRaw(column);
  expect(decoded.length).toBe(expected.length);
  const mismatches: string[] = [];
  for (let row = 0; row < expected.length; row++) {
    const want = expected[row];
    for (const [how, got] of [
      ['get', column.get(row)],
      ['values', values[row]],
      ['raw', decoded[row]],
    ] as const) {
      if (!Object.is(got, want)) {
        mismatches.push(`${how} row ${row}: got ${show(got)}, expected ${show(want)}`);
      }
    }
    if (mismatches.length > 20) {
      break;
    }
  }
  expect(mismatches).toEqual([]);
}

function columnOf(values: number[], options: { float?: boolean } = {}): NumberColumn {
  const column = new NumberColumn(options);
  for (const v of values) {
    column.push(v);
  }
  return column;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('NumberColumn: values read back exactly', () => {
  it('small integers stay in one byte', () => {
    const values = [0, 1, -1, 2, 32, 64, 127, -127, 100, -100, 7];
    const column = columnOf(values);
    expectExact(column, values);
    expect(storage(column)).toBe('Int8Array');
    expect(column.raw().factor).toBe(1);
  });

  it('integers needing 16 and 32 bits', () => {
    const int16 = [1, 128, -128, 300, 32767, -32767, -5];
    const c16 = columnOf(int16);
    expectExact(c16, int16);
    expect(storage(c16)).toBe('Int16Array');

    const int32 = [1, 32768, -32768, 70000, 2147483647, -2147483647, -5];
    const c32 = columnOf(int32);
    expectExact(c32, int32);
    expect(storage(c32)).toBe('Int32Array');
  });

  it('the most negative integer of each width (the missing marker) is a value, not NaN', () => {
    for (const [v, kind] of [
      [-128, 'Int16Array'],
      [-32768, 'Int32Array'],
      [-2147483648, 'Float64Array'],
    ] as const) {
      const column = columnOf([1, v, NaN, v]);
      expectExact(column, [1, v, NaN, v]);
      expect(storage(column)).toBe(kind);
    }
  });

  it('one past the largest of each width widens', () => {
    for (const [v, kind] of [
      [127, 'Int8Array'],
      [128, 'Int16Array'],
      [32767, 'Int16Array'],
      [32768, 'Int32Array'],
      [2147483647, 'Int32Array'],
      [2147483648, 'Float64Array'],
      [-2147483649, 'Float64Array'],
    ] as const) {
      const column = columnOf([3, v, -3]);
      expectExact(column, [3, v, -3]);
      expect(storage(column)).toBe(kind);
    }
  });

  it('decimals with 1 to 9 digits are kept as scaled integers', () => {
    const cases: Array<[number, number]> = [
      [82.3, 1e1],
      [17.73, 1e2],
      [414.701, 1e3],
      [1.2345, 1e4],
      [0.12345, 1e5],
      [0.123456, 1e6],
      [0.1234567, 1e7],
      [0.12345678, 1e8],
      [0.000000001, 1e9],
      [1.123456789, 1e9],
    ];
    for (const [v, factor] of cases) {
      const column = columnOf([0, v, -v, NaN, 1]);
      expectExact(column, [0, v, -v, NaN, 1]);
      expect(column.raw().factor).toBe(factor);
      expect(storage(column)).not.toBe('Float64Array');
    }
    // All of them in one column: scale 9 with magnitudes up to 414.701e9 does not fit 32 bits.
    const all = cases.map(([v]) => v);
    expectExact(columnOf(all), all);
  });

  it('negative numbers, including halves (Math.round rounds -x.5 up)', () => {
    const values = [-0.5, -2.5, -1.005, -414.701, -82.3, -17.73, -1, -127.5, 0.5];
    const column = columnOf(values);
    expectExact(column, values);
    expect(storage(column)).not.toBe('Float64Array');
  });

  it('values written with extra digits parse to the same doubles and read back exactly', () => {
    const texts = ['1.005', '0.30', '82.30', '1e2', '1.5e-3', '2.675', '8.675', '0.07', '-0.29', '1.1', '4.35'];
    const values = texts.map(Number);
    expectExact(columnOf(values), values);
  });

  it('NaN (missing) mixed in, before and after widening', () => {
    const values = [NaN, NaN, 5, NaN, 0.5, NaN, 300, NaN, 1.25, 70000.125, NaN, -128, NaN];
    const column = columnOf(values);
    expectExact(column, values);
    expect(storage(column)).toBe('Int32Array');
  });

  it('a column of only missing values', () => {
    const column = new NumberColumn();
    column.pushMissing(5);
    expectExact(column, [NaN, NaN, NaN, NaN, NaN]);
  });

  it.each([
    ['0.1 + 0.2', 0.1 + 0.2],
    ['1e300', 1e300],
    ['-1e300', -1e300],
    ['-0', -0],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['2 ** 40 + 0.5', 2 ** 40 + 0.5],
    ['2 ** 53', 2 ** 53],
    ['12 decimals', 0.123456789012],
    ['10 decimals', 1.0000000001],
    ['1e-10', 1e-10],
    ['Number.MIN_VALUE', Number.MIN_VALUE],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
    ['9 decimals beyond 32 bits', 3.123456789],
  ])('falls back to float64 for %s and keeps every value', (_, v) => {
    const before = [1, 82.3, NaN, -17.73, 0, 127, -128];
    const values = [...before, v, 414.701, NaN, v, 0, 5];
    const column = columnOf(values);
    expectExact(column, values);
    expect(storage(column)).toBe('Float64Array');
    expect(column.raw().factor).toBe(1);
    // Also when the value is the first one pushed.
    expectExact(columnOf([v, 1, NaN]), [v, 1, NaN]);
  });

  it('-0 comes back as -0, +0 as +0', () => {
    const column = columnOf([0, -0, 0, NaN, -0]);
    expect(Object.is(column.get(0), 0)).toBe(true);
    expect(Object.is(column.get(1), -0)).toBe(true);
    expect(Object.is(column.get(2), 0)).toBe(true);
    expect(Object.is(column.get(4), -0)).toBe(true);
    expectExact(column, [0, -0, 0, NaN, -0]);
    // A +0 alone stays integer.
    expect(storage(columnOf([0, 0]))).toBe('Int8Array');
  });

  it('widening after many rows keeps the values pushed before it', () => {
    const values: number[] = [];
    const column = new NumberColumn();
    const push = (v: number): void => {
      values.push(v);
      column.push(v);
    };
    for (let i = 0; i < 3000; i++) {
      push(i % 7 === 0 ? NaN : (i % 255) - 127); // int8, scale 0
    }
    expect(storage(column)).toBe('Int8Array');
    push(0.5); // scale 1: -127 * 10 needs int16
    expect(storage(column)).toBe('Int16Array');
    for (let i = 0; i < 2000; i++) {
      push(i % 11 === 0 ? NaN : ((i % 200) - 100) / 10);
    }
    push(17.73); // scale 2
    push(-414.701); // scale 3: -414701 needs int32
    expect(storage(column)).toBe('Int32Array');
    expect(column.raw().factor).toBe(1000);
    for (let i = 0; i < 2000; i++) {
      push(i % 13 === 0 ? NaN : (i * 37) / 1000);
    }
    expectExact(column, values);
    push(0.1 + 0.2); // float64
    expect(storage(column)).toBe('Float64Array');
    for (let i = 0; i < 1000; i++) {
      push(i % 5 === 0 ? NaN : i / 3);
    }
    expectExact(column, values);
  });

  it('widening to more decimals in steps, one digit at a time', () => {
    const values = [1, 1.1, 1.12, 1.123, 1.1234, 1.12345, 1.123456, 1.1234567, 1.12345678, 1.123456789];
    const column = new NumberColumn();
    for (let i = 0; i < values.length; i++) {
      column.push(values[i]);
      expect(column.raw().factor).toBe(10 ** i);
      expectExact(column, values.slice(0, i + 1));
    }
    expect(storage(column)).toBe('Int32Array');
  });
});

describe('NumberColumn: randomized round trips', () => {
  /**
   * A decimal text with `intDigits` integer digits (0: "0") and `fracDigits` fraction digits, maybe negative;
   * a zero is written "-0", "-0.00" ... only if `negativeZero`.
   */
  function randomText(random: () => number, intDigits: number, fracDigits: number, negativeZero: boolean): string {
    const digit = (): string => String(Math.floor(random() * 10));
    let int = intDigits === 0 ? '0' : String(1 + Math.floor(random() * 9));
    for (let i = 1; i < intDigits; i++) {
      int += digit();
    }
    let frac = '';
    for (let i = 0; i < fracDigits; i++) {
      frac += digit();
    }
    const negative = random() < 0.3 && (negativeZero || /[1-9]/.test(int + frac));
    return (negative ? '-' : '') + int + (frac ? '.' + frac : '');
  }

  /**
   * What the storage must be for values parsed from these texts (at most 15 significant digits, so distinct
   * decimals are distinct doubles and a value's fewest decimals are its text's, trailing zeros dropped).
   */
  function expectedStorage(texts: string[]): { kind: string; factor: number } {
    let scale = 0;
    const parsed: Array<{ negative: boolean; int: string; frac: string }> = [];
    let negativeZero = false;
    for (const text of texts) {
      if (text === 'NaN') {
        continue;
      }
      const negative = text.startsWith('-');
      const [int, frac = ''] = text.replace('-', '').split('.');
      const stripped = frac.replace(/0+$/, '');
      if (negative && /^0*$/.test(int) && stripped === '') {
        negativeZero = true;
      }
      scale = Math.max(scale, stripped.length);
      parsed.push({ negative, int, frac: stripped });
    }
    if (negativeZero || scale > 9) {
      return { kind: 'Float64Array', factor: 1 };
    }
    let largest = 0n;
    for (const { int, frac } of parsed) {
      const m = BigInt(int + frac.padEnd(scale, '0'));
      if (m > largest) {
        largest = m;
      }
    }
    const kind =
      largest <= 127n
        ? 'Int8Array'
        : largest <= 32767n
          ? 'Int16Array'
          : largest <= 2147483647n
            ? 'Int32Array'
            : 'Float64Array';
    return { kind, factor: kind === 'Float64Array' ? 1 : 10 ** scale };
  }

  it('random decimals parsed from text read back exactly, in the narrowest exact storage', () => {
    const random = mulberry32(0x5eed);
    const kinds = new Set<string>();
    let negativeZeros = 0;
    for (let trial = 0; trial < 300; trial++) {
      // At most `digits` digits in all (<= 2: one byte, <= 4: two, <= 9: four), at most 6 before the point.
      const digits = Math.floor(random() * 16);
      const maxInt = Math.floor(random() * (Math.min(6, digits) + 1));
      const maxFrac = digits - maxInt; // 0..15, so up to 12 fraction digits and more than 9 often enough
      const missingRate = random() < 0.5 ? 0 : random() * 0.3;
      const negativeZero = random() < 0.1;
      const n = 1 + Math.floor(random() * 1500);
      const texts: string[] = [];
      const values: number[] = [];
      const column = new NumberColumn();
      for (let i = 0; i < n; i++) {
        const text =
          random() < missingRate
            ? 'NaN'
            : randomText(
                random,
                Math.floor(random() * (maxInt + 1)),
                Math.floor(random() * (maxFrac + 1)),
                negativeZero
              );
        const v = Number(text);
        texts.push(text);
        values.push(v);
        column.push(v);
        if (!Object.is(column.get(i), v)) {
          throw new Error(`trial ${trial}: row ${i} pushed ${text}, get() gave ${show(column.get(i))}`);
        }
      }
      expectExact(column, values);
      const want = expectedStorage(texts);
      expect({ trial, kind: storage(column), factor: column.raw().factor }).toEqual({ trial, ...want });
      kinds.add(want.kind);
      negativeZeros += texts.some((text) => Object.is(Number(text), -0)) ? 1 : 0;
    }
    // The trials cover every storage.
    expect([...kinds].sort()).toEqual(['Float64Array', 'Int16Array', 'Int32Array', 'Int8Array']);
    expect(negativeZeros).toBeGreaterThan(0);
  });

  it('random doubles of every kind read back exactly', () => {
    const random = mulberry32(42);
    const specials = [NaN, -0, 0, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 31, -(2 ** 31)];
    for (let trial = 0; trial < 50; trial++) {
      const values: number[] = [];
      const column = new NumberColumn();
      for (let i = 0; i < 2000; i++) {
        const r = random();
        let v: number;
        if (r < 0.4) {
          v = Math.round((random() - 0.5) * 200); // small integers
        } else if (r < 0.7) {
          v = Math.round((random() - 0.5) * 2e6) / 10 ** Math.floor(random() * 10); // short decimals
        } else if (r < 0.98) {
          v = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20); // arbitrary doubles
        } else {
          v = specials[Math.floor(random() * specials.length)];
        }
        values.push(v);
        column.push(v);
      }
      expectExact(column, values);
    }
  });
});

describe('NumberColumn: pushValues in bulk', () => {
  it('equals push() of each value across 65,536-row pieces, widening and turning float64 mid-piece', () => {
    const values = new Float64Array(200_000);
    for (let i = 0; i < values.length; i++) {
      values[i] = i % 7 === 0 ? NaN : (i % 100) / 10; // one decimal, up to 99 scaled: Int8
    }
    values[70_000] = 123456.789; // more decimals and 32 bits, in the second piece
    values[65_535] = 1.5; // the last row of the first piece
    values[150_000] = -0; // float64 from here on
    const bulk = new NumberColumn();
    bulk.pushValues(values, 0, 100_000);
    bulk.pushValues(values, 100_000, values.length);
    const single = new NumberColumn();
    values.forEach((v) => single.push(v));
    expectExact(bulk, [...values]);
    expect(storage(bulk)).toBe('Float64Array');
    expect(bulk.parts().scale).toBe(single.parts().scale);

    const narrow = new NumberColumn();
    narrow.pushValues(values, 0, 69_999);
    expect(storage(narrow)).toBe('Int8Array');
    narrow.pushValues(values, 69_999, 70_001);
    expect(storage(narrow)).toBe('Int32Array');
    expectExact(narrow, [...values.subarray(0, 70_001)]);
  });
});

describe('NumberColumn: bytes per row', () => {
  it('batch sizes 1..64 take 1 byte each after trim()', () => {
    const random = mulberry32(1);
    const column = new NumberColumn();
    for (let i = 0; i < 10000; i++) {
      column.push(1 + Math.floor(random() * 64));
    }
    expect(column.byteLength).toBeGreaterThan(10000); // growth room
    column.trim();
    expect(storage(column)).toBe('Int8Array');
    expect(column.byteLength).toBe(10000);
  });

  it('GPU-like one-decimal values 0..100 take 2 bytes a row', () => {
    const random = mulberry32(2);
    const values: number[] = [];
    const column = new NumberColumn();
    for (let i = 0; i < 10000; i++) {
      const v = Number((random() * 100).toFixed(1));
      values.push(v);
      column.push(v);
    }
    column.push(100);
    values.push(100);
    column.trim();
    expect(storage(column)).toBe('Int16Array');
    expect(column.raw().factor).toBe(10);
    expect(column.byteLength).toBe(2 * 10001);
    expectExact(column, values);
  });

  it('latency-like three-decimal values up to 100000 take 4 bytes a row', () => {
    const random = mulberry32(3);
    const values: number[] = [];
    const column = new NumberColumn();
    for (let i = 0; i < 10000; i++) {
      const v = Number((random() * 100000).toFixed(3));
      values.push(v);
      column.push(v);
    }
    column.push(99999.999);
    values.push(99999.999);
    column.trim();
    expect(storage(column)).toBe('Int32Array');
    expect(column.raw().factor).toBe(1000);
    expect(column.byteLength).toBe(4 * 10001);
    expectExact(column, values);
  });

  it('a float fallback takes 8 bytes a row', () => {
    const values: number[] = [];
    const column = new NumberColumn();
    for (let i = 0; i < 10000; i++) {
      const v = i === 5000 ? 0.1 + 0.2 : i % 100;
      values.push(v);
      column.push(v);
    }
    column.trim();
    expect(storage(column)).toBe('Float64Array');
    expect(column.byteLength).toBe(8 * 10000);
    expectExact(column, values);
  });

  it('before trim the storage is the grown capacity at the current width', () => {
    const column = new NumberColumn();
    expect(column.byteLength).toBe(1024);
    column.push(1000);
    expect(column.byteLength).toBe(2 * 1024);
    column.push(100000);
    expect(column.byteLength).toBe(4 * 1024);
    column.push(0.1 + 0.2);
    expect(column.byteLength).toBe(8 * 1024);
    expect(new NumberColumn({ float: true }).byteLength).toBe(8 * 1024);
  });
});

describe('NumberColumn: growth and trim', () => {
  it('growing beyond the initial capacity of 1024 keeps every value', () => {
    const values: number[] = [];
    const column = new NumberColumn();
    for (let i = 0; i < 5000; i++) {
      const v = i % 9 === 0 ? NaN : (i % 250) - 125;
      values.push(v);
      column.push(v);
      if (i === 1023 || i === 1024 || i === 2048) {
        expectExact(column, values);
      }
    }
    expectExact(column, values);
  });

  it('trim() keeps every value, and pushing after trim still works (also widening)', () => {
    const values: number[] = [];
    const column = new NumberColumn();
    const push = (v: number): void => {
      values.push(v);
      column.push(v);
    };
    for (let i = 0; i < 1500; i++) {
      push(i % 10 === 0 ? NaN : i % 100);
    }
    column.trim();
    expect(column.byteLength).toBe(1500);
    expectExact(column, values);
    push(5);
    push(82.3);
    push(NaN);
    expect(column.byteLength).toBeGreaterThan(2 * 1500);
    expectExact(column, values);
    column.trim();
    expect(column.byteLength).toBe(2 * values.length);
    expectExact(column, values);
    push(0.1 + 0.2);
    column.trim();
    expect(column.byteLength).toBe(8 * values.length);
    push(-0);
    expectExact(column, values);
  });

  it('trim() on an empty column, then pushes', () => {
    const column = new NumberColumn();
    column.trim();
    expect(column.length).toBe(0);
    expect(column.values().length).toBe(0);
    const values = [1, 2.5, NaN, 300, 414.701];
    for (const v of values) {
      column.push(v);
    }
    expectExact(column, values);
  });

  it('trim() twice changes nothing the second time', () => {
    const values = [1, 2, 3, NaN, 4.5];
    const column = columnOf(values);
    column.trim();
    const bytes = column.byteLength;
    column.trim();
    expect(column.byteLength).toBe(bytes);
    expectExact(column, values);
  });
});

describe('NumberColumn: pushMissing, dropFront, valuesAt', () => {
  it('pushMissing appends NaN rows, which stay missing through widening', () => {
    const column = new NumberColumn();
    column.pushMissing(3);
    column.push(5);
    column.pushMissing(0);
    column.pushMissing(2);
    expectExact(column, [NaN, NaN, NaN, 5, NaN, NaN]);
    column.push(-128); // int8 -> int16: the old missing marker (-128) must be re-encoded, not read as a value
    column.push(1.5);
    column.push(-32768); // -> int32
    expectExact(column, [NaN, NaN, NaN, 5, NaN, NaN, -128, 1.5, -32768]);
    column.push(1e300); // -> float64
    column.pushMissing(1);
    expectExact(column, [NaN, NaN, NaN, 5, NaN, NaN, -128, 1.5, -32768, 1e300, NaN]);
  });

  it('pushMissing across a growth beyond 1024 rows', () => {
    const column = new NumberColumn();
    column.push(1);
    column.pushMissing(3000);
    column.push(2.5);
    expect(column.length).toBe(3002);
    expect(column.get(0)).toBe(1);
    expect(column.get(1)).toBeNaN();
    expect(column.get(3000)).toBeNaN();
    expect(column.get(3001)).toBe(2.5);
    expect(decodeRaw(column).filter((v) => v === v)).toEqual([1, 2.5]);
  });

  it('dropFront keeps the later rows, in order, in every storage', () => {
    const sets: number[][] = [
      [1, 2, NaN, 4, 5, -6, 7, 8, 9, 10],
      [1, 2.5, NaN, 300, -414.701, 6, 7, 8, NaN, 10],
      [1, 0.1 + 0.2, NaN, -0, 1e300, Infinity, 7, 8, 9, -0],
    ];
    for (const values of sets) {
      for (const drop of [0, 1, 3, 9, 10]) {
        const column = columnOf(values);
        column.dropFront(drop);
        expectExact(column, values.slice(drop));
      }
    }
  });

  it('dropFront, then push and widen: the kept rows and the new ones read back exactly', () => {
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) {
      values.push(i % 17 === 0 ? NaN : (i % 200) - 100);
    }
    const column = columnOf(values);
    column.dropFront(1234);
    const kept = values.slice(1234);
    expectExact(column, kept);
    for (const v of [5, 82.3, -128, 70000.5, NaN, 0.1 + 0.2, 7]) {
      column.push(v);
      kept.push(v);
      expectExact(column, kept);
    }
    column.dropFront(kept.length - 2);
    expectExact(column, kept.slice(kept.length - 2));
    column.dropFront(2);
    expectExact(column, []);
    column.push(4);
    expectExact(column, [4]);
  });

  it('valuesAt(rows): the given rows equal get(row)', () => {
    const random = mulberry32(7);
    const sets: Array<[string, number[]]> = [
      ['int8', [1, NaN, -127, 5, 6, 7, NaN, 9]],
      ['scaled', [82.3, NaN, 414.701, -17.73, 0, 1, 2, NaN]],
      ['float', [0.1 + 0.2, NaN, -0, 1e300, -Infinity, 7, 8, 9]],
    ];
    for (const [, values] of sets) {
      const big: number[] = [];
      for (let i = 0; i < 3000; i++) {
        big.push(values[i % values.length]);
      }
      const column = columnOf(big);
      for (const rows of [
        [] as number[],
        [0],
        [big.length - 1],
        [1, 5, 6, 2999],
        Array.from({ length: 500 }, () => Math.floor(random() * big.length)),
        Array.from({ length: big.length }, (_, i) => i), // every row
        Array.from({ length: big.length - 1 }, (_, i) => i + 1), // all but the first
      ]) {
        for (const input of [rows, Uint32Array.from(rows)]) {
          const out = column.valuesAt(input);
          expect(out.length).toBeGreaterThanOrEqual(big.length);
          const mismatches: string[] = [];
          for (const row of rows) {
            if (!Object.is(out[row], column.get(row)) || !Object.is(out[row], big[row])) {
              mismatches.push(`row ${row}: got ${show(out[row])}, expected ${show(big[row])}`);
            }
          }
          expect(mismatches).toEqual([]);
        }
      }
    }
  });

  it('valuesAt after dropFront reads the rows as they are now', () => {
    const values = [1, 2, 3, NaN, 4.5, 6, 7, 8];
    const column = columnOf(values);
    column.dropFront(3);
    const out = column.valuesAt([0, 1, 4]);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(4.5);
    expect(out[4]).toBe(8);
  });
});

describe('NumberColumn({ float: true })', () => {
  it('stores float64 from the start and keeps every value exactly, -0 included', () => {
    const values = [-0, 0, 0.1 + 0.2, NaN, 1, 82.3, 1e300, -Infinity, Infinity, 1.7e15, Number.MIN_VALUE, -0];
    const column = columnOf([], { float: true });
    expect(storage(column)).toBe('Float64Array');
    for (const v of values) {
      column.push(v);
    }
    expect(storage(column)).toBe('Float64Array');
    expect(column.raw().factor).toBe(1);
    expect(column.raw().missing).toBeNaN();
    expectExact(column, values);
    expect(Object.is(column.get(0), -0)).toBe(true);
    expect(Object.is(column.get(1), 0)).toBe(true);
  });

  it('small integers stay float64 (8 bytes a row) and survive growth, trim, dropFront, pushMissing', () => {
    const values: number[] = [];
    const column = new NumberColumn({ float: true });
    for (let i = 0; i < 3000; i++) {
      const v = i % 3 === 0 ? -0 : i % 5 === 0 ? NaN : i;
      values.push(v);
      column.push(v);
    }
    column.pushMissing(2);
    values.push(NaN, NaN);
    expectExact(column, values);
    column.trim();
    expect(column.byteLength).toBe(8 * 3002);
    expectExact(column, values);
    column.dropFront(1000);
    expectExact(column, values.slice(1000));
    const out = column.valuesAt([0, 3, 2001]);
    expect(Object.is(out[0], values[1000])).toBe(true);
    expect(Object.is(out[3], values[1003])).toBe(true);
    expect(out[2001]).toBeNaN();
  });
});
