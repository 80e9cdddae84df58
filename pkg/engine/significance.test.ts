import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Random } from '../generator/random';
import { normalCdf, normalSf } from './normal';
import { mannWhitneyU, sampleFromCounts, sampleOf, twoProportionZTest } from './significance';

/*
 * Cross-checked against scipy (Debian's python3-scipy, /usr/bin/python3): scipy.stats.mannwhitneyu with
 * method='asymptotic', use_continuity=True, two-sided; the pooled two-proportion z-test with scipy.stats.norm.sf.
 * Equal to 1e-9, relative.
 */
const PYTHON = process.env.PANDAS_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const SCRIPT = `
import json, sys
import numpy as np
from scipy.stats import mannwhitneyu, norm
cases = json.load(sys.stdin)
out = []
for c in cases:
    if c["kind"] == "mwu":
        r = mannwhitneyu(np.array(c["x"], dtype=float), np.array(c["y"], dtype=float),
                         use_continuity=True, alternative="two-sided", method="asymptotic")
        out.append([float(r.statistic), float(r.pvalue)])
    elif c["kind"] == "prop":
        e1, n1, e0, n0 = c["e1"], c["n1"], c["e0"], c["n0"]
        p = (e1 + e0) / (n1 + n0)
        z = (e1 / n1 - e0 / n0) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
        out.append([float(z), float(2 * norm.sf(abs(z)))])
    else:
        out.append([float(v) for v in norm.sf(np.array(c["z"], dtype=float))])
print(json.dumps(out))
`;

type Case =
  | { kind: 'mwu'; x: number[]; y: number[] }
  | { kind: 'prop'; e1: number; n1: number; e0: number; n0: number }
  | { kind: 'sf'; z: number[] };

function scipy(cases: Case[]): number[][] {
  const result = spawnSync(PYTHON, ['-c', SCRIPT], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (result.status !== 0) {
    throw new Error(`python3 with scipy failed: ${result.stderr || result.error}`);
  }
  return JSON.parse(result.stdout) as number[][];
}

function expectClose(actual: number, expected: number, what: string): void {
  const ok =
    actual === expected || Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(actual), Math.abs(expected));
  if (!ok) {
    throw new Error(`${what}: ours ${actual}, scipy ${expected}`);
  }
}

/** Latencies rounded to `decimals` (0 decimals: many ties), lognormal around `median` ms. */
function latencies(rng: Random, n: number, median: number, decimals: number): number[] {
  const scale = 10 ** decimals;
  return Array.from({ length: n }, () => Math.round(rng.lognormal(Math.log(median), 0.5) * scale) / scale);
}

describe('significance against scipy', () => {
  const rng = new Random(7);
  const mwuCases: Array<{ name: string; x: number[]; y: number[] }> = [
    { name: 'small, no ties', x: [1.5, 3.25, 7, 9.5, 12], y: [2, 4, 5.5, 8, 10, 11, 13] },
    { name: 'small, ties', x: [1, 2, 2, 3, 3, 3, 5], y: [2, 3, 4, 4, 5, 5, 5, 6] },
    { name: 'one each', x: [3], y: [4] },
    { name: 'identical', x: [1, 2, 3, 4], y: [1, 2, 3, 4] },
    { name: 'separated', x: [10, 11, 12, 13, 14, 15], y: [1, 2, 3] },
    { name: 'medium, ties', x: latencies(rng, 300, 100, 0), y: latencies(rng, 250, 104, 0) },
    { name: 'medium, same distribution', x: latencies(rng, 400, 50, 1), y: latencies(rng, 500, 50, 1) },
    { name: 'large, heavy ties', x: latencies(rng, 60_000, 80, 0), y: latencies(rng, 40_000, 81, 0) },
    { name: 'large, few ties', x: latencies(rng, 50_000, 80, 3), y: latencies(rng, 70_000, 82, 3) },
    {
      name: 'large, far apart (p in the far tail)',
      x: latencies(rng, 20_000, 80, 1),
      y: latencies(rng, 20_000, 83, 1),
    },
  ];
  const propCases = [
    { e1: 3, n1: 40, e0: 1, n0: 50 },
    { e1: 120, n1: 10_000, e0: 80, n0: 9_000 },
    { e1: 5_000, n1: 1_000_000, e0: 5_400, n0: 1_000_000 },
    { e1: 0, n1: 100, e0: 7, n0: 120 },
    { e1: 900, n1: 1000, e0: 100, n0: 1000 },
  ];
  const zs = [-40, -8.5, -5, -1.2, -0.3, 0, 0.3, 0.7, 1, 1.2, 1.96, 2.5, 5, 8, 8.5, 20, 37.5];
  const cases: Case[] = [
    ...mwuCases.map(({ x, y }) => ({ kind: 'mwu' as const, x, y })),
    ...propCases.map((c) => ({ kind: 'prop' as const, ...c })),
    { kind: 'sf', z: zs },
  ];
  let expected: number[][];
  beforeAll(() => {
    expected = scipy(cases);
  });

  it.each(mwuCases.map((c, i) => [c.name, i] as const))('Mann–Whitney U, %s', (name, i) => {
    const { x, y } = mwuCases[i];
    const ours = mannWhitneyU(sampleOf(Float64Array.from(x)), sampleOf(Float64Array.from(y)));
    expectClose(ours.u, expected[i][0], `${name} U`);
    expectClose(ours.p, expected[i][1], `${name} p`);
  });

  it('Mann–Whitney U from (value, count) pairs equals the one from the values', () => {
    const { x, y } = mwuCases[5];
    const pairs = (values: number[]) => {
      const counts = new Map<number, number>();
      values.forEach((v) => counts.set(v, (counts.get(v) ?? 0) + 1));
      // Split each value's count in two rows, as shards may send it.
      const v: number[] = [];
      const c: number[] = [];
      for (const [value, count] of counts) {
        v.push(value, value);
        c.push(Math.floor(count / 2), count - Math.floor(count / 2));
      }
      return sampleFromCounts(v, c);
    };
    expect(mannWhitneyU(pairs(x), pairs(y))).toEqual(
      mannWhitneyU(sampleOf(Float64Array.from(x)), sampleOf(Float64Array.from(y)))
    );
  });

  it('two-proportion z-test', () => {
    propCases.forEach((c, k) => {
      const ours = twoProportionZTest(c.e1, c.n1, c.e0, c.n0);
      const [z, p] = expected[mwuCases.length + k];
      expectClose(ours.z, z, `z of ${JSON.stringify(c)}`);
      expectClose(ours.p, p, `p of ${JSON.stringify(c)}`);
    });
  });

  it('normal survival function, tails included', () => {
    const sf = expected[expected.length - 1];
    zs.forEach((z, k) => expectClose(normalSf(z), sf[k], `sf(${z})`));
  });
});

describe('significance edge cases', () => {
  it('is undefined for an empty sample or no errors at all', () => {
    const empty = sampleOf(new Float64Array(0));
    expect(mannWhitneyU(empty, sampleOf(Float64Array.of(1, 2)))).toEqual({ u: NaN, p: NaN });
    expect(twoProportionZTest(0, 100, 0, 200)).toEqual({ z: NaN, p: NaN });
    expect(twoProportionZTest(1, 0, 0, 200)).toEqual({ z: NaN, p: NaN });
  });

  it('gives p = 1 when every value is the same', () => {
    const same = sampleOf(Float64Array.of(5, 5, 5));
    expect(mannWhitneyU(same, sampleOf(Float64Array.of(5, 5)))).toEqual({ u: 3, p: 1 });
  });

  it('has a normal distribution function symmetric about 0', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 15);
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
  });
});
