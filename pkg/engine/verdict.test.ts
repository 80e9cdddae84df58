import { formatMs, formatP, verdict, VerdictInput } from './verdict';

const base: VerdictInput = {
  p50: { diff: 12.04, low: 8.6, high: 15.2 },
  p99: { diff: 180.4, low: 120.2, high: 239.6 },
  latencyP: 2e-12,
  errorRate: 0.012,
  baselineErrorRate: 0.011,
  errorP: 0.4213,
};

describe('verdict', () => {
  it('says which quantiles differ, by how much, and what the tests found', () => {
    expect(verdict(base)).toBe(
      'p50 is 12 ms higher, 95% CI 8.6–15.2 ms; p99 is 180 ms higher, 95% CI 120–240 ms; ' +
        'latency distributions differ (p < 0.001); error rate not significantly different (p = 0.42)'
    );
  });

  it('words lower latencies, intervals around zero and significant error rates', () => {
    expect(
      verdict({
        ...base,
        p50: { diff: -3.5, low: -6.25, high: 1.5 },
        p99: { diff: -40, low: -75, high: -12.5 },
        latencyP: 0.0312,
        errorRate: 0.05,
        baselineErrorRate: 0.0125,
        errorP: 0.0004,
      })
    ).toBe(
      'p50 not significantly different (−3.5 ms, 95% CI −6.25 to 1.5 ms); p99 is 40 ms lower, 95% CI −75 to −12.5 ms; ' +
        'latency distributions differ (p = 0.031); error rate higher, 5% vs 1.25% (p < 0.001)'
    );
    expect(verdict({ ...base, latencyP: 0.5, errorRate: 0.001, baselineErrorRate: 0.02, errorP: 0.01 })).toMatch(
      /latency distributions not significantly different \(p = 0.5\); error rate lower, 0.1% vs 2% \(p = 0.01\)$/
    );
  });

  it('says when there is nothing to test', () => {
    const nothing = { diff: NaN, low: NaN, high: NaN };
    expect(
      verdict({ p50: nothing, p99: nothing, latencyP: NaN, errorRate: 0, baselineErrorRate: 0, errorP: NaN })
    ).toBe('p50 not comparable; p99 not comparable; latency distributions not comparable; no errors in either');
    expect(verdict({ ...base, errorRate: 1, baselineErrorRate: 1, errorP: NaN })).toMatch(
      /error rates not comparable$/
    );
  });

  it('formats milliseconds and p-values', () => {
    expect([0.5321, 12.44, 99.94, 180.4, 1234.5, -0.25, 0].map(formatMs)).toEqual([
      '0.532',
      '12.4',
      '99.9',
      '180',
      '1235',
      '−0.25',
      '0',
    ]);
    expect([0.00099, 0.001, 0.0423, 0.42, 1].map(formatP)).toEqual([
      'p < 0.001',
      'p = 0.001',
      'p = 0.042',
      'p = 0.42',
      'p = 1',
    ]);
  });
});
