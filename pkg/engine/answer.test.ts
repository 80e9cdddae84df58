import type { AnalysisQuery, TimeRange } from '../model/query';
import { InvalidInputError } from '../model/validate';
import { answer, AnalysisSource, capRows } from './answer';
import { Frame } from './frames';
import { DEFAULT_SLOWEST } from './spike';
import { StoreSource } from './store-source';
import { ms, numbers, req, storeOf, values } from '../../test/support/test-store';

/** A source that runs nothing: it keeps what answer() hands it. */
class RecordingSource implements AnalysisSource {
  calls: Array<{ query: AnalysisQuery; range: TimeRange; intervalMs?: number }> = [];

  async analyse(query: AnalysisQuery, range: TimeRange, intervalMs?: number): Promise<Frame[]> {
    this.calls.push({ query, range, intervalMs });
    return [];
  }
}

describe('capRows: the one row cap', () => {
  it('gives anomalies and logs without a limit maxRows, and cuts a larger limit to it', () => {
    for (const queryType of ['anomalies', 'logs'] as const) {
      expect(capRows({ queryType }, 30).limit).toBe(30);
      expect(capRows({ queryType, limit: 5 }, 30).limit).toBe(5);
      expect(capRows({ queryType, limit: 1000 }, 30).limit).toBe(30);
    }
  });

  it("cuts spike's slowest requests to maxRows too, keeping its own default below that", () => {
    expect(capRows({ queryType: 'spike' }, 30).limit).toBe(DEFAULT_SLOWEST);
    expect(capRows({ queryType: 'spike' }, 3).limit).toBe(3);
    expect(capRows({ queryType: 'spike', limit: 1000 }, 30).limit).toBe(30);
    expect(capRows({ queryType: 'spike', limit: 20 }, 30).limit).toBe(20);
  });

  it('leaves queries that list no requests, and any query without a bound, as they are', () => {
    const summary: AnalysisQuery = { queryType: 'summary', limit: 1000 };
    expect(capRows(summary, 30)).toBe(summary);
    const logs: AnalysisQuery = { queryType: 'logs' };
    expect(capRows(logs, undefined)).toBe(logs);
  });

  it('does not change the query it is given', () => {
    const query: AnalysisQuery = { queryType: 'logs', limit: 1000 };
    capRows(query, 30);
    expect(query.limit).toBe(1000);
  });
});

describe('answer', () => {
  it('hands the source the checked, capped query, the range and the interval', async () => {
    const source = new RecordingSource();
    await answer(
      source,
      { refId: 'A', queryType: 'anomalies', limit: '500' },
      { from: 1, to: 2 },
      { maxRows: 30 },
      60_000
    );
    expect(source.calls).toEqual([
      { query: { refId: 'A', queryType: 'anomalies', limit: 30 }, range: { from: 1, to: 2 }, intervalMs: 60_000 },
    ]);
  });

  it('checks the query against the query model before the source sees it', async () => {
    const source = new RecordingSource();
    await expect(answer(source, { queryType: 'trend', window: 5 }, {}, {})).rejects.toThrow(
      new InvalidInputError('invalid query: window must be string')
    );
    await expect(answer(source, 'summary', {}, {})).rejects.toThrow('the query must be a JSON object');
    expect(source.calls).toEqual([]);
  });

  it('says no to a range that ends before it starts', async () => {
    const source = new RecordingSource();
    await expect(answer(source, { queryType: 'summary' }, { from: 2, to: 1 }, {})).rejects.toThrow(
      new InvalidInputError('the time range ends before it starts')
    );
    expect(source.calls).toEqual([]);
  });

  it('over the store: the capped list, newest first, with the input notices on the first frame', async () => {
    const store = storeOf([
      req('2026-03-01T10:00:00Z', { latency_ms: 10 }),
      req('2026-03-01T10:01:00Z', { latency_ms: 20 }),
      req('2026-03-01T10:02:00Z', { latency_ms: 30 }),
      'not json',
    ]);
    const range = { from: ms('2026-03-01T10:00:00Z'), to: ms('2026-03-01T10:02:00Z') };
    const [frame] = await answer(new StoreSource(store), { queryType: 'logs' }, range, { maxRows: 2 });
    expect(numbers(frame, 'latency_ms')).toEqual([30, 20]);
    expect(values(frame, 'model')).toEqual(['m', 'm']);
    expect(frame.meta?.notices?.map((n) => n.text)).toEqual(['Skipped 1 log line: invalid_json 1']);
  });
});
