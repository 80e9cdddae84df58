/**
 * Deterministic generator of realistic ML inference-server request logs (JSON lines, written byte for byte the way
 * Python's `json.dumps` writes them), for tests, demos and benchmarks.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';

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

export interface WriteResult {
  /** Full paths, oldest file first. */
  files: string[];
  rows: number;
  noiseLines: number;
  noise: Record<NoiseKind, number>;
  spikes: SpikeEpisode[];
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

/** Python's `repr` of a float (what `json.dumps` writes). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) {
    return 'NaN';
  }
  if (!Number.isFinite(x)) {
    return x > 0 ? 'Infinity' : '-Infinity';
  }
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // Python pads the exponent to two digits and writes no `+` before positive mantissas.
    const [mantissa, exponent] = x.toExponential().split('e');
    const sign = exponent[0] === '-' ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  if (Number.isInteger(x)) {
    return Object.is(x, -0) ? '-0.0' : `${x}.0`;
  }
  return String(x);
}

/** Python's `json.dumps` of a string (ensure_ascii). */
export function pyString(s: string): string {
  if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(s)) {
    return `"${s}"`;
  }
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') {
      out += '\\"';
    } else if (ch === '\\') {
      out += '\\\\';
    } else if (ch === '\n') {
      out += '\\n';
    } else if (ch === '\r') {
      out += '\\r';
    } else if (ch === '\t') {
      out += '\\t';
    } else if (ch === '\b') {
      out += '\\b';
    } else if (ch === '\f') {
      out += '\\f';
    } else if (c < 0x20 || c > 0x7e) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else {
      out += ch;
    }
  }
  return out + '"';
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad6(n: number): string {
  return String(1_000_000 + n).slice(1);
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => pad2(i));
let cachedDay = NaN;
let cachedDayText = '';

/** `YYYY-MM-DDTHH:MM:SS` of a UTC instant given in whole seconds. */
function isoSeconds(sec: number): string {
  // The date part changes once a day: format it with Date only then.
  const day = Math.floor(sec / 86_400);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * 86_400_000).toISOString().slice(0, 10);
  }
  const s = sec - day * 86_400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  return `${cachedDayText}T${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s - h * 3600 - m * 60]}`;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

/**
 * Python's repr of `k / 10**d` for an integer k, built from integers: much faster than String(double), and the same
 * text, since a double holding a short decimal prints as that decimal.
 */
export function scaledDecimal(k: number, d: number): string {
  const neg = k < 0;
  const abs = neg ? -k : k;
  const scale = POW10[d];
  const whole = Math.floor(abs / scale);
  let frac = abs - whole * scale;
  let digits = d;
  while (digits > 1 && frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  const fracText = digits === 0 ? '0' : String(frac).padStart(digits, '0');
  return `${neg ? '-' : ''}${whole}.${fracText}`;
}

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

const CHUNK_BYTES = 1 << 22;

/** A file written through a large reusable-size buffer: one stream write per 4 MiB, not one per line. */
class ChunkedFile {
  private readonly out: WriteStream;
  private readonly sink: WriteStream | Gzip;
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private failure: Error | null = null;

  constructor(path: string, gzip: boolean) {
    this.out = createWriteStream(path);
    this.out.on('error', (e) => (this.failure = e));
    if (gzip) {
      const gz = createGzip();
      gz.on('error', (e) => (this.failure = e));
      gz.pipe(this.out);
      this.sink = gz;
    } else {
      this.sink = this.out;
    }
  }

  /**
   * Buffers ASCII text (every generated line is ASCII: json.dumps escapes the rest); returns a promise only when a
   * chunk went out, so the caller awaits rarely.
   */
  writeAscii(text: string): Promise<void> | undefined {
    if (this.used + text.length > this.buffer.length) {
      if (this.used === 0) {
        this.buffer = Buffer.allocUnsafe(text.length);
      } else {
        return this.flush().then(() => this.writeAscii(text));
      }
    }
    // latin1 copies one byte per code unit: the fastest encoder for ASCII.
    this.used += this.buffer.write(text, this.used, 'latin1');
    return undefined;
  }

  writeBytes(bytes: Uint8Array): Promise<void> | undefined {
    if (this.used + bytes.length > this.buffer.length) {
      return this.flush().then(() => this.writeBytes(bytes));
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
    return undefined;
  }

  private async flush(): Promise<void> {
    if (this.failure) {
      throw this.failure;
    }
    if (this.used === 0) {
      return;
    }
    const chunk = this.buffer.subarray(0, this.used);
    // The stream keeps the chunk until written: start a fresh buffer instead of reusing it.
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    if (!this.sink.write(chunk)) {
      await once(this.sink, 'drain');
    }
  }

  async close(): Promise<void> {
    await this.flush();
    const closed = once(this.out, 'close');
    this.sink.end();
    await closed;
    if (this.failure) {
      throw this.failure;
    }
  }
}

/** File names, oldest first: `inference.log.2.gz`, `inference.log.1.gz`, `inference.log` (rotation style). */
export function rotatedFileNames(count: number, baseName = 'inference.log', gzipOlder = false): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = count - 1 - i;
    names.push(n === 0 ? baseName : `${baseName}.${n}${gzipOlder ? '.gz' : ''}`);
  }
  return names;
}

/** Writes the log into `dir` as rotated files, the oldest rows in the highest-numbered file. */
export async function writeLogs(dir: string, options: GeneratorOptions): Promise<WriteResult> {
  await mkdir(dir, { recursive: true });
  const generator = new LogGenerator(options);
  const fileCount = Math.max(1, Math.floor(options.files ?? 1));
  const names = rotatedFileNames(fileCount, options.baseName, options.gzipOlder ?? false);
  const paths = names.map((n) => join(dir, n));
  const crlfFile = options.crlf ? Math.min(1, fileCount - 1) : -1;
  const noise = Object.fromEntries(NOISE_KINDS.map((k) => [k, 0])) as Record<NoiseKind, number>;
  let noiseLines = 0;
  let rowsDone = 0;

  let index = 0;
  // Rows of file i: [boundary(i), boundary(i + 1)).
  const boundary = (i: number) => Math.floor((i * generator.rows) / fileCount);
  let file = new ChunkedFile(paths[0], fileCount > 1 && (options.gzipOlder ?? false));
  let eol = crlfFile === 0 ? '\r\n' : '\n';
  if (options.bom) {
    file.writeBytes(Buffer.from([0xef, 0xbb, 0xbf]));
  }
  // Lines are joined in small batches: one buffer copy per batch is much cheaper than one per line.
  let batch: string[] = [];
  const flushBatch = async () => {
    if (batch.length > 0) {
      const pending = file.writeAscii(batch.join(''));
      batch = [];
      if (pending) {
        await pending;
      }
    }
  };
  for (const line of generator.lines()) {
    if (line.noise === null) {
      // Move to the next file once this one has its share of records (noise lines just before stay in the old one).
      while (index < fileCount - 1 && rowsDone >= boundary(index + 1)) {
        await flushBatch();
        await file.close();
        index++;
        file = new ChunkedFile(paths[index], index < fileCount - 1 && (options.gzipOlder ?? false));
        eol = crlfFile === index ? '\r\n' : '\n';
      }
      rowsDone++;
    } else {
      noise[line.noise]++;
      noiseLines++;
    }
    batch.push(line.text, eol);
    if (batch.length >= 512) {
      await flushBatch();
    }
  }
  await flushBatch();
  await file.close();
  // Files never reached (fewer rows than files) still exist, empty.
  for (let i = index + 1; i < fileCount; i++) {
    await new ChunkedFile(paths[i], i < fileCount - 1 && (options.gzipOlder ?? false)).close();
  }
  return { files: paths, rows: rowsDone, noiseLines, noise, spikes: generator.spikes };
}
