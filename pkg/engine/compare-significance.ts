/**
 * compare's tests of each model against a baseline: p50 and p99 differences with bootstrap intervals
 * (bootstrap.ts), the Mann–Whitney U test of the latencies and the two-proportion z-test of the error rates
 * (significance.ts), and a verdict in words (verdict.ts). Shared by the in-memory engine and ClickHouse, which
 * differ only in how they get each model's latencies.
 */
import { SIGNIFICANCE_MEASURES } from '../model/query';
import { BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, bootstrapQuantileDiff } from './bootstrap';
import { QueryError } from './errors';
import { FrameField } from './frames';
import { mannWhitneyU, SortedSample, twoProportionZTest } from './significance';
import type { RequestStats } from './summary';
import { verdict } from './verdict';

/** The fields this adds to the compare frame, in order (the last ones of COMPARE_MEASURES). */
export const SIGNIFICANCE_FIELDS = SIGNIFICANCE_MEASURES;

/** Whether an answer with these measures shows any of the fields (an alert on p99_latency_ms skips the work). */
export function wantsSignificance(measures: string[] | undefined): boolean {
  return measures === undefined || measures.some((m) => (SIGNIFICANCE_FIELDS as readonly string[]).includes(m));
}

/**
 * The baseline among the compared models: the query's, else the first (models are in compare's order, by name).
 * Undefined when there are no models; an error naming the models when the query's is not one of them.
 */
export function resolveBaseline(models: string[], baseline: string | undefined): string | undefined {
  if (models.length === 0) {
    return undefined;
  }
  if (baseline === undefined) {
    return models[0];
  }
  if (!models.includes(baseline)) {
    throw new QueryError(
      `unknown baseline model "${baseline}" for compare: it has no requests in the range and filters; ` +
        `models compared: ${models.join(', ')}`
    );
  }
  return baseline;
}

/** What the significance fields are computed from: the baseline and each model's non-missing latencies. */
export interface Significance {
  baseline: string;
  /** In the order of the models. */
  samples: SortedSample[];
}

/** The frame's meta.custom for the significance fields: what they were computed against and how. */
export function significanceMeta(baseline: string): Record<string, unknown> {
  return { baseline, bootstrap: { resamples: BOOTSTRAP_RESAMPLES, seed: BOOTSTRAP_SEED, level: 0.95 } };
}

/**
 * The SIGNIFICANCE_FIELDS of each model against the baseline (missing on the baseline's own row, and
 * everywhere when `significance` is absent: the measures asked for none of them).
 */
export function significanceFields(
  models: string[],
  stats: RequestStats[],
  significance: Significance | undefined
): FrameField[] {
  const rows = models.length;
  const columns = SIGNIFICANCE_FIELDS.slice(0, -1).map(() => new Float64Array(rows).fill(NaN));
  const [p50, p50Low, p50High, p99, p99Low, p99High, u, latencyP, z, errorP] = columns;
  const verdicts: Array<string | null> = new Array(rows).fill(null);
  const b = significance ? models.indexOf(significance.baseline) : -1;
  if (significance && b >= 0) {
    const base = significance.samples[b];
    const errorsOf = (s: RequestStats): number => (s.requests ? Math.round(s.errorRate * s.requests) : 0);
    for (let i = 0; i < rows; i++) {
      if (i === b) {
        verdicts[i] = 'baseline';
        continue;
      }
      const sample = significance.samples[i];
      const ci50 = bootstrapQuantileDiff(base, sample, 0.5);
      const ci99 = bootstrapQuantileDiff(base, sample, 0.99);
      const mw = mannWhitneyU(sample, base);
      const zt = twoProportionZTest(errorsOf(stats[i]), stats[i].requests, errorsOf(stats[b]), stats[b].requests);
      p50[i] = stats[i].p50 - stats[b].p50;
      [p50Low[i], p50High[i]] = [ci50.low, ci50.high];
      p99[i] = stats[i].p99 - stats[b].p99;
      [p99Low[i], p99High[i]] = [ci99.low, ci99.high];
      [u[i], latencyP[i]] = [mw.u, mw.p];
      [z[i], errorP[i]] = [zt.z, zt.p];
      verdicts[i] = verdict({
        p50: { diff: p50[i], low: ci50.low, high: ci50.high },
        p99: { diff: p99[i], low: ci99.low, high: ci99.high },
        latencyP: mw.p,
        errorRate: stats[i].errorRate,
        baselineErrorRate: stats[b].errorRate,
        errorP: zt.p,
      });
    }
  }
  const units = ['ms', 'ms', 'ms', 'ms', 'ms', 'ms', undefined, undefined, undefined, undefined];
  return [
    ...columns.map((values, k): FrameField => ({
      name: SIGNIFICANCE_FIELDS[k],
      type: 'number',
      values: Array.from(values),
      unit: units[k],
    })),
    { name: 'verdict', type: 'string', values: verdicts },
  ];
}
