import type { CodeArray, NumericData } from '../store/columns';

/** Accumulators per group in groupedStatsKernel's layout. */
export const SUMS = 11;

/**
 * Fresh accumulators for `groups` groups: zero, but the latency maximum (-Infinity) and minimum (Infinity).
 */
export function newSums(groups: number): Float64Array {
  const acc = new Float64Array(groups * SUMS);
  for (let g = 0; g < groups; g++) {
    acc[g * SUMS + 2] = -Infinity;
    acc[g * SUMS + 10] = Infinity;
  }
  return acc;
}

/**
 * The request sums of a summary over rows[from, to) (rows null: the rows from..to themselves), for every group at
 * once — group g of a row is slot[codes[row]] (-1: no group) — carried in acc[SUMS·g ...]: latency count, sum and
 * maximum, errors, then sum and count of batch size, GPU utilisation and memory, and the latency minimum. Every
 * sum in row order, as mean(gatherNumeric(...)) adds them. Each column is read once for all groups.
 */
export function groupedStatsKernel(
  rows: Uint32Array | null,
  from: number,
  to: number,
  codes: CodeArray,
  slot: Int32Array,
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
  for (let i = from; i < to; i++) {
    const row = rows === null ? i : rows[i];
    const g = slot[codes[row]];
    if (g < 0) {
      continue;
    }
    const a = g * SUMS;
    const l = lat[row];
    const v = l === latM ? NaN : l / latF;
    acc[a + 3] += errors[row];
    if (v === v) {
      acc[a]++;
      acc[a + 1] += v;
      if (v > acc[a + 2]) {
        acc[a + 2] = v;
      }
      if (v < acc[a + 10]) {
        acc[a + 10] = v;
      }
    }
    const bb = bat[row];
    const b = bb === batM ? NaN : bb / batF;
    if (b === b) {
      acc[a + 4] += b;
      acc[a + 5]++;
    }
    const uu = gp[row];
    const u = uu === gpM ? NaN : uu / gpF;
    if (u === u) {
      acc[a + 6] += u;
      acc[a + 7]++;
    }
    const mm = mem[row];
    const m = mm === memM ? NaN : mm / memF;
    if (m === m) {
      acc[a + 8] += m;
      acc[a + 9]++;
    }
  }
}
