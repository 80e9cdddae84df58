import { epochToMicros, isoToMicros, NaiveZone, parseZone, timestampToMicros } from './timestamp';

// Reference instant, computed by hand:
// 1970-01-01 .. 2026-01-01 = 56 years, 14 of them leap (1972 .. 2024) -> 56 * 365 + 14 = 20454 days.
// Jan..Oct 2026 = 304 days, + 26 -> 2026-11-27 is day 20784 -> 20784 * 86400 = 1_795_737_600 s.
// 15:03:15 = 54_195 s -> 1_795_791_795 s since the epoch.
const SECONDS = 1_795_791_795;
const MICROS = SECONDS * 1_000_000; // 2026-11-27T15:03:15Z
const HOUR_US = 3_600_000_000;
const MINUTE_US = 60_000_000;

const UTC: NaiveZone = { offsetMinutes: 0 };

describe('parseZone', () => {
  it.each([undefined, '', 'UTC', 'utc', 'Z', 'GMT'])('reads %p as UTC', (text) => {
    expect(parseZone(text)).toEqual({ offsetMinutes: 0 });
  });

  it.each([
    ['+02:00', 120],
    ['-0530', -330],
    ['+0000', 0],
    ['UTC+01:00', 60],
    ['-08:00', -480],
  ])('reads the fixed offset %s as %d minutes', (text, minutes) => {
    expect(parseZone(text)).toEqual({ offsetMinutes: minutes });
  });

  it('reads an IANA name', () => {
    expect(parseZone('Europe/Berlin')).toEqual({ iana: 'Europe/Berlin' });
    expect(parseZone('America/New_York')).toEqual({ iana: 'America/New_York' });
  });

  it('throws on an unknown zone', () => {
    expect(() => parseZone('Mars/Olympus_Mons')).toThrow(/unknown time zone/);
  });
});

describe('epochToMicros', () => {
  it('reads seconds, with and without a fraction', () => {
    expect(epochToMicros(SECONDS)).toBe(MICROS);
    expect(epochToMicros(1795791795.5)).toBe(MICROS + 500_000);
    expect(epochToMicros(1795791795.123456)).toBe(MICROS + 123_456);
    expect(epochToMicros(0)).toBe(0);
  });

  it('reads milliseconds', () => {
    expect(epochToMicros(1_795_791_795_123)).toBe(MICROS + 123_000);
  });

  it('reads microseconds', () => {
    expect(epochToMicros(1_795_791_795_123_456)).toBe(MICROS + 123_456);
  });

  it('reads nanoseconds', () => {
    // 1_795_791_795_123_456_000 is exactly representable as a float64 (a multiple of 256).
    expect(epochToMicros(1_795_791_795_123_456_000)).toBe(MICROS + 123_456);
  });

  it('chooses the unit at the magnitude thresholds 1e11, 1e14, 1e17', () => {
    expect(epochToMicros(99_999_999_999)).toBe(99_999_999_999_000_000); // < 1e11: seconds
    expect(epochToMicros(1e11)).toBe(1e14); // 1e11 ms
    expect(epochToMicros(99_999_999_999_999)).toBe(99_999_999_999_999_000); // < 1e14: ms
    expect(epochToMicros(1e14)).toBe(1e14); // 1e14 µs
    // the float64 just below 1e17 (spacing 16 there): still µs
    expect(epochToMicros(99_999_999_999_999_984)).toBe(99_999_999_999_999_984);
    expect(epochToMicros(1e17)).toBe(1e14); // 1e17 ns
  });

  it('returns null for non-finite numbers', () => {
    expect(epochToMicros(NaN)).toBeNull();
    expect(epochToMicros(Infinity)).toBeNull();
    expect(epochToMicros(-Infinity)).toBeNull();
  });
});

describe('isoToMicros', () => {
  describe('naive timestamps (datetime.utcnow().isoformat()) are UTC by default', () => {
    it.each([
      ['2026-11-27T15:03:15.123456', MICROS + 123_456],
      ['2026-11-27T15:03:15', MICROS],
      ['2026-11-27T15:03:15.1', MICROS + 100_000],
      ['2026-11-27T15:03:15.12', MICROS + 120_000],
      ['2026-11-27T15:03:15.123', MICROS + 123_000],
      ['2026-11-27T15:03:15.000001', MICROS + 1],
      ['2026-11-27T15:03:15.999999', MICROS + 999_999],
    ])('%s', (text, expected) => {
      expect(isoToMicros(text)).toBe(expected);
    });

    it('uses a space instead of T', () => {
      expect(isoToMicros('2026-11-27 15:03:15.123456')).toBe(MICROS + 123_456);
    });

    it('the explicit UTC zone gives the same answer as the default', () => {
      expect(isoToMicros('2026-11-27T15:03:15.123456', UTC)).toBe(MICROS + 123_456);
    });
  });

  describe('fractions of more than 6 digits are truncated (not rounded)', () => {
    it.each([
      ['2026-11-27T15:03:15.1234567', MICROS + 123_456],
      ['2026-11-27T15:03:15.123456789', MICROS + 123_456],
      ['2026-11-27T15:03:15.9999999', MICROS + 999_999],
      ['2026-11-27T15:03:15.123456789012', MICROS + 123_456],
    ])('%s', (text, expected) => {
      expect(isoToMicros(text)).toBe(expected);
    });
  });

  describe('Z and offsets', () => {
    it.each([
      ['2026-11-27T15:03:15.123456Z', MICROS + 123_456],
      ['2026-11-27T15:03:15z', MICROS],
      ['2026-11-27T15:03:15+00:00', MICROS],
      // 17:03:15 at +02:00 is 15:03:15 UTC
      ['2026-11-27T17:03:15+02:00', MICROS],
      ['2026-11-27T17:03:15.5+02:00', MICROS + 500_000],
      // 09:33:15 at -05:30 is 15:03:15 UTC
      ['2026-11-27T09:33:15-0530', MICROS],
      ['2026-11-27T09:33:15-05:30', MICROS],
      // 20:03:15 at +05 is 15:03:15 UTC
      ['2026-11-27T20:03:15+05', MICROS],
      ['2026-11-27 17:03:15.123456+02:00', MICROS + 123_456],
    ])('%s', (text, expected) => {
      expect(isoToMicros(text)).toBe(expected);
    });

    it('an offset that crosses midnight moves the date', () => {
      // 2026-11-28T01:00:00+02:00 = 2026-11-27T23:00:00Z = day 20784 + 23 h
      expect(isoToMicros('2026-11-28T01:00:00+02:00')).toBe((20784 * 86400 + 23 * 3600) * 1_000_000);
    });

    it('an explicit zone wins over the configured naive zone', () => {
      expect(isoToMicros('2026-11-27T15:03:15Z', { offsetMinutes: 120 })).toBe(MICROS);
      expect(isoToMicros('2026-11-27T17:03:15+02:00', { iana: 'America/New_York' })).toBe(MICROS);
    });
  });

  describe('invalid dates and times', () => {
    it.each([
      '2026-13-01T00:00:00', // month 13
      '2026-00-10T00:00:00', // month 0
      '2026-02-30T00:00:00', // Feb 30
      '2026-02-29T00:00:00', // not a leap year
      '2100-02-29T00:00:00', // divisible by 100, not by 400
      '2026-04-31T00:00:00', // April has 30 days
      '2026-01-00T00:00:00', // day 0
      '2026-11-27T24:00:00', // hour 24
      '2026-11-27T15:60:00', // minute 60
      '2026-11-27T15:03:61', // second 61
      '2026-11-27T15:03:15+25:00', // offset hour 25
      'not a date',
      '27/11/2026 15:03:15',
      '',
    ])('%p is invalid', (text) => {
      expect(isoToMicros(text)).toBeNull();
    });

    it('Feb 29 in leap years is valid', () => {
      // 2024-02-29: 2024-01-01 is day 54 * 365 + 13 = 19723 (13 leap years 1972..2020), + 31 + 28 = day 19782
      expect(isoToMicros('2024-02-29T00:00:00')).toBe(19782 * 86400 * 1_000_000);
      // 2000-02-29: 2000-01-01 is day 30 * 365 + 7 = 10957, + 59 = day 11016
      expect(isoToMicros('2000-02-29T12:00:00Z')).toBe((11016 * 86400 + 12 * 3600) * 1_000_000);
    });
  });

  describe('configured zone for naive timestamps', () => {
    it('a fixed offset +02:00: naive 17:03:15 is 15:03:15 UTC', () => {
      expect(isoToMicros('2026-11-27T17:03:15.123456', { offsetMinutes: 120 })).toBe(MICROS + 123_456);
    });

    it('a fixed negative offset -05:30', () => {
      expect(isoToMicros('2026-11-27T09:33:15', parseZone('-05:30'))).toBe(MICROS);
    });

    it('Europe/Berlin in winter is +01:00', () => {
      // 2026-01-15 = day 20454 + 14 = 20468; 12:00 Berlin (CET) = 11:00 UTC
      expect(isoToMicros('2026-01-15T12:00:00', parseZone('Europe/Berlin'))).toBe(
        (20468 * 86400 + 11 * 3600) * 1_000_000
      );
      // the reference instant: 16:03:15 in Berlin on 2026-11-27 (after the end of DST on 2026-10-25)
      expect(isoToMicros('2026-11-27T16:03:15.123456', parseZone('Europe/Berlin'))).toBe(MICROS + 123_456);
    });

    it('Europe/Berlin in summer is +02:00 (DST)', () => {
      // 2026-07-15 = day 20454 + 181 + 14 = 20649; 12:00 Berlin (CEST) = 10:00 UTC
      expect(isoToMicros('2026-07-15T12:00:00', parseZone('Europe/Berlin'))).toBe(
        (20649 * 86400 + 10 * 3600) * 1_000_000
      );
    });

    it('Berlin summer and winter differ by exactly one hour of offset', () => {
      const zone = parseZone('Europe/Berlin');
      const winterNaive = isoToMicros('2026-01-15T12:00:00')!;
      const summerNaive = isoToMicros('2026-07-15T12:00:00')!;
      expect(winterNaive - isoToMicros('2026-01-15T12:00:00', zone)!).toBe(HOUR_US);
      expect(summerNaive - isoToMicros('2026-07-15T12:00:00', zone)!).toBe(2 * HOUR_US);
    });

    it('America/New_York in winter is -05:00 and in summer -04:00', () => {
      const zone = parseZone('America/New_York');
      expect(isoToMicros('2026-01-15T06:00:00', zone)).toBe((20468 * 86400 + 11 * 3600) * 1_000_000);
      expect(isoToMicros('2026-07-15T06:00:00', zone)).toBe((20649 * 86400 + 10 * 3600) * 1_000_000);
    });

    it('Asia/Kolkata is +05:30 all year', () => {
      expect(isoToMicros('2026-11-27T20:33:15', parseZone('Asia/Kolkata'))).toBe(MICROS);
      expect(isoToMicros('2026-07-15T20:33:15', parseZone('Asia/Kolkata'))).toBe(
        isoToMicros('2026-07-15T20:33:15')! - 330 * MINUTE_US
      );
    });
  });
});

describe('timestampToMicros', () => {
  it('reads ISO strings, trimmed', () => {
    expect(timestampToMicros('2026-11-27T15:03:15.123456')).toBe(MICROS + 123_456);
    expect(timestampToMicros('  2026-11-27T15:03:15Z  ')).toBe(MICROS);
  });

  it('reads epoch numbers in every unit', () => {
    expect(timestampToMicros(SECONDS)).toBe(MICROS);
    expect(timestampToMicros(1795791795.25)).toBe(MICROS + 250_000);
    expect(timestampToMicros(1_795_791_795_123)).toBe(MICROS + 123_000);
    expect(timestampToMicros(1_795_791_795_123_456)).toBe(MICROS + 123_456);
    expect(timestampToMicros(1_795_791_795_123_456_000)).toBe(MICROS + 123_456);
  });

  it('reads numeric strings as epoch numbers', () => {
    expect(timestampToMicros('1795791795')).toBe(MICROS);
    expect(timestampToMicros('1795791795.5')).toBe(MICROS + 500_000);
    expect(timestampToMicros('1795791795123')).toBe(MICROS + 123_000);
    expect(timestampToMicros('1795791795123456')).toBe(MICROS + 123_456);
    expect(timestampToMicros('1795791795123456000')).toBe(MICROS + 123_456);
    expect(timestampToMicros(' 1795791795 ')).toBe(MICROS);
  });

  it('passes the naive zone to ISO strings but not to epoch numbers', () => {
    const zone: NaiveZone = { offsetMinutes: 120 };
    expect(timestampToMicros('2026-11-27T17:03:15', zone)).toBe(MICROS);
    expect(timestampToMicros(SECONDS, zone)).toBe(MICROS);
    expect(timestampToMicros('1795791795', zone)).toBe(MICROS);
  });

  it('returns null for values that are not timestamps', () => {
    expect(timestampToMicros(true)).toBeNull();
    expect(timestampToMicros({ t: 1 })).toBeNull();
    expect(timestampToMicros([SECONDS])).toBeNull();
    expect(timestampToMicros(undefined)).toBeNull();
    expect(timestampToMicros(null)).toBeNull();
    expect(timestampToMicros(NaN)).toBeNull();
    expect(timestampToMicros(Infinity)).toBeNull();
    expect(timestampToMicros('yesterday')).toBeNull();
    expect(timestampToMicros('2026-02-29T00:00:00')).toBeNull();
  });
});
