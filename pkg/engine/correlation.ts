import { STANDARD_METRICS } from '../model/query';
import { Store } from '../store/store';
import { pairBlockMoments, PAIR_METRICS } from './block-stats';
import { AnalysisContext, numericColumn } from './context';
import { combineMoments, pairMoments, pearsonOf } from './pair-moments';
import { QueryError } from './errors';
import { checkpoint } from './interrupt';
import { Frame, FrameField } from './frames';
import { runsOutside, select, Selection } from './select';
import { pairwiseComplete, pearsonMatrix, spearman } from './correlate';

/** correlation: a square matrix over numeric fields, each coefficient over the rows where both are present. */
export function correlation(ctx: AnalysisContext): Frame[] {
  const { store, query } = ctx;
  const metrics = query.metrics && query.metrics.length > 0 ? query.metrics : [...STANDARD_METRICS];
  const method = query.correlation ?? 'pearson';
  if (method !== 'pearson' && method !== 'spearman') {
    throw new QueryError(`unknown correlation method "${method}"; use pearson or spearman`);
  }
  const selection = select(store, ctx.range, query.filters);
  const columns = metrics.map((m) => numericColumn(store, m));
  const n = metrics.length;
  const matrix = metrics.map(() => new Float64Array(n));
  const pairs = metrics.map(() => new Array<number>(n).fill(0));
  if (method === 'pearson') {
    const all =
      pearsonFromBlocks(store, metrics, selection) ??
      pearsonMatrix(
        columns.map((c) => c.raw()),
        selection.rows
      );
    all.r.forEach((row, i) => matrix[i].set(row));
    all.pairs.forEach((row, i) => row.forEach((count, j) => (pairs[i][j] = count)));
  }
  const rows = method === 'spearman' ? selection.rows : new Uint32Array(0);
  const decoded = method === 'spearman' ? columns.map((c) => c.valuesAt(rows)) : [];
  for (let i = 0; i < n && method !== 'pearson'; i++) {
    for (let j = i; j < n; j++) {
      checkpoint();
      const { x, y } = pairwiseComplete(decoded[i], decoded[j], rows);
      const r = spearman(x, y);
      matrix[i][j] = matrix[j][i] = r;
      pairs[i][j] = pairs[j][i] = x.length;
    }
  }
  const fields: FrameField[] = [
    { name: 'metric', type: 'string', values: metrics },
    ...metrics.map((m, j): FrameField => ({ name: m, type: 'number', values: matrix.map((row) => row[j]) })),
  ];
  return [{ name: `${method} correlation`, fields, meta: { custom: { method, pairs } } }];
}

/**
 * Pearson's matrix of standard metrics from the pair moments pre-aggregated per block for the selection's whole
 * blocks, and a pass over its other rows only; null when that does not apply (other metrics, no whole block).
 */
function pearsonFromBlocks(
  store: Store,
  metrics: string[],
  selection: Selection
): { r: number[][]; pairs: number[][] } | null {
  const index = metrics.map((m) => PAIR_METRICS.indexOf(m));
  if (index.some((i) => i < 0)) {
    return null;
  }
  const blocks = pairBlockMoments(store, selection.wholeBlocks ?? []);
  const used = (selection.wholeBlocks ?? []).filter((b) => blocks[b] !== undefined);
  if (used.length === 0) {
    return null;
  }
  const whole = new Uint8Array(Math.ceil(store.length / Store.TIME_BLOCK) + 1);
  used.forEach((b) => (whole[b] = 1));
  const others: number[] = [];
  const { rows, runs } = runsOutside(selection, whole);
  for (let k = 0; k < runs.length; k += 2) {
    for (let i = runs[k]; i < runs[k + 1]; i++) {
      others.push(rows === null ? i : rows[i]);
    }
  }
  const columns = PAIR_METRICS.map((m) => numericColumn(store, m).raw());
  const total = pairMoments(columns, others);
  for (const b of used) {
    combineMoments(total, blocks[b]!);
  }
  // Pair q of the standard metrics (i <= j) for any two of them.
  const m = PAIR_METRICS.length;
  const pairOf = (a: number, b: number): number => {
    const [i, j] = a <= b ? [a, b] : [b, a];
    return i * m - (i * (i - 1)) / 2 + (j - i);
  };
  const r = metrics.map((_, a) => metrics.map((__, b) => pearsonOf(total, pairOf(index[a], index[b])).r));
  const pairs = metrics.map((_, a) => metrics.map((__, b) => pearsonOf(total, pairOf(index[a], index[b])).pairs));
  return { r, pairs };
}
