import { Store } from '../store/store';
import { FieldExpression, fieldMapProblems, INVALID } from './field-map';
import { RecordMapping } from './mapping';
import { LineParser, SourceConfig } from './parse-line';
import { parseZone } from './timestamp';

const UTC = parseZone(undefined);
const read = (field: string, spec: string, record: unknown): unknown =>
  new FieldExpression(field, spec).read(record as Record<string, unknown>, UTC);

const OTEL_ATTRIBUTES = [
  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
  { key: 'gen_ai.usage.input_tokens', value: { intValue: '97' } },
  { key: 'gen_ai.request.temperature', value: { doubleValue: 0.5 } },
  { key: 'gen_ai.stream', value: { boolValue: true } },
  { key: 'big', value: { intValue: '1764774195123456789' } },
];

describe('FieldExpression: paths', () => {
  it('reads nested paths, indexes and keys holding dots', () => {
    expect(read('latency_ms', 'attributes.duration', { attributes: { duration: 5 } })).toBe(5);
    expect(read('model', 'a.b.c', { a: { b: { c: 'x' } } })).toBe('x');
    expect(read('model', 'a[0].name', { a: [{ name: 'first' }] })).toBe('first');
    // dotted keys, bracketed or found by trying longer keys
    expect(read('model', 'labels[app.model]', { labels: { 'app.model': 'm1' } })).toBe('m1');
    expect(read('model', 'labels.app.model', { labels: { 'app.model': 'm1' } })).toBe('m1');
    expect(read('model', 'gen_ai.request.model', { 'gen_ai.request.model': 'm2' })).toBe('m2');
    expect(read('model', '[x-model]', { 'x-model': 'm3' })).toBe('m3');
    expect(read('model', 'a.b', { a: 1 })).toBeUndefined();
  });

  it('unwraps OpenTelemetry key/value lists: string, int64-as-string, double, bool', () => {
    const record = { attributes: OTEL_ATTRIBUTES };
    expect(read('model', 'attributes[gen_ai.request.model]', record)).toBe('gpt-4o');
    expect(read('model', 'attributes.gen_ai.request.model', record)).toBe('gpt-4o');
    expect(read('input_tokens', 'attributes[gen_ai.usage.input_tokens]', record)).toBe(97);
    expect(read('temp', 'attributes[gen_ai.request.temperature]', record)).toBe(0.5);
    expect(read('stream', 'attributes[gen_ai.stream]', record)).toBe(true);
    // past 2^53: kept as text, so a timestamp stays exact
    expect(read('timestamp', 'attributes[big]:ns', record)).toBe(1764774195123456);
    expect(read('model', 'attributes[gen_ai.response.model]', record)).toBeUndefined();
  });

  it('[*] takes the first element that has the rest of the path', () => {
    expect(read('latency_ms', 'spans[*].t', { spans: [{ name: 'a' }, { t: 3 }, { t: 4 }] })).toBe(3);
    expect(
      read('x', 'spans[generate].t', {
        spans: [
          { name: 'other', t: 1 },
          { name: 'generate', t: 2 },
        ],
      })
    ).toBe(2);
  });

  it('alternatives take the first value present, not null or empty', () => {
    expect(read('model', "model|upstream|'fallback'", { model: '', upstream: 'u' })).toBe('u');
    expect(read('model', "model|upstream|'fallback'", { model: null })).toBe('fallback');
    expect(read('model', 'model|upstream', { model: null })).toBeNull();
  });
});

describe('FieldExpression: units and differences', () => {
  it('converts s, ms, us, µs and ns to milliseconds; a text may carry its own unit', () => {
    expect(read('latency_ms', 'rt:s', { rt: 0.25 })).toBe(250);
    expect(read('latency_ms', 'rt:s', { rt: '0.25' })).toBe(250);
    expect(read('latency_ms', 'rt:ms', { rt: 7 })).toBe(7);
    expect(read('latency_ms', 'rt:us', { rt: 1500 })).toBe(1.5);
    expect(read('latency_ms', 'rt:µs', { rt: 1500 })).toBe(1.5);
    expect(read('latency_ms', 'rt:ns', { rt: 2_000_000 })).toBe(2);
    expect(read('latency_ms', 'rt:s', { rt: '35ms' })).toBe(35);
    expect(read('latency_ms', 'rt:s', { rt: '12.5µs' })).toBeCloseTo(0.0125, 12);
    expect(read('latency_ms', 'rt:s', { rt: 'fast' })).toBe(INVALID);
    expect(read('latency_ms', 'rt:s', { rt: '-' })).toBeNull();
    expect(read('latency_ms', 'rt:s', {})).toBeUndefined();
  });

  it('differences of ISO times, epoch numbers and OTLP nanosecond strings, exactly', () => {
    expect(
      read('latency_ms', 'end-start', { start: '2026-12-03T10:00:00.000100Z', end: '2026-12-03T10:00:01.250300Z' })
    ).toBe(1250.2);
    expect(read('latency_ms', 'endTime-startTime:s', { startTime: 100.5, endTime: 101 })).toBe(500);
    expect(
      read('latency_ms', 'endTimeUnixNano-startTimeUnixNano:ns', {
        startTimeUnixNano: '1764774195123456789',
        endTimeUnixNano: '1764774195123457790',
      })
    ).toBe(0.001001);
    expect(read('latency_ms', 'e-s:ms', { s: 1764774195123, e: 1764774195200 })).toBe(77);
    expect(read('latency_ms', 'e-s', { s: '2026-12-03T10:00:00Z' })).toBeUndefined();
    expect(read('latency_ms', 'e-s', { s: '2026-12-03T10:00:00Z', e: 'later' })).toBe(INVALID);
    // outside latency_ms and *_ms fields "-" is part of a name
    expect(read('request_id', 'x-request-id', { 'x-request-id': 'r9' })).toBe('r9');
    // a line with the very key a difference is written as keeps meaning that key (maps written before differences)
    expect(read('latency_ms', 'request-time', { 'request-time': 12.5, request: 100, time: 1 })).toBe(12.5);
    expect(read('latency_ms', 'request-time:s', { 'request-time': 0.25 })).toBe(250);
  });

  it('timestamps from nested paths and epoch units, to the microsecond', () => {
    expect(read('timestamp', 'meta.ts', { meta: { ts: '2026-12-03T10:00:00.123456Z' } })).toBe(
      Date.parse('2026-12-03T10:00:00Z') * 1000 + 123456
    );
    expect(read('timestamp', 't:ns', { t: '1764774195123456789' })).toBe(1764774195123456);
    expect(read('timestamp', 't:s', { t: 1764774195.123456 })).toBe(1764774195123456);
    expect(read('timestamp', 't:ms', { t: 1764774195123 })).toBe(1764774195123000);
    expect(read('timestamp', 't', { t: 'noon' })).toBe(INVALID);
    expect(read('timestamp', 't', { t: null })).toBeNull();
  });

  it('reports bad entries with a message each', () => {
    expect(fieldMapProblems({ latency_ms: 'duration', model: 'attributes[gen_ai.request.model]' })).toEqual([]);
    const problems = fieldMapProblems({
      latency_ms: 'rt:minutes',
      model: 'name:s',
      status: 'a[b',
      request_id: '',
      ttft_ms: 'a-b-c',
      timestamp: "'now'",
    });
    expect(problems).toEqual([
      'latency_ms=rt:minutes: "rt:minutes": unknown unit "minutes" (s, ms, us, µs or ns)',
      'model=name:s: "name:s": model is text; a unit applies to numbers and timestamps',
      'status=a[b: "a[b": a "[" without its "]"',
      'request_id=: request_id: an empty mapping',
      'ttft_ms=a-b-c: "a-b-c": a difference is end-start (write a name with "-" as [a-b])',
      "timestamp='now': \"'now'\": timestamp cannot be a constant",
    ]);
  });
});

describe('LineParser with a mapping', () => {
  function parse(lines: string[], config: SourceConfig): { store: Store; parser: LineParser } {
    const store = new Store();
    const parser = new LineParser(store, config);
    for (const line of lines) {
      parser.parse(line);
    }
    return { store, parser };
  }

  it('keeps the byte scanner for plain top-level renames, and gates everything else to the full path', () => {
    expect(RecordMapping.of({ fieldMap: { latency_ms: 'duration', model: 'name' } })).toBeNull();
    expect(new LineParser(new Store(), { fieldMap: { latency_ms: 'duration' } }).batchable()).toBe(true);
    expect(new LineParser(new Store(), { fieldMap: { latency_ms: 'a.duration' } }).batchable()).toBe(false);
    expect(new LineParser(new Store(), { fieldMap: { latency_ms: 'duration:s' } }).batchable()).toBe(false);
    expect(new LineParser(new Store(), { preset: 'litellm' }).batchable()).toBe(false);
    expect(new LineParser(new Store(), { preset: 'default' }).batchable()).toBe(true);
    expect(() => new LineParser(new Store(), { preset: 'nope' })).toThrow(/unknown preset/);
  });

  it('maps nested fields, units and differences into the standard and extra columns, counting skips', () => {
    const config: SourceConfig = {
      fieldMap: {
        timestamp: 'req.start',
        latency_ms: 'req.end-req.start',
        model: 'attributes[gen_ai.request.model]',
        status: 'resp.code',
        input_tokens: 'attributes[gen_ai.usage.input_tokens]',
        queue_ms: 'timings.queue:us',
      },
    };
    const line = (start: string, end: string, extra = ''): string =>
      `{"req":{"start":"${start}","end":"${end}"},"attributes":${JSON.stringify(OTEL_ATTRIBUTES)},"resp":{"code":500},"timings":{"queue":1500},"host":"h1"${extra}}`;
    const { store } = parse(
      [
        line('2026-12-03T10:00:00.000001Z', '2026-12-03T10:00:00.250002Z'),
        line('later', '2026-12-03T10:00:00Z'),
        `{"req":{"start":"2026-12-03T10:00:00Z"},"attributes":${JSON.stringify(OTEL_ATTRIBUTES)}}`,
        '{"req":{"start":"2026-12-03T10:00:00Z","end":"2026-12-03T10:00:01Z"},"attributes":[]}',
        line('2026-12-03T10:00:00Z', '2026-12-03T10:00:01Z', ',"timings":{"queue":"slow"}'),
      ],
      config
    );
    expect(store.length).toBe(2);
    expect(store.time.get(0)).toBe(Date.parse('2026-12-03T10:00:00Z') * 1000 + 1);
    expect(store.numberColumn('latency_ms')!.get(0)).toBe(250.001);
    expect(store.stringColumn('model')!.get(0)).toBe('gpt-4o');
    expect(store.errors.values()[0]).toBe(1); // status 500
    expect(store.numberColumn('input_tokens')!.get(0)).toBe(97);
    expect(store.numberColumn('queue_ms')!.get(0)).toBe(1.5);
    expect(store.stringColumn('host')!.get(0)).toBe('h1'); // unmapped fields stay columns
    expect(store.columns.has('req')).toBe(false); // fields the mapping reads do not
    expect(store.skipped).toEqual({ invalid_timestamp: 1, missing_latency: 1, missing_model: 1 });
    expect(Number.isNaN(store.numberColumn('queue_ms')!.get(1))).toBe(true);
    expect(store.invalidValues).toEqual({ queue_ms: 1 });
  });

  it('reads a request id back from a line of several requests by its time', () => {
    const { parser } = parse([], { preset: 'otel-genai' });
    const span = (id: string, start: string) => ({
      spanId: id,
      startTimeUnixNano: start,
      endTimeUnixNano: start,
      attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'm' } }],
    });
    const line = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [span('a', '1000000000'), span('b', '2000000000')] }] }],
    });
    expect(parser.readBack(line, 2_000_000)).toEqual({ id: 'b', timeUs: 2_000_000 });
    expect(parser.readBack(line)).toEqual({ id: 'a', timeUs: 1_000_000 });
    expect(parser.readBack(line, 3_000_000)).toBeNull();
  });
});
