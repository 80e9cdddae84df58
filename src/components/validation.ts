import { parseWindow } from '../../pkg/model/query';

/*
 * Checks of what users type into the editors. Each returns an error message for the field, or
 * undefined when the text is acceptable. An empty text is always acceptable: it means "the default".
 * Template variables (`$name`, `${name}`, `[[name]]`) are accepted wherever a dashboard may use them;
 * the data source replaces them before the query reaches the backend.
 */

const TEMPLATE_VARIABLE = /\$\w+|\$\{[^}]+\}|\[\[[^\]]+\]\]/;

/** Whether the text holds a template variable, which only the dashboard can resolve. */
export function hasTemplateVariable(text: string): boolean {
  return TEMPLATE_VARIABLE.test(text);
}

/** A trend window: `auto`, a duration such as `30s`, `5m`, `1h`, `1d`, or a template variable. */
export function validateWindow(text: string): string | undefined {
  const value = text.trim();
  if (value === '' || value === 'auto' || hasTemplateVariable(value) || parseWindow(value) !== null) {
    return undefined;
  }
  return 'Use auto or a duration such as 250ms, 30s, 5m, 1h, 1d, 1w';
}

/** A number field as typed: absent, a number, or a template variable kept as text. */
export type ParsedNumber = { value: number | string | undefined; error?: undefined } | { error: string };

/** An anomaly threshold: a number ≥ 0 (or a template variable); empty means the method's default. */
export function parseThreshold(text: string): ParsedNumber {
  const value = text.trim();
  if (value === '') {
    return { value: undefined };
  }
  if (hasTemplateVariable(value)) {
    return { value };
  }
  const number = Number(value);
  if (!Number.isFinite(number)) {
    return { error: 'Threshold must be a number, such as 3 or 2.5' };
  }
  if (number < 0) {
    return { error: 'Threshold cannot be negative' };
  }
  return { value: number };
}

/** A row limit: a whole number ≥ 1 (or a template variable); empty means no limit (or the query's default). */
export function parseLimit(text: string): ParsedNumber {
  const value = text.trim();
  if (value === '') {
    return { value: undefined };
  }
  if (hasTemplateVariable(value)) {
    return { value };
  }
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    return { error: 'Limit must be a whole number of at least 1' };
  }
  return { value: number };
}

/**
 * The zone of timestamps written without one, as the backend reads it (pkg/sources/timestamp.ts):
 * `UTC`, an offset such as `+02:00` or `-0530`, or an IANA name known to this browser's Intl.
 */
export function validateTimezone(text: string): string | undefined {
  const value = text.trim();
  if (value === '' || /^(utc|z|gmt)$/i.test(value)) {
    return undefined;
  }
  const offset = /^(?:utc|gmt)?[+-](\d{2}):?(\d{2})$/i.exec(value);
  if (offset) {
    return Number(offset[1]) <= 23 && Number(offset[2]) <= 59
      ? undefined
      : 'An offset is ±HH:MM with hours up to 23 and minutes up to 59';
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return undefined;
  } catch {
    return `Unknown time zone "${value}": use UTC, an offset like +02:00, or an IANA name like Europe/Berlin`;
  }
}

/** A whole number ≥ 1 typed into a settings field; empty means unset. */
export function parsePositiveInteger(text: string): { value?: number; error?: string } {
  const value = text.trim();
  if (value === '') {
    return {};
  }
  const number = Number(value);
  return Number.isInteger(number) && number >= 1
    ? { value: number }
    : { error: 'Must be a whole number of at least 1' };
}

/** A number > 0 typed into a settings field (hours may be fractional); empty means unset. */
export function parsePositiveNumber(text: string): { value?: number; error?: string } {
  const value = text.trim();
  if (value === '') {
    return {};
  }
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? { value: number } : { error: 'Must be a number greater than 0' };
}

/** The remote proxy's base URL: http(s) with a host. Empty is reported too: remote mode needs one. */
export function validateProxyUrl(text: string): string | undefined {
  const value = text.trim();
  if (value === '') {
    return 'Remote mode needs the proxy URL, e.g. http://gpu-host-7:8686';
  }
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      return undefined;
    }
  } catch {
    // Not a URL at all: the message below.
  }
  return 'Use an http:// or https:// URL, e.g. http://gpu-host-7:8686';
}

/** ClickHouse's HTTP URL: http(s), and no password in it (jsonData is readable; the password has its own secret field). */
export function validateClickHouseUrl(text: string): string | undefined {
  const value = text.trim();
  if (value === '') {
    return 'ClickHouse mode needs the URL of its HTTP interface, e.g. http://127.0.0.1:8123';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Use an http:// or https:// URL, e.g. http://127.0.0.1:8123';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'Use an http:// or https:// URL, e.g. http://127.0.0.1:8123';
  }
  if (url.password !== '') {
    return 'Put the password in the Password field (stored encrypted), not in the URL';
  }
  return undefined;
}

/** A forecast horizon: a duration such as `30m`, `2h` (not `auto`), or a template variable. */
export function validateHorizon(text: string): string | undefined {
  const value = text.trim();
  if (value === '' || hasTemplateVariable(value) || parseWindow(value) !== null) {
    return undefined;
  }
  return 'Use a duration such as 15m, 30m, 1h, 2h';
}

/** How many previous days or weeks a seasonal baseline reads: a whole number from 1 to `max` (or a variable). */
export function parseSeasonalPeriods(text: string, max: number): ParsedNumber {
  const value = text.trim();
  if (value === '') {
    return { value: undefined };
  }
  if (hasTemplateVariable(value)) {
    return { value };
  }
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) {
    return { error: `Periods must be a whole number from 1 to ${max}` };
  }
  return { value: number };
}
