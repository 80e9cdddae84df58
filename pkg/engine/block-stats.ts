import type { NumericData } from '../store/columns';
import { Store } from '../store/store';
import { numericColumn } from './context';
import { pairMoments } from './pair-moments';

/**
 * Per-block pre-aggregation: for each complete block of the store's time index (Store.TIME_BLOCK rows, which
 * never change once full — the store is append-only), the request statistics of each model and the pair
 * moments of the four standard metrics. A query over
 * whole blocks adds these up instead of reading the blocks' rows again; only exactly combinable numbers are
 * kept (counts, sums, maxima), so the answers are those of a pass over the rows (sums may differ in the last
 * bits, as any summation order does). Percentiles still need the values and are not pre-aggregated.
 * Computed lazily on first use and kept with the store; retention (rows dropped from the front) starts over.
 */

/** Fields per model in a block's record. */
export const BLOCK_FIELDS = 11;
/** Field offsets: requests, latency count, latency sum, latency max, errors, then sum and count of batch, gpu, memory. */
export const F_REQUESTS = 0;
export const F_LATENCY_N = 1;
export const F_LATENCY_SUM = 2;
export const F_LATENCY_MAX = 3;
export const F_ERRORS = 4;
export const F_BATCH_SUM = 5;
export const F_BATCH_N = 6;
export const F_GPU_SUM = 7;
export const F_GPU_N = 8;
export const F_MEMORY_SUM = 9;
export const F_MEMORY_N = 10;

/** The four standard metrics, in the order of the pair moments kept per block. */
export const PAIR_METRICS = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'];

interface BlockCache {
  /** store.expired when computed: rows dropped since shift every block. */
  expired: number;
  /** Per block, computed on first use (undefined until then). */
  blocks: Array<Float64Array | undefined>;
}

const modelCache = new WeakMap<Store, BlockCache>();
const pairCache = new WeakMap<Store, BlockCache>();

/**
 * The cached records of the complete blocks among `wanted`, computing the missing ones with `compute`; blocks
 * not wanted or not complete are undefined.
 */
function cachedBlocks(
  cache: WeakMap<Store, BlockCache>,
  store: Store,
  wanted: number[],
  compute: (missing: number[]) => Float64Array[]
): Array<Float64Array | undefined> {
  let entry = cache.get(store);
  if (!entry || entry.expired !== store.expired) {
    entry = { expired: store.expired, blocks: [] };
    cache.set(store, entry);
  }
  const complete = Math.floor(store.length / Store.TIME_BLOCK);
  const blocks = entry.blocks;
  const missing = wanted.filter((b) => b < complete && blocks[b] === undefined);
  if (missing.length > 0) {
    compute(missing).forEach((record, i) => (blocks[missing[i]] = record));
  }
  return blocks;
}

/**
 * The per-model statistics of the complete blocks among `wanted` (blocks[b][code * BLOCK_FIELDS + field], for
 * the model codes known when block b was computed; codes beyond had no rows there).
 */
export function modelBlockStats(store: Store, wanted: number[]): Array<Float64Array | undefined> {
  const model = store.stringColumn('model');
  if (!model || model.kind !== 'string') {
    return [];
  }
  return cachedBlocks(modelCache, store, wanted, (missing) => {
    const size = Store.TIME_BLOCK;
    const codes = model.codeArray();
    const [latency, batch, gpu, memory] = PAIR_METRICS.map((f) => numericColumn(store, f).raw());
    const errors = store.errors.values();
    return missing.map((b) => {
      const acc = new Float64Array(model.dictionary.length * BLOCK_FIELDS);
      for (let code = 0; code < model.dictionary.length; code++) {
        acc[code * BLOCK_FIELDS + F_LATENCY_MAX] = -Infinity;
      }
      blockKernel(b * size, (b + 1) * size, codes, latency, batch, gpu, memory, errors, acc);
      return acc;
    });
  });
}

/** One block's rows [start, end) into acc[code * BLOCK_FIELDS + field]. */
function blockKernel(
  start: number,
  end: number,
  codes: ArrayLike<number>,
  latencyColumn: NumericData,
  batchColumn: NumericData,
  gpuColumn: NumericData,
  memoryColumn: NumericData,
  errors: Uint8Array,
  acc: Float64Array
): void {
  const { data: lat, factor: latF, missing: latM } = latencyColumn;
  const { data: bat, factor: batF, missing: batM } = batchColumn;
  const { data: gp, factor: gpF, missing: gpM } = gpuColumn;
  const { data: mem, factor: memF, missing: memM } = memoryColumn;
  for (let row = start; row < end; row++) {
    const a = codes[row] * BLOCK_FIELDS;
    acc[a + F_REQUESTS]++;
    acc[a + F_ERRORS] += errors[row];
    const l = lat[row];
    const v = l === latM ? NaN : l / latF;
    if (v === v) {
      acc[a + F_LATENCY_N]++;
      acc[a + F_LATENCY_SUM] += v;
      if (v > acc[a + F_LATENCY_MAX]) {
        acc[a + F_LATENCY_MAX] = v;
      }
    }
    const bb = bat[row];
    const b = bb === batM ? NaN : bb / batF;
    if (b === b) {
      acc[a + F_BATCH_SUM] += b;
      acc[a + F_BATCH_N]++;
    }
    const gg = gp[row];
    const g = gg === gpM ? NaN : gg / gpF;
    if (g === g) {
      acc[a + F_GPU_SUM] += g;
      acc[a + F_GPU_N]++;
    }
    const mm = mem[row];
    const m = mm === memM ? NaN : mm / memF;
    if (m === m) {
      acc[a + F_MEMORY_SUM] += m;
      acc[a + F_MEMORY_N]++;
    }
  }
}

/** The pair moments (pair-moments.ts) of the four standard metrics in the complete blocks among `wanted`. */
export function pairBlockMoments(store: Store, wanted: number[]): Array<Float64Array | undefined> {
  return cachedBlocks(pairCache, store, wanted, (missing) => {
    const size = Store.TIME_BLOCK;
    const columns = PAIR_METRICS.map((f) => numericColumn(store, f).raw());
    const rows = new Uint32Array(size);
    return missing.map((b) => {
      for (let i = 0; i < size; i++) {
        rows[i] = b * size + i;
      }
      return pairMoments(columns, rows);
    });
  });
}
