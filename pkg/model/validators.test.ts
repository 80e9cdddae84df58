import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { QUERY_SCHEMA, SETTINGS_SCHEMA } from './schemas';
import * as validators from './validators.generated';

const ROOT = path.join(__dirname, '../..');

describe('the generated validators', () => {
  it('are as scripts/validators.mjs generates them from the schemas', () => {
    const generated = JSON.parse(
      execFileSync(process.execPath, [path.join(ROOT, 'scripts/validators.mjs'), '--stdout'], { encoding: 'utf8' })
    );
    // If this fails, run `node scripts/validators.mjs` (a schema, the generator or ajv changed).
    expect(readFileSync(path.join(__dirname, 'validators.generated.js'), 'utf8')).toBe(generated.js);
    expect(readFileSync(path.join(__dirname, 'validators.generated.d.ts'), 'utf8')).toBe(generated.dts);
  });

  // The same verdicts and errors as the schemas compiled by ajv at run time with validate.ts's former options.
  it('judge as ajv compiling the schemas does', () => {
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
    const cases: Array<[ValidateFunction, ValidateFunction, unknown[]]> = [
      [
        validators.query,
        ajv.compile(QUERY_SCHEMA),
        [
          { queryType: 'summary', groupBy: ['model'] },
          { queryType: 'nope', window: 5, threshold: -1, limit: 1.5, measures: [], groupBy: [''] },
          { metrics: Array(40).fill('a'), filters: { model: [true, 'a', 2] }, measures: ['a', 'a'], horizon: '' },
          { seasonality: 'hourly', seasonalPeriods: '3', correlation: 'kendall', aggregation: 'p42', metric: '😀' },
          [],
          'summary',
        ],
      ],
      [
        validators.settings,
        ajv.compile(SETTINGS_SCHEMA),
        [
          { paths: ['/var/log'], preset: 'litellm', mode: 'local' },
          { paths: [''], fieldMap: { a: '' }, preset: 'x', maxRows: 0, retentionHours: 0, cache: 'yes', mode: 'y' },
          null,
        ],
      ],
    ];
    for (const [generated, compiled, inputs] of cases) {
      for (const input of inputs) {
        expect({ input, valid: generated(input), errors: generated.errors }).toEqual({
          input,
          valid: compiled(input),
          errors: compiled.errors,
        });
      }
    }
  });
});
