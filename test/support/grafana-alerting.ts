/**
 * A model of what Grafana does with a data source's answer to an alert rule, for tests: the frames as the Go SDK
 * reads them (Arrow), server-side expressions (Reduce, Threshold) over the data plane readers, the evaluator's
 * results, and the state machine of a rule's alert instances with its pending period. Each step follows
 * Grafana's own code, named at the step; it is a test aid, not part of the product.
 */
import { Table, tableFromIPC, Type } from 'apache-arrow';

/** A frame as the SDK reads it: name, meta and fields with their labels and values (times in ms). */
export interface DecodedFrame {
  name: string;
  meta: { type?: string; typeVersion?: [number, number]; notices?: Array<{ text: string }> } | undefined;
  fields: Array<{
    name: string;
    type: 'time' | 'number' | 'string' | 'other';
    nullable: boolean;
    labels: Record<string, string>;
    values: unknown[];
  }>;
}

export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  return decodeTable(tableFromIPC(bytes));
}

/** A frame already read as an Arrow table. */
export function decodeTable(table: Table): DecodedFrame {
  const meta = table.schema.metadata.get('meta');
  return {
    name: table.schema.metadata.get('name') ?? '',
    meta: meta ? JSON.parse(meta) : undefined,
    fields: table.schema.fields.map((field, i) => {
      const column = table.getChildAt(i)!;
      const labels = field.metadata.get('labels');
      const type =
        field.typeId === Type.Timestamp
          ? 'time'
          : field.typeId === Type.Float
            ? 'number'
            : field.typeId === Type.Utf8
              ? 'string'
              : 'other';
      const values: unknown[] = [];
      for (let r = 0; r < table.numRows; r++) {
        const v = column.get(r);
        // apache-arrow gives a nanosecond timestamp as epoch ms (a number), or as a bigint of ns in some versions.
        values.push(type === 'time' && typeof v === 'bigint' ? Number(v / 1_000_000n) : v);
      }
      return { name: field.name, type, nullable: field.nullable, labels: labels ? JSON.parse(labels) : {}, values };
    }),
  };
}

/** Labels as Grafana's data.Labels.String() writes them: keys sorted, `a=1, b=2`. */
export function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(', ');
}

/** A value of server-side expressions (pkg/expr/mathexp): a labelled number, a labelled series, or no data. */
export type SseValue =
  | { kind: 'number'; labels: Record<string, string>; value: number | null }
  | { kind: 'series'; labels: Record<string, string>; points: Array<[number, number | null]> }
  | { kind: 'nodata' };

/**
 * A data source answer as server-side expressions read it, for typed frames (pkg/expr/dataplane.go: the data plane
 * path is taken when the first frame has a type and a non-zero typeVersion): numeric-long gives a number per row
 * and value field, labelled by the row's string fields (dataplane sdata/numeric/long.go); numeric-wide a number per
 * value field with the field's labels; timeseries-multi a series per frame (its first time and value field); a
 * single frame with no fields is no data. Other answers are refused here: the product types every alertable answer.
 */
export function sseValues(frames: DecodedFrame[]): SseValue[] {
  const first = frames[0];
  const type = first?.meta?.type;
  const version = first?.meta?.typeVersion;
  if (!first || !type || !version || (version[0] === 0 && version[1] === 0)) {
    throw new Error(`not data plane typed (type ${type}, typeVersion ${JSON.stringify(version)}): Grafana would guess`);
  }
  if (frames.length === 1 && first.fields.length === 0) {
    return [{ kind: 'nodata' }];
  }
  const out: SseValue[] = [];
  if (type === 'numeric-long') {
    const strings = first.fields.filter((f) => f.type === 'string');
    const numbers = first.fields.filter((f) => f.type === 'number');
    const rows = first.fields[0].values.length;
    for (let r = 0; r < rows; r++) {
      const labels = Object.fromEntries(strings.map((f) => [f.name, String(f.values[r])]));
      for (const f of numbers) {
        out.push({ kind: 'number', labels, value: f.values[r] as number | null });
      }
    }
    return out.length ? out : [{ kind: 'nodata' }];
  }
  if (type === 'numeric-wide') {
    for (const f of first.fields.filter((f) => f.type === 'number')) {
      out.push({ kind: 'number', labels: f.labels, value: (f.values[0] as number | null) ?? null });
    }
    return out;
  }
  if (type === 'timeseries-multi') {
    for (const frame of frames) {
      const time = frame.fields.find((f) => f.type === 'time');
      const value = frame.fields.find((f) => f.type === 'number');
      if (!time || !value) {
        throw new Error(`timeseries-multi frame "${frame.name}" without a time and a number field`);
      }
      out.push({
        kind: 'series',
        labels: value.labels,
        points: time.values.map((t, i) => [t as number, value.values[i] as number | null]),
      });
    }
    return out;
  }
  throw new Error(`kind of ${type} is not supported by server side expressions`);
}

/**
 * The Reduce expression (pkg/expr/commands.go ReduceCommand, mathexp/reduce.go): a series becomes a number; a
 * number passes as it is; with mode dropNN, nulls (and NaN) are dropped first and a number that is null is dropped.
 */
export function reduce(values: SseValue[], reducer: string, mode?: string): SseValue[] {
  const out: SseValue[] = [];
  for (const v of values) {
    if (v.kind === 'nodata') {
      out.push(v);
    } else if (v.kind === 'number') {
      if (mode === 'dropNN' && (v.value === null || Number.isNaN(v.value))) {
        continue;
      }
      out.push(v);
    } else {
      let points = v.points.map(([, y]) => y);
      if (mode === 'dropNN') {
        points = points.filter((y) => y !== null && !Number.isNaN(y));
      }
      out.push({ kind: 'number', labels: v.labels, value: reduceSeries(points, reducer) });
    }
  }
  return out;
}

function reduceSeries(points: Array<number | null>, reducer: string): number | null {
  const present = points.filter((y): y is number => y !== null);
  switch (reducer) {
    case 'last':
      return points.length ? points[points.length - 1] : null;
    case 'count':
      return points.length;
    case 'max':
      return present.length ? Math.max(...present) : null;
    case 'min':
      return present.length ? Math.min(...present) : null;
    case 'mean':
      return points.length && present.length === points.length
        ? present.reduce((a, b) => a + b, 0) / points.length
        : null;
    default:
      throw new Error(`reducer ${reducer} not modelled`);
  }
}

/** The Threshold expression: 1 or 0 per number (null stays null), no data stays no data. */
export function threshold(values: SseValue[], evaluator: { type: string; params: number[] }): SseValue[] {
  const test = (x: number): boolean => {
    const [a, b] = evaluator.params;
    switch (evaluator.type) {
      case 'gt':
        return x > a;
      case 'lt':
        return x < a;
      case 'within_range':
        return x > a && x < b;
      case 'outside_range':
        return x < a || x > b;
      default:
        throw new Error(`evaluator ${evaluator.type} not modelled`);
    }
  };
  return values.map((v) => {
    if (v.kind === 'series') {
      throw new Error('a threshold on a series: Grafana alerting needs reduced data');
    }
    return v.kind === 'number' ? { ...v, value: v.value === null ? null : test(v.value) ? 1 : 0 } : v;
  });
}

export type InstanceResult = 'Alerting' | 'Normal' | 'NoData';

/**
 * The evaluator's results for the condition's values (pkg/services/ngalert/eval/eval.go): a number is an alert
 * instance identified by its labels (non-zero: Alerting, zero: Normal, null: NoData); all no data is NoData; two
 * instances with the same labels are an Error for the whole rule ("frame cannot uniquely be identified by its
 * labels"), thrown here.
 */
export function evaluate(condition: SseValue[]): Map<string, InstanceResult> | 'NoData' {
  if (condition.every((v) => v.kind === 'nodata')) {
    return 'NoData';
  }
  const results = new Map<string, InstanceResult>();
  for (const v of condition) {
    if (v.kind !== 'number') {
      continue;
    }
    const key = labelKey(v.labels);
    if (results.has(key)) {
      throw new Error(`frame cannot uniquely be identified by its labels: has duplicate results with labels {${key}}`);
    }
    results.set(key, v.value === null ? 'NoData' : v.value !== 0 ? 'Alerting' : 'Normal');
  }
  return results;
}

export type AlertState = 'Normal' | 'Pending' | 'Alerting';

/**
 * The state of alert instances over evaluations (pkg/services/ngalert/state/state.go resultNormal/resultAlerting):
 * Alerting from Normal becomes Pending when the rule has a pending period (`for`), and Alerting once an evaluation
 * comes at least `for` after the Pending one started; Normal ends either. NoData with noDataState OK is Normal.
 * An instance missing from an evaluation goes back to Normal (stale).
 */
export class AlertInstances {
  private readonly states = new Map<string, { state: AlertState; startsAt: number }>();

  constructor(private readonly forMs: number) {}

  apply(results: Map<string, InstanceResult> | 'NoData', evaluatedAt: number): void {
    const seen = new Set<string>();
    if (results !== 'NoData') {
      for (const [key, result] of results) {
        seen.add(key);
        this.step(key, result === 'Alerting', evaluatedAt);
      }
    }
    for (const key of this.states.keys()) {
      if (!seen.has(key)) {
        this.step(key, false, evaluatedAt);
      }
    }
  }

  private step(key: string, alerting: boolean, at: number): void {
    const current = this.states.get(key) ?? { state: 'Normal' as AlertState, startsAt: at };
    let next = current;
    if (!alerting) {
      next = current.state === 'Normal' ? current : { state: 'Normal', startsAt: at };
    } else if (current.state === 'Pending') {
      if (at - current.startsAt >= this.forMs) {
        next = { state: 'Alerting', startsAt: at };
      }
    } else if (current.state === 'Normal') {
      next = this.forMs > 0 ? { state: 'Pending', startsAt: at } : { state: 'Alerting', startsAt: at };
    }
    this.states.set(key, next);
  }

  state(key: string): AlertState {
    return this.states.get(key)?.state ?? 'Normal';
  }
}
