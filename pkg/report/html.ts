/** Escaping and number formatting for the HTML report. Every text that came from a log goes through `escapeHtml`. */
import { readableMicros } from '../format/time';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string | number | null | undefined): string {
  if (text === null || text === undefined) {
    return '';
  }
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A missing value in a table cell. */
export const MISSING = '—';

/** The exact engine value for a `data-value` attribute (NaN and ±Infinity spelled as JavaScript does). */
export function rawValue(value: number): string {
  return String(value);
}

/** A count with thousands separators: 12,345. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : MISSING;
}

/** Milliseconds with a precision that suits their size: 0.84 ms, 12.5 ms, 1,234 ms. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) {
    return MISSING;
  }
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ms`;
}

/** A fraction (0–1) as a percentage: 0.0123 gives 1.23 %. */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) {
    return MISSING;
  }
  return `${(value * 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} %`;
}

/** A plain number to three significant digits (at least the integer part): 2.07, 14.3, 1,234. */
export function formatNumber(value: number, unit = ''): string {
  if (Number.isNaN(value)) {
    return MISSING;
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '∞' : '−∞';
  }
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}

/** A time in microseconds since the epoch as UTC, to the microsecond: 2026-11-20 10:03:15.123456. */
export function formatTimeUs(us: number): string {
  if (!Number.isFinite(us)) {
    return MISSING;
  }
  return readableMicros(us);
}

/** A time in microseconds as UTC to the second: 2026-11-20 10:03:15. */
export function formatTimeShort(us: number): string {
  if (!Number.isFinite(us)) {
    return MISSING;
  }
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** A duration in seconds for people: 2 h 47 min, 12 min 5 s, 3 d 4 h. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    return MISSING;
  }
  const s = Math.round(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (d > 0) {
    return `${d} d ${h} h`;
  }
  if (h > 0) {
    return `${h} h ${m} min`;
  }
  if (m > 0) {
    return `${m} min ${rest} s`;
  }
  return seconds < 10 && seconds !== s ? `${seconds.toFixed(3)} s` : `${rest} s`;
}
