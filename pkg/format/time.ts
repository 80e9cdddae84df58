/**
 * Times as the product prints them: ISO-8601 UTC to the microsecond, the same in CSV exports, CSV and tables of
 * answers, and the HTML report — one formatter, so a time reads alike wherever it is shown.
 */

/** A microsecond timestamp as ISO-8601 UTC with all six fraction digits: 2026-11-20T10:03:15.123456Z. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = String(Math.round(us - ms * 1000)).padStart(3, '0');
  return `${new Date(ms).toISOString().slice(0, 23)}${micros}Z`;
}

/** Epoch ms (+ extra nanoseconds, as Grafana's frames carry them) as isoMicros does. */
export function isoTime(ms: number, nanos = 0): string {
  return isoMicros(Math.round(ms * 1000) + Math.floor(nanos / 1000));
}

/** isoMicros for people: a space for the T, no Z (the report says UTC once): 2026-11-20 10:03:15.123456. */
export function readableMicros(us: number): string {
  const iso = isoMicros(us);
  return `${iso.slice(0, 10)} ${iso.slice(11, iso.length - 1)}`;
}
