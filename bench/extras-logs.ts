/**
 * Generated logs with extra fields of mixed types, for measuring how the reader copes with real-world lines (hosts,
 * token counts, trace ids, flags, nested objects...). The generator's lines with up to 10 fields added to each,
 * written as Python's json.dumps writes them: with 3, `host`, `prompt_tokens` and `completion_tokens`; with 10, all.
 *
 * Usage: npx tsx bench/extras-logs.ts --out DIR [--rows N] [--seed S] [--extras N]
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { generateLines } from '../pkg/generator/generate';
import { Random } from '../pkg/generator/random';

const HOSTS = Array.from({ length: 12 }, (_, i) => `gpu-node-${String(i + 1).padStart(2, '0')}`);
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'];
const GPUS = ['A100-80GB', 'H100', 'L4'];
/** Which fields a line gets with N of them: the first N of these (written in the order of `fields`). */
const BY_COUNT = [
  'host',
  'prompt_tokens',
  'completion_tokens',
  'region',
  'gpu_type',
  'queue_ms',
  'cached',
  'trace_id',
  'sampling',
  'tags',
];

/** The ten extra fields of one line, as [key, json.dumps text of the value] (all drawn, so lines do not depend on N). */
function fields(rng: Random): Array<[string, string]> {
  const prompt = rng.int(5, 4000);
  const cached = rng.chance(0.3);
  const tags = rng.chance(0.5) ? '["prod", "canary"]' : '[]';
  const queue = rng.chance(0.02) ? 'null' : String((rng.uniform(0, 50) | 0) / 10);
  return [
    ['host', `"${rng.choice(HOSTS)}"`],
    ['region', `"${rng.choice(REGIONS)}"`],
    ['gpu_type', `"${rng.choice(GPUS)}"`],
    ['prompt_tokens', String(prompt)],
    ['completion_tokens', String(rng.int(1, 1024))],
    ['queue_ms', queue],
    ['cached', cached ? 'true' : 'false'],
    ['trace_id', `"${rng.hex(16)}"`],
    ['sampling', `{"temperature": ${rng.choice(['0.7', '1.0', '0.2'])}, "top_p": 0.95}`],
    ['tags', tags],
  ];
}

/** Writes `rows` generated lines, each with `extras` (0 to 10) extra fields, to `file`. */
export async function writeExtrasLogs(file: string, rows: number, seed: number, extras: number): Promise<void> {
  const wanted = new Set(BY_COUNT.slice(0, extras));
  const out = createWriteStream(file);
  const rng = new Random(seed + 1);
  let text = '';
  for (const line of generateLines({ rows, seed })) {
    const added = fields(rng)
      .filter(([key]) => wanted.has(key))
      .map(([key, value]) => `, "${key}": ${value}`)
      .join('');
    // Records end in `}`; noise lines (none by default) are kept as they are.
    text += (line.endsWith('}') ? line.slice(0, -1) + added + '}' : line) + '\n';
    if (text.length > 1 << 20) {
      if (!out.write(text)) {
        await once(out, 'drain');
      }
      text = '';
    }
  }
  out.end(text);
  await once(out, 'close');
}

async function main(): Promise<void> {
  const arg = (name: string, fallback?: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const out = arg('--out');
  const extras = Number(arg('--extras', '10'));
  if (!out || !Number.isInteger(extras) || extras < 0 || extras > BY_COUNT.length) {
    throw new Error('usage: tsx bench/extras-logs.ts --out DIR [--rows N] [--seed S] [--extras 0-10]');
  }
  await mkdir(out, { recursive: true });
  await writeExtrasLogs(
    join(out, 'inference.log'),
    Number(arg('--rows', '2000000')),
    Number(arg('--seed', '1')),
    extras
  );
}

if (require.main === module) {
  void main();
}
