import type { AnalysisQuery, TimeRange } from '../model/query';
import { Store } from '../store/store';
import { QueryError } from './errors';
import { Frame } from './frames';
import { analyse } from './run';
import { runQuery } from '../format/dataframe-json';
import {
  jsonFieldNames,
  jsonValues,
  LogRecord,
  ms,
  numbers,
  req,
  storeOf,
  values,
} from '../../test/support/test-store';

const T0 = ms('2026-01-01T00:00:00Z');

/** A store of latencies one second apart, request ids r0, r1, ... */
function latencies(list: Array<number | null>, extra: (i: number) => LogRecord = () => ({})): Store {
  return storeOf(
    list.map((latency, i) => req(T0 + i * 1000, { latency_ms: latency, request_id: `r${i}`, ...extra(i) }))
  );
}

function anomaliesOf(s: Store, query: Partial<AnalysisQuery> = {}, range: TimeRange = {}): Frame {
  const frames = analyse(s, { queryType: 'anomalies', ...query }, { range });
  expect(frames).toHaveLength(1);
  return frames[0];
}

describe('anomalies: zscore', () => {
  it('flags |z| > 3 by default (hand-computed)', () => {
    // 19 x 10 and one 100: mean 14.5; squared deviations 19*4.5^2 + 85.5^2 = 384.75 + 7310.25 = 7695
    // std = sqrt(7695/19) = sqrt(405); z(100) = 85.5/sqrt(405) = 4.2485..., z(10) = -0.2236
    const list = [...new Array<number>(19).fill(10), 100];
    const frame = anomaliesOf(latencies(list));
    expect(values(frame, 'request_id')).toEqual(['r19']);
    expect(numbers(frame, 'latency_ms')).toEqual([100]);
    expect(numbers(frame, 'score')[0]).toBeCloseTo(85.5 / Math.sqrt(405), 10);
    expect(numbers(frame, 'timestamp')).toEqual([(T0 + 19_000) * 1000]);
  });

  it('does not flag the max of 10 points (max |z| = 9/sqrt(10) < 3)', () => {
    const list = [...new Array<number>(9).fill(10), 100];
    expect(numbers(anomaliesOf(latencies(list)), 'score')).toEqual([]);
  });

  it('uses the threshold given and orders equal |score| by time', () => {
    // [5,4,3,2,1]: mean 3, std sqrt(10/4) = 1.5811; z(5) = 1.2649, z(1) = -1.2649, z(4) = 0.632
    const frame = anomaliesOf(latencies([5, 4, 3, 2, 1]), { threshold: 1 });
    expect(numbers(frame, 'latency_ms')).toEqual([5, 1]);
    expect(numbers(frame, 'score')[0]).toBeCloseTo(2 / Math.sqrt(2.5), 12);
    expect(numbers(frame, 'score')[1]).toBeCloseTo(-2 / Math.sqrt(2.5), 12);
  });

  it('sorts by |score| descending', () => {
    // [1,2,3,4,5,6,7,8,9,30]: mean 7.5; squared deviations
    // 42.25+30.25+20.25+12.25+6.25+2.25+0.25+0.25+2.25+506.25 = 622.5; std = sqrt(622.5/9) = 8.3166
    // z: 30 -> 22.5/8.3166 = 2.7054, 1 -> -6.5/8.3166 = -0.7816, 2 -> -0.6613; threshold 0.7 keeps 30 then 1
    const frame = anomaliesOf(latencies([1, 2, 3, 4, 5, 6, 7, 8, 9, 30]), { threshold: 0.7 });
    expect(numbers(frame, 'latency_ms')).toEqual([30, 1]);
    const std = Math.sqrt(622.5 / 9);
    expect(numbers(frame, 'score')[0]).toBeCloseTo(22.5 / std, 10);
    expect(numbers(frame, 'score')[1]).toBeCloseTo(-6.5 / std, 10);
  });

  it('flags nothing when all values are equal (std 0)', () => {
    expect(numbers(anomaliesOf(latencies([7, 7, 7, 7]), { threshold: 0 }), 'score')).toEqual([]);
  });

  it('skips missing values of the metric', () => {
    // missing values do not enter mean or std: [5, 1, 3] -> mean 3, std 2; z(5) = 1, z(1) = -1
    const frame = anomaliesOf(latencies([5, null, 1, 3]), { threshold: 0.5 });
    expect(values(frame, 'request_id')).toEqual(['r0', 'r2']);
    expect(numbers(frame, 'score')).toEqual([1, -1]);
  });

  it('applies the limit after sorting', () => {
    const frame = anomaliesOf(latencies([1, 2, 3, 4, 5, 6, 7, 8, 9, 30]), { threshold: 0.7, limit: 1 });
    expect(numbers(frame, 'latency_ms')).toEqual([30]);
    expect(numbers(anomaliesOf(latencies([5, 4, 3, 2, 1]), { threshold: 1, limit: 0 }), 'score')).toEqual([]);
  });

  it('works on any numeric metric', () => {
    const s = storeOf([5, 4, 3, 2, 1].map((g, i) => req(T0 + i * 1000, { gpu_util: g * 10, latency_ms: 7 })));
    const frame = anomaliesOf(s, { metric: 'gpu_util', threshold: 1 });
    expect(frame.fields.map((f) => f.name)).toEqual(['timestamp', 'request_id', 'model', 'gpu_util', 'score']);
    expect(numbers(frame, 'gpu_util')).toEqual([50, 10]);
  });
});

describe('anomalies: mad', () => {
  it('flags |0.6745 (x - median) / MAD| > 3.5 by default', () => {
    // [1,2,3,4,100]: median 3; |x-3| = [2,1,0,1,97] -> MAD 1; score(100) = 0.6745*97 = 65.4265
    const frame = anomaliesOf(latencies([1, 2, 3, 4, 100]), { method: 'mad' });
    expect(numbers(frame, 'latency_ms')).toEqual([100]);
    expect(numbers(frame, 'score')[0]).toBeCloseTo(65.4265, 10);
  });

  it('uses the given threshold', () => {
    // threshold 1: 100 (65.4265) and 1 (-1.349); 2 and 4 are at 0.6745
    const frame = anomaliesOf(latencies([1, 2, 3, 4, 100]), { method: 'mad', threshold: 1 });
    expect(numbers(frame, 'latency_ms')).toEqual([100, 1]);
    expect(numbers(frame, 'score')[1]).toBeCloseTo(-1.349, 10);
  });

  it('gives ±Infinity scores when the MAD is 0, and encodes them as entities', () => {
    // [5,5,1,5,5,9]: median 5, deviations [0,0,4,0,0,4] -> MAD 0; 1 -> -Inf, 9 -> +Inf; 5 -> 0/0, not flagged
    const s = latencies([5, 5, 1, 5, 5, 9]);
    const frame = anomaliesOf(s, { method: 'mad' });
    expect(numbers(frame, 'latency_ms')).toEqual([1, 9]); // equal |score|: by time
    expect(numbers(frame, 'score')).toEqual([-Infinity, Infinity]);
    const [json] = runQuery(s, { queryType: 'anomalies', method: 'mad' }, { range: {} });
    const scoreIndex = jsonFieldNames(json).indexOf('score');
    expect(jsonValues(json, 'score')).toEqual([null, null]);
    expect(json.data!.entities![scoreIndex]).toEqual({ NegInf: [0], Inf: [1] });
  });
});

describe('anomalies: iqr', () => {
  it('flags values outside the Tukey fences with scores in IQRs beyond the box', () => {
    // sorted [-10,2,3,4,5,6,30]: Q1 h=1.5 -> 2.5; Q3 h=4.5 -> 5.5; IQR 3; fences -2 and 10
    // 30 -> (30-5.5)/3 = 8.1667; -10 -> (-10-2.5)/3 = -4.1667
    const frame = anomaliesOf(latencies([2, 30, 3, 4, -10, 5, 6]), { method: 'iqr' });
    expect(numbers(frame, 'latency_ms')).toEqual([30, -10]);
    expect(numbers(frame, 'score')[0]).toBeCloseTo(24.5 / 3, 12);
    expect(numbers(frame, 'score')[1]).toBeCloseTo(-12.5 / 3, 12);
  });

  it('does not flag a value exactly on the fence', () => {
    // [0,1,2,3,6]: Q1 1, Q3 3, IQR 2; upper fence 3 + 1.5*2 = 6 -> 6 is not beyond it
    expect(numbers(anomaliesOf(latencies([0, 1, 2, 3, 6]), { method: 'iqr' }), 'score')).toEqual([]);
    // [0,1,2,3,6.5]: score (6.5-3)/2 = 1.75 > 1.5
    const frame = anomaliesOf(latencies([0, 1, 2, 3, 6.5]), { method: 'iqr' });
    expect(numbers(frame, 'score')).toEqual([1.75]);
  });

  it('takes k from the threshold', () => {
    // k = 1: (6-3)/2 = 1.5 > 1
    expect(numbers(anomaliesOf(latencies([0, 1, 2, 3, 6]), { method: 'iqr', threshold: 1 }), 'score')).toEqual([1.5]);
  });
});

describe('anomalies: groups', () => {
  // region x: latencies 1..5, region y: 11..15, interleaved in time
  const s = storeOf(
    [1, 11, 2, 12, 3, 13, 4, 14, 5, 15].map((latency, i) =>
      req(T0 + i * 1000, {
        latency_ms: latency,
        request_id: `r${i}`,
        region: i % 2 ? 'y' : 'x',
        model: i < 5 ? 'a' : 'b',
      })
    )
  );

  it('scores within each group and adds the group fields other than model', () => {
    // each group: mean 3 (13), std sqrt(2.5); z = ±2/sqrt(2.5) = ±1.2649 for the ends
    const frame = anomaliesOf(s, { groupBy: ['region'], threshold: 1 });
    expect(frame.fields.map((f) => f.name)).toEqual([
      'timestamp',
      'request_id',
      'model',
      'latency_ms',
      'score',
      'region',
    ]);
    // four equal |z|: by time: 1 (t0), 11 (t1), 5 (t8), 15 (t9)
    expect(numbers(frame, 'latency_ms')).toEqual([1, 11, 5, 15]);
    expect(values(frame, 'region')).toEqual(['x', 'y', 'x', 'y']);
    expect(values(frame, 'model')).toEqual(['a', 'a', 'b', 'b']);
    expect(numbers(frame, 'score')[0]).toBeCloseTo(-2 / Math.sqrt(2.5), 12);
  });

  it('differs from scoring all rows together', () => {
    // all ten: mean 8, squared deviations 2*(49+36+25+16+9) = 270; std sqrt(30);
    // |z| > 1: 1 (-7/5.477), 15 (7/5.477), 2 (-6/5.477), 14 (6/5.477)
    const frame = anomaliesOf(s, { threshold: 1 });
    expect(numbers(frame, 'latency_ms')).toEqual([1, 15, 2, 14]);
    expect(numbers(frame, 'score')[0]).toBeCloseTo(-7 / Math.sqrt(30), 12);
  });

  it('does not repeat model as a group field', () => {
    const frame = anomaliesOf(s, { groupBy: ['model'], threshold: 1 });
    expect(frame.fields.map((f) => f.name)).toEqual(['timestamp', 'request_id', 'model', 'latency_ms', 'score']);
  });

  it('encodes timestamps as epoch ms with sub-ms in nanos', () => {
    const sub = storeOf([
      req('2026-01-01T00:00:00.123456Z', { latency_ms: 100 }),
      ...[1, 2, 3, 4].map((v, i) => req(T0 + 1000 * (i + 1), { latency_ms: v })),
    ]);
    const [json] = runQuery(sub, { queryType: 'anomalies', method: 'mad', refId: 'A' }, { range: {} });
    expect(json.schema!.fields[0]).toEqual({ name: 'timestamp', type: 'time' });
    expect(jsonValues(json, 'timestamp')).toEqual([T0 + 123]);
    expect(json.data!.nanos![0]).toEqual([456_000]);
    expect(json.schema!.refId).toBe('A');
  });
});

describe('anomalies: errors', () => {
  const s = latencies([1, 2, 3]);
  it('rejects an unknown metric, method or group field', () => {
    expect(() => anomaliesOf(s, { metric: 'nosuch' })).toThrow(QueryError);
    expect(() => anomaliesOf(s, { metric: 'model' })).toThrow(QueryError);
    expect(() => anomaliesOf(s, { method: 'bogus' as AnalysisQuery['method'] })).toThrow(QueryError);
    expect(() => anomaliesOf(s, { groupBy: ['nosuch'] })).toThrow(QueryError);
  });

  it('rejects a negative or fractional limit', () => {
    expect(() => anomaliesOf(s, { limit: -1 })).toThrow(QueryError);
    expect(() => anomaliesOf(s, { limit: 1.5 })).toThrow(QueryError);
  });
});
