import type { DataFrameJSON } from '@grafana/data';
import Table from 'cli-table3';
import { csvHeader, csvLine, CsvOptions, neutraliseFormula } from '../engine/csv-export';

/** Epoch ms (+ extra nanoseconds) as ISO-8601 UTC with microseconds. */
export function isoTime(ms: number, nanos = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-11-27T15:03:15.123Z
  const micros = Math.floor(nanos / 1000);
  return micros ? `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z` : iso;
}

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

/** Frames as readable tables, one after another. */
export function formatTables(frames: DataFrameJSON[]): string {
  return widenSeries(frames)
    .map((frame) => {
      const table = new Table({ head: header(frame), style: { head: [], border: [], compact: true } });
      for (let row = 0; row < rowCount(frame); row++) {
        table.push(frame.schema!.fields.map((_, field) => cellText(frame, field, row, true)));
      }
      return `${frame.schema?.name ?? ''}\n${table.toString()}`;
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
