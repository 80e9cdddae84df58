import type { Frame } from '../engine/frames';
import { runQuery, toDataFrameJSON } from './dataframe-json';
import { jsonValues, ms, req, storeOf } from '../../test/support/test-store';

const T0 = ms('2026-01-01T00:00:00Z');

describe('toDataFrameJSON', () => {
  const frame: Frame = {
    name: 'test',
    fields: [
      // microseconds: 1.5 ms, 2 ms, missing, 1 µs before the epoch
      { name: 'time', type: 'time', values: [1500, 2000, NaN, -1] },
      { name: 'value', type: 'number', values: [1.25, NaN, Infinity, -Infinity], unit: 'ms', labels: { model: 'a' } },
      { name: 'text', type: 'string', values: ['x', null, 'y', 'z'] },
    ],
    meta: { custom: { answer: 42 } },
  };
  const json = toDataFrameJSON(frame, 'A');

  it('encodes the schema: names, types, labels, units, refId, meta', () => {
    expect(json.schema!.name).toBe('test');
    expect(json.schema!.refId).toBe('A');
    expect(json.schema!.fields.map((f) => [f.name, f.type])).toEqual([
      ['time', 'time'],
      ['value', 'number'],
      ['text', 'string'],
    ]);
    expect(json.schema!.fields[1].labels).toEqual({ model: 'a' });
    expect(json.schema!.fields[1].config).toEqual({ unit: 'ms' });
    expect(json.schema!.fields[0].labels).toBeUndefined();
    expect(json.schema!.meta).toEqual({ custom: { answer: 42 } });
  });

  it('writes times as epoch ms with the sub-millisecond part in nanos', () => {
    // 1500 µs = 1 ms + 500000 ns; -1 µs = -1 ms + 999000 ns
    expect(json.data!.values[0]).toEqual([1, 2, null, -1]);
    expect(json.data!.nanos![0]).toEqual([500_000, 0, 0, 999_000]);
    expect(json.data!.nanos![1]).toBeNull();
  });

  it('writes NaN as null and infinities as null with entities', () => {
    expect(json.data!.values[1]).toEqual([1.25, null, null, null]);
    expect(json.data!.entities![1]).toEqual({ Inf: [2], NegInf: [3] });
    expect(json.data!.entities![0]).toBeNull();
  });

  it('keeps strings and missing strings', () => {
    expect(json.data!.values[2]).toEqual(['x', null, 'y', 'z']);
  });

  it('leaves out nanos, entities and refId when there are none', () => {
    const plain = toDataFrameJSON({ name: 'p', fields: [{ name: 't', type: 'time', values: [5000] }] });
    expect(plain.data!.values).toEqual([[5]]);
    expect(plain.data!.nanos).toBeUndefined();
    expect(plain.data!.entities).toBeUndefined();
    expect(plain.schema!.refId).toBeUndefined();
  });

  it('survives JSON.stringify with the same content', () => {
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('runQuery', () => {
  it('tags every frame with the refId', () => {
    const store = storeOf([req(T0), req(T0 + 1000)]);
    const frames = runQuery(
      store,
      { queryType: 'trend', refId: 'Q', window: '1s', aggregation: 'count' },
      { range: {} }
    );
    expect(frames).toHaveLength(1);
    expect(frames[0].schema!.refId).toBe('Q');
    expect(frames[0].data!.values).toEqual([
      [T0, T0 + 1000],
      [1, 1],
    ]);
  });

  it('answers logs newest first as log lines: body, severity and a unique id', () => {
    const store = storeOf([
      req(T0, { latency_ms: 5, request_id: 'old' }),
      req(T0 + 2000, { latency_ms: 7, request_id: 'new', status: 'error' }),
      req(T0 + 1000, { latency_ms: 6, request_id: 'mid' }),
    ]);
    const [frame] = runQuery(store, { queryType: 'logs', limit: 2 }, { range: {} });
    expect(jsonValues(frame, 'timestamp')).toEqual([T0 + 2000, T0 + 1000]);
    expect(jsonValues(frame, 'request_id')).toEqual(['new', 'mid']);
    expect(jsonValues(frame, 'severity')).toEqual(['error', 'info']);
    expect(jsonValues(frame, 'body')[0]).toContain('latency_ms=7');
    expect(frame.schema!.fields.slice(0, 4).map((f) => f.name)).toEqual(['timestamp', 'body', 'severity', 'id']);
    const ids = jsonValues(frame, 'id');
    expect(new Set(ids).size).toBe(2);
  });
});
