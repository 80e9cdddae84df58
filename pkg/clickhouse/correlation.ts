/**
 * correlation pushed down, pairwise complete. Pearson: corr() of every pair in one query (NULL pairs skipped;
 * not corrStable, which is more exact on a large mean with a small spread, but which 18.16 cannot send through a
 * Distributed table: Code 62 on its state's type name).
 * Spearman, without window functions: per pair, each column's average ranks over the pair's rows as a table
 * (distinct values, sorted with their counts; rank = cumulative count - (count - 1) / 2), joined back to the
 * rows, and corr() of the ranks.
 */
import { QueryError } from '../engine/errors';
import { Frame, FrameField } from '../engine/frames';
import { STANDARD_METRICS } from '../model/query';
import { metricOf, selection, SqlContext } from './context';
import { num, whereClause } from './sql';

/** Average ranks of `v` over the selected rows: a table (_v, _r). */
function rankTable(table: string, v: string, where: string): string {
  return (
    'SELECT tupleElement(_pair, 1) AS _v, tupleElement(_pair, 2) AS _r FROM (' +
    'SELECT arrayJoin(arrayMap((x, c, s) -> (x, s - (c - 1) / 2), _vs, _cs, arrayCumSum(_cs))) AS _pair FROM (' +
    'SELECT arraySort(groupArray(_value)) AS _vs, arraySort((c, x) -> x, groupArray(_count), groupArray(_value)) AS _cs FROM (' +
    `SELECT assumeNotNull(${v}) AS _value, count() AS _count FROM ${table} ${where} GROUP BY _value)))`
  );
}

export async function correlation(ctx: SqlContext): Promise<Frame[]> {
  const { query } = ctx;
  const metrics = query.metrics && query.metrics.length > 0 ? query.metrics : [...STANDARD_METRICS];
  const method = query.correlation ?? 'pearson';
  if (method !== 'pearson' && method !== 'spearman') {
    throw new QueryError(`unknown correlation method "${method}"; use pearson or spearman`);
  }
  const exprs = metrics.map((m) => metricOf(ctx, m).expr);
  const conditions = selection(ctx);
  const n = metrics.length;
  const matrix = metrics.map(() => new Array<number>(n).fill(NaN));
  const pairs = metrics.map(() => new Array<number>(n).fill(0));
  const list: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      list.push([i, j]);
    }
  }
  const set = (i: number, j: number, r: number, count: number) => {
    matrix[i][j] = matrix[j][i] = count < 2 ? NaN : r;
    pairs[i][j] = pairs[j][i] = count;
  };
  if (method === 'pearson') {
    const columns = list.flatMap(([i, j], q) => [
      `corr(${exprs[i]}, ${exprs[j]}) AS _r${q}`,
      `countIf(isNotNull(${exprs[i]}) AND isNotNull(${exprs[j]})) AS _n${q}`,
    ]);
    const [row] = await ctx.client.query(`SELECT ${columns.join(', ')} FROM ${ctx.table} ${whereClause(conditions)}`);
    list.forEach(([i, j], q) => set(i, j, num(row[`_r${q}`]), num(row[`_n${q}`])));
  } else {
    await Promise.all(
      list.map(async ([i, j]) => {
        const where = whereClause([...conditions, `isNotNull(${exprs[i]})`, `isNotNull(${exprs[j]})`]);
        const sql =
          'SELECT corr(_rx, _ry) AS r, count() AS n FROM (SELECT _rx, _vy FROM (' +
          `SELECT assumeNotNull(${exprs[i]}) AS _vx, assumeNotNull(${exprs[j]}) AS _vy FROM ${ctx.table} ${where}` +
          `) AS _pairs GLOBAL ANY LEFT JOIN (SELECT _v AS _vx, _r AS _rx FROM (${rankTable(ctx.table, exprs[i], where)})) ` +
          `AS _xranks USING _vx` +
          `) AS _xs GLOBAL ANY LEFT JOIN (SELECT _v AS _vy, _r AS _ry FROM (${rankTable(ctx.table, exprs[j], where)})) ` +
          'AS _yranks USING _vy';
        const [row] = await ctx.client.query(sql);
        set(i, j, num(row.r), num(row.n));
      })
    );
  }
  const fields: FrameField[] = [
    { name: 'metric', type: 'string', values: metrics },
    ...metrics.map((m, j): FrameField => ({ name: m, type: 'number', values: matrix.map((row) => row[j]) })),
  ];
  return [{ name: `${method} correlation`, fields, meta: { custom: { method, pairs } } }];
}
