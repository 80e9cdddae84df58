import { Command } from 'commander';
import { existsSync } from 'fs';
import path from 'path';
import { runQuery } from '../engine/run';
import { writeLogs } from '../generator/generate';
import { loadLogs } from '../sources/load';
import { formatTables } from './format';
import { parseNonNegativeInt, parseNumber, parseTime } from './options';

const DEMO_DIR = 'demo-logs';

/** `generate` writes sample logs; `demo` writes them once and shows what the engine answers on them. */
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
      });
      process.stderr.write(
        `wrote ${result.rows} requests and ${result.noiseLines} noise lines to ${result.files.join(', ')}\n`
      );
    });

  program
    .command('demo')
    .description(`sample logs in ./${DEMO_DIR} (made once), then a summary, a model comparison and the top anomalies`)
    .option('--dir <dir>', 'where the sample logs live', DEMO_DIR)
    .action(async (o: { dir: string }) => {
      if (!existsSync(o.dir)) {
        await writeLogs(o.dir, { rows: 200_000, seed: 7, files: 3, gzipOlder: true, noise: 0.001, extras: true });
      }
      const store = await loadLogs([o.dir]);
      const range = {};
      const show = (title: string, query: Parameters<typeof runQuery>[1]) =>
        process.stdout.write(`\n== ${title}\n${formatTables(runQuery(store, query, { range }))}\n`);
      process.stdout.write(
        `Read ${store.length} requests from ${path.resolve(o.dir)}; skipped ${store.skippedTotal()} lines.\n`
      );
      show('summary by model', { queryType: 'summary', groupBy: ['model'] });
      show('model comparison', { queryType: 'compare' });
      show('top 10 latency anomalies (robust MAD, per model)', {
        queryType: 'anomalies',
        method: 'mad',
        groupBy: ['model'],
        limit: 10,
      });
      process.stdout.write(
        `\nTry: npm run --silent cli -- trend --logs ${o.dir} --agg p99 --window 1h --by model --format table\n`
      );
    });
}
