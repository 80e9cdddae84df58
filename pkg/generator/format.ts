/**
 * Number, string and time formatting the way Python writes them (`repr` of floats, `json.dumps` of strings,
 * `datetime.isoformat()`), for the generated log lines.
 */

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

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

export function pad6(n: number): string {
  return String(1_000_000 + n).slice(1);
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => pad2(i));
let cachedDay = NaN;
let cachedDayText = '';

/** `YYYY-MM-DDTHH:MM:SS` of a UTC instant given in whole seconds. */
export function isoSeconds(sec: number): string {
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
