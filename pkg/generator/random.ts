/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32) with the distributions the log generator needs.
 * Deterministic across platforms: only 32-bit integer arithmetic and IEEE doubles.
 */

const TWO_POW_32 = 4294967296;

const HEX: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX.push(i.toString(16).padStart(2, '0'));
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  // Box-Muller yields two normals per draw; keep the second.
  private spareNormal: number | null = null;

  constructor(seed = 1) {
    let s = seed >>> 0;
    let out: number;
    [s, out] = splitmix32(s);
    this.a = out;
    [s, out] = splitmix32(s);
    this.b = out;
    [s, out] = splitmix32(s);
    this.c = out;
    [s, out] = splitmix32(s);
    this.d = out;
    // xoshiro must not start from the all-zero state.
    if ((this.a | this.b | this.c | this.d) === 0) {
      this.a = 1;
    }
  }

  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  normal(mean = 0, stddev = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + stddev * z;
    }
    // 1 - next() is in (0, 1], so the log is finite.
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spareNormal = r * Math.sin(theta);
    return mean + stddev * r * Math.cos(theta);
  }

  /** exp(N(mu, sigma)): the median is exp(mu). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Exponential with the given rate (mean 1 / rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  choice<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks an item with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) {
      total += w;
    }
    let x = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i];
      if (x < 0) {
        return items[i];
      }
    }
    return items[items.length - 1];
  }

  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string {
    let out = '';
    let word = 0;
    for (let i = 0; i < bytes; i++) {
      if (i % 4 === 0) {
        word = this.nextUint32();
      }
      out += HEX[word & 0xff];
      word >>>= 8;
    }
    return out;
  }

  /** A random RFC 4122 version 4 UUID. */
  uuid4(): string {
    const a = this.nextUint32();
    const b = this.nextUint32();
    const c = this.nextUint32();
    const d = this.nextUint32();
    // Version nibble 4, variant bits 10.
    const b2 = ((b & 0xffff0fff) | 0x4000) >>> 0;
    const c2 = ((c & 0x3fffffff) | 0x80000000) >>> 0;
    return (
      hex8(a) +
      '-' +
      hex8(b2).slice(0, 4) +
      '-' +
      hex8(b2).slice(4) +
      '-' +
      hex8(c2).slice(0, 4) +
      '-' +
      hex8(c2).slice(4) +
      hex8(d)
    );
  }
}

/** Picks items with probability proportional to fixed weights (cumulative table built once). */
export class WeightedPicker<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[]
  ) {
    let sum = 0;
    for (const w of weights) {
      sum += w;
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  pick(rng: Random): T {
    const x = rng.next() * this.total;
    const cum = this.cumulative;
    for (let i = 0; i < cum.length; i++) {
      if (x < cum[i]) {
        return this.items[i];
      }
    }
    return this.items[this.items.length - 1];
  }
}

function hex8(x: number): string {
  return HEX[x >>> 24] + HEX[(x >>> 16) & 0xff] + HEX[(x >>> 8) & 0xff] + HEX[x & 0xff];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
