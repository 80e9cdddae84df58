import { STANDARD_METRICS } from '../model/query';
import { AnalysisContext, numericColumn } from './context';
import { QueryError } from './errors';
import { Frame, FrameField } from './frames';
import { select } from './select';
import { pairwiseComplete, pearsonMatrix, spearman } from './stats';

/** correlation: a square matrix over numeric fields, each coefficient over the rows where both are present. */
export function correlation(ctx: AnalysisContext): Frame[] {
  const { store, query } = ctx;
  const metrics = query.metrics && query.metrics.length > 0 ? query.metrics : [...STANDARD_METRICS];
  const method = query.correlation ?? 'pearson';
  if (method !== 'pearson' && method !== 'spearman') {
    throw new QueryError(`unknown correlation method "${method}"; use pearson or spearman`);
  }
  const { rows } = select(store, ctx.range, query.filters);
  const columns = metrics.map((m) => numericColumn(store, m));
  const n = metrics.length;
  const matrix = metrics.map(() => new Float64Array(n));
  const pairs = metrics.map(() => new Array<number>(n).fill(0));
  if (method === 'pearson') {
    // All pairs in two passes over the rows, no copies.
    const all = pearsonMatrix(
      columns.map((c) => c.raw()),
      rows
    );
    all.r.forEach((row, i) => matrix[i].set(row));
    all.pairs.forEach((row, i) => row.forEach((count, j) => (pairs[i][j] = count)));
  }
  const decoded = method === 'spearman' ? columns.map((c) => c.valuesAt(rows)) : [];
  for (let i = 0; i < n && method !== 'pearson'; i++) {
    for (let j = i; j < n; j++) {
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
