/**
 * compare's verdict: one model against the baseline in plain words, from the numbers of its row, e.g.
 * "p50 is 12 ms higher, 95% CI 9–15 ms; p99 is 180 ms higher, 95% CI 120–240 ms; latency distributions differ
 * (p < 0.001); error rate not significantly different (p = 0.42)".
 */

/** Below this p-value a difference is called significant. */
export const ALPHA = 0.05;

export interface VerdictInput {
  p50: { diff: number; low: number; high: number };
  p99: { diff: number; low: number; high: number };
  latencyP: number;
  errorRate: number;
  baselineErrorRate: number;
  errorP: number;
}

/** Milliseconds with about three significant digits: 0.532, 12.4, 180 (whole from 100 on). */
export function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  const text = abs >= 100 ? String(Math.round(abs)) : String(Number(abs.toPrecision(3)));
  return ms < 0 && text !== '0' ? `−${text}` : text;
}

/** A p-value: "p < 0.001", else two significant digits ("p = 0.042"). */
export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${Number(p.toPrecision(2))}`;
}

const percent = (rate: number): string => `${Number((rate * 100).toPrecision(3))}%`;

function quantileWords(name: string, d: VerdictInput['p50']): string {
  if (!Number.isFinite(d.diff) || !Number.isFinite(d.low) || !Number.isFinite(d.high)) {
    return `${name} not comparable`;
  }
  const ci = d.low >= 0 ? `${formatMs(d.low)}–${formatMs(d.high)} ms` : `${formatMs(d.low)} to ${formatMs(d.high)} ms`;
  // The interval excluding 0 is the bootstrap's "significant".
  if (d.low > 0 || d.high < 0) {
    return `${name} is ${formatMs(Math.abs(d.diff))} ms ${d.diff > 0 ? 'higher' : 'lower'}, 95% CI ${ci}`;
  }
  return `${name} not significantly different (${d.diff > 0 ? '+' : ''}${formatMs(d.diff)} ms, 95% CI ${ci})`;
}

/** The verdict of one model against the baseline. */
export function verdict(v: VerdictInput): string {
  const parts = [quantileWords('p50', v.p50), quantileWords('p99', v.p99)];
  if (Number.isNaN(v.latencyP)) {
    parts.push('latency distributions not comparable');
  } else {
    parts.push(
      v.latencyP < ALPHA
        ? `latency distributions differ (${formatP(v.latencyP)})`
        : `latency distributions not significantly different (${formatP(v.latencyP)})`
    );
  }
  if (Number.isNaN(v.errorP)) {
    parts.push(v.errorRate === 0 && v.baselineErrorRate === 0 ? 'no errors in either' : 'error rates not comparable');
  } else if (v.errorP < ALPHA) {
    const dir = v.errorRate > v.baselineErrorRate ? 'higher' : 'lower';
    parts.push(`error rate ${dir}, ${percent(v.errorRate)} vs ${percent(v.baselineErrorRate)} (${formatP(v.errorP)})`);
  } else {
    parts.push(`error rate not significantly different (${formatP(v.errorP)})`);
  }
  return parts.join('; ');
}
