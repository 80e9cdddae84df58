import { Command } from 'commander';
import { existsSync, statSync } from 'fs';
import { writeFile } from 'fs/promises';
import path from 'path';
import { QueryError } from '../engine/errors';
import { renderReport } from '../report/report';
import { filtersOf, openReportSource, rangeOf } from './open';
import { reportInput } from './checks';
import {
  addLogReadingOptions,
  collect,
  collectFilter,
  parseNonNegativeInt,
  parseTime,
  parseWindowOption,
} from './options';
import { addSourceOptions, SourceOptions, sourceKind } from './source-options';

interface ReportCliOptions extends SourceOptions {
  out: string;
  from?: number;
  to?: number;
  model?: string[];
  filter?: string[];
  title?: string;
  window: string;
  top?: number;
}

/** `report`: one self-contained HTML file with the summary, charts, anomalies, correlation and comparison. */
export function registerReport(program: Command): void {
  addSourceOptions(addLogReadingOptions(program.command('report')))
    .description('write one self-contained HTML report (charts, anomalies, correlation, model comparison)')
    .requiredOption('--out <file>', 'HTML file to write')
    .option('--from <time>', 'start of the time range, inclusive: ISO-8601 (naive = UTC), epoch ms, or now-1h', (v) =>
      parseTime(v)
    )
    .option('--to <time>', 'end of the time range, inclusive', (v) => parseTime(v))
    .option('--model <name>', 'only this model (repeatable)', collect)
    .option('--filter <field=value>', 'only rows where field equals value (repeatable)', collectFilter)
    .option('--title <text>', 'heading of the report')
    .option('--window <window>', 'chart bucket width: 30s, 1m, 5m, 1h, 1d ... or auto', parseWindowOption, 'auto')
    .option('--top <n>', 'anomalies listed in the table (default 20)', parseNonNegativeInt)
    .action(async (options: ReportCliOptions) => {
      sourceKind(options); // --logs or --clickhouse, before anything is read
      const dir = path.dirname(path.resolve(options.out));
      if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new QueryError(`cannot write --out ${options.out}: ${dir} is not a directory`);
      }
      const range = rangeOf(options);
      const source = await openReportSource(options);
      const html = await renderReport(source, {
        range,
        filters: filtersOf(options),
        title: options.title,
        window: options.window,
        anomalies: { top: options.top },
      });
      await writeFile(options.out, html, 'utf8');
      process.stderr.write(`wrote ${options.out} (${Math.ceil(Buffer.byteLength(html) / 1024)} KB)\n`);
      reportInput(source, options);
    });
}
