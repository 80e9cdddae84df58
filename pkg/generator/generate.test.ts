import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { DEFAULT_START_MS, generateLines, LogGenerator, NOISE_KINDS } from './generate';
import { pyFloat, scaledDecimal } from './format';
import { rotatedFileNames, writeLogs } from './write';
import { Random } from './random';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'generator-test-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function readText(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Microseconds since the epoch of any timestamp the generator writes (ISO with or without zone, epoch numbers). */
function timestampMicros(raw: string): number {
  if (raw.startsWith('"')) {
    const m = /^"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{3}|\d{6}))?(Z|[+-]\d{2}:\d{2})?"$/.exec(raw);
    if (!m) {
      throw new Error(`unexpected timestamp ${raw}`);
    }
    const zone = m[3] && m[3] !== 'Z' ? m[3] : 'Z';
    const seconds = Date.parse(`${m[1]}${zone}`) * 1000;
    return seconds + Number((m[2] ?? '').padEnd(6, '0'));
  }
  if (raw.includes('.')) {
    return Math.round(Number(raw) * 1e6);
  }
  const digits = raw.length;
  return digits <= 11
    ? Number(raw) * 1e6
    : digits <= 14
      ? Number(raw) * 1000
      : digits <= 17
        ? Number(raw)
        : Number(raw.slice(0, -3));
}

function recordTimestamps(lines: string[]): number[] {
  const out: number[] = [];
  for (const line of lines) {
    const m = /^\{"timestamp": ("[^"]*"|[0-9.]+), "request_id"/.exec(line);
    if (m && !/not a time|2026-13-45|yesterday/.test(m[1])) {
      out.push(timestampMicros(m[1]));
    }
  }
  return out;
}

function backwardSteps(micros: number[]): number {
  return micros.filter((t, i) => i > 0 && t < micros[i - 1]).length;
}

describe('random', () => {
  it('is deterministic per seed and uniform-ish', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(Array.from({ length: 10_000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('draws normals with the right moments and well-formed uuids', () => {
    const r = new Random(7);
    const xs = Array.from({ length: 20_000 }, () => r.normal(10, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
    expect(r.uuid4()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('number formatting', () => {
  it('writes floats as Python repr does', () => {
    expect(pyFloat(12)).toBe('12.0');
    expect(pyFloat(12.5)).toBe('12.5');
    expect(pyFloat(0.1)).toBe('0.1');
    expect(pyFloat(1e-5)).toBe('1e-05');
    expect(pyFloat(1e16)).toBe('1e+16');
    expect(pyFloat(NaN)).toBe('NaN');
    expect(pyFloat(-Infinity)).toBe('-Infinity');
    expect(pyFloat(1795132800.123456)).toBe('1795132800.123456');
    expect(scaledDecimal(12500, 3)).toBe('12.5');
    expect(scaledDecimal(12000, 3)).toBe('12.0');
    expect(scaledDecimal(5, 3)).toBe('0.005');
    expect(scaledDecimal(1000, 1)).toBe('100.0');
  });
});

describe('generateLines', () => {
  it('writes records exactly as json.dumps does', () => {
    const lines = [
      ...generateLines({ rows: 3000, seed: 11, timestampStyle: 'mixed', extras: true }),
      ...generateLines({ rows: 2000, seed: 12, models: ['tiny-\u00e9"model'] }),
    ];
    const [first] = generateLines({ rows: 1, seed: 1 });
    expect(first).toMatch(
      /^\{"timestamp": "2026-11-20T00:00:\d{2}(\.\d{6})?", "request_id": "[^"]+", "model": "[^"]+", "latency_ms": /
    );
    expect(lines[3000]).toContain('"model": "tiny-\\u00e9\\"model"');
    const shape =
      /^\{"timestamp": .*"latency_ms": (\d+\.\d+|NaN), "batch_size": \d+, .*"gpu_util": (\d+\.\d+|NaN|null), "memory_used_gb": (\d+\.\d+|NaN|null)/;
    expect(lines.filter((l) => !shape.test(l))).toEqual([]);
    // Python itself is the judge: dumps(loads(line)) must give the line back unchanged.
    const script = [
      'import json, sys',
      'bad = [l for l in sys.stdin.read().split("\\n") if l and json.dumps(json.loads(l)) != l]',
      'print(len(bad)); print("\\n".join(bad[:5]))',
    ].join('\n');
    const result = spawnSync(PYTHON, ['-c', script], { input: lines.join('\n'), encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('0');
  });

  it('writes naive UTC timestamps, some without a fraction, never going back in time', () => {
    const lines = [...generateLines({ rows: 20_000, seed: 5 })];
    const stamps = lines.map((l) => /^\{"timestamp": "([^"]+)"/.exec(l)![1]);
    expect(stamps.every((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$/.test(s))).toBe(true);
    expect(stamps.some((s) => s.length === 19)).toBe(true);
    expect(stamps[0].startsWith(new Date(DEFAULT_START_MS).toISOString().slice(0, 13))).toBe(true);
    const micros = recordTimestamps(lines);
    expect(backwardSteps(micros)).toBe(0);
    expect(micros.some((t, i) => i > 0 && t === micros[i - 1])).toBe(true);
  });

  it('mixes timestamp styles when asked, still in time order', () => {
    const lines = [...generateLines({ rows: 5000, seed: 8, timestampStyle: 'mixed' })];
    const raw = lines.map((l) => /^\{"timestamp": ("[^"]*"|[0-9.]+),/.exec(l)![1]);
    expect(raw.some((s) => s.endsWith('Z"'))).toBe(true);
    expect(raw.some((s) => s.endsWith('+02:00"'))).toBe(true);
    expect(raw.some((s) => s.endsWith('-05:30"'))).toBe(true);
    expect(raw.some((s) => /^\d{10}\.\d+$/.test(s))).toBe(true);
    for (const digits of [13, 16, 19]) {
      expect(raw.some((s) => new RegExp(`^\\d{${digits}}$`).test(s))).toBe(true);
    }
    const micros = recordTimestamps(lines);
    expect(backwardSteps(micros)).toBe(0);
  });

  it('makes realistic values: statuses, missing values, per-model latency, spikes', () => {
    const generator = new LogGenerator({ rows: 40_000, seed: 9, ratePerSecond: 0.5, extras: true });
    const records = [...generator.lines()].map((l) => JSON.parse(l.text.replace(/\bNaN\b/g, 'null')));
    const statuses = new Set(records.map((r) => JSON.stringify(r.status)));
    for (const s of ['"success"', '"ok"', '"error"', '"timeout"', '200', '503', 'null']) {
      expect(statuses.has(s)).toBe(true);
    }
    expect(records.some((r) => !('status' in r))).toBe(true);
    expect(records.some((r) => r.gpu_util === null)).toBe(true);
    expect(records.some((r) => r.host === 'gpu-node-01' && typeof r.region === 'string')).toBe(true);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const latencyOf = (model: string) => records.filter((r) => r.model === model && r.latency_ms !== null);
    expect(median(latencyOf('bert-large').map((r) => r.latency_ms))).toBeLessThan(
      median(latencyOf('llama-3-8b').map((r) => r.latency_ms)) / 3
    );
    expect(generator.spikes.length).toBeGreaterThan(0);
    const spike = generator.spikes[0];
    const inSpike = latencyOf(spike.model).filter((r) => {
      const t = Date.parse(`${r.timestamp}Z`);
      return t >= spike.startMs && t < spike.endMs;
    });
    expect(inSpike.length).toBeGreaterThan(0);
    expect(median(inSpike.map((r) => r.latency_ms))).toBeGreaterThan(
      3 * median(latencyOf(spike.model).map((r) => r.latency_ms))
    );
  });
});

describe('writeLogs', () => {
  const options = {
    rows: 6000,
    seed: 21,
    files: 3,
    gzipOlder: true,
    noise: 0.05,
    timestampStyle: 'mixed' as const,
    extras: true,
    crlf: true,
    bom: true,
  };

  it('is deterministic: the same seed gives the same bytes', async () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    const ra = await writeLogs(a, options);
    await writeLogs(b, options);
    await writeLogs(c, { ...options, seed: 22 });
    for (const path of ra.files) {
      const name = basename(path);
      expect(readFileSync(join(b, name)).equals(readFileSync(path))).toBe(true);
      expect(readFileSync(join(c, name)).equals(readFileSync(path))).toBe(false);
    }
  });

  it('rotates files oldest-numbered-highest, with BOM, CRLF and gzip as asked', async () => {
    const dir = tempDir();
    const result = await writeLogs(dir, options);
    expect(rotatedFileNames(3, 'inference.log', true)).toEqual([
      'inference.log.2.gz',
      'inference.log.1.gz',
      'inference.log',
    ]);
    expect(result.files.map((f) => basename(f))).toEqual(['inference.log.2.gz', 'inference.log.1.gz', 'inference.log']);
    const texts = result.files.map(readText);
    expect(texts[0].startsWith('\uFEFF{')).toBe(true);
    expect(texts[1]).toContain('\r\n');
    expect(texts[0]).not.toContain('\r');
    expect(texts[2]).not.toContain('\r');
    // Time order holds across files, oldest file first.
    const lines = texts.flatMap((t) =>
      t
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)
        .slice(0, -1)
    );
    const micros = recordTimestamps(lines);
    expect(backwardSteps(micros)).toBe(0);
  });

  it('reports the rows and each kind of noise line it wrote', async () => {
    const dir = tempDir();
    const result = await writeLogs(dir, options);
    const lines = result.files.map(readText).flatMap((t) =>
      t
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)
        .slice(0, -1)
    );
    expect(lines.length).toBe(result.rows + result.noiseLines);
    expect(result.rows).toBe(6000);
    expect(Object.values(result.noise).reduce((a, b) => a + b, 0)).toBe(result.noiseLines);
    for (const kind of NOISE_KINDS) {
      expect(result.noise[kind]).toBeGreaterThan(0);
    }
    // Classify every line independently and compare with what the generator says it wrote.
    const seen: Record<string, number> = {};
    for (const line of lines) {
      const kind = classify(line);
      seen[kind] = (seen[kind] ?? 0) + 1;
    }
    const invalidJson = result.noise.text + result.noise.truncated;
    expect(seen).toEqual({
      record: result.rows,
      blank: result.noise.blank,
      invalid_json: invalidJson,
      not_object: result.noise.array + result.noise.scalar,
      missing_model: result.noise.missing_model,
      missing_latency: result.noise.missing_latency,
      missing_timestamp: result.noise.missing_timestamp,
      bad_timestamp: result.noise.bad_timestamp,
    });
    expect(result.noiseLines / (result.noiseLines + result.rows)).toBeCloseTo(0.05, 1);
  });
});

function classify(line: string): string {
  if (line === '') {
    return 'blank';
  }
  let value: unknown;
  try {
    value = JSON.parse(line.replace(/\bNaN\b/g, 'null'));
  } catch {
    return 'invalid_json';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'not_object';
  }
  const record = value as Record<string, unknown>;
  if (!('timestamp' in record)) {
    return 'missing_timestamp';
  }
  if (typeof record.timestamp === 'string' && /not a time|2026-13-45|yesterday/.test(record.timestamp)) {
    return 'bad_timestamp';
  }
  if (!('model' in record)) {
    return 'missing_model';
  }
  if (!('latency_ms' in record)) {
    return 'missing_latency';
  }
  return 'record';
}
