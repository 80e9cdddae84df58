import { LLM_MEASURE_COLUMNS } from '../model/query';
import { LLM_COLUMNS } from './llm';
import { analyse } from './run';
import { req, storeOf, values } from '../../test/support/test-store';

const T0 = Date.parse('2026-11-20T10:00:00Z');

const llmStore = storeOf(
  Array.from({ length: 40 }, (_, i) =>
    req(T0 + i * 1000, {
      model: i % 2 ? 'a' : 'b',
      latency_ms: 100 + 10 * i,
      ttft_ms: i === 3 ? null : 10 + i,
      input_tokens: 100 + i,
      output_tokens: 1 + (i % 5),
    })
  )
);
const plainStore = storeOf([req(T0, { latency_ms: 5 }), req(T0 + 1000, { latency_ms: 7 })]);

const numbers = (frame: ReturnType<typeof analyse>[number], name: string) => values(frame, name) as number[];

describe('LLM measures in summary', () => {
  it('adds averages and percentiles of the LLM fields the logs have, per group, missing values skipped', () => {
    const [frame] = analyse(llmStore, { queryType: 'summary', groupBy: ['model'] }, { range: {} });
    const names = frame.fields.map((f) => f.name);
    expect(names.slice(-LLM_MEASURE_COLUMNS.length)).toEqual([...LLM_MEASURE_COLUMNS]);
    // Group "a": the odd rows; row 3 has no ttft.
    const odd = Array.from({ length: 20 }, (_, k) => 2 * k + 1);
    const ttft = odd.filter((i) => i !== 3).map((i) => 10 + i);
    expect(numbers(frame, 'avg_ttft_ms')[0]).toBeCloseTo(ttft.reduce((a, b) => a + b, 0) / ttft.length, 12);
    expect(numbers(frame, 'avg_input_tokens')[0]).toBe(odd.reduce((a, i) => a + 100 + i, 0) / odd.length);
    // tpot: (latency - ttft) / (tokens - 1), only where tokens > 1 and ttft is there.
    const tpot = odd.filter((i) => i !== 3 && 1 + (i % 5) > 1).map((i) => (100 + 10 * i - (10 + i)) / (i % 5));
    const sorted = [...tpot].sort((x, y) => x - y);
    const h = (sorted.length - 1) * 0.5;
    const median = sorted[Math.floor(h)] + (h % 1) * (sorted[Math.ceil(h)] - sorted[Math.floor(h)]);
    expect(numbers(frame, 'p50_tpot_ms')[0]).toBeCloseTo(median, 12);
  });

  it('adds none over logs without them', () => {
    const [frame] = analyse(plainStore, { queryType: 'summary' }, { range: {} });
    expect(frame.fields.map((f) => f.name)).not.toContain('avg_ttft_ms');
  });
});

describe('LLM columns', () => {
  it('are the ones the query model lists for the editors', () => {
    expect(LLM_COLUMNS).toEqual(LLM_MEASURE_COLUMNS);
  });
});

describe('LLM fields the logs do not have', () => {
  it('answer no frames (Grafana: No data) in trends, anomalies and picked measures', () => {
    expect(
      analyse(plainStore, { queryType: 'trend', metric: 'tpot_ms', aggregation: 'p99', window: '1m' }, { range: {} })
    ).toEqual([]);
    expect(analyse(plainStore, { queryType: 'anomalies', metric: 'ttft_ms' }, { range: {} })).toEqual([]);
    expect(analyse(plainStore, { queryType: 'summary', measures: ['p99_ttft_ms'] }, { range: {} })).toEqual([]);
  });

  it('while other unknown fields and measures are still errors', () => {
    expect(() =>
      analyse(plainStore, { queryType: 'trend', metric: 'nope', aggregation: 'mean', window: '1m' }, { range: {} })
    ).toThrow(/"nope" is not a numeric field/);
    expect(() => analyse(plainStore, { queryType: 'summary', measures: ['p99_nope'] }, { range: {} })).toThrow(
      /unknown measure "p99_nope"/
    );
  });

  it('trend works on a derived field like on any numeric field', () => {
    const frames = analyse(
      llmStore,
      { queryType: 'trend', metric: 'output_tokens_per_s', aggregation: 'max', window: '1h' },
      { range: {} }
    );
    const rows = Array.from({ length: 40 }, (_, i) => (1 + (i % 5)) / ((100 + 10 * i) / 1000));
    expect(numbers(frames[0], frames[0].fields[1].name)).toEqual([Math.max(...rows)]);
  });
});
