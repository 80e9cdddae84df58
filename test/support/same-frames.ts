/** Frame comparison for the ClickHouse parity tests (ClickHouseSource against the store, single against sharded). */
import { Frame } from '../../pkg/engine/frames';

/** Fields the engine computes exactly (counts, order statistics): equal to the last bit. */
export const EXACT =
  /^(requests|requests_\w+|p\d+_latency_ms\w*|max_latency_ms|count|rate|(p\d+|min|max) \w+|latency_ms|batch_size|gpu_util|memory_used_gb|tokens)$/;

/** The largest relative difference seen per query type, for the report. */
export const maxDiff: Record<string, number> = {};

/** Same frames: names, meta, field names, types, labels, units, strings and times equal, numbers to 1e-9. */
export function expectSameFrames(kind: string, actual: Frame[], expected: Frame[], skip: string[] = []): void {
  expect(actual.map((f) => f.name)).toEqual(expected.map((f) => f.name));
  actual.forEach((frame, i) => {
    const want = expected[i];
    expect(frame.meta).toEqual(want.meta);
    expect(frame.fields.map((f) => [f.name, f.type, f.labels, 'unit' in f ? f.unit : undefined])).toEqual(
      want.fields.map((f) => [f.name, f.type, f.labels, 'unit' in f ? f.unit : undefined])
    );
    frame.fields.forEach((field, j) => {
      if (skip.includes(field.name)) {
        return;
      }
      const got = Array.from(field.values as ArrayLike<unknown>);
      const exp = Array.from(want.fields[j].values as ArrayLike<unknown>);
      expect(got.length).toBe(exp.length);
      if (field.type !== 'number') {
        expect([field.name, got]).toEqual([field.name, exp]);
        return;
      }
      got.forEach((v, k) => {
        const a = v as number;
        const b = exp[k] as number;
        if (Number.isNaN(b) || !Number.isFinite(b)) {
          expect([field.name, k, a]).toEqual([field.name, k, b]);
          return;
        }
        const diff = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
        const exact = kind !== 'correlation' && EXACT.test(field.name);
        const key = `${kind} ${exact ? 'exact' : 'rounded'}`;
        maxDiff[key] = Math.max(maxDiff[key] ?? 0, diff);
        if (!(diff <= (exact ? 0 : 1e-9))) {
          throw new Error(`${kind} ${frame.name} ${field.name}[${k}]: ${a} vs ${b} (rel ${diff})`);
        }
      });
    });
  });
}
