import * as path from 'path';
import { checkSettingsShape } from '../model/validate';
import { Store } from '../store/store';
import { cacheFileName } from './restart-cache';
import { describePreset, presetOf, PRESETS } from './presets';
import { LogReader } from './reader';
import { SourceConfig } from './parse-line';

const FIXTURES = path.join(__dirname, 'fixtures');

/** Reads a preset's fixture folder with the reader every door uses (on this thread). */
async function read(preset: string, config: SourceConfig = {}): Promise<Store> {
  const reader = new LogReader([path.join(FIXTURES, preset)], { preset, ...config }, undefined, { scanWorkers: 0 });
  await reader.refresh();
  return reader.store;
}

/** Every row as an object of the columns asked for (request ids read back from the file). */
function rows(store: Store, columns: string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let row = 0; row < store.length; row++) {
    const r: Record<string, unknown> = { time: store.time.get(row), error: store.errors.values()[row] === 1 };
    for (const name of columns) {
      if (name === 'request_id') {
        r[name] = store.requestIds!.get(row);
        continue;
      }
      const text = store.stringColumn(name);
      const number = store.numberColumn(name);
      r[name] = text ? text.get(row) : number ? number.get(row) : undefined;
    }
    out.push(r);
  }
  return out;
}

/** Epoch microseconds of an ISO time with a microsecond fraction. */
function us(iso: string, micros: number): number {
  return Date.parse(iso) * 1000 + micros;
}

describe('presets on fixtures written from each format’s documentation', () => {
  it('otel-genai: one row per span, ns timestamps exact to the µs, status code 2 an error, reasons counted', async () => {
    const store = await read('otel-genai');
    const got = rows(store, [
      'model',
      'latency_ms',
      'request_id',
      'status',
      'service',
      'trace_id',
      'input_tokens',
      'output_tokens',
      'operation',
      'provider',
    ]);
    expect(got).toEqual([
      {
        time: 1764774195123456,
        error: false,
        model: 'gpt-4o-2024-08-06', // the response model before the request model
        latency_ms: 1250,
        request_id: 'eee19b7ec3c1b174',
        status: '1',
        service: 'chat-api',
        trace_id: '5b8efff798038103d269b633813fc60c',
        input_tokens: 97, // intValue "97": int64 written as a string
        output_tokens: 52,
        operation: 'chat',
        provider: 'openai',
      },
      {
        time: 1764774197000001,
        error: true,
        model: 'llama-3-8b',
        latency_ms: 250.0005, // exact: nanosecond integers subtracted as integers
        request_id: 'eee19b7ec3c1b175',
        status: '2',
        service: 'chat-api',
        trace_id: '5b8efff798038103d269b633813fc60c',
        input_tokens: 12,
        output_tokens: NaN,
        operation: 'chat',
        provider: null,
      },
    ]);
    expect(store.skipped).toEqual({
      missing_model: 1,
      no_spans: 1,
      invalid_timestamp: 1,
      missing_latency: 1,
      invalid_json: 1,
    });
    // Only the mapped fields are columns: no attributes, events or kind.
    expect(store.columns.has('attributes')).toBe(false);
    expect(store.columns.has('kind')).toBe(false);
  });

  it('litellm: start/end seconds to ms, ttft, tokens, failure an error', async () => {
    const store = await read('litellm');
    const got = rows(store, [
      'model',
      'latency_ms',
      'ttft_ms',
      'request_id',
      'status',
      'input_tokens',
      'output_tokens',
      'total_tokens',
      'model_group',
    ]);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      time: us('2025-12-03T15:03:15.123Z', 456),
      error: false,
      model: 'gpt-4o',
      request_id: 'chatcmpl-8c1f',
      status: 'success',
      input_tokens: 20,
      output_tokens: 35,
      total_tokens: 55,
      model_group: 'gpt-4o',
    });
    expect(got[0].latency_ms).toBeCloseTo(1500, 3);
    expect(got[0].ttft_ms).toBeCloseTo(300, 3);
    expect(got[1]).toMatchObject({
      time: us('2025-12-03T15:03:20.500Z', 0),
      error: true,
      status: 'failure',
      latency_ms: 250,
    });
    expect(store.skipped).toEqual({ missing_latency: 1, missing_model: 1, invalid_timestamp: 1 });
    expect(store.columns.has('messages')).toBe(false);
  });

  it('tgi: Rust duration texts in their own units, the span found in the span list', async () => {
    const store = await read('tgi', { fieldMap: { model: "'llama-3-8b'" } });
    const got = rows(store, [
      'model',
      'latency_ms',
      'status',
      'queue_ms',
      'validation_ms',
      'time_per_token_ms',
      'input_tokens',
      'output_tokens',
    ]);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      time: us('2026-12-03T15:03:16.000Z', 1),
      error: false,
      model: 'llama-3-8b', // the user's --field-map over the preset's
      status: 'Success',
      input_tokens: NaN,
    });
    expect(got[0].latency_ms).toBeCloseTo(1502.345, 9);
    expect(got[0].validation_ms).toBeCloseTo(0.3452, 9);
    expect(got[0].queue_ms).toBeCloseTo(12.1, 9);
    expect(got[1]).toMatchObject({
      time: us('2026-12-03T15:03:17.250Z', 0),
      latency_ms: 640.5,
      input_tokens: 18,
      output_tokens: 20,
    });
    expect(got[1].time_per_token_ms).toBeCloseTo(31.9545, 9);
    expect(store.skipped).toEqual({ missing_latency: 2, invalid_latency: 1 });
  });

  it('nginx-json: request_time seconds to ms, 5xx an error, the upstream when no model header', async () => {
    const store = await read('nginx-json');
    const got = rows(store, ['model', 'latency_ms', 'upstream_ms', 'status', 'request_id', 'uri', 'body_bytes_sent']);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      time: us('2025-12-03T15:03:15.123Z', 0),
      error: false,
      model: 'llama-3-8b',
      request_id: '7f0c2a9e',
      uri: '/v1/chat/completions', // unmapped fields stay columns
      body_bytes_sent: 1532,
    });
    expect(got[0].latency_ms).toBeCloseTo(734, 9);
    expect(got[0].upstream_ms).toBeCloseTo(731, 9);
    expect(got[1]).toMatchObject({
      time: us('2025-12-03T15:03:16.500Z', 0),
      error: true,
      model: '10.0.1.3:8000',
      upstream_ms: NaN,
    });
    expect(store.skipped).toEqual({ missing_latency: 1, invalid_json: 1 });
    expect(store.invalidValues).toEqual({});
  });

  it('envoy-json: duration in ms, response code 503 an error, the cluster when no model header', async () => {
    const store = await read('envoy-json');
    const got = rows(store, ['model', 'latency_ms', 'ttfb_ms', 'status', 'request_id', 'response_flags']);
    expect(got).toEqual([
      {
        time: us('2026-12-03T15:03:15.123Z', 0),
        error: false,
        model: 'mistral-7b',
        latency_ms: 812,
        ttfb_ms: 95,
        status: '200',
        request_id: '5b1d7e2a',
        response_flags: '-',
      },
      {
        time: us('2026-12-03T15:03:16.456Z', 0),
        error: true,
        model: 'vllm',
        latency_ms: 30,
        ttfb_ms: NaN,
        status: '503',
        request_id: '5b1d7e2b',
        response_flags: 'UF',
      },
    ]);
    expect(store.skipped).toEqual({ invalid_timestamp: 1, missing_latency: 1 });
  });

  it('every preset documents itself, and an unknown one is an error naming them', () => {
    for (const preset of Object.values(PRESETS)) {
      expect(describePreset(preset)).toContain(preset.sample);
    }
    expect(() => presetOf('splunk')).toThrow(/unknown preset "splunk" \(one of default, otel-genai, litellm/);
  });
});

describe('settings and caches know the preset', () => {
  it('data source settings: a preset must be one of the names; each field-map entry must parse', () => {
    expect(() =>
      checkSettingsShape({ paths: ['/l'], preset: 'litellm', fieldMap: { latency_ms: 'a.b:ms' } })
    ).not.toThrow();
    expect(() => checkSettingsShape({ preset: 'splunk' })).toThrow(
      /preset must be one of default, otel-genai, litellm/
    );
    expect(() => checkSettingsShape({ fieldMap: { latency_ms: 'rt:minutes' } })).toThrow(
      'invalid data source settings: fieldMap latency_ms=rt:minutes: "rt:minutes": unknown unit "minutes" (s, ms, us, µs or ns)'
    );
  });

  it('the restart cache of a preset is not the cache of the same paths read without it', () => {
    const paths = ['/var/log/x'];
    expect(cacheFileName({ paths, config: { preset: 'litellm' } })).not.toBe(cacheFileName({ paths, config: {} }));
    expect(cacheFileName({ paths, config: { preset: undefined } })).toBe(cacheFileName({ paths, config: {} }));
  });
});
