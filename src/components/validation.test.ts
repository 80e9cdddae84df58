import {
  hasTemplateVariable,
  parseLimit,
  parsePositiveInteger,
  parsePositiveNumber,
  parseThreshold,
  validateProxyUrl,
  validateTimezone,
  validateWindow,
} from './validation';

describe('validation', () => {
  it('recognises template variables', () => {
    expect(['$var', '${var}', '${var:csv}', '[[var]]', 'gpu-$n'].every(hasTemplateVariable)).toBe(true);
    expect(['5m', 'price $', ''].some(hasTemplateVariable)).toBe(false);
  });

  it.each(['', 'auto', '30s', '1m', '250ms', '1.5h', '1d', '1w', '$window'])('accepts the window %p', (text) => {
    expect(validateWindow(text)).toBeUndefined();
  });

  it.each(['5x', '5', 'm', 'often', '0s', '-1m'])('rejects the window %p', (text) => {
    expect(validateWindow(text)).toMatch(/Use auto or a duration/);
  });

  it('parses thresholds', () => {
    expect(parseThreshold('')).toEqual({ value: undefined });
    expect(parseThreshold(' 2.5 ')).toEqual({ value: 2.5 });
    expect(parseThreshold('0')).toEqual({ value: 0 });
    expect(parseThreshold('$t')).toEqual({ value: '$t' });
    expect(parseThreshold('-1').error).toBe('Threshold cannot be negative');
    expect(parseThreshold('abc').error).toMatch(/must be a number/);
  });

  it('parses limits', () => {
    expect(parseLimit('')).toEqual({ value: undefined });
    expect(parseLimit('100')).toEqual({ value: 100 });
    expect(parseLimit('$limit')).toEqual({ value: '$limit' });
    for (const bad of ['0', '1.5', '-2', 'x', '1e400']) {
      expect(parseLimit(bad).error).toBe('Limit must be a whole number of at least 1');
    }
  });

  it.each(['', 'UTC', 'utc', 'Z', 'GMT', '+02:00', '-0530', 'UTC+01:00', 'Europe/Berlin', 'America/New_York'])(
    'accepts the time zone %p',
    (text) => {
      expect(validateTimezone(text)).toBeUndefined();
    }
  );

  it('rejects unknown zones and impossible offsets', () => {
    expect(validateTimezone('Mars/Olympus')).toMatch(/Unknown time zone "Mars\/Olympus"/);
    expect(validateTimezone('+25:00')).toMatch(/An offset is/);
    expect(validateTimezone('+02:75')).toMatch(/An offset is/);
  });

  it('parses settings numbers', () => {
    expect(parsePositiveInteger('')).toEqual({});
    expect(parsePositiveInteger('10')).toEqual({ value: 10 });
    expect(parsePositiveInteger('0').error).toBeDefined();
    expect(parsePositiveInteger('1.5').error).toBeDefined();
    expect(parsePositiveNumber('0.5')).toEqual({ value: 0.5 });
    expect(parsePositiveNumber('0').error).toBeDefined();
  });

  it('checks the proxy URL', () => {
    expect(validateProxyUrl('http://gpu-host-7:8686')).toBeUndefined();
    expect(validateProxyUrl('https://logs.example.com/base')).toBeUndefined();
    expect(validateProxyUrl('')).toMatch(/needs the proxy URL/);
    expect(validateProxyUrl('gpu-host-7:8686')).toMatch(/http:\/\//);
    expect(validateProxyUrl('ftp://host')).toMatch(/http:\/\//);
  });
});
