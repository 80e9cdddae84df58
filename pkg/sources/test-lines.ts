/**
 * Test helper: generated log lines with extra fields of mixed types, as real logs have them — strings, integers,
 * floats, booleans, null and NaN, nested objects and arrays laid out as Python's json.dumps writes them, a field that
 * turns from numbers to text, strings with escapes and non-ASCII text — optionally with each line's keys shuffled.
 */
import { generateLines, GeneratorOptions } from '../generator/generate';
import { Random } from '../generator/random';

/** The extra fields, in the order they are added: each makes its value's JSON text, or undefined (absent). */
const EXTRA_FIELDS: Array<[string, (rng: Random, line: number) => string | undefined]> = [
  ['host', (rng) => `"gpu-node-${rng.int(1, 12)}"`],
  ['region', (rng) => (rng.chance(0.01) ? '7' : `"${rng.choice(['us-east-1', 'eu-west-1', 'ap-south-1'])}"`)],
  ['gpu_type', (rng) => (rng.chance(0.05) ? 'null' : `"${rng.choice(['A100-80GB', 'H100', 'L4'])}"`)],
  ['prompt_tokens', (rng) => String(rng.int(1, 4000))],
  [
    'queue_ms',
    (rng) => (rng.chance(0.02) ? rng.choice(['null', 'NaN', '1e999']) : (rng.int(0, 9999) / 100).toFixed(2)),
  ],
  ['cached', (rng) => (rng.chance(0.3) ? 'true' : 'false')],
  [
    'sampling',
    (rng) =>
      rng.choice([
        '{"temperature": 0.7, "top_p": 0.95}',
        '{"temperature": 1.0, "stop": ["\\n", "User:"], "seed": null}',
        '{"b": 1, "a": {"c": [1, 2.50, true]}, "10": "x"}',
        '{}',
        '{"lang": "fran\\u00e7ais", "name": "café"}',
      ]),
  ],
  ['tags', (rng) => rng.choice(['["prod", "canary"]', '[]', '[1, 2.5, null, false]', '[[], {}]'])],
  // Numbers, then text after the first few thousand lines: the column turns into a string column.
  ['shard', (rng, line) => (line > 3000 && rng.chance(0.05) ? `"s-${rng.int(1, 4)}"` : String(rng.int(0, 7)))],
  [
    'note',
    (rng) =>
      rng.chance(0.9)
        ? undefined
        : rng.choice(['"a \\"quoted\\" word"', '"café"', '"tab\\there"', 'null', '""', '"\\ud83d\\ude00"', '12.5']),
  ],
];

export interface ExtrasOptions extends GeneratorOptions {
  /** Extra fields each record gets (the first `extraFields` of EXTRA_FIELDS, some absent on some lines). */
  extraFields: number;
  /** Shuffle each record's keys. */
  shuffle?: boolean;
}

/** The generator's lines (noise as it is) with extra fields added to each record. */
export function linesWithExtras(options: ExtrasOptions): string[] {
  const rng = new Random((options.seed ?? 1) + 7);
  const lines: string[] = [];
  let index = 0;
  for (const line of generateLines(options)) {
    index++;
    if (!line.startsWith('{') || !line.endsWith('}')) {
      lines.push(line);
      continue;
    }
    // Generated records hold no nested values: their fields split at `, "`.
    const parts = line
      .slice(1, -1)
      .split(', "')
      .map((part, i) => (i === 0 ? part : `"${part}`));
    for (const [key, value] of EXTRA_FIELDS.slice(0, options.extraFields)) {
      const text = value(rng, index);
      if (text !== undefined) {
        parts.push(`"${key}": ${text}`);
      }
    }
    if (options.shuffle) {
      for (let i = parts.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [parts[i], parts[j]] = [parts[j], parts[i]];
      }
    }
    lines.push(`{${parts.join(', ')}}`);
  }
  return lines;
}
