/**
 * Deterministic generator of realistic ML inference-server request logs (JSON lines, written byte for byte the way
 * Python's `json.dumps` writes them), for tests, demos and benchmarks.
 */
import { isoSeconds, pad2, pad6, pyFloat, pyString, scaledDecimal } from './format';
import { Random, WeightedPicker } from './random';

export const DEFAULT_MODELS = ['llama-3-8b', 'mistral-7b', 'gpt-j-6b', 'bert-large'];
/** 2026-11-20T00:00:00Z */
export const DEFAULT_START_MS = Date.UTC(2026, 10, 20);

export const NOISE_KINDS = [
  'text',
  'truncated',
  'array',
  'scalar',
  'missing_model',
  'missing_latency',
  'missing_timestamp',
  'bad_timestamp',
  'blank',
] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

export interface GeneratorOptions {
  seed?: number;
  /** Valid records to write (noise lines come on top). */
  rows: number;
  /** Time of the first record, epoch ms (default 2026-11-20T00:00:00Z). */
  start?: number;
  models?: string[];
  /** Fraction of all lines that are noise, in [0, 1) (default 0). */
  noise?: number;
  /** Number of rotated files `writeLogs` splits the rows into (default 1). */
  files?: number;
  /** Gzip every file but the newest, as logrotate's `compress` does. */
  gzipOlder?: boolean;
  /** `python`: `datetime.utcnow().isoformat()` only; `mixed`: also `Z`, offsets and epoch numbers. */
  timestampStyle?: 'python' | 'mixed';
  /** Add `host`, `region` and `gpu_type` fields. */
  extras?: boolean;
  /**
   * Add LLM serving fields — `input_tokens`, `output_tokens`, `ttft_ms` — with the latency following from them
   * (time to first token, then a time per output token). Token counts come from `tokens` when given (e.g. replayed
   * from a real trace), else are drawn.
   */
  llm?: boolean;
  tokens?: () => TokenCounts;
  /** Mean arrival rate in requests per second, before the diurnal swing (default 2). */
  ratePerSecond?: number;
  /** Mean simulated time between latency spike episodes, in hours (default 3; 0 disables spikes). */
  spikeEveryHours?: number;
  /**
   * Gaps between arrivals in seconds at the mean rate of 1 per second (e.g. replayed from a real trace), in place of
   * exponential draws; they are scaled to `ratePerSecond` and the diurnal swing.
   */
  arrivalGaps?: () => number;
  /** `writeLogs`: the second-oldest file (the only one when there is one) uses CRLF line ends. */
  crlf?: boolean;
  /** `writeLogs`: the oldest file starts with a UTF-8 byte order mark. */
  bom?: boolean;
  /** `writeLogs`: base file name (default `inference.log`). */
  baseName?: string;
}

/** A latency spike episode: every request of `model` in [startMs, endMs) is `factor` times slower. */
export interface SpikeEpisode {
  model: string;
  startMs: number;
  endMs: number;
  factor: number;
}

export interface LogLine {
  text: string;
  /** Null for a valid record. */
  noise: NoiseKind | null;
}

interface ModelProfile {
  medianMs: number;
  sigma: number;
  /** Relative latency growth per extra item in a batch. */
  batchSlope: number;
  batchWeights: number[];
  memoryGb: number;
  errorRate: number;
  traffic: number;
}

const BATCH_SIZES = [1, 2, 4, 8, 16, 32];

const KNOWN_PROFILES: Record<string, ModelProfile> = {
  'llama-3-8b': {
    medianMs: 180,
    sigma: 0.35,
    batchSlope: 0.09,
    batchWeights: [10, 12, 20, 25, 20, 13],
    memoryGb: 17.5,
    errorRate: 0.015,
    traffic: 4,
  },
  'mistral-7b': {
    medianMs: 150,
    sigma: 0.3,
    batchSlope: 0.08,
    batchWeights: [8, 12, 25, 28, 18, 9],
    memoryGb: 15.2,
    errorRate: 0.012,
    traffic: 3,
  },
  'gpt-j-6b': {
    medianMs: 230,
    sigma: 0.45,
    batchSlope: 0.1,
    batchWeights: [20, 25, 25, 18, 10, 2],
    memoryGb: 13.8,
    errorRate: 0.03,
    traffic: 1.5,
  },
  'bert-large': {
    medianMs: 22,
    sigma: 0.25,
    batchSlope: 0.05,
    batchWeights: [5, 5, 10, 20, 30, 30],
    memoryGb: 2.6,
    errorRate: 0.005,
    traffic: 2.5,
  },
};

/** A stable profile for a model name the generator does not know. */
function profileFor(name: string): ModelProfile {
  const known = KNOWN_PROFILES[name];
  if (known) {
    return known;
  }
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) {
    hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  }
  const rng = new Random(hash >>> 0);
  return {
    medianMs: Math.round(rng.lognormal(Math.log(100), 0.8)),
    sigma: rng.uniform(0.2, 0.5),
    batchSlope: rng.uniform(0.04, 0.12),
    batchWeights: BATCH_SIZES.map(() => rng.uniform(1, 10)),
    memoryGb: Math.round(rng.uniform(2, 40) * 10) / 10,
    errorRate: rng.uniform(0.005, 0.03),
    traffic: rng.uniform(1, 4),
  };
}

const HOSTS = Array.from({ length: 12 }, (_, i) => ({
  host: `gpu-node-${String(i + 1).padStart(2, '0')}`,
  region: ['us-east-1', 'eu-west-1', 'ap-south-1'][i % 3],
  gpuType: ['A100', 'H100', 'L4', 'A100'][i % 4],
}));

const SUCCESS_STATUSES: Array<string | number> = ['success', 'ok', '200', 200, 'OK', 'Success', 201];
const SUCCESS_WEIGHTS = [86, 5, 3, 3, 1, 1, 1];
const ERROR_STATUSES: Array<string | number> = ['error', 'timeout', '500', 503, 500, 'ERROR'];
const ERROR_WEIGHTS = [35, 25, 15, 10, 10, 5];
const SUCCESS_PICKER = new WeightedPicker(SUCCESS_STATUSES, SUCCESS_WEIGHTS);
const ERROR_PICKER = new WeightedPicker(ERROR_STATUSES, ERROR_WEIGHTS);

const NOISE_WEIGHTS: Record<NoiseKind, number> = {
  text: 20,
  truncated: 15,
  array: 5,
  scalar: 5,
  missing_model: 10,
  missing_latency: 10,
  missing_timestamp: 10,
  bad_timestamp: 10,
  blank: 15,
};
const NOISE_PICKER = new WeightedPicker(
  NOISE_KINDS,
  NOISE_KINDS.map((k) => NOISE_WEIGHTS[k])
);
const TEXT_LINES = [
  'Traceback (most recent call last):',
  '  File "/app/server.py", line 212, in handle_request',
  'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB',
  'INFO starting server on 0.0.0.0:8000',
  'WARNING: GPU memory fragmentation detected, consider restarting',
  'INFO: 10.0.0.12:51334 - "POST /v1/completions HTTP/1.1" 200 OK',
];
const BAD_TIMESTAMPS = ['not a time', '2026-13-45T99:00:00', 'yesterday'];
const NON_OBJECT_ARRAYS = ['[1, 2]', '[{"model": "llama-3-8b", "latency_ms": 12.5}]', '[]'];
const NON_OBJECT_SCALARS = ['null', '42', '3.5', '"hello"', 'true'];

type TimestampKind = 'python' | 'z6' | 'z3' | 'plus2' | 'minus530' | 'epoch_s' | 'epoch_ms' | 'epoch_us' | 'epoch_ns';
const MIXED_KINDS: TimestampKind[] = [
  'python',
  'z6',
  'z3',
  'plus2',
  'minus530',
  'epoch_s',
  'epoch_ms',
  'epoch_us',
  'epoch_ns',
];
const MIXED_PICKER = new WeightedPicker(MIXED_KINDS, [55, 8, 5, 5, 5, 6, 6, 5, 5]);

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

interface RecordFields {
  timestamp: string;
  requestId: string;
  /** The model name as a JSON string. */
  model: string;
  /** Number texts as json.dumps writes them (`NaN`, `null` included). */
  latency: string;
  batch: number;
  status: string | number | null | undefined;
  gpu: string;
  memory: string;
  host?: (typeof HOSTS)[number];
  /** LLM fields (GeneratorOptions.llm): counts as integers, ttft as a json.dumps number text. */
  llm?: { input: number; output: number; ttft: string };
}

/** Token counts of one request. */
export interface TokenCounts {
  input: number;
  output: number;
}

type OmitKey = 'timestamp' | 'model' | 'latency_ms' | null;

function serialize(r: RecordFields, omit: OmitKey): string {
  let s = '{';
  if (omit !== 'timestamp') {
    s += `"timestamp": ${r.timestamp}, `;
  }
  s += `"request_id": "${r.requestId}"`;
  if (omit !== 'model') {
    s += `, "model": ${r.model}`;
  }
  if (omit !== 'latency_ms') {
    s += `, "latency_ms": ${r.latency}`;
  }
  s += `, "batch_size": ${r.batch}`;
  if (r.status !== undefined) {
    s += `, "status": ${r.status === null ? 'null' : typeof r.status === 'number' ? r.status : pyString(r.status)}`;
  }
  s += `, "gpu_util": ${r.gpu}, "memory_used_gb": ${r.memory}`;
  if (r.llm) {
    s += `, "input_tokens": ${r.llm.input}, "output_tokens": ${r.llm.output}, "ttft_ms": ${r.llm.ttft}`;
  }
  if (r.host) {
    s += `, "host": "${r.host.host}", "region": "${r.host.region}", "gpu_type": "${r.host.gpuType}"`;
  }
  return s + '}';
}

/**
 * Stateful generator: `lines()` yields every line (records and noise) in time order; `spikes` lists the latency
 * spike episodes generated so far.
 */
export class LogGenerator {
  readonly spikes: SpikeEpisode[] = [];
  readonly rows: number;
  private readonly rng: Random;
  private readonly models: string[];
  private readonly profiles: ModelProfile[];
  private readonly modelJson: string[];
  private readonly modelPicker: WeightedPicker<number>;
  private readonly batchPickers: Array<WeightedPicker<number>>;
  private readonly noise: number;
  private readonly mixed: boolean;
  private readonly extras: boolean;
  private readonly llm: boolean;
  private readonly tokens: (() => TokenCounts) | undefined;
  private readonly rate: number;
  private readonly spikeMeanUs: number;
  private readonly arrivalGaps: (() => number) | undefined;
  /** Clock in integer microseconds since the epoch; never goes back. */
  private clockUs: number;
  private cachedSecond = -1;
  private cachedPrefix = '';
  private activeSpike: SpikeEpisode | null = null;

  constructor(options: GeneratorOptions) {
    this.rows = Math.max(0, Math.floor(options.rows));
    this.rng = new Random(options.seed ?? 1);
    this.models = options.models && options.models.length > 0 ? options.models : DEFAULT_MODELS;
    this.profiles = this.models.map(profileFor);
    this.modelJson = this.models.map(pyString);
    this.modelPicker = new WeightedPicker(
      this.models.map((_, i) => i),
      this.profiles.map((p) => p.traffic)
    );
    this.batchPickers = this.profiles.map((p) => new WeightedPicker(BATCH_SIZES, p.batchWeights));
    this.noise = Math.min(Math.max(options.noise ?? 0, 0), 0.99);
    this.mixed = options.timestampStyle === 'mixed';
    this.extras = options.extras ?? false;
    this.llm = (options.llm ?? false) || options.tokens !== undefined;
    this.tokens = options.tokens;
    this.rate = options.ratePerSecond ?? 2;
    this.arrivalGaps = options.arrivalGaps;
    const spikeHours = options.spikeEveryHours ?? 3;
    this.spikeMeanUs = spikeHours > 0 ? spikeHours * 3.6e9 : 0;
    this.clockUs = Math.floor(options.start ?? DEFAULT_START_MS) * 1000;
  }

  /** Time of the latest record, epoch ms (the clock only moves forward). */
  get timeMs(): number {
    return Math.floor(this.clockUs / 1000);
  }

  *lines(): Generator<LogLine> {
    const rng = this.rng;
    for (let i = 0; i < this.rows; i++) {
      // Geometric number of noise lines before each record: noise lines make up `noise` of all lines on average.
      while (this.noise > 0 && rng.next() < this.noise) {
        const kind = NOISE_PICKER.pick(rng);
        yield { text: this.noiseLine(kind), noise: kind };
      }
      this.advanceClock();
      yield { text: serialize(this.record(this.timestampText()), null), noise: null };
    }
  }

  private advanceClock(): void {
    const rng = this.rng;
    // A few requests share the previous timestamp (same batch, coarse clock).
    if (!rng.chance(0.03)) {
      const hourOfDay = (this.clockUs / 3.6e9) % 24;
      // Diurnal load: peak around 15:00 UTC, trough around 03:00 UTC.
      const rate = this.rate * (1 + 0.5 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24));
      const gapUs = Math.floor((this.arrivalGaps ? this.arrivalGaps() / rate : rng.exponential(rate)) * 1e6);
      this.maybeStartSpike(gapUs);
      this.clockUs += gapUs;
    }
    if (this.activeSpike && this.clockUs >= this.activeSpike.endMs * 1000) {
      this.activeSpike = null;
    }
  }

  private maybeStartSpike(gapUs: number): void {
    if (this.spikeMeanUs <= 0 || this.activeSpike) {
      return;
    }
    if (this.rng.next() < 1 - Math.exp(-gapUs / this.spikeMeanUs)) {
      const startMs = Math.ceil((this.clockUs + gapUs) / 1000);
      const spike: SpikeEpisode = {
        model: this.rng.choice(this.models),
        startMs,
        endMs: startMs + this.rng.int(2, 12) * 60_000,
        factor: round(this.rng.uniform(5, 20), 1),
      };
      this.spikes.push(spike);
      this.activeSpike = spike;
    }
  }

  /** Rounds the clock up to a multiple of `unitUs` so a coarser timestamp still never goes back in time. */
  private ceilClock(unitUs: number): number {
    this.clockUs = Math.ceil(this.clockUs / unitUs) * unitUs;
    return this.clockUs;
  }

  private timestampText(): string {
    const rng = this.rng;
    const kind: TimestampKind = this.mixed ? MIXED_PICKER.pick(rng) : 'python';
    switch (kind) {
      case 'python': {
        // isoformat() drops the fraction when microseconds are 0.
        const us = rng.chance(0.02) ? this.ceilClock(1e6) : this.clockUs;
        return `"${this.pythonIso(us)}"`;
      }
      case 'z6': {
        const us = this.clockUs;
        return `"${isoSeconds(Math.floor(us / 1e6))}.${pad6(us % 1e6)}Z"`;
      }
      case 'z3': {
        const us = this.ceilClock(1000);
        return `"${isoSeconds(Math.floor(us / 1e6))}.${String((us % 1e6) / 1000).padStart(3, '0')}Z"`;
      }
      case 'plus2':
      case 'minus530': {
        const offsetMin = kind === 'plus2' ? 120 : -330;
        const localUs = this.clockUs + offsetMin * 60e6;
        const frac = localUs % 1e6 === 0 ? '' : `.${pad6(localUs % 1e6)}`;
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        return `"${isoSeconds(Math.floor(localUs / 1e6))}${frac}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}"`;
      }
      case 'epoch_s':
        // A Python float: time.time() style, microsecond precision.
        return pyFloat(this.clockUs / 1e6);
      case 'epoch_ms':
        return String(this.ceilClock(1000) / 1000);
      case 'epoch_us':
        return String(this.clockUs);
      case 'epoch_ns':
        // Built as text: nanosecond epochs do not fit a double exactly.
        return `${this.clockUs}000`;
    }
  }

  private pythonIso(us: number): string {
    const sec = Math.floor(us / 1e6);
    if (sec !== this.cachedSecond) {
      this.cachedSecond = sec;
      this.cachedPrefix = isoSeconds(sec);
    }
    const micro = us - sec * 1e6;
    return micro === 0 ? this.cachedPrefix : `${this.cachedPrefix}.${pad6(micro)}`;
  }

  private record(timestamp: string): RecordFields {
    const rng = this.rng;
    const m = this.modelPicker.pick(rng);
    const model = this.models[m];
    const p = this.profiles[m];
    const batch = this.batchPickers[m].pick(rng);
    const hourOfDay = (this.clockUs / 3.6e9) % 24;
    const load = 0.5 + 0.5 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
    const spiking = this.activeSpike !== null && this.activeSpike.model === model;

    let latency = p.medianMs * (1 + p.batchSlope * (batch - 1)) * (1 + 0.3 * load) * rng.lognormal(0, p.sigma);
    let llm: RecordFields['llm'];
    if (this.llm) {
      // A prefill that grows with the prompt, then one decode step per output token after the first, both slower
      // under load and with larger batches; the model's median latency sets the scale.
      const counts = this.tokens
        ? this.tokens()
        : {
            input: Math.max(1, Math.round(rng.lognormal(Math.log(600), 1))),
            output: Math.max(1, Math.round(rng.lognormal(Math.log(150), 0.9))),
          };
      const slowdown = (1 + p.batchSlope * (batch - 1)) * (1 + 0.3 * load);
      const ttft = (p.medianMs / 8 + (counts.input * p.medianMs) / 20_000) * slowdown * rng.lognormal(0, p.sigma / 2);
      const tpot = (p.medianMs / 100) * slowdown * rng.lognormal(0, p.sigma / 2);
      latency = ttft + Math.max(counts.output - 1, 0) * tpot;
      const ttftText = rng.chance(0.003) ? 'null' : scaledDecimal(Math.max(Math.round(ttft * 1000), 1), 3);
      llm = { input: counts.input, output: counts.output, ttft: ttftText };
    }
    if (spiking && this.activeSpike) {
      latency *= this.activeSpike.factor * rng.uniform(0.8, 1.2);
    } else if (rng.chance(0.002)) {
      // Isolated stragglers (GC pause, cold cache).
      latency *= rng.uniform(3, 8);
    }
    const latencyText = rng.chance(0.002) ? 'NaN' : scaledDecimal(Math.max(Math.round(latency * 1000), 1), 3);

    const errorRate = spiking ? 0.15 : p.errorRate;
    let status: string | number | null | undefined;
    const s = rng.next();
    if (s < 0.005) {
      status = undefined;
    } else if (s < 0.007) {
      status = null;
    } else if (rng.chance(errorRate)) {
      status = spiking && rng.chance(0.6) ? 'timeout' : ERROR_PICKER.pick(rng);
    } else {
      status = SUCCESS_PICKER.pick(rng);
    }

    const util = 12 + 14 * Math.log2(batch) + 12 * load + rng.normal(0, 7);
    const g = rng.next();
    const gpu =
      g < 0.01 ? 'NaN' : g < 0.013 ? 'null' : scaledDecimal(Math.round(Math.min(100, Math.max(0, util)) * 10), 1);
    const memoryGb = Math.max(0, p.memoryGb + 0.08 * batch + rng.normal(0, 0.35));
    const mm = rng.next();
    const memory = mm < 0.007 ? 'NaN' : mm < 0.01 ? 'null' : scaledDecimal(Math.round(memoryGb * 100), 2);

    const requestId = rng.chance(0.7) ? rng.uuid4() : `req-${rng.hex(6)}`;
    return {
      timestamp,
      requestId,
      model: this.modelJson[m],
      latency: latencyText,
      batch,
      status,
      gpu,
      memory,
      host: this.extras ? rng.choice(HOSTS) : undefined,
      llm,
    };
  }

  private noiseLine(kind: NoiseKind): string {
    const rng = this.rng;
    switch (kind) {
      case 'text':
        return rng.choice(TEXT_LINES);
      case 'truncated': {
        // Any strict prefix of a JSON object is invalid JSON.
        const full = serialize(this.record(`"${this.pythonIso(this.clockUs)}"`), null);
        return full.slice(0, rng.int(1, full.length - 2));
      }
      case 'array':
        return rng.choice(NON_OBJECT_ARRAYS);
      case 'scalar':
        return rng.choice(NON_OBJECT_SCALARS);
      case 'missing_model':
        return serialize(this.record(`"${this.pythonIso(this.clockUs)}"`), 'model');
      case 'missing_latency':
        return serialize(this.record(`"${this.pythonIso(this.clockUs)}"`), 'latency_ms');
      case 'missing_timestamp':
        return serialize(this.record('""'), 'timestamp');
      case 'bad_timestamp':
        return serialize(this.record(pyString(rng.choice(BAD_TIMESTAMPS))), null);
      case 'blank':
        return '';
    }
  }
}

/** Every line (records and noise, without line ends) of one continuous log, oldest first. */
export function* generateLines(options: GeneratorOptions): Generator<string> {
  for (const line of new LogGenerator(options).lines()) {
    yield line.text;
  }
}
