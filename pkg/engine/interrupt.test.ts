import { Worker } from 'worker_threads';
import { correlation } from './correlation';
import {
  CANCELLED,
  checkpoint,
  interrupt,
  interruptible,
  newInterruptFlag,
  QueryInterrupted,
  resetInterrupt,
  TIMED_OUT,
} from './interrupt';
import { averageRanks, spearman } from './correlate';
import { storeOf } from '../../test/support/test-store';

/** Sets `flag` to `reason` from another thread after `ms`, as the door does while this thread computes. */
function setFromAnotherThread(flag: Int32Array, reason: number, ms: number): Worker {
  return new Worker(
    `const { workerData } = require('worker_threads');
     setTimeout(() => Atomics.store(workerData.flag, 0, workerData.reason), workerData.ms);`,
    { eval: true, workerData: { flag, reason, ms } }
  );
}

/** The ranks as the earlier implementation computed them (sort the order, average each run of ties). */
function referenceRanks(values: Float64Array): Float64Array {
  const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) {
      j++;
    }
    for (let k = i; k <= j; k++) {
      ranks[order[k]] = (i + j) / 2 + 1;
    }
    i = j + 1;
  }
  return ranks;
}

describe('interruption', () => {
  it('is a no-op without a flag, and outside interruptible()', async () => {
    expect(() => checkpoint()).not.toThrow();
    const flag = newInterruptFlag();
    interrupt(flag, TIMED_OUT);
    expect(() => checkpoint()).not.toThrow(); // not installed
    await expect(interruptible(flag, 250, async () => checkpoint())).rejects.toThrow(
      'the query took longer than 250 ms; narrow the time range or group by fewer fields'
    );
    expect(() => checkpoint()).not.toThrow(); // uninstalled again
    interrupt(flag, CANCELLED);
    await expect(interruptible(flag, 250, async () => checkpoint())).rejects.toMatchObject({ reason: 'cancelled' });
    resetInterrupt(flag);
    await expect(interruptible(flag, 250, async () => (checkpoint(), 'done'))).resolves.toBe('done');
  });

  it('stops a long Spearman ranking soon after another thread sets the flag', async () => {
    const n = 2_000_000;
    const x = new Float64Array(n).map((_, i) => (i * 7919) % 1000);
    const y = new Float64Array(n).map((_, i) => (i * 104_729) % 977);
    const flag = newInterruptFlag();
    const setter = setFromAnotherThread(flag, TIMED_OUT, 30);
    const started = Date.now();
    let caught: unknown;
    await interruptible(flag, 30, async () => {
      try {
        // Far more work than 30 ms: rankings of 2M values, again and again.
        for (let i = 0; i < 1000; i++) {
          spearman(x, y);
        }
      } catch (error) {
        caught = error;
      }
    });
    const took = Date.now() - started;
    await setter.terminate();
    expect(caught).toBeInstanceOf(QueryInterrupted);
    expect((caught as QueryInterrupted).reason).toBe('timeout');
    expect(took).toBeLessThan(2000);
  });

  it('stops a correlation query between its pairs and inside them', async () => {
    const store = storeOf(
      Array.from({ length: 5000 }, (_, i) => ({
        timestamp: `2026-11-27T10:00:${String(i % 60).padStart(2, '0')}`,
        model: 'a',
        latency_ms: i % 97,
        batch_size: i % 13,
      }))
    );
    const flag = newInterruptFlag();
    interrupt(flag, CANCELLED);
    const run = () =>
      correlation({
        store,
        query: { queryType: 'correlation', correlation: 'spearman', metrics: ['latency_ms', 'batch_size'] },
        range: {},
      });
    await expect(interruptible(flag, undefined, async () => run())).rejects.toThrow(/cancelled/);
    resetInterrupt(flag);
    const frames = await interruptible(flag, undefined, async () => run());
    expect(frames[0].fields[1].values[1]).toBeCloseTo(spearman(...pairOf(store)), 12);
  });

  it('ranks exactly as before: ties averaged, -0 and 0 one tie', () => {
    const cases = [
      new Float64Array([3, 1, 2, 2, 5, 1, 1]),
      new Float64Array([0, -0, 0, -1, Infinity, -Infinity, 2]),
      Float64Array.from({ length: 1000 }, (_, i) => (i * 37) % 11),
      new Float64Array([]),
      new Float64Array([42]),
    ];
    for (const values of cases) {
      expect(Array.from(averageRanks(values))).toEqual(Array.from(referenceRanks(values)));
    }
  });
});

function pairOf(store: ReturnType<typeof storeOf>): [Float64Array, Float64Array] {
  const latency = store.numberColumn('latency_ms')!.values();
  const batch = store.numberColumn('batch_size')!.values();
  return [Float64Array.from(latency), Float64Array.from(batch)];
}
