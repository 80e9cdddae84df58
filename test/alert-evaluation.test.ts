/**
 * Alert rules evaluated the way Grafana evaluates them, every 15 s (and every minute, the rule group's interval) for
 * 100 minutes across 5-minute bucket boundaries, on logs whose true values are known: the state of every alert
 * instance (Normal, Pending, Alerting) must be the one the full-window values give. The rules are the provisioned
 * ones (provisioning/alerting/rules.yaml: a rolling 5-minute summary per model) and the trend rule the README
 * describes (p99 per 5-minute bucket → Reduce last → Threshold). Each evaluation goes through the backend's QueryData
 * with Grafana's FromAlert header, the frames are decoded from Arrow, and test/support/grafana-alerting.ts applies
 * what Grafana does next (server-side expressions, the evaluator, the pending period).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

import { InstanceManager } from '../pkg/grafana/instances';
import { QueryDataRequest } from '../pkg/grafana/messages';
import { BackendMetrics } from '../pkg/grafana/metrics';
import { queryData } from '../pkg/grafana/query-data';
import { parseWindow } from '../pkg/model/query';
import {
  AlertInstances,
  AlertState,
  decodeFrame,
  evaluate,
  InstanceResult,
  labelKey,
  reduce,
  SseValue,
  sseValues,
  threshold,
} from './support/grafana-alerting';
import { pluginContext } from './support/plugin-context';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const RULES: Json[] = (
  parseYaml(readFileSync(join(__dirname, '..', 'provisioning', 'alerting', 'rules.yaml'), 'utf8')).groups as Json[]
).flatMap((g) => g.rules);
const rule = (uid: string): Json => RULES.find((r) => r.uid === uid)!;

/** The README's trend rule: p99 per 5-minute bucket over the last 15 minutes → Reduce (last) → above 3000 ms. */
const TREND_RULE: Json = {
  uid: 'readme-trend-p99',
  condition: 'C',
  for: '5m',
  data: [
    {
      refId: 'A',
      relativeTimeRange: { from: 900, to: 0 },
      datasourceUid: 'inference-logs',
      model: { queryType: 'trend', metric: 'latency_ms', aggregation: 'p99', window: '5m', groupBy: ['model'] },
    },
    {
      refId: 'B',
      datasourceUid: '__expr__',
      model: { type: 'reduce', expression: 'A', reducer: 'last', settings: { mode: 'dropNN' } },
    },
    {
      refId: 'C',
      datasourceUid: '__expr__',
      model: { type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: 'gt', params: [3000] } }] },
    },
  ],
};

// ---------------------------------------------------------------------------------------------------------------
// Logs with known values: one request a second per model for 100 minutes from T0.

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const MINUTES = 100;
const MODELS = ['llama-3-8b', 'mistral-7b'];
const minute = (m: number): number => T0 + m * 60_000;

interface Request {
  t: number;
  model: string;
  latency: number;
  error: boolean;
}

/**
 * llama-3-8b: every 20th request takes 4.5 s during minutes 20–40 (p99 over 5 minutes well above 3 s), and one a
 * minute during minutes 60–64 (four slow requests: the 5-minute p99 is above 3 s for 2 minutes, less than the
 * 5-minute pending period). mistral-7b: 10% errors during minutes
 * 30–50, 2% otherwise. Latencies otherwise 100–999 ms, in a fixed pseudo-random order.
 */
function makeRequests(): Request[] {
  const out: Request[] = [];
  for (let i = 0; i < MINUTES * 60; i++) {
    const t = T0 + i * 1000;
    const m = i / 60;
    const slow = (m >= 20 && m < 40 && i % 20 === 0) || (m >= 60 && m < 64 && i % 60 === 0);
    out.push({
      t,
      model: MODELS[0],
      latency: slow ? 4500 : 100 + ((i * 37) % 900),
      error: i % 50 === 0,
    });
    const errorEpisode = m >= 30 && m < 50;
    out.push({
      t,
      model: MODELS[1],
      latency: 200 + ((i * 53) % 700),
      error: errorEpisode ? i % 10 === 3 : i % 50 === 7,
    });
  }
  return out;
}

const REQUESTS = makeRequests();

/** ISO-8601 as Python's isoformat writes it (microseconds, no zone). */
const iso = (t: number): string => new Date(t).toISOString().replace('Z', '000');

// ---------------------------------------------------------------------------------------------------------------
// Truth: the full-window values, computed here from the requests (sort + linear interpolation, as numpy does).

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Requests of a model with from <= t <= to (ms, both ends inclusive, as the range is). */
const inWindow = (model: string, from: number, to: number): Request[] =>
  REQUESTS.filter((r) => r.model === model && r.t >= from && r.t <= to);

/** True condition per model at t for each rule, from the full window the rule means. */
const TRUTH: Record<string, (model: string, t: number) => boolean> = {
  'inference-p99-latency': (model, t) =>
    quantile(
      inWindow(model, t - 300_000, t).map((r) => r.latency),
      0.99
    ) > 3000,
  'inference-error-rate': (model, t) => {
    const rows = inWindow(model, t - 300_000, t);
    return rows.filter((r) => r.error).length / rows.length > 0.08;
  },
  // The last 5-minute bucket that has ended by t: [end - 5m, end) with end = floor(t / 5m) * 5m.
  'readme-trend-p99': (model, t) => {
    const end = Math.floor(t / 300_000) * 300_000;
    return (
      quantile(
        inWindow(model, end - 300_000, end - 1).map((r) => r.latency),
        0.99
      ) > 3000
    );
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Grafana's side: run the rule's queries through the backend, then its expressions.

let dir: string;
let instances: InstanceManager;
let metrics: BackendMetrics;

beforeAll(() => {
  // The backend's debug line per query would flood the output (hundreds of evaluations).
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  dir = mkdtempSync(join(tmpdir(), 'alert-eval-'));
  writeFileSync(
    join(dir, 'app.log'),
    REQUESTS.map(
      (r) =>
        JSON.stringify({
          timestamp: iso(r.t),
          request_id: `r-${r.t}-${r.model}`,
          model: r.model,
          latency_ms: r.latency,
          batch_size: 8,
          status: r.error ? 'error' : 'success',
          gpu_util: 70,
          memory_used_gb: 17.5,
        }) + '\n'
    ).join('')
  );
  instances = new InstanceManager();
  metrics = new BackendMetrics(instances);
});
afterAll(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function evaluateRule(r: Json, t: number, headers: Record<string, string>): Promise<ReturnType<typeof evaluate>> {
  const values = new Map<string, SseValue[]>();
  for (const node of r.data as Json[]) {
    const model = node.model;
    if (node.datasourceUid !== '__expr__') {
      const request: QueryDataRequest = {
        pluginContext: pluginContext({ paths: [dir] }, { uid: node.datasourceUid }),
        headers,
        queries: [
          {
            refId: node.refId,
            maxDataPoints: model.maxDataPoints ?? 43200,
            intervalMS: model.intervalMs ?? 1000,
            timeRange: {
              fromEpochMS: t - node.relativeTimeRange.from * 1000,
              toEpochMS: t - node.relativeTimeRange.to * 1000,
            },
            json: Buffer.from(JSON.stringify({ ...model, refId: node.refId })),
            queryType: '',
          },
        ],
        format: 'ARROW',
      };
      const response = (await queryData(request, instances, metrics)).responses[node.refId];
      if (response.status !== 200) {
        throw new Error(`rule ${r.uid} query ${node.refId} failed: ${response.error}`);
      }
      values.set(node.refId, sseValues(response.frames.map(decodeFrame)));
    } else if (model.type === 'reduce') {
      values.set(node.refId, reduce(values.get(model.expression)!, model.reducer, model.settings?.mode));
    } else if (model.type === 'threshold') {
      values.set(node.refId, threshold(values.get(model.expression)!, model.conditions[0].evaluator));
    } else {
      throw new Error(`expression ${model.type} not modelled`);
    }
  }
  return evaluate(values.get(r.condition)!);
}

interface Timeline {
  /** Per model, the state at each evaluation. */
  states: Record<string, AlertState[]>;
  times: number[];
}

/** Evaluates a rule every `everyMs` from 5 minutes after the logs start to their end; with the truth beside it. */
async function simulate(r: Json, everyMs: number, headers: Record<string, string> = { FromAlert: 'true' }) {
  const forMs = parseWindow(r.for)!;
  const product = new AlertInstances(forMs);
  const truth = new AlertInstances(forMs);
  const got: Timeline = { states: {}, times: [] };
  const want: Timeline = { states: {}, times: [] };
  for (let t = minute(5) + 7_000; t <= minute(MINUTES); t += everyMs) {
    product.apply(await evaluateRule(r, t, headers), t);
    const truthResults = new Map<string, InstanceResult>(
      MODELS.map((m) => [labelKey({ model: m }), TRUTH[r.uid](m, t) ? 'Alerting' : 'Normal'])
    );
    truth.apply(truthResults, t);
    for (const m of MODELS) {
      const key = labelKey({ model: m });
      (got.states[m] ??= []).push(product.state(key));
      (want.states[m] ??= []).push(truth.state(key));
    }
    got.times.push(t);
    want.times.push(t);
  }
  return { got, want };
}

/** The times an instance starts firing and stops, as minutes from T0 (for readable failures). */
function firing(timeline: Timeline, model: string): Array<[number, number | null]> {
  const out: Array<[number, number | null]> = [];
  const states = timeline.states[model];
  states.forEach((s, i) => {
    const m = (timeline.times[i] - T0) / 60_000;
    const wasFiring = i > 0 && states[i - 1] === 'Alerting';
    if (s === 'Alerting' && !wasFiring) {
      out.push([m, null]);
    } else if (s !== 'Alerting' && wasFiring) {
      out[out.length - 1][1] = m;
    }
  });
  return out;
}

jest.setTimeout(120_000);

describe.each([
  ['every 15 s', 15_000],
  ['every minute (the rule group interval)', 60_000],
])('alert rules evaluated %s', (_, everyMs) => {
  it('p99 latency: fires exactly while the 5-minute p99 has stayed above 3 s for 5 minutes, and resolves when it drops', async () => {
    const { got, want } = await simulate(rule('inference-p99-latency'), everyMs);
    expect(got.states).toEqual(want.states);
    // The long episode (minutes 20–40) fires once; the short one (60–64) never stays above long enough.
    expect(firing(want, 'llama-3-8b')).toHaveLength(1);
    const [[start, end]] = firing(want, 'llama-3-8b');
    expect(start).toBeGreaterThan(25);
    expect(start).toBeLessThan(27);
    expect(end).toBeGreaterThan(40);
    expect(end).toBeLessThan(45);
    expect(firing(want, 'mistral-7b')).toEqual([]);
  });

  it('error rate: fires exactly while the 5-minute error rate has stayed above 8% for 5 minutes', async () => {
    const { got, want } = await simulate(rule('inference-error-rate'), everyMs);
    expect(got.states).toEqual(want.states);
    expect(firing(want, 'mistral-7b')).toHaveLength(1);
    expect(firing(want, 'llama-3-8b')).toEqual([]);
  });

  it("the README's trend rule fires on the last finished bucket, never on the one still being filled", async () => {
    const { got, want } = await simulate(TREND_RULE, everyMs);
    expect(got.states).toEqual(want.states);
    expect(firing(want, 'llama-3-8b').length).toBeGreaterThanOrEqual(1);
  });
});

it('reading the unfinished bucket (a request without the FromAlert header) would not match the truth', async () => {
  // What the check above guards against: the same trend rule answered as for a panel.
  const { got, want } = await simulate(TREND_RULE, 15_000, {});
  expect(got.states).not.toEqual(want.states);
});

it('every provisioned rule gives one number per model, each labelled by its model alone', async () => {
  for (const r of RULES) {
    const results = await evaluateRule(r, minute(30), { FromAlert: 'true' });
    expect(results).not.toBe('NoData');
    expect([...(results as Map<string, InstanceResult>).keys()].sort()).toEqual(MODELS.map((m) => `model=${m}`));
  }
});
