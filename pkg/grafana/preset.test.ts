import path from 'path';
import { DataSourceInstance, parseSettings } from './instances';

const FIXTURES = path.join(__dirname, '..', 'sources', 'fixtures');

describe('Grafana data source settings: preset and field-map expressions', () => {
  it('a local data source reads its logs with the preset of its settings', async () => {
    const settings = parseSettings(
      Buffer.from(JSON.stringify({ paths: [path.join(FIXTURES, 'envoy-json')], preset: 'envoy-json', cache: false }))
    );
    const instance = new DataSourceInstance(settings, 'fp');
    try {
      const { description } = await instance.read();
      expect(description.requests).toBe(2);
      expect(description.models).toEqual(['mistral-7b', 'vllm']);
      expect(description.skipped).toEqual({ invalid_timestamp: 1, missing_latency: 1 });
    } finally {
      await instance.stop();
    }
  });

  it('refuses a field-map entry it cannot read, saying why', () => {
    expect(() => parseSettings(Buffer.from(JSON.stringify({ paths: ['/l'], fieldMap: { model: 'name:s' } })))).toThrow(
      'fieldMap model=name:s: "name:s": model is text; a unit applies to numbers and timestamps'
    );
  });
});
