import { averageRanks, pairwiseComplete, pearson, spearman } from './correlate';

const f = (...v: number[]): Float64Array => Float64Array.from(v);

describe('correlation', () => {
  it('is 1 and -1 for exact linear relations', () => {
    expect(pearson(f(1, 2, 3), f(2, 4, 6))).toBeCloseTo(1, 12);
    expect(pearson(f(1, 2, 3), f(3, 2, 1))).toBeCloseTo(-1, 12);
  });

  it('computes Pearson by hand: x=[1,2,3,4], y=[1,3,2,4] gives 0.8', () => {
    // deviations x: -1.5,-0.5,0.5,1.5; y: -1.5,0.5,-0.5,1.5
    // sxy = 2.25 - 0.25 - 0.25 + 2.25 = 4; sxx = syy = 5 -> 4/5
    expect(pearson(f(1, 2, 3, 4), f(1, 3, 2, 4))).toBeCloseTo(0.8, 12);
  });

  it('is NaN for a constant series or fewer than two pairs', () => {
    expect(pearson(f(1, 2, 3), f(5, 5, 5))).toBeNaN();
    expect(pearson(f(1), f(2))).toBeNaN();
    expect(spearman(f(), f())).toBeNaN();
  });

  it('ranks ties by their average rank', () => {
    expect(Array.from(averageRanks(f(10, 20, 20, 30)))).toEqual([1, 2.5, 2.5, 4]);
    expect(Array.from(averageRanks(f(3, 1, 2)))).toEqual([3, 1, 2]);
    expect(Array.from(averageRanks(f(5, 5, 5)))).toEqual([2, 2, 2]);
  });

  it('computes Spearman as Pearson of the ranks', () => {
    // monotone but not linear
    expect(spearman(f(1, 2, 3, 4), f(1, 8, 27, 64))).toBeCloseTo(1, 12);
    // ranks x: [1,2.5,2.5,4], y: [1,2,3,4]; dx: -1.5,0,0,1.5; dy: -1.5,-0.5,0.5,1.5
    // sxy = 2.25 + 2.25 = 4.5; sxx = 4.5; syy = 5 -> 4.5/sqrt(22.5) = sqrt(0.9)
    expect(spearman(f(1, 2, 2, 3), f(1, 2, 3, 4))).toBeCloseTo(Math.sqrt(0.9), 12);
  });

  it('keeps only the rows where both columns have values', () => {
    const a = f(1, NaN, 3, 4, 5);
    const b = f(10, 20, NaN, 40, 50);
    const { x, y } = pairwiseComplete(a, b, Uint32Array.from([0, 1, 2, 3]));
    expect(Array.from(x)).toEqual([1, 4]);
    expect(Array.from(y)).toEqual([10, 40]);
  });
});
