import { DEFAULT_THRESHOLDS } from '../model/query';
import type { CodeArray, NumericData } from '../store/columns';
import { REQUEST_ID } from '../store/store';
import { AnalysisContext, numericColumn } from './context';
import { QueryError } from './errors';
import { Frame, FrameField } from './frames';
import { groupRows, select } from './select';
import { median, quantile, selectKth } from './quantiles';
import { gatherNumeric, mean, stddev } from './reductions';
import { checkpoint } from './interrupt';

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

/** Rows found anomalous and their scores, growing as needed. */
class FoundList {
  rows = new Uint32Array(1024);
  scores = new Float64Array(1024);
  length = 0;

  push(row: number, score: number): void {
    if (this.length === this.rows.length) {
      const rows = new Uint32Array(this.length * 2);
      const scores = new Float64Array(this.length * 2);
      rows.set(this.rows);
      scores.set(this.scores);
      this.rows = rows;
      this.scores = scores;
    }
    this.rows[this.length] = row;
    this.scores[this.length++] = score;
  }
}

/**
 * z-scores within groups given by dictionary codes (codes null: one group; code 0, a missing key, is no group):
 * each group's mean and sample std from its values in row order — the same sums as mean() and stddev() of the
 * gathered values — then every row scored. Rows with |z| > threshold go to `found`.
 */
function zscoresByCode(
  rows: Uint32Array,
  codes: CodeArray | null,
  groups: number,
  column: NumericData,
  threshold: number,
  found: FoundList
): void {
  const { data, factor, missing } = column;
  const n = new Float64Array(groups);
  const sums = new Float64Array(groups);
  const squares = new Float64Array(groups);
  const skipMissingKey = codes !== null;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const raw = data[row];
    const c = codes === null ? 0 : codes[row];
    if (raw !== missing && raw === raw && !(skipMissingKey && c === 0)) {
      n[c]++;
      sums[c] += raw / factor;
    }
  }
  const means = sums.map((total, c) => total / n[c]);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const raw = data[row];
    const c = codes === null ? 0 : codes[row];
    if (raw !== missing && raw === raw) {
      const d = raw / factor - means[c];
      squares[c] += d * d;
    }
  }
  const std = squares.map((q, c) => (n[c] < 2 ? NaN : Math.sqrt(q / (n[c] - 1))));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const raw = data[row];
    const c = codes === null ? 0 : codes[row];
    if (raw !== missing && raw === raw && !(skipMissingKey && c === 0)) {
      const z = (raw / factor - means[c]) / std[c];
      if (Math.abs(z) > threshold) {
        found.push(row, z);
      }
    }
  }
}

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
  const groupBy = query.groupBy ?? [];
  const only = groupBy.length === 1 ? store.columns.get(groupBy[0]) : undefined;
  const codes = only?.kind === 'string' ? only.codeArray() : null;
  const found = new FoundList();
  if (method === 'zscore' && (groupBy.length === 0 || codes)) {
    // z-scores of every group in three passes over the rows (sums, squares, scores), no per-group copies.
    zscoresByCode(
      selection.rows,
      codes,
      only?.kind === 'string' ? only.dictionary.length : 1,
      column,
      threshold,
      found
    );
  } else {
    for (const rows of groupRows(selection, groupBy).rows) {
      checkpoint();
      const values = gatherNumeric(column, rows);
      if (values.length === 0) {
        continue;
      }
      const score = SCORERS[method](values);
      for (let i = 0; i < rows.length; i++) {
        const raw = data[rows[i]];
        if (raw !== missing && raw === raw) {
          const s = score(raw / factor);
          // For IQR the fences are x < Q1 - k IQR or x > Q3 + k IQR, i.e. |score| > k.
          if (Math.abs(s) > threshold) {
            found.push(rows[i], s);
          }
        }
      }
    }
  }
  const foundRows = found.rows;
  const foundScores = found.scores;
  // Most extreme first; ties by time, then by position in the log. With a limit, only the candidates for the
  // first `limit` places are sorted: those at least as extreme as the limit-th most extreme.
  const time = store.time.values();
  const limit = query.limit !== undefined && query.limit >= 0 ? query.limit : found.length;
  let candidates: number[] = [];
  if (limit < found.length) {
    const extremity = new Float64Array(found.length);
    for (let i = 0; i < found.length; i++) {
      extremity[i] = Math.abs(foundScores[i]);
    }
    let bar = Infinity;
    if (limit > 0) {
      selectKth(extremity, found.length - limit);
      bar = extremity[found.length - limit];
    }
    for (let i = 0; i < found.length; i++) {
      if (Math.abs(foundScores[i]) >= bar) {
        candidates.push(i);
      }
    }
  } else {
    candidates = Array.from({ length: found.length }, (_, i) => i);
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
  for (const field of groupBy) {
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
      meta: { custom: { method, threshold, metric, found: found.length } },
    },
  ];
}
