import { gatherNumeric, max, mean, min, stddev, sum } from './reductions';
import { NumberColumn } from '../store/columns';

const f = (...v: number[]): Float64Array => Float64Array.from(v);

describe('moments', () => {
  it('computes the sample standard deviation (ddof=1)', () => {
    // mean 5, squared deviations 9,1,1,1,0,0,4,16 = 32; 32/7 -> sqrt = 2.13808993...
    expect(stddev(f(2, 4, 4, 4, 5, 5, 7, 9))).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(stddev(f(2, 4, 4, 4, 5, 5, 7, 9))).toBeCloseTo(2.138089935, 8);
  });

  it('gives NaN std with fewer than two values, 0 for equal values', () => {
    expect(stddev(f(3))).toBeNaN();
    expect(stddev(f())).toBeNaN();
    expect(stddev(f(3, 3))).toBe(0);
  });

  it('sums, averages and finds extremes; NaN for no values', () => {
    expect(sum(f(1, 2, 3.5))).toBe(6.5);
    expect(mean(f(1, 2, 3, 4))).toBe(2.5);
    expect(mean(f())).toBeNaN();
    expect(min(f(3, -2, 5))).toBe(-2);
    expect(max(f(3, -2, 5))).toBe(5);
    expect(min(f())).toBeNaN();
    expect(max(f())).toBeNaN();
  });

  it('gathers the non-missing values of the given rows, from scaled integers or float64', () => {
    for (const float of [false, true]) {
      const column = new NumberColumn({ float });
      [1.5, NaN, 3, 4.25].forEach((v) => column.push(v));
      expect(Array.from(gatherNumeric(column.raw(), Uint32Array.from([0, 1, 3])))).toEqual([1.5, 4.25]);
      expect(gatherNumeric(column.raw(), Uint32Array.from([1])).length).toBe(0);
    }
  });
});
