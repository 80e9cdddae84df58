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
