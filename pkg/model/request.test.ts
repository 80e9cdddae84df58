import {
  checkRange,
  filtersFrom,
  parseFilter,
  parseRange,
  parseRangeEnd,
  parseTime,
  parseWholeNumber,
} from './request';
import { InvalidInputError } from './validate';

const NOW = Date.UTC(2026, 10, 27, 15, 0, 0);

/** The message a parser throws, checking it is the error every door turns into its own "no". */
function errorOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseTime', () => {
  it.each([
    ['2026-11-27T10:00:00Z', Date.UTC(2026, 10, 27, 10)],
    ['2026-11-27T10:00:00+02:00', Date.UTC(2026, 10, 27, 8)],
    ['2026-11-27T10:00:00-0530', Date.UTC(2026, 10, 27, 15, 30)],
    ['2026-11-27 10:00:00.250Z', Date.UTC(2026, 10, 27, 10, 0, 0, 250)],
    ['2026-11-27', Date.UTC(2026, 10, 27)],
  ])('reads ISO-8601 %s', (text, expected) => {
    expect(parseTime(text)).toBe(expected);
  });

  it('reads ISO-8601 without a zone as UTC (outside UTC too: pkg/grafana/resources.test.ts)', () => {
    expect(parseTime('2026-11-27T10:00:00')).toBe(Date.UTC(2026, 10, 27, 10));
    expect(parseTime('2026-11-27T10:00')).toBe(Date.UTC(2026, 10, 27, 10));
  });

  it('keeps microseconds as a fraction of a millisecond', () => {
    expect(parseTime('2026-11-27T10:00:00.123456Z')).toBe(Date.UTC(2026, 10, 27, 10) + 123.456);
  });

  it('reads epoch milliseconds, as a number or as digits', () => {
    expect(parseTime(1_764_237_600_000)).toBe(1_764_237_600_000);
    expect(parseTime('1764237600000')).toBe(1_764_237_600_000);
    expect(parseTime(' 1764237600000.5 ')).toBe(1_764_237_600_000.5);
    expect(parseTime('-1000')).toBe(-1000);
  });

  it('reads now and now minus a window against the given now', () => {
    expect(parseTime('now', 'from', NOW)).toBe(NOW);
    expect(parseTime('now-15m', 'from', NOW)).toBe(NOW - 15 * 60_000);
    expect(parseTime(' now-1h ', 'from', NOW)).toBe(NOW - 3_600_000);
    expect(parseTime('now-2d', 'from', NOW)).toBe(NOW - 2 * 86_400_000);
  });

  it('says what a time may be, naming the part when given one', () => {
    expect(errorOf(() => parseTime('tuesday', 'from'))).toBe(
      'from "tuesday" is not a time: use ISO-8601 (2026-11-27T15:00:00Z; no zone = UTC), epoch milliseconds, now or now-15m'
    );
    expect(errorOf(() => parseTime('yesterday-ish'))).toMatch(/^"yesterday-ish" is not a time: /);
    expect(errorOf(() => parseTime('now-soon', 'range.to'))).toMatch(/^range\.to "now-soon" is not a time/);
    expect(errorOf(() => parseTime('now+1h'))).toMatch(/is not a time/);
    expect(errorOf(() => parseTime('2026-02-30T10:00:00Z'))).toMatch(/is not a time/);
    expect(errorOf(() => parseTime(''))).toMatch(/^"" is not a time/);
    expect(errorOf(() => parseTime(Number.NaN, 'range.from'))).toBe(
      'range.from must be a finite number of epoch milliseconds'
    );
  });

  it('echoes at most 64 characters of what it could not read', () => {
    const message = errorOf(() => parseTime('x'.repeat(10_000), 'from'));
    expect(message).toContain(`"${'x'.repeat(64)}"`);
    expect(message).not.toContain('x'.repeat(65));
  });
});

describe('parseRange and parseRangeEnd', () => {
  it('leaves an absent or empty end open', () => {
    expect(parseRange(undefined, undefined)).toEqual({ from: undefined, to: undefined });
    expect(parseRange('', '2026-11-27T10:00:00')).toEqual({ from: undefined, to: Date.UTC(2026, 10, 27, 10) });
    expect(parseRangeEnd('', 'range.from')).toBeUndefined();
    expect(parseRangeEnd(undefined, 'range.from')).toBeUndefined();
  });

  it('reads both ends against one now, so now-1h to now is exactly an hour', () => {
    expect(parseRange('now-1h', 'now', NOW)).toEqual({ from: NOW - 3_600_000, to: NOW });
  });

  it('names the end it could not read', () => {
    expect(errorOf(() => parseRange('2026-11-27T10:00:00Z', 'later'))).toMatch(/^to "later" is not a time/);
    expect(errorOf(() => parseRangeEnd('soon', 'range.from'))).toMatch(/^range\.from "soon" is not a time/);
  });

  it('says no to a range that ends before it starts; a range of one instant is fine', () => {
    expect(errorOf(() => parseRange('2026-11-27T11:00:00', '2026-11-27T10:00:00'))).toBe(
      'the time range ends before it starts'
    );
    expect(errorOf(() => checkRange({ from: 2, to: 1 }))).toBe('the time range ends before it starts');
    expect(checkRange({ from: 1, to: 1 })).toEqual({ from: 1, to: 1 });
    expect(checkRange({ from: 5 })).toEqual({ from: 5 });
  });
});

describe('filters', () => {
  it('reads FIELD=VALUE, the value keeping any further =', () => {
    expect(parseFilter('region=us')).toEqual(['region', 'us']);
    expect(parseFilter('note=a=b')).toEqual(['note', 'a=b']);
    expect(parseFilter('status=')).toEqual(['status', '']);
  });

  it('says no to a pair without a field', () => {
    expect(errorOf(() => parseFilter('region'))).toBe('"region" is not FIELD=VALUE');
    expect(errorOf(() => parseFilter('=us', 'filter'))).toBe('filter "=us" is not FIELD=VALUE');
  });

  it('gathers models and pairs, several values of one field being alternatives', () => {
    expect(filtersFrom(['a', 'b'], ['region=us', 'region=eu', 'model=c'])).toEqual({
      model: ['a', 'b', 'c'],
      region: ['us', 'eu'],
    });
    expect(filtersFrom(['llama, 8b'], [])).toEqual({ model: ['llama, 8b'] });
    expect(filtersFrom([], [])).toEqual({});
  });

  it('names the filter parameter when a pair is malformed', () => {
    expect(errorOf(() => filtersFrom([], ['region']))).toBe('filter "region" is not FIELD=VALUE');
  });
});

describe('parseWholeNumber', () => {
  it('reads whole numbers, 0 or more', () => {
    expect(parseWholeNumber('0')).toBe(0);
    expect(parseWholeNumber(' 25 ')).toBe(25);
    expect(parseWholeNumber(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each(['-1', '1.5', 'ten', '', '1e3', '9007199254740993'])('says no to %j', (text) => {
    expect(errorOf(() => parseWholeNumber(text, 'limit'))).toBe(`limit "${text}" is not a whole number`);
  });

  it('leaves the naming to the caller when it has no name', () => {
    expect(errorOf(() => parseWholeNumber('ten'))).toBe('"ten" is not a whole number');
  });
});
