import { migrateSavedQuery, numberFromText, NUMERIC_QUERY_FIELDS } from './migrate';
import { QUERY_SCHEMA_VERSION } from './query';
import { InvalidInputError, parseQuery, QUERY_SCHEMA } from './validate';

/** The fields the JSON schema types as numbers: every one of them must accept numeric text. */
const SCHEMA_NUMBERS = Object.entries(QUERY_SCHEMA.properties)
  .filter(([, schema]) => 'type' in schema && (schema.type === 'number' || schema.type === 'integer'))
  .map(([key]) => key);

/** The message parseQuery throws for a query, or undefined when it is accepted. */
function errorOf(query: object): string | undefined {
  try {
    parseQuery(query);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
}

describe('numberFromText', () => {
  it('reads numbers written as text, as Number does, and leaves numbers alone', () => {
    for (const text of ['3.5', '100', '0', ' 42 ', '1e3', '-2', '.5']) {
      expect({ text, value: numberFromText(text) }).toEqual({ text, value: Number(text) });
    }
    expect(numberFromText(7)).toBe(7);
  });

  it('reads empty text and null as not set', () => {
    for (const value of ['', '   ', null, undefined]) {
      expect(numberFromText(value)).toBeUndefined();
    }
  });

  it('keeps what is not a number as it is, for validation to name', () => {
    for (const value of ['abc', '$threshold', '${limit}', '3 ms', 'Infinity', 'NaN', true, ['3']]) {
      expect(numberFromText(value)).toBe(value);
    }
  });
});

describe('parseQuery: numeric fields given as text', () => {
  it('covers every numeric field of the query schema', () => {
    expect([...NUMERIC_QUERY_FIELDS].sort()).toEqual(SCHEMA_NUMBERS.sort());
  });

  it.each(SCHEMA_NUMBERS)('%s: text that is a number answers as the number (current and older schema)', (key) => {
    for (const schemaVersion of [QUERY_SCHEMA_VERSION, undefined]) {
      const base = { refId: 'A', queryType: 'anomalies', schemaVersion };
      for (const text of ['3', ' 100 ', '0']) {
        expect(parseQuery({ ...base, [key]: text })).toEqual(parseQuery({ ...base, [key]: Number(text) }));
      }
    }
  });

  it('accepts the Latency investigation anomalies query with $threshold interpolated to text', () => {
    const query = parseQuery({
      refId: 'A',
      queryType: 'anomalies',
      metric: 'latency_ms',
      method: 'mad',
      threshold: '3.5',
      groupBy: ['model'],
      limit: '200',
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
    expect(query).toMatchObject({ threshold: 3.5, limit: 200 });
    expect(typeof query.threshold).toBe('number');
  });

  it('reads empty text and null as not set', () => {
    for (const value of ['', ' ', null]) {
      const query = parseQuery({ queryType: 'anomalies', threshold: value, limit: value, schemaVersion: 1 });
      expect('threshold' in query || 'limit' in query).toBe(false);
    }
  });

  it('answers text that is not a number with the field and the text', () => {
    expect(errorOf({ queryType: 'anomalies', threshold: 'abc', schemaVersion: 1 })).toBe(
      'invalid query: threshold must be a number, got "abc"'
    );
    expect(errorOf({ queryType: 'logs', limit: '10 rows', schemaVersion: 1 })).toBe(
      'invalid query: limit must be a number, got "10 rows"'
    );
  });

  it('says when the text is a template variable nothing replaced', () => {
    for (const text of ['$threshold', '${threshold}', '[[threshold]]']) {
      const message = errorOf({ queryType: 'anomalies', threshold: text, schemaVersion: 1 });
      expect(message).toContain(`threshold must be a number, got ${JSON.stringify(text)}`);
      expect(message).toContain('template variable was not replaced');
    }
  });

  it('checks the number read from text like any other: integer limit, threshold not negative', () => {
    expect(errorOf({ queryType: 'logs', limit: '2.5', schemaVersion: 1 })).toBe('invalid query: limit must be integer');
    expect(errorOf({ queryType: 'anomalies', threshold: '-1', schemaVersion: 1 })).toBe(
      'invalid query: threshold must be >= 0'
    );
  });

  it('names every problem at once', () => {
    const message = errorOf({ queryType: 'anomalies', threshold: 'abc', limit: '$limit', method: 'x' });
    expect(message).toContain('threshold must be a number, got "abc"');
    expect(message).toContain('limit must be a number, got "$limit"');
    expect(message).toContain('method must be one of zscore, mad, iqr');
  });

  it('still refuses numbers of the wrong JSON type', () => {
    expect(errorOf({ queryType: 'anomalies', threshold: true })).toBe('invalid query: threshold must be number');
  });
});

describe('migrateSavedQuery: numeric text of older saved queries', () => {
  it('reads numbers, drops empty ones and keeps variables for the frontend to interpolate', () => {
    const migrated = migrateSavedQuery({ type: 'anomalies', threshold: ' 2.5 ', limit: '' });
    expect(migrated.threshold).toBe(2.5);
    expect('limit' in migrated).toBe(false);
    expect(migrateSavedQuery({ type: 'anomalies', threshold: '$threshold' }).threshold).toBe('$threshold');
  });
});

describe('parseQuery: seasonal baselines and forecast', () => {
  it('accepts seasonality, seasonalPeriods (also as text) and a forecast horizon', () => {
    expect(
      parseQuery({ queryType: 'trend', seasonality: 'weekly', seasonalPeriods: '8', aggregation: 'p99' })
    ).toMatchObject({ seasonality: 'weekly', seasonalPeriods: 8 });
    expect(parseQuery({ queryType: 'forecast', horizon: '30m' })).toMatchObject({ queryType: 'forecast' });
    expect(parseQuery({ refId: 'A', queryType: 'anomalies', seasonality: '', horizon: null })).toEqual({
      refId: 'A',
      queryType: 'anomalies',
    });
  });

  it('refuses an unknown seasonality and periods that are not whole numbers (their range: engine/seasonal.ts)', () => {
    expect(() => parseQuery({ queryType: 'trend', seasonality: 'hourly' })).toThrow(
      'invalid query: seasonality must be one of daily, weekly'
    );
    expect(() => parseQuery({ queryType: 'trend', seasonality: 'daily', seasonalPeriods: 1.5 })).toThrow(
      'invalid query: seasonalPeriods must be integer'
    );
  });
});
