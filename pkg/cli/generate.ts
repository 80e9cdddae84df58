import { Command } from 'commander';
import { writeLogs } from '../generator/write';
import { traceArrivalGaps, traceTokens } from '../generator/live';
import { parseNonNegativeInt, parseNumber, parseTime } from './options';

/** `generate` writes sample logs (`demo`, in demo.ts, writes live ones and serves them). */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write realistic sample logs (seeded, deterministic): several models, diurnal load, spikes, errors')
    .requiredOption('--out <dir>', 'directory to write into')
    .option('--rows <n>', 'requests to write', parseNonNegativeInt, 100_000)
    .option('--seed <n>', 'random seed', parseNonNegativeInt, 1)
    .option('--files <n>', 'rotated files to split into', parseNonNegativeInt, 1)
    .option('--gzip', 'gzip all files but the newest, as logrotate does')
    .option('--noise <fraction>', 'fraction of malformed lines', parseNumber, 0)
    .option('--start <time>', 'time of the first request (ISO-8601 or epoch ms)', (v) => parseTime(v))
    .option('--rate <rps>', 'mean requests per second', parseNumber)
    .option('--extras', 'add host, region and gpu_type fields')
    .option('--llm', 'add input_tokens, output_tokens and ttft_ms (the latency follows from them)')
    .option(
      '--trace <file>',
      'replay a real trace (Azure LLM inference 2023 CSV or Mooncake JSONL): its arrival times, rescaled to --rate, ' +
        'and its token counts (implies --llm)'
    )
    .action(async (o) => {
      const result = await writeLogs(o.out, {
        rows: o.rows,
        seed: o.seed,
        files: o.files,
        gzipOlder: Boolean(o.gzip),
        noise: o.noise,
        start: o.start,
        ratePerSecond: o.rate,
        extras: Boolean(o.extras),
        llm: Boolean(o.llm),
        arrivalGaps: o.trace ? traceArrivalGaps(o.trace) : undefined,
        tokens: o.trace ? traceTokens(o.trace) : undefined,
      });
      process.stderr.write(
        `wrote ${result.rows} requests and ${result.noiseLines} noise lines to ${result.files.join(', ')}\n`
      );
    });
}
