import { DEFAULT_THRESHOLDS } from '../model/query';
import { REQUEST_ID } from '../store/store';
import { AnalysisContext, numericColumn } from './context';
import { QueryError } from './errors';
import { Frame, FrameField } from './frames';
import { groupRows, select } from './select';
import { gatherNumeric, mean, median, quantile, selectKth, stddev } from './stats';

/** A score per value: how far from typical it is, in the method's units; anomalous when |score| > threshold. */
type Scorer = (value: number) => number;

/** z = (x - mean) / std (ddof=1). */
function zscoreScorer(values: Float64Array): Scorer {
  const m = mean(values);
  const s = stddev(values);
  return (x) => (x - m) / s;
}

/** Modified z-score (Iglewicz and Hoaglin): 0.6745 (x - median) / MAD. */
function madScorer(values: Float64Array): Scorer {
  const med = median(values);
  const deviations = values.map((v) => Math.abs(v - med));
  const mad = median(deviations);
  return (x) => (0.6745 * (x - med)) / mad;
}

/** Distance beyond the box in IQRs: above Q3 positive, below Q1 negative, inside 0. Tukey fences at k. */
function iqrScorer(values: Float64Array): Scorer {
  const q1 = quantile(values, 0.25);
  const q3 = quantile(values, 0.75);
  const iqr = q3 - q1;
  return (x) => (x > q3 ? (x - q3) / iqr : x < q1 ? (x - q1) / iqr : 0);
}

const SCORERS = { zscore: zscoreScorer, mad: madScorer, iqr: iqrScorer };

/** anomalies: the requests whose metric is unusual within their group, most extreme first. */
export function anomalies(ctx: AnalysisContext): Frame[] {
  const { store, query } = ctx;
  const metric = query.metric ?? 'latency_ms';
  const method = query.method ?? 'zscore';
  if (!(method in SCORERS)) {
    throw new QueryError(`unknown anomaly method "${method}"; use zscore, mad or iqr`);
  }
  const threshold = query.threshold ?? DEFAULT_THRESHOLDS[method];
  const column = numericColumn(store, metric).raw();
  const { data, factor, missing } = column;
  const selection = select(store, ctx.range, query.filters);
  const groups = groupRows(selection, query.groupBy ?? []);

  let foundRows = new Uint32Array(1024);
  let foundScores = new Float64Array(1024);
  let found = 0;
  for (const rows of groups.rows) {
    const values = gatherNumeric(column, rows);
    if (values.length === 0) {
      continue;
    }
    const score = SCORERS[method](values);
    for (let i = 0; i < rows.length; i++) {
      const raw = data[rows[i]];
      if (raw !== missing && raw === raw) {
        const x = raw / factor;
        const s = score(x);
        // For IQR the fences are x < Q1 - k IQR or x > Q3 + k IQR, i.e. |score| > k.
        if (Math.abs(s) > threshold) {
          if (found === foundRows.length) {
            const moreRows = new Uint32Array(found * 2);
            const moreScores = new Float64Array(found * 2);
            moreRows.set(foundRows);
            moreScores.set(foundScores);
            foundRows = moreRows;
            foundScores = moreScores;
          }
          foundRows[found] = rows[i];
          foundScores[found] = s;
          found++;
        }
      }
    }
  }
  // Most extreme first; ties by time, then by position in the log. With a limit, only the candidates for the
  // first `limit` places are sorted: those at least as extreme as the limit-th most extreme.
  const time = store.time.values();
  const limit = query.limit !== undefined && query.limit >= 0 ? query.limit : found;
  let candidates: number[] = [];
  if (limit < found) {
    const extremity = new Float64Array(found);
    for (let i = 0; i < found; i++) {
      extremity[i] = Math.abs(foundScores[i]);
    }
    let bar = Infinity;
    if (limit > 0) {
      selectKth(extremity, found - limit);
      bar = extremity[found - limit];
    }
    for (let i = 0; i < found; i++) {
      if (Math.abs(foundScores[i]) >= bar) {
        candidates.push(i);
      }
    }
  } else {
    candidates = Array.from({ length: found }, (_, i) => i);
  }
  candidates.sort(
    (a, b) =>
      Math.abs(foundScores[b]) - Math.abs(foundScores[a]) ||
      time[foundRows[a]] - time[foundRows[b]] ||
      foundRows[a] - foundRows[b]
  );
  const kept = candidates.slice(0, limit).map((i) => ({ row: foundRows[i], score: foundScores[i] }));

  const stringOf = (field: string) => {
    const col = store.stringColumn(field);
    return kept.map((a) => col?.get(a.row) ?? null);
  };
  const fields: FrameField[] = [
    { name: 'timestamp', type: 'time', values: kept.map((a) => time[a.row]) },
    { name: REQUEST_ID, type: 'string', values: stringOf(REQUEST_ID) },
    { name: 'model', type: 'string', values: stringOf('model') },
    { name: metric, type: 'number', values: kept.map((a) => (data[a.row] === missing ? NaN : data[a.row] / factor)) },
    { name: 'score', type: 'number', values: kept.map((a) => a.score) },
  ];
  for (const field of groups.fields) {
    if (field !== 'model' && field !== REQUEST_ID && field !== metric) {
      const col = store.columns.get(field);
      fields.push({
        name: field,
        type: 'string',
        values: kept.map((a) => {
          if (!col) {
            return null;
          }
          const v = col.get(a.row);
          return typeof v === 'number' ? String(v) : v;
        }),
      });
    }
  }
  return [
    {
      name: 'anomalies',
      fields,
      meta: { custom: { method, threshold, metric, found } },
    },
  ];
}
