/**
 * Generated logs with ten extra fields of mixed types, for measuring how the reader copes with real-world lines
 * (hosts, token counts, trace ids, flags, nested objects...). The generator's lines with 10 fields added to each,
 * written as Python's json.dumps writes them.
 *
 * Usage: npx tsx bench/extras-logs.ts --out DIR [--rows N] [--seed S]
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

/** The ten extra fields of one line, as json.dumps text (`, "key": value` each). */
function extras(rng: Random): string {
  const prompt = rng.int(5, 4000);
  const cached = rng.chance(0.3);
  const tags = rng.chance(0.5) ? '["prod", "canary"]' : '[]';
  const queue = rng.chance(0.02) ? 'null' : (rng.uniform(0, 50) | 0) / 10;
  return (
    `, "host": "${rng.choice(HOSTS)}", "region": "${rng.choice(REGIONS)}", "gpu_type": "${rng.choice(GPUS)}"` +
    `, "prompt_tokens": ${prompt}, "completion_tokens": ${rng.int(1, 1024)}, "queue_ms": ${queue}` +
    `, "cached": ${cached ? 'true' : 'false'}, "trace_id": "${rng.hex(16)}"` +
    `, "sampling": {"temperature": ${rng.choice(['0.7', '1.0', '0.2'])}, "top_p": 0.95}, "tags": ${tags}`
  );
}

async function main(): Promise<void> {
  const arg = (name: string, fallback?: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const out = arg('--out');
  if (!out) {
    throw new Error('usage: tsx bench/extras-logs.ts --out DIR [--rows N] [--seed S]');
  }
  const rows = Number(arg('--rows', '2000000'));
  const seed = Number(arg('--seed', '1'));
  await mkdir(out, { recursive: true });
  const file = createWriteStream(join(out, 'inference.log'));
  const rng = new Random(seed + 1);
  let text = '';
  for (const line of generateLines({ rows, seed })) {
    // Records end in `}`; noise lines (none by default) are kept as they are.
    text += (line.endsWith('}') ? line.slice(0, -1) + extras(rng) + '}' : line) + '\n';
    if (text.length > 1 << 20) {
      if (!file.write(text)) {
        await once(file, 'drain');
      }
      text = '';
    }
  }
  file.end(text);
  await once(file, 'close');
}

void main();
