import type { DataFrameJSON } from '@grafana/data';
import Table from 'cli-table3';
import { csvHeader, csvLine, CsvOptions, neutraliseFormula } from './csv';
import { isoTime } from './time';

/** A cell as text: times as ISO, numbers shortened for reading (full precision stays in json). */
function cellText(frame: DataFrameJSON, field: number, row: number, forTable: boolean): string {
  const schema = frame.schema!.fields[field];
  const value = frame.data!.values[field][row];
  const entity = frame.data!.entities?.[field];
  if (value === null || value === undefined) {
    if (entity?.Inf?.includes(row)) {
      return 'inf';
    }
    if (entity?.NegInf?.includes(row)) {
      return '-inf';
    }
    return '';
  }
  if (schema.type === ('time' as unknown) && typeof value === 'number') {
    return isoTime(value, frame.data!.nanos?.[field]?.[row] ?? 0);
  }
  if (typeof value === 'number' && forTable && !Number.isInteger(value)) {
    return Math.abs(value) >= 1e-4 ? String(Number(value.toPrecision(6))) : value.toExponential(3);
  }
  return String(value);
}

function header(frame: DataFrameJSON): string[] {
  return frame.schema!.fields.map((f) => {
    const labels = f.labels ? Object.entries(f.labels).map(([k, v]) => `${k}=${v}`) : [];
    return labels.length ? `${f.name} {${labels.join(', ')}}` : f.name;
  });
}

function rowCount(frame: DataFrameJSON): number {
  return frame.data!.values[0]?.length ?? 0;
}

/**
 * Trend series share their time field: shown side by side as one wide frame (a column per
 * series) they read like a pivot table.
 */
export function widenSeries(frames: DataFrameJSON[]): DataFrameJSON[] {
  const series = frames.filter((f) => f.schema?.meta?.type === ('timeseries-multi' as unknown));
  if (series.length < 2 || series.length !== frames.length) {
    return frames;
  }
  const time = series[0].data!.values[0];
  if (!series.every((f) => f.data!.values[0].length === time.length)) {
    return frames;
  }
  return [
    {
      schema: { name: 'trend', fields: [series[0].schema!.fields[0], ...series.map((f) => f.schema!.fields[1])] },
      data: { values: [time, ...series.map((f) => f.data!.values[1])] },
    },
  ];
}

/** How tables are laid out: `width` (the terminal's) drops the columns that do not fit, named under the table. */
export interface TableOptions {
  width?: number;
  /** What the note under a cut table suggests. */
  hint?: string;
}

/**
 * In a table the `logs` frame's `body` (every other column again, as one text) and `id` (Grafana's row key: the
 * time in µs and a row number) are only noise; CSV and JSON keep them.
 */
const LOGS_TABLE_HIDDEN = new Set(['body', 'id']);

function tableFields(frame: DataFrameJSON): number[] {
  const fields = frame.schema!.fields.map((_, i) => i);
  const isLogs = frame.schema?.meta?.preferredVisualisationType === 'logs';
  return isLogs ? fields.filter((i) => !LOGS_TABLE_HIDDEN.has(frame.schema!.fields[i].name)) : fields;
}

/** The width of a cell: its longest line (a text field may hold line breaks). */
function textWidth(text: string): number {
  return text.includes('\n') ? Math.max(...text.split('\n').map((line) => line.length)) : text.length;
}

/**
 * The first columns that fit in `width` characters (cli-table3 draws a column as its widest cell plus a space each
 * side and a border); at least one, however wide it is.
 */
function fittingColumns(head: string[], rows: string[][], width: number): number {
  let used = 1; // the left border
  for (let col = 0; col < head.length; col++) {
    let widest = textWidth(head[col]);
    for (const row of rows) {
      widest = Math.max(widest, textWidth(row[col]));
    }
    used += widest + 3;
    if (used > width && col > 0) {
      return col;
    }
  }
  return head.length;
}

/**
 * "3 more columns: a, b, c — use --wide or --format csv": every name, even if the terminal wraps the line, since
 * the point is to say which columns are not shown.
 */
function droppedNote(names: string[], hint: string): string {
  return `${names.length} more column${names.length === 1 ? '' : 's'}: ${names.join(', ')} — ${hint}`;
}

/** Frames as readable tables, one after another; with `width`, cut to it. */
export function formatTables(frames: DataFrameJSON[], options: TableOptions = {}): string {
  return widenSeries(frames)
    .map((frame) => {
      const fields = tableFields(frame);
      const names = header(frame);
      let head = fields.map((i) => names[i]);
      let rows: string[][] = [];
      for (let row = 0; row < rowCount(frame); row++) {
        rows.push(fields.map((field) => cellText(frame, field, row, true)));
      }
      let note = '';
      const fit = options.width ? fittingColumns(head, rows, options.width) : head.length;
      if (fit < head.length) {
        note = `\n${droppedNote(head.slice(fit), options.hint ?? 'use --wide or --format csv')}`;
        head = head.slice(0, fit);
        rows = rows.map((cells) => cells.slice(0, fit));
      }
      const table = new Table({ head, style: { head: [], border: [], compact: true } });
      table.push(...rows);
      return `${frame.schema?.name ?? ''}\n${table.toString()}${note}`;
    })
    .join('\n\n');
}

/**
 * Frames as CSV, a header row each; several frames are separated by an empty line. Text cells a spreadsheet
 * would run as a formula are neutralised (csv-export.ts) unless `keepFormulas`; numbers are never changed.
 */
export function formatCsv(frames: DataFrameJSON[], options: CsvOptions = {}): string {
  return widenSeries(frames)
    .map((frame) => {
      let out = csvHeader(header(frame), options);
      for (let row = 0; row < rowCount(frame); row++) {
        out += csvLine(
          frame.schema!.fields.map((_, field) => {
            const text = cellText(frame, field, row, false);
            return typeof frame.data!.values[field][row] === 'string' ? neutraliseFormula(text, options) : text;
          })
        );
      }
      return out;
    })
    .join('\r\n');
}
