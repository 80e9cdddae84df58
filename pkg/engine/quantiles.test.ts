import {
  median,
  quantile,
  quantileSorted,
  quantileInPlace,
  quantilesInPlace,
  quantilesOfScaled,
  sortNumbers,
} from './quantiles';

const f = (...v: number[]): Float64Array => Float64Array.from(v);

describe('quantile (numpy linear interpolation)', () => {
  it('interpolates between order statistics: [1,2,3,4] at 0.9 is 3.7', () => {
    // h = (4-1)*0.9 = 2.7 -> x[2] + 0.7*(x[3]-x[2]) = 3 + 0.7 = 3.7
    expect(quantile(f(1, 2, 3, 4), 0.9)).toBeCloseTo(3.7, 12);
  });

  it('gives the median of an even count as the mean of the middle two', () => {
    // h = 1.5 -> 2 + 0.5*(3-2) = 2.5
    expect(quantile(f(1, 2, 3, 4), 0.5)).toBe(2.5);
    expect(median(f(4, 1, 3, 2))).toBe(2.5);
  });

  it('handles the quartiles and the ends', () => {
    // q=0.25: h = 0.75 -> 1 + 0.75 = 1.75; q=0.75: h = 2.25 -> 3.25
    expect(quantile(f(1, 2, 3, 4), 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile(f(1, 2, 3, 4), 0.75)).toBeCloseTo(3.25, 12);
    expect(quantile(f(1, 2, 3, 4), 0)).toBe(1);
    expect(quantile(f(1, 2, 3, 4), 1)).toBe(4);
  });

  it('sorts numerically, not as text, and handles negatives', () => {
    // sorted numerically: [2, 10, 33]; as text it would be [10, 2, 33]
    expect(quantile(f(10, 2, 33), 0.5)).toBe(10);
    // sorted: [-5, -1, 3]
    expect(median(f(3, -5, -1))).toBe(-1);
    expect(Array.from(sortNumbers(f(10, 9, 100, -1)))).toEqual([-1, 9, 10, 100]);
  });

  it('does not reorder its input', () => {
    const values = f(4, 1, 3, 2);
    quantile(values, 0.9);
    expect(Array.from(values)).toEqual([4, 1, 3, 2]);
  });

  it('returns the single value for one value and NaN for none', () => {
    expect(quantile(f(7), 0.99)).toBe(7);
    expect(quantileSorted(f(), 0.5)).toBeNaN();
  });

  it('p99 of [10,20,30,40] is 39.7 and p95 is 38.5', () => {
    // h = 3*0.99 = 2.97 -> 30 + 0.97*10 = 39.7; h = 2.85 -> 38.5
    expect(quantileSorted(f(10, 20, 30, 40), 0.99)).toBeCloseTo(39.7, 10);
    expect(quantileSorted(f(10, 20, 30, 40), 0.95)).toBeCloseTo(38.5, 10);
  });
});

describe('quantilesInPlace on many values (radix histogram, then selection)', () => {
  it('gives the quantiles of a full sort, with negatives, zeros, duplicates and a wide range', () => {
    let seed = 11;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const n of [65536, 100003, 250000]) {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = rand();
        values[i] =
          r < 0.05 ? 0 : r < 0.08 ? -0 : r < 0.2 ? -Math.exp(rand() * 10) : r < 0.3 ? 42.5 : Math.exp(rand() * 20 - 5);
      }
      const qs = [0, 0.001, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];
      const sorted = Float64Array.from(values).sort();
      const expected = qs.map((q) => quantileSorted(sorted, q));
      const got = quantilesInPlace(Float64Array.from(values), qs);
      // === : 0 and -0 are the same quantile (a sort may put either first)
      got.forEach((v, i) => expect([i, v === expected[i]]).toEqual([i, true]));
    }
  });
});

describe('quantileInPlace of high quantiles (the few largest values, no selection)', () => {
  it('equals the quantile of a sorted copy, with ties, negatives and -Infinity-free data', () => {
    let seed = 5;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rand() * 400);
      const values = Float64Array.from({ length: n }, () =>
        rand() < 0.3 ? Math.floor(rand() * 5) : (rand() - 0.3) * 1000
      );
      const sorted = Float64Array.from(values).sort();
      for (const q of [0.9, 0.95, 0.99, 0.999, 1]) {
        expect([n, q, quantileInPlace(Float64Array.from(values), q)]).toEqual([n, q, quantileSorted(sorted, q)]);
      }
    }
  });
});

describe('quantilesOfScaled (scaled integers ranked as integers)', () => {
  it('gives the quantiles of the decoded values, small and large, with negatives and a wide range', () => {
    let seed = 3;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const n of [1, 2, 10, 1000, 65536, 150001]) {
      for (const factor of [1, 1000]) {
        const ints = Int32Array.from({ length: n }, () =>
          rand() < 0.01 ? -Math.floor(rand() * 1e6) : Math.floor(Math.exp(rand() * 18))
        );
        const qs = [0, 0.5, 0.9, 0.95, 0.99, 1];
        const decoded = Float64Array.from(ints, (v) => v / factor).sort();
        const expected = qs.map((q) => quantileSorted(decoded, q));
        expect([n, factor, quantilesOfScaled(Int32Array.from(ints), factor, qs)]).toEqual([n, factor, expected]);
      }
    }
  });
});
