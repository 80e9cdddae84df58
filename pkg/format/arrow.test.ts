import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { QueryResultMeta } from '@grafana/data';
import {
  DataType,
  Precision,
  RecordBatchFileReader,
  Table,
  tableFromIPC,
  tableToIPC,
  TimeUnit,
  Type,
  vectorFromArray,
  Vector,
} from 'apache-arrow';
import type { Frame } from '../engine/frames';
import { frameToArrow, microsToNanos } from './arrow';

// Grafana's decoder stand-in, the one the plugin host (test/grafana-host) runs; the test fails (not skips) without it.
const DECODER = path.join(__dirname, '..', '..', 'test', 'grafana-host', 'decode-frames.mjs');
const MAGIC = 'ARROW1';

const T0 = 1795791795123456; // µs, not a whole millisecond: checks the exact ns conversion

const sample: Frame = {
  name: 'latency p95',
  fields: [
    { name: 'time', type: 'time', values: [T0, T0 + 1, T0 + 1_000_000] },
    {
      name: 'latency_ms',
      type: 'number',
      values: [1.5, NaN, Infinity],
      unit: 'ms',
      labels: { model: 'llama-3', server: 'a' },
    },
    { name: 'neg', type: 'number', values: [-Infinity, 0, -0.25] },
    { name: 'model', type: 'string', values: ['llama-3', null, 'ünïcödé ✓ 🚀'] },
    { name: 'empty', type: 'string', values: ['', 'x', null] },
  ],
  meta: {
    type: 'timeseries-multi' as unknown as NonNullable<QueryResultMeta['type']>,
    typeVersion: [0, 1],
    custom: { windowMs: 60000, aggregation: 'p95' },
    notices: [
      { severity: 'warning', text: 'Skipped 3 log lines' },
      { severity: 'info', text: 'note' },
    ],
  },
};

function decode(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}

function column(table: Table, name: string): Vector {
  const col = table.getChild(name);
  if (!col) {
    throw new Error(`no column ${name}`);
  }
  return col;
}

/** Raw int64 slot values of a timestamp column, as the Go SDK reads them. */
function rawInt64(col: Vector): bigint[] {
  const out: bigint[] = [];
  for (const d of col.data) {
    const values = d.values as BigInt64Array;
    for (let i = 0; i < d.length; i++) {
      out.push(values[d.offset + i]);
    }
  }
  return out;
}

function nullPositions(col: Vector): number[] {
  const out: number[] = [];
  for (let i = 0; i < col.length; i++) {
    if (!col.isValid(i)) {
      out.push(i);
    }
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

describe('frameToArrow', () => {
  const bytes = frameToArrow(sample, 'A');
  const table = decode(bytes);

  it('writes the Arrow IPC file format (magic at start and end)', () => {
    expect(latin1(bytes.subarray(0, 6))).toBe(MAGIC);
    expect(latin1(bytes.subarray(bytes.length - 6))).toBe(MAGIC);
    const reader = RecordBatchFileReader.from(bytes);
    reader.open();
    expect(reader.isFile()).toBe(true);
    expect(reader.numRecordBatches).toBe(1);
    // The Go file reader takes the schema from the footer: its metadata must be there.
    expect(reader.footer?.schema.metadata.get('refId')).toBe('A');
    expect(reader.footer?.schema.fields[1].metadata.get('tstype')).toBe('number');
  });

  it('writes the schema metadata: name, refId and meta JSON', () => {
    const md = table.schema.metadata;
    expect([...md.keys()].sort()).toEqual(['meta', 'name', 'refId']);
    expect(md.get('name')).toBe('latency p95');
    expect(md.get('refId')).toBe('A');
    const meta = JSON.parse(md.get('meta')!);
    expect(meta).toEqual(sample.meta);
    expect(meta.typeVersion).toEqual([0, 1]);
  });

  it('leaves meta out when the frame has none and always writes name', () => {
    const md = decode(frameToArrow({ name: '', fields: [] }, 'B')).schema.metadata;
    expect([...md.entries()].sort()).toEqual([
      ['name', ''],
      ['refId', 'B'],
    ]);
  });

  it('uses the Arrow types the Go SDK reads', () => {
    const [time, latency, neg, model, empty] = table.schema.fields;
    expect(DataType.isTimestamp(time.type)).toBe(true);
    expect(time.type.typeId).toBe(Type.Timestamp);
    expect(time.type.unit).toBe(TimeUnit.NANOSECOND);
    expect(time.type.timezone ?? null).toBeNull();
    for (const f of [latency, neg]) {
      expect(DataType.isFloat(f.type)).toBe(true);
      expect(f.type.precision).toBe(Precision.DOUBLE);
    }
    for (const f of [model, empty]) {
      expect(DataType.isUtf8(f.type)).toBe(true);
      expect(DataType.isDictionary(f.type)).toBe(false);
      expect(f.type.typeId).toBe(Type.Utf8);
    }
  });

  it('converts microseconds to nanoseconds exactly', () => {
    expect(rawInt64(column(table, 'time'))).toEqual([1795791795123456000n, 1795791795123457000n, 1795791796123456000n]);
    expect(microsToNanos(T0)).toBe(1795791795123456000n);
    expect(microsToNanos(-1)).toBe(-1000n);
    expect(microsToNanos(1.5)).toBe(1500n);
  });

  it('writes time fields non-nullable when nothing is missing, nullable with nulls otherwise', () => {
    expect(table.schema.fields[0].nullable).toBe(false);
    expect(column(table, 'time').nullCount).toBe(0);

    const withGap = decode(
      frameToArrow({ name: 'g', fields: [{ name: 't', type: 'time', values: [T0, NaN, T0 + 2] }] }, 'A')
    );
    expect(withGap.schema.fields[0].nullable).toBe(true);
    expect(nullPositions(column(withGap, 't'))).toEqual([1]);
    expect(rawInt64(column(withGap, 't'))[2]).toBe(1795791795123458000n);
  });

  it('writes NaN as null and keeps ±Infinity in number fields', () => {
    const latency = column(table, 'latency_ms');
    expect(table.schema.fields[1].nullable).toBe(true);
    expect(nullPositions(latency)).toEqual([1]);
    expect(latency.toArray().length).toBe(3);
    expect(latency.get(0)).toBe(1.5);
    expect(latency.get(1)).toBeNull();
    expect(latency.get(2)).toBe(Infinity);
    const neg = column(table, 'neg');
    expect(nullPositions(neg)).toEqual([]);
    expect([neg.get(0), neg.get(1), neg.get(2)]).toEqual([-Infinity, 0, -0.25]);
  });

  it('writes strings as nullable Utf8 with nulls, empty strings and non-ASCII text', () => {
    const model = column(table, 'model');
    expect(table.schema.fields[3].nullable).toBe(true);
    expect(nullPositions(model)).toEqual([1]);
    expect([model.get(0), model.get(1), model.get(2)]).toEqual(['llama-3', null, 'ünïcödé ✓ 🚀']);
    const empty = column(table, 'empty');
    expect(nullPositions(empty)).toEqual([2]);
    expect([empty.get(0), empty.get(1), empty.get(2)]).toEqual(['', 'x', null]);
  });

  it('writes field metadata: tstype always, labels and config only when present', () => {
    const md = table.schema.fields.map((f) => Object.fromEntries(f.metadata));
    expect(md[0]).toEqual({ tstype: 'time' });
    expect(md[1].tstype).toBe('number');
    expect(JSON.parse(md[1].labels)).toEqual({ model: 'llama-3', server: 'a' });
    expect(JSON.parse(md[1].config)).toEqual({ unit: 'ms' });
    expect(md[2]).toEqual({ tstype: 'number' });
    expect(md[3]).toEqual({ tstype: 'string' });

    const noLabels = decode(
      frameToArrow({ name: 'n', fields: [{ name: 'v', type: 'number', values: [1], labels: {}, unit: '' }] }, 'A')
    );
    expect(Object.fromEntries(noLabels.schema.fields[0].metadata)).toEqual({ tstype: 'number' });
  });

  it('encodes a frame with fields but zero rows', () => {
    const empty: Frame = {
      name: 'nothing',
      fields: [
        { name: 'time', type: 'time', values: [] },
        { name: 'value', type: 'number', values: new Float64Array(0), labels: { a: 'b' } },
        { name: 's', type: 'string', values: [] },
      ],
      meta: { typeVersion: [0, 1] },
    };
    const out = frameToArrow(empty, 'Z');
    expect(latin1(out.subarray(out.length - 6))).toBe(MAGIC);
    const t = decode(out);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['time', 'value', 's']);
    expect(t.schema.fields[0].type.unit).toBe(TimeUnit.NANOSECOND);
    expect(DataType.isFloat(t.schema.fields[1].type)).toBe(true);
    expect(DataType.isUtf8(t.schema.fields[2].type)).toBe(true);
    expect(t.schema.fields[1].metadata.get('labels')).toBe('{"a":"b"}');
    expect(t.schema.metadata.get('name')).toBe('nothing');
  });

  it('encodes a frame with zero fields', () => {
    const out = frameToArrow({ name: 'no data', fields: [], meta: { custom: { x: 1 } } }, 'N');
    expect(latin1(out.subarray(0, 6))).toBe(MAGIC);
    const t = decode(out);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields).toHaveLength(0);
    expect(JSON.parse(t.schema.metadata.get('meta')!)).toEqual({ custom: { x: 1 } });
  });

  it('accepts typed arrays as values', () => {
    const t = decode(
      frameToArrow(
        {
          name: 'typed',
          fields: [
            { name: 'time', type: 'time', values: Float64Array.of(T0, T0 + 5) },
            { name: 'v', type: 'number', values: Float64Array.of(NaN, 2) },
          ],
        },
        'A'
      )
    );
    expect(rawInt64(column(t, 'time'))).toEqual([1795791795123456000n, 1795791795123461000n]);
    expect(nullPositions(column(t, 'v'))).toEqual([0]);
  });

  it('rejects fields of different lengths', () => {
    const bad: Frame = {
      name: 'bad',
      fields: [
        { name: 'time', type: 'time', values: [T0] },
        { name: 'v', type: 'number', values: [1, 2] },
      ],
    };
    expect(() => frameToArrow(bad, 'A')).toThrow(/field "v" has 2 values, expected 1/);
  });

  it('rejects meta that the Go SDK cannot unmarshal', () => {
    const badVersion = { typeVersion: '0.1' } as unknown as QueryResultMeta;
    expect(() => frameToArrow({ name: 'x', fields: [], meta: badVersion }, 'A')).toThrow(/typeVersion/);
    const badSeverity = { notices: [{ severity: 'fatal', text: 'x' }] } as unknown as QueryResultMeta;
    expect(() => frameToArrow({ name: 'x', fields: [], meta: badSeverity }, 'A')).toThrow(/severity/);
  });

  it('encodes a 100k-row frame', () => {
    const n = 100_000;
    const times = new Float64Array(n);
    const values = new Float64Array(n);
    const strings: Array<string | null> = new Array(n);
    for (let i = 0; i < n; i++) {
      times[i] = T0 + i * 1000;
      values[i] = i % 97 === 0 ? NaN : i / 7;
      strings[i] = i % 101 === 0 ? null : `model-${i % 13}`;
    }
    const out = frameToArrow(
      {
        name: 'big',
        fields: [
          { name: 'time', type: 'time', values: times },
          { name: 'v', type: 'number', values },
          { name: 's', type: 'string', values: strings },
        ],
      },
      'A'
    );
    const t = decode(out);
    expect(t.numRows).toBe(n);
    expect(column(t, 'v').nullCount).toBe(Math.floor((n - 1) / 97) + 1);
    expect(column(t, 's').nullCount).toBe(Math.floor((n - 1) / 101) + 1);
    expect(column(t, 's').get(n - 1)).toBe(`model-${(n - 1) % 13}`);
    expect(rawInt64(column(t, 'time'))[n - 1]).toBe(BigInt(T0 + (n - 1) * 1000) * 1000n);
  });
});

describe("Grafana's decoder stand-in (decode-frames.mjs)", () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arrow-frames-'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function runDecoder(files: string[]) {
    const result = spawnSync(process.execPath, [DECODER, ...files], { encoding: 'utf8' });
    if (result.error) {
      throw result.error;
    }
    return result;
  }

  it('is present', () => {
    expect(fs.existsSync(DECODER)).toBe(true);
  });

  it('accepts every encoded frame shape', () => {
    const frames: Array<[string, Frame]> = [
      ['sample', sample],
      [
        'nullable-time',
        {
          name: 'gaps',
          fields: [
            { name: 'time', type: 'time', values: [T0, NaN] },
            { name: 'v', type: 'number', values: [NaN, -Infinity] },
          ],
        },
      ],
      ['zero-rows', { name: 'empty', fields: [{ name: 'time', type: 'time', values: [] }] }],
      ['zero-fields', { name: '', fields: [], meta: { typeVersion: [0, 1] } }],
    ];
    const files = frames.map(([file, frame]) => {
      const p = path.join(dir, `${file}.arrow`);
      fs.writeFileSync(p, frameToArrow(frame, 'A'));
      return p;
    });
    const result = runDecoder(files);
    expect(result.stdout).not.toContain('PROBLEM');
    expect(result.status).toBe(0);
    expect(result.stdout.match(/OK: Grafana can read this frame/g)).toHaveLength(frames.length);
    expect(result.stdout).toContain('raw 1795791795123456000');
  });

  it('rejects what Grafana cannot read (so a pass above means something)', () => {
    // Stream format and a dictionary-encoded string column: both fail in the Go SDK.
    const p = path.join(dir, 'stream.arrow');
    fs.writeFileSync(p, tableToIPC(new Table({ s: vectorFromArray(['a', 'b']) }), 'stream'));
    const result = runDecoder([p]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('PROBLEM');
  });
});
