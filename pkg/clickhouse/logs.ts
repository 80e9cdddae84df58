/** logs pushed down: the newest selected requests (ORDER BY … LIMIT in ClickHouse), as the engine's logs frame. */
import { Frame, FrameField } from '../engine/frames';
import { logsFrame } from '../engine/logs';
import { selection, SqlContext } from './context';
import { num, whereClause } from './sql';

export async function logs(ctx: SqlContext): Promise<Frame[]> {
  const where = whereClause(selection(ctx));
  const limit = ctx.query.limit;
  const columns = ctx.fields.map((f, i) => `${f.expr} AS _f${i}`);
  // Newest first; equal times in reverse shipping order, as the store lists its rows.
  const [[counted], rows] = await Promise.all([
    ctx.client.query(`SELECT count() AS n FROM ${ctx.table} ${where}`),
    ctx.client.query(
      `SELECT ts_us AS _t, is_error AS _error, src_file AS _file, src_end AS _end, ${columns.join(', ')} ` +
        `FROM ${ctx.table} ${where} ORDER BY ts_us DESC, src_file DESC, src_end DESC` +
        (limit !== undefined ? ` LIMIT ${limit}` : '')
    ),
  ]);
  const times = rows.map((r) => num(r._t));
  const fields: FrameField[] = [
    { name: 'timestamp', type: 'time', values: times },
    ...ctx.fields.map((f, i): FrameField => {
      const values = rows.map((r) => r[`_f${i}`]);
      return f.type === 'number'
        ? { name: f.name, type: 'number', values: values.map(num) }
        : { name: f.name, type: 'string', values: values.map((v) => (v === null ? null : String(v))) };
    }),
  ];
  const id = rows.map((r, i) => `${times[i]}_${String(r._file)}:${num(r._end)}`);
  return [
    logsFrame(
      fields,
      rows.map((r) => num(r._error) === 1),
      id,
      num(counted.n)
    ),
  ];
}
