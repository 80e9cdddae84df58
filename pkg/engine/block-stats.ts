import { Store } from '../store/store';
import { numericColumn } from './context';
import { pairMoments } from './pair-moments';
import { groupedStatsKernel, newSums } from './request-sums';

/**
 * Per-block pre-aggregation: for each complete block of the store's time index (Store.TIME_BLOCK rows, which
 * never change once full — the store is append-only), the request statistics of each model and the pair
 * moments of the four standard metrics. A query over
 * whole blocks adds these up instead of reading the blocks' rows again; only exactly combinable numbers are
 * kept (counts, sums, maxima), so the answers are those of a pass over the rows (sums may differ in the last
 * bits, as any summation order does). Percentiles still need the values and are not pre-aggregated.
 * Computed lazily on first use and kept with the store; retention (rows dropped from the front) starts over.
 */

/** A block's request statistics per model code: requests, and the sums groupedStatsKernel keeps (SUMS per code). */
export interface ModelBlock {
  requests: Float64Array;
  sums: Float64Array;
}

/** The four standard metrics, in the order of the pair moments kept per block. */
export const PAIR_METRICS = ['latency_ms', 'batch_size', 'gpu_util', 'memory_used_gb'];

interface BlockCache<T> {
  /** store.expired when computed: rows dropped since shift every block. */
  expired: number;
  /** Per block, computed on first use (undefined until then). */
  blocks: Array<T | undefined>;
}

const modelCache = new WeakMap<Store, BlockCache<ModelBlock>>();
const pairCache = new WeakMap<Store, BlockCache<Float64Array>>();

/**
 * The cached records of the complete blocks among `wanted`, computing the missing ones with `compute`; blocks
 * not wanted or not complete are undefined.
 */
function cachedBlocks<T>(
  cache: WeakMap<Store, BlockCache<T>>,
  store: Store,
  wanted: number[],
  compute: (missing: number[]) => T[]
): Array<T | undefined> {
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

/** The per-model statistics of the complete blocks among `wanted` (codes beyond a block's arrays had no rows there). */
export function modelBlockStats(store: Store, wanted: number[]): Array<ModelBlock | undefined> {
  const model = store.stringColumn('model');
  if (!model || model.kind !== 'string') {
    return [];
  }
  return cachedBlocks(modelCache, store, wanted, (missing) => {
    const size = Store.TIME_BLOCK;
    const codes = model.codeArray();
    const [latency, batch, gpu, memory] = PAIR_METRICS.map((f) => numericColumn(store, f).raw());
    const errors = store.errors.values();
    const byCode = Int32Array.from({ length: model.dictionary.length }, (_, code) => code);
    return missing.map((b) => {
      const requests = new Float64Array(model.dictionary.length);
      const sums = newSums(model.dictionary.length);
      for (let row = b * size; row < (b + 1) * size; row++) {
        requests[codes[row]]++;
      }
      groupedStatsKernel(null, b * size, (b + 1) * size, codes, byCode, latency, batch, gpu, memory, errors, sums);
      return { requests, sums };
    });
  });
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
