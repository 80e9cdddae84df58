/**
 * The standard normal distribution function as scipy computes it (scipy.special.ndtr, from the Cephes library:
 * erf and erfc by rational approximations), so p-values agree with scipy.stats.norm.sf to ~1e-15, tails included.
 * Coefficients from Cephes ndtr.c (S. L. Moshier).
 */

const ERFC_P = [
  2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687, 4.86371970985681366614e1,
  1.96520832956077098242e2, 5.26445194995477358631e2, 9.3452852717195760754e2, 1.02755188689515710272e3,
  5.57535335369399327526e2,
];
const ERFC_Q = [
  1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2, 9.75708501743205489753e2,
  1.82390916687909736289e3, 2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2,
];
const ERFC_R = [
  5.64189583547755073984e-1, 1.27536670759978104416, 5.01905042251180477414, 6.16021097993053585195,
  7.4097426995044893916, 2.9788666537210024067,
];
const ERFC_S = [
  2.2605286322011727659, 9.39603524938001434673, 1.20489539808096656605e1, 1.70814450747565897222e1,
  9.60896809063285878198, 3.3690764510008151605,
];
const ERF_T = [
  9.60497373987051638749, 9.00260197203842689217e1, 2.23200534594684319226e3, 7.00332514112805075473e3,
  5.55923013010394962768e4,
];
const ERF_U = [
  3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3, 2.26290000613890934246e4,
  4.92673942608635921086e4,
];
/** log of the largest double: exp(-x²) underflows beyond it. */
const MAXLOG = 7.09782712893383996843e2;

/** c[0] x^k + ... + c[k] (Cephes polevl). */
function polevl(x: number, c: number[]): number {
  let y = c[0];
  for (let i = 1; i < c.length; i++) {
    y = y * x + c[i];
  }
  return y;
}

/** x^k + c[0] x^(k-1) + ... (Cephes p1evl: the leading coefficient 1 is implied). */
function p1evl(x: number, c: number[]): number {
  let y = x + c[0];
  for (let i = 1; i < c.length; i++) {
    y = y * x + c[i];
  }
  return y;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) {
    return NaN;
  }
  if (x < 0) {
    return -erf(-x);
  }
  if (x > 1) {
    return 1 - erfc(x);
  }
  const z = x * x;
  return (x * polevl(z, ERF_T)) / p1evl(z, ERF_U);
}

/** 1 - erf(a), without the cancellation: relative accuracy in the far tail. */
export function erfc(a: number): number {
  if (Number.isNaN(a)) {
    return NaN;
  }
  const x = Math.abs(a);
  if (x < 1) {
    return 1 - erf(a);
  }
  const z = -a * a;
  if (z < -MAXLOG) {
    return a < 0 ? 2 : 0;
  }
  const e = Math.exp(z);
  const [p, q] = x < 8 ? [polevl(x, ERFC_P), p1evl(x, ERFC_Q)] : [polevl(x, ERFC_R), p1evl(x, ERFC_S)];
  let y = (e * p) / q;
  if (a < 0) {
    y = 2 - y;
  }
  return y === 0 ? (a < 0 ? 2 : 0) : y;
}

/** P(Z ≤ a) for a standard normal Z (scipy.special.ndtr). */
export function normalCdf(a: number): number {
  if (Number.isNaN(a)) {
    return NaN;
  }
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  if (z < 1) {
    return 0.5 + 0.5 * erf(x);
  }
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

/** P(Z > a), scipy.stats.norm.sf: ndtr(-a), accurate far into the upper tail. */
export function normalSf(a: number): number {
  return normalCdf(-a);
}
