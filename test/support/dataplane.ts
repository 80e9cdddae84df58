/**
 * The rules of Grafana's data plane contract (github.com/grafana/dataplane, docs/contract: timeseries.md,
 * numeric.md, logs.md, table.md) as checks on frames decoded the way the Go SDK reads them. Returns the broken
 * rules, one sentence each; an empty list means the answer follows the contract for its type. A test aid.
 */
import { DecodedFrame, labelKey } from './grafana-alerting';

const VERSIONS: Record<string, [number, number]> = {
  'timeseries-multi': [0, 1],
  'numeric-long': [0, 1],
  'numeric-wide': [0, 1],
  'log-lines': [0, 0],
};

export function contractProblems(frames: DecodedFrame[]): string[] {
  const problems: string[] = [];
  const type = frames[0]?.meta?.type;
  if (frames.length === 0) {
    return ['no frame: the contract wants at least the no-data frame'];
  }
  for (const frame of frames) {
    if (frame.meta?.type !== type) {
      problems.push(`frame "${frame.name}" has type ${frame.meta?.type}, the first has ${type}`);
    }
  }
  if (type === undefined) {
    return [...problems, ...tableProblems(frames)];
  }
  const version = VERSIONS[type];
  if (!version) {
    return [...problems, `type ${type} is not one the product should send`];
  }
  for (const frame of frames) {
    if (JSON.stringify(frame.meta?.typeVersion) !== JSON.stringify(version)) {
      problems.push(`frame "${frame.name}": typeVersion ${JSON.stringify(frame.meta?.typeVersion)}, want ${version}`);
    }
  }
  // No data: a single frame with the type and no fields; never beside data.
  const empty = frames.filter((f) => f.fields.length === 0);
  if (empty.length > 0) {
    if (frames.length > 1) {
      problems.push('a no-data frame (no fields) alongside data');
    }
    return problems;
  }
  switch (type) {
    case 'timeseries-multi':
      return [...problems, ...timeSeriesMultiProblems(frames)];
    case 'numeric-long':
      return [...problems, ...numericLongProblems(frames)];
    case 'numeric-wide':
      return [...problems, ...numericWideProblems(frames)];
    default:
      return [...problems, ...logLinesProblems(frames)];
  }
}

function timeSeriesMultiProblems(frames: DecodedFrame[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === 'time');
    const value = frame.fields.find((f) => f.type === 'number');
    if (!time || !value) {
      problems.push(`frame "${frame.name}" needs a time field and a number field`);
      continue;
    }
    if (time.nullable || time.values.some((t) => t === null)) {
      problems.push(`frame "${frame.name}": the time field must have no nulls (and be non-nullable for alerting)`);
    }
    if (Object.keys(time.labels).length > 0) {
      problems.push(`frame "${frame.name}": the time field must have no labels`);
    }
    const times = time.values as number[];
    for (let i = 1; i < times.length; i++) {
      if (!(times[i] > times[i - 1])) {
        problems.push(`frame "${frame.name}": times must ascend with no duplicates (row ${i})`);
        break;
      }
    }
    const id = `${value.name} {${labelKey(value.labels)}}`;
    if (seen.has(id)) {
      problems.push(`two series are ${id}`);
    }
    seen.add(id);
  }
  return problems;
}

function numericLongProblems(frames: DecodedFrame[]): string[] {
  if (frames.length !== 1) {
    return [`numeric-long is a single frame, got ${frames.length}`];
  }
  const [frame] = frames;
  const problems: string[] = [];
  const strings = frame.fields.filter((f) => f.type === 'string');
  const numbers = frame.fields.filter((f) => f.type === 'number');
  const rows = frame.fields[0].values.length;
  if (numbers.length === 0) {
    problems.push('numeric-long needs one or more value fields');
  }
  if (rows > 1 && strings.length === 0) {
    problems.push('numeric-long with more than one row needs string (dimension) fields');
  }
  const seen = new Set<string>();
  for (let r = 0; r < rows; r++) {
    const labels = Object.fromEntries(strings.map((f) => [f.name, f.values[r]]));
    if (strings.some((f) => f.values[r] === null)) {
      problems.push(`row ${r}: a dimension is null`);
    }
    for (const n of numbers) {
      const id = `${n.name} {${labelKey(labels as Record<string, string>)}}`;
      if (seen.has(id)) {
        problems.push(`two items are ${id}`);
      }
      seen.add(id);
    }
  }
  return problems;
}

function numericWideProblems(frames: DecodedFrame[]): string[] {
  if (frames.length !== 1) {
    return [`numeric-wide is a single frame, got ${frames.length}`];
  }
  const [frame] = frames;
  const problems: string[] = [];
  if (frame.fields[0].values.length > 1) {
    problems.push(`numeric-wide has no rows or one, got ${frame.fields[0].values.length}`);
  }
  const numbers = frame.fields.filter((f) => f.type === 'number');
  if (numbers.length === 0) {
    problems.push('numeric-wide needs value fields');
  }
  const seen = new Set<string>();
  for (const n of numbers) {
    const id = `${n.name} {${labelKey(n.labels)}}`;
    if (seen.has(id)) {
      problems.push(`two items are ${id}`);
    }
    seen.add(id);
  }
  return problems;
}

function logLinesProblems(frames: DecodedFrame[]): string[] {
  const problems: string[] = [];
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === 'time');
    const body = frame.fields.find((f) => f.type === 'string');
    if (!time || time.name !== 'timestamp' || time.nullable || time.values.some((v) => v === null)) {
      problems.push(`frame "${frame.name}": the first time field must be a non-nullable "timestamp"`);
    }
    if (!body || body.name !== 'body' || body.nullable || body.values.some((v) => v === null)) {
      problems.push(`frame "${frame.name}": the first string field must be a non-nullable "body"`);
    }
    const severity = frame.fields.find((f) => f.name === 'severity');
    if (severity && severity.type !== 'string') {
      problems.push(`frame "${frame.name}": severity must be a string field`);
    }
    const id = frame.fields.find((f) => f.name === 'id');
    if (id && (id.type !== 'string' || new Set(id.values).size !== id.values.length)) {
      problems.push(`frame "${frame.name}": id must be a string field, unique per line`);
    }
    if (frame.fields.some((f) => f.name === 'tsNs' && f.type !== 'number')) {
      problems.push(`frame "${frame.name}": a tsNs field must be a number`);
    }
  }
  return problems;
}

/** Untyped answers are the table kind: unique frame names, unique field names within a frame. */
function tableProblems(frames: DecodedFrame[]): string[] {
  const problems: string[] = [];
  const names = frames.map((f) => f.name);
  if (new Set(names).size !== names.length) {
    problems.push(`frames of a table answer need unique names: ${names.join(', ')}`);
  }
  for (const frame of frames) {
    const fields = frame.fields.map((f) => f.name);
    if (new Set(fields).size !== fields.length) {
      problems.push(`frame "${frame.name}" has duplicate field names: ${fields.join(', ')}`);
    }
  }
  return problems;
}
