#!/usr/bin/env node
/**
 * Grafana's reading of data frames, for the frames grafana-host writes: node decode-frames.mjs [--rows N] FILE...
 *
 * For each Arrow file it prints the schema metadata, the fields (type, nullability, metadata) and the first N rows
 * (default 5), timestamps as the Go SDK reads them: the raw int64 taken as nanoseconds. Then "OK: Grafana can read
 * this frame", or a "PROBLEM:" line for each thing the SDK rejects or misreads: the stream format instead of the
 * file format, a type the SDK does not convert (dictionaries, lists, ...), a timestamp unit other than nanoseconds,
 * metadata that is not JSON. Exit status 1 when a frame has a problem, 2 on a usage error.
 * Uses the project's apache-arrow.
 */
import { readFileSync } from 'node:fs';
import { DataType, Precision, TimeUnit, tableFromIPC } from 'apache-arrow';

const args = process.argv.slice(2);
let rows = 5;
if (args[0] === '--rows') {
  rows = Number(args[1]);
  args.splice(0, 2);
}
if (!Number.isInteger(rows) || rows < 0 || args.length === 0) {
  console.error('usage: node decode-frames.mjs [--rows N] FILE.arrow...');
  process.exit(2);
}

const MAGIC = 'ARROW1';

function format(bytes) {
  const text = (from, to) => bytes.subarray(from, to).toString('latin1');
  if (bytes.length >= 12 && text(0, 6) === MAGIC && text(bytes.length - 6) === MAGIC) {
    return 'file';
  }
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0xffffffff ? 'stream' : 'unknown';
}

/** Why the Go SDK cannot read a field of this type correctly, or null. */
function typeProblem(type) {
  if (DataType.isInt(type) || DataType.isUtf8(type) || DataType.isBool(type) || DataType.isBinary(type)) {
    return null;
  }
  if (DataType.isFloat(type)) {
    return type.precision === Precision.HALF ? 'float16 is not converted by the SDK' : null;
  }
  if (DataType.isTimestamp(type)) {
    return type.unit === TimeUnit.NANOSECOND ? null : `${type}: the SDK reads every timestamp as nanoseconds`;
  }
  return `${type} is not a type the SDK converts`;
}

/** The metadata as an object; JSON values parsed, or listed in `bad` when they do not parse. */
function metadata(map, jsonKeys, bad) {
  const out = {};
  for (const [key, value] of map) {
    out[key] = value;
    if (jsonKeys.includes(key)) {
      try {
        out[key] = JSON.parse(value);
      } catch {
        bad.push(`metadata "${key}" is not JSON`);
      }
    }
  }
  return out;
}

/** A cell as Grafana's Go SDK sees it. */
function cell(type, column, row) {
  if (!column.isValid(row)) {
    return null;
  }
  if (DataType.isTimestamp(type)) {
    const [data, index] = locate(column, row);
    const raw = BigInt(data.values[index]);
    const ms = Number(raw / 1_000_000n);
    return `${Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : 'out of range'} (raw ${raw})`;
  }
  const value = column.get(row);
  return typeof value === 'bigint' ? value.toString() : value;
}

/** The chunk of a column holding a row, and the row's slot in that chunk's values. */
function locate(column, row) {
  for (const data of column.data) {
    if (row < data.length) {
      return [data, data.offset + row];
    }
    row -= data.length;
  }
  throw new Error('row out of range');
}

let failed = 0;
for (const file of args) {
  const bytes = readFileSync(file);
  const problems = [];
  const kind = format(bytes);
  console.log(`== ${file}: ${bytes.length} bytes, Arrow IPC ${kind} format`);
  if (kind !== 'file') {
    problems.push(`Arrow IPC ${kind} format: Grafana reads the file format only (tableToIPC(table, 'file'))`);
  }
  let table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    problems.push(`cannot be decoded: ${e.message}`);
  }
  if (table) {
    console.log(`schema metadata: ${JSON.stringify(metadata(table.schema.metadata, ['meta'], problems))}`);
    console.log(`${table.schema.fields.length} field(s), ${table.numRows} row(s):`);
    table.schema.fields.forEach((field, i) => {
      const fieldProblems = [];
      const meta = metadata(field.metadata, ['labels', 'config'], fieldProblems);
      const nulls = table.getChildAt(i)?.nullCount ?? 0;
      console.log(
        `  ${JSON.stringify(field.name)}: ${field.type}${field.nullable ? ' nullable' : ''}, ${nulls} null(s), ` +
          `metadata ${JSON.stringify(meta)}`
      );
      const problem = typeProblem(field.type);
      for (const p of problem ? [problem, ...fieldProblems] : fieldProblems) {
        problems.push(`field ${JSON.stringify(field.name)}: ${p}`);
      }
    });
    for (let row = 0; row < Math.min(rows, table.numRows); row++) {
      const values = {};
      table.schema.fields.forEach((field, i) => (values[field.name] = cell(field.type, table.getChildAt(i), row)));
      console.log(`  row ${row}: ${JSON.stringify(values)}`);
    }
  }
  for (const problem of problems) {
    console.log(`PROBLEM: ${problem}`);
  }
  if (problems.length > 0) {
    failed++;
  } else {
    console.log('OK: Grafana can read this frame');
  }
}
process.exit(failed > 0 ? 1 : 0);
