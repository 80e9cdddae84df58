/**
 * The CSV export from ClickHouse: the selected rows streamed oldest first (one query, read as fast as `out` takes
 * them), written as the file export writes them (csv-export.ts): the same header, cells and line ends.
 */
import type { Writable } from 'stream';
import { csvCell, csvHeader, csvLine, CsvOptions, ROWS_PER_WRITE, writeChunk } from '../format/csv';
import { isoMicros } from '../format/time';
import { QueryError } from '../engine/errors';
import type { Filters, TimeRange } from '../model/query';
import { selection } from './context';
import { ClickHouseSource } from './source';
import { whereClause } from './sql';

/**
 * Writes the selected requests as CSV, oldest first; returns how many. The columns are the table's fields in
 * ClickHouseSource.fields() order — the store's order for the same logs: standard fields (host, the shipper's
 * label, after request_id), then extra fields by first appearance.
 */
export async function writeClickHouseCsv(
  source: ClickHouseSource,
  range: TimeRange,
  filters: Filters,
  out: Writable,
  limit?: number,
  options: CsvOptions = {}
): Promise<number> {
  const client = source.client;
  if (!client.lines) {
    throw new Error('this ClickHouse client cannot stream rows');
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new QueryError(`limit must be a whole number of rows, 0 or more (got ${limit})`);
  }
  const fields = await source.fields();
  const where = whereClause(
    selection({ client, table: source.table, query: { queryType: 'logs', filters }, range, fields })
  );
  const columns = fields.map((f, i) => `${f.expr} AS _f${i}`);
  // Equal times in shipping order (file, then place in it), as the store keeps its rows (logs.ts, reversed).
  const sql =
    `SELECT ts_us AS _t, ${columns.join(', ')} FROM ${source.table} ${where} ` +
    `ORDER BY ts_us, src_file, src_end${limit !== undefined ? ` LIMIT ${limit}` : ''} FORMAT JSONEachRow`;

  await writeChunk(out, csvHeader(['timestamp', ...fields.map((f) => f.name)], options));
  let rows = 0;
  let chunk = '';
  for await (const line of client.lines(sql, { output_format_json_quote_64bit_integers: 0 })) {
    if (line === '') {
      continue;
    }
    const row = JSON.parse(line) as Record<string, string | number | null>;
    const cells = [isoMicros(Number(row._t))];
    for (let i = 0; i < fields.length; i++) {
      cells.push(csvCell(row[`_f${i}`], options));
    }
    chunk += csvLine(cells);
    if (++rows % ROWS_PER_WRITE === 0) {
      await writeChunk(out, chunk);
      chunk = '';
    }
  }
  if (chunk !== '') {
    await writeChunk(out, chunk);
  }
  return rows;
}
