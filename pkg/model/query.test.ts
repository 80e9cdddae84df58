import { autoWindowMs, formatWindow, NICE_WINDOWS_MS, parseWindow, QUERY_TYPES } from './query';

describe('windows', () => {
  it('parses every unit, decimals included, and refuses anything else', () => {
    expect(parseWindow('250ms')).toBe(250);
    expect(parseWindow('30s')).toBe(30_000);
    expect(parseWindow(' 1.5m ')).toBe(90_000);
    expect(parseWindow('2h')).toBe(7_200_000);
    expect(parseWindow('1d')).toBe(86_400_000);
    expect(parseWindow('1w')).toBe(604_800_000);
    for (const bad of ['', '5', 'm', '-1m', '1 m', '1y', '0.5ms', '0s', 'auto']) {
      expect(parseWindow(bad)).toBeNull();
    }
  });

  it('formats milliseconds as the shortest window text, which parses back to the same width', () => {
    expect(formatWindow(60_000)).toBe('1m');
    expect(formatWindow(90_000)).toBe('90s');
    expect(formatWindow(1_500)).toBe('1500ms');
    for (const ms of [...NICE_WINDOWS_MS, 1, 999, 86_400_000 * 3]) {
      expect(parseWindow(formatWindow(ms))).toBe(ms);
    }
  });

  it('auto: Grafana interval when given, else the smallest nice width within the bucket budget', () => {
    expect(autoWindowMs(3_600_000, 20_000)).toBe(20_000);
    const hour = autoWindowMs(3_600_000);
    expect(Math.ceil(3_600_000 / hour) + 1).toBeLessThanOrEqual(300);
    const smaller = NICE_WINDOWS_MS[NICE_WINDOWS_MS.indexOf(hour) - 1];
    expect(Math.ceil(3_600_000 / smaller) + 1).toBeGreaterThan(300);
    expect(autoWindowMs(3_600_000, undefined, 10)).toBe(600_000);
    expect(autoWindowMs(1e15)).toBe(NICE_WINDOWS_MS[NICE_WINDOWS_MS.length - 1]);
  });
});

describe('query types', () => {
  it('are unique and include every analysis', () => {
    expect(new Set(QUERY_TYPES).size).toBe(QUERY_TYPES.length);
    expect(QUERY_TYPES).toEqual(expect.arrayContaining(['summary', 'trend', 'anomalies', 'compare', 'forecast']));
  });
});
