/**
 * Timestamps as inference servers write them, to microseconds since the Unix epoch:
 * naive ISO (`datetime.utcnow().isoformat()`, taken in the configured time zone, UTC by default),
 * ISO with `Z` or an offset, and epoch numbers in seconds, milliseconds, microseconds or nanoseconds.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** How to read naive timestamps: a fixed offset in minutes, or an IANA zone. */
export type NaiveZone = { offsetMinutes: number } | { iana: string };

/** Parses `UTC`, `+02:00`, `-0530` or an IANA name such as `Europe/Berlin`; throws on anything else. */
export function parseZone(text: string | undefined): NaiveZone {
  if (!text || /^(utc|z|gmt)$/i.test(text)) {
    return { offsetMinutes: 0 };
  }
  const offset = /^(?:utc|gmt)?([+-])(\d{2}):?(\d{2})$/i.exec(text);
  if (offset) {
    return { offsetMinutes: (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) };
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: text });
  } catch {
    throw new Error(`unknown time zone "${text}" (use UTC, an offset like +02:00, or an IANA name)`);
  }
  return { iana: text };
}

/** Epoch number to microseconds, the unit guessed from the magnitude. */
export function epochToMicros(value: number): number | null {
  if (!Number.isFinite(value)) {
    return null;
  }
  const magnitude = Math.abs(value);
  if (magnitude < 1e11) {
    return Math.round(value * 1e6); // seconds (until the year 5138)
  }
  if (magnitude < 1e14) {
    return Math.round(value * 1e3); // milliseconds
  }
  if (magnitude < 1e17) {
    return Math.round(value); // microseconds
  }
  return Math.round(value / 1e3); // nanoseconds
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** The offset (minutes east of UTC) of an IANA zone at an instant. */
function ianaOffsetMinutes(zone: string, utcMs: number): number {
  let format = zoneFormatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(utcMs))) {
    parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** Wall-clock milliseconds in a zone to UTC milliseconds. */
function naiveToUtcMs(wallMs: number, zone: NaiveZone): number {
  if ('offsetMinutes' in zone) {
    return wallMs - zone.offsetMinutes * 60_000;
  }
  // Two passes settle the offset around DST changes.
  let utc = wallMs - ianaOffsetMinutes(zone.iana, wallMs) * 60_000;
  utc = wallMs - ianaOffsetMinutes(zone.iana, utc) * 60_000;
  return utc;
}

/** An ISO-8601 string to microseconds since the epoch; null when it is not a valid date and time. */
export function isoToMicros(text: string, zone: NaiveZone = { offsetMinutes: 0 }): number | null {
  const m = ISO.exec(text);
  if (!m) {
    return null;
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] ? Number(m[4]) : 0;
  const minute = m[5] ? Number(m[5]) : 0;
  const second = m[6] ? Number(m[6]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1] || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) {
    return null;
  }
  // Fractions beyond microseconds are truncated, as Python's datetime does.
  const micros = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  let utcMs: number;
  const zoneText = m[8];
  if (zoneText === undefined) {
    utcMs = naiveToUtcMs(wallMs, zone);
  } else if (zoneText === 'Z' || zoneText === 'z') {
    utcMs = wallMs;
  } else {
    const sign = zoneText[0] === '-' ? -1 : 1;
    const digits = zoneText.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offsetHours > 23 || offsetMinutes > 59) {
      return null;
    }
    utcMs = wallMs - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return utcMs * 1000 + micros;
}

/** A timestamp field's value (string or number) to microseconds; null when it cannot be read. */
export function timestampToMicros(value: unknown, zone?: NaiveZone): number | null {
  if (typeof value === 'number') {
    return epochToMicros(value);
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^-?\d+(\.\d+)?$/.test(text)) {
      return epochToMicros(Number(text));
    }
    return isoToMicros(text, zone);
  }
  return null;
}

/** The day (ms since the epoch) of the last date read by isoBytesToMicros, by its ten bytes `YYYY-MM-DD`. */
let cachedDate = -1;
let cachedDayMs = 0;

const digitAt = (buf: Buffer, at: number): number => {
  const d = buf[at] - 0x30;
  return d >= 0 && d <= 9 ? d : -1;
};

/**
 * The common timestamp straight from bytes: `YYYY-MM-DDTHH:MM:SS` with an optional `.fraction` of 1–9 digits,
 * no zone, read in a fixed-offset zone — the same number isoToMicros gives for that text. Returns undefined for
 * any other form (the caller then uses timestampToMicros on the text), null for an impossible date or time.
 */
export function isoBytesToMicros(buf: Buffer, start: number, end: number, zone: NaiveZone): number | null | undefined {
  const length = end - start;
  if (length < 19 || !('offsetMinutes' in zone) || buf[start + 4] !== 0x2d || buf[start + 7] !== 0x2d) {
    return undefined;
  }
  if (buf[start + 10] !== 0x54 /* T */ || buf[start + 13] !== 0x3a || buf[start + 16] !== 0x3a) {
    return undefined;
  }
  // The date: the same ten bytes as the line before are the same day.
  const y1 = digitAt(buf, start);
  const y2 = digitAt(buf, start + 1);
  const y3 = digitAt(buf, start + 2);
  const y4 = digitAt(buf, start + 3);
  const m1 = digitAt(buf, start + 5);
  const m2 = digitAt(buf, start + 6);
  const d1 = digitAt(buf, start + 8);
  const d2 = digitAt(buf, start + 9);
  if ((y1 | y2 | y3 | y4 | m1 | m2 | d1 | d2) < 0) {
    return undefined;
  }
  const dateKey = ((((((y1 * 10 + y2) * 10 + y3) * 10 + y4) * 10 + m1) * 10 + m2) * 10 + d1) * 10 + d2;
  if (dateKey !== cachedDate) {
    const year = ((y1 * 10 + y2) * 10 + y3) * 10 + y4;
    const month = m1 * 10 + m2;
    const day = d1 * 10 + d2;
    if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]) {
      return null;
    }
    if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) {
      return null;
    }
    cachedDayMs = Date.UTC(year, month - 1, day, 0, 0, 0);
    cachedDate = dateKey;
  }
  const h1 = digitAt(buf, start + 11);
  const h2 = digitAt(buf, start + 12);
  const i1 = digitAt(buf, start + 14);
  const i2 = digitAt(buf, start + 15);
  const s1 = digitAt(buf, start + 17);
  const s2 = digitAt(buf, start + 18);
  if ((h1 | h2 | i1 | i2 | s1 | s2) < 0) {
    return undefined;
  }
  const hour = h1 * 10 + h2;
  const minute = i1 * 10 + i2;
  const second = s1 * 10 + s2;
  if (hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  let micros = 0;
  if (length > 19) {
    if (buf[start + 19] !== 0x2e /* . */ || length === 20 || length > 29) {
      return undefined;
    }
    // Fractions beyond microseconds are truncated (as isoToMicros does); fewer digits are padded.
    for (let i = 20; i < length; i++) {
      const d = digitAt(buf, start + i);
      if (d < 0) {
        return undefined;
      }
      if (i < 26) {
        micros = micros * 10 + d;
      }
    }
    for (let i = Math.min(length, 26); i < 26; i++) {
      micros *= 10;
    }
  }
  const wallMs = cachedDayMs + ((hour * 60 + minute) * 60 + second) * 1000;
  return (wallMs - zone.offsetMinutes * 60_000) * 1000 + micros;
}
