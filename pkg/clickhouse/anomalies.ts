/**
 * anomalies pushed down: each group's centre and scale (mean and std, median and MAD, or Q1 and Q3) in a GROUP BY,
 * joined back to the group's rows (GLOBAL, so a Distributed table computes them once), the rows beyond the
 * threshold found, counted and the most extreme listed. Scores are recomputed in JS from the same doubles.
 */
import { QueryError } from '../engine/errors';
import { Frame, FrameField } from '../engine/frames';
import { AnomalyMethod, DEFAULT_THRESHOLDS } from '../model/query';
import { finishOnShards, groupKeys, metricOf, selection, SqlContext } from './context';
import { num, numberLiteral, quantileSql, whereClause } from './sql';

/**
 * Per group: _p and _q, the two numbers a score needs, from the metric's (not NULL) values `x`; `with`: aggregates
 * they use, named in a WITH clause so that the sorted values are not selected (only _p and _q leave a shard).
 */
function parameters(method: AnomalyMethod, x: string): { with: string; select: string } {
  const sorted = `WITH arraySort(groupArray(${x})) AS _s, count(${x}) AS _n `;
  switch (method) {
    case 'zscore':
      return { with: '', select: `avg(${x}) AS _p, if(count(${x}) < 2, nan, stddevSamp(${x})) AS _q` };
    case 'mad': {
      // The median, then the median of the absolute deviations from it.
      const median = quantileSql('_s', '_n', 0.5);
      const deviations = `arraySort(arrayMap((v, m) -> abs(v - m), _s, arrayResize([${median}], _n, ${median})))`;
      return { with: sorted, select: `${median} AS _p, ${quantileSql(deviations, '_n', 0.5)} AS _q` };
    }
    case 'iqr':
      return { with: sorted, select: `${quantileSql('_s', '_n', 0.25)} AS _p, ${quantileSql('_s', '_n', 0.75)} AS _q` };
  }
}

/** The score as SQL and as JS: the same operations in the same order. */
function scoreSql(method: AnomalyMethod): string {
  switch (method) {
    case 'zscore':
      return '(_x - _p) / _q';
    case 'mad':
      return '(0.6745 * (_x - _p)) / _q';
    case 'iqr':
      return 'if(_x > _q, (_x - _q) / (_q - _p), if(_x < _p, (_x - _p) / (_q - _p), 0))';
  }
}

function score(method: AnomalyMethod, x: number, p: number, q: number): number {
  switch (method) {
    case 'zscore':
      return (x - p) / q;
    case 'mad':
      return (0.6745 * (x - p)) / q;
    case 'iqr':
      return x > q ? (x - q) / (q - p) : x < p ? (x - p) / (q - p) : 0;
  }
}

export async function anomalies(ctx: SqlContext): Promise<Frame[]> {
  const { query } = ctx;
  const metric = query.metric ?? 'latency_ms';
  const method = query.method ?? 'zscore';
  if (!['zscore', 'mad', 'iqr'].includes(method)) {
    throw new QueryError(`unknown anomaly method "${method}"; use zscore, mad or iqr`);
  }
  const threshold = query.threshold ?? DEFAULT_THRESHOLDS[method];
  const x = metricOf(ctx, metric).expr;
  const groupBy = query.groupBy ?? [];
  const keys = groupKeys(ctx, groupBy);
  const aliases = ['_one', ...keys.fields.map((_, i) => `_k${i}`)];
  const keySelect = ['toUInt8(1) AS _one', ...keys.fields.map((f, i) => `assumeNotNull(${f.expr}) AS _k${i}`)];
  const where = whereClause([...selection(ctx), ...keys.present, `isNotNull(${x})`]);
  const rows =
    `SELECT ${keySelect.join(', ')}, assumeNotNull(${x}) AS _x, ts_us AS _t, request_id AS _id, model AS _model ` +
    `FROM ${ctx.table} ${where}`;
  // The parameters in one SELECT over the table itself (not the rows subquery), so that on a model-sharded table
  // each shard can finish its groups (finishOnShards) and send only _p and _q, not every value.
  const p = parameters(method, `assumeNotNull(${x})`);
  const params = `${p.with}SELECT ${keySelect.join(', ')}, ${p.select} FROM ${ctx.table} ${where} GROUP BY ${aliases.join(', ')}`;
  const s = scoreSql(method);
  // ALL, not ANY: since 19.x ANY INNER keeps one left row per key; the right side has one row per group, so ALL gives
  // every row of its group. Joined subqueries carry aliases, which current releases require.
  const found =
    `FROM (${rows}) AS _rows GLOBAL ALL INNER JOIN (${params}) AS _params USING (${aliases.join(', ')}) ` +
    `WHERE abs(${s}) > ${numberLiteral(threshold)}`;
  const limit = query.limit;
  // The setting reaches the table's two reads: the rows (no aggregate, ORDER BY or LIMIT there: the same
  // concatenated) and the parameters' GROUP BY; count, join, ORDER BY and LIMIT run over subqueries, at the initiator.
  const settings = finishOnShards(ctx, groupBy, true);
  const [[counted], listed] = await Promise.all([
    ctx.client.query(`SELECT count() AS n ${found}`, settings),
    ctx.client.query(
      `SELECT ${[...aliases, '_x', '_t', '_id', '_model', '_p', '_q'].join(', ')} ${found} ` +
        `ORDER BY abs(${s}) DESC, _t${limit !== undefined ? ` LIMIT ${limit}` : ''}`,
      settings
    ),
  ]);
  const kept = listed.map((r) => ({ r, score: score(method, num(r._x), num(r._p), num(r._q)) }));
  kept.sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || num(a.r._t) - num(b.r._t));
  const fields: FrameField[] = [
    { name: 'timestamp', type: 'time', values: kept.map((a) => num(a.r._t)) },
    { name: 'request_id', type: 'string', values: kept.map((a) => (a.r._id === '' ? null : String(a.r._id))) },
    { name: 'model', type: 'string', values: kept.map((a) => String(a.r._model)) },
    { name: metric, type: 'number', values: kept.map((a) => num(a.r._x)) },
    { name: 'score', type: 'number', values: kept.map((a) => a.score) },
  ];
  groupBy.forEach((field, i) => {
    if (field !== 'model' && field !== 'request_id' && field !== metric) {
      fields.push({ name: field, type: 'string', values: kept.map((a) => String(a.r[`_k${i}`])) });
    }
  });
  return [{ name: 'anomalies', fields, meta: { custom: { method, threshold, metric, found: num(counted.n) } } }];
}
