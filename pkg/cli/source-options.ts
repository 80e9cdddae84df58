/**
 * Where an analysis command (or `serve`, `report`, `export`) reads the requests: log files (`--logs`) or the logs
 * shipped into ClickHouse (`--clickhouse URL [--database D] [--table T] [--clickhouse-user U]`, the password from the
 * URL or INFERENCE_LOGS_CLICKHOUSE_PASSWORD, as `clickhouse init` and `ship` take them). Exactly one of the two.
 */
import { Command } from 'commander';
import { DEFAULT_DATABASE, DEFAULT_TABLE, TableRef } from '../clickhouse/schema';
import { ClickHouseSource } from '../clickhouse/source';
import { InvalidInputError } from '../model/validate';
import { clientOf } from './clickhouse';

export interface SourceOptions {
  logs?: string[];
  clickhouse?: string;
  clickhouseUser?: string;
  database?: string;
  table?: string;
  timezone?: string;
  fieldMap?: Record<string, string[]>;
  successStatus?: string[];
  preset?: string;
}

/** `--logs` or `--clickhouse` with its connection options (neither required here: sourceKind checks). */
export function addSourceOptions(command: Command): Command {
  return command
    .option('--logs <paths...>', 'log files, directories (read recursively) or globs; .gz read as is')
    .option('--clickhouse <url>', 'or: the logs shipped into ClickHouse, e.g. http://user:pass@127.0.0.1:8123')
    .option('--clickhouse-user <user>', 'with --clickhouse: user (default: from the URL, else default)')
    .option('--database <name>', `with --clickhouse: database (default ${DEFAULT_DATABASE})`)
    .option('--table <name>', `with --clickhouse: table (default ${DEFAULT_TABLE})`);
}

/** Which store the options name: exactly one of --logs and --clickhouse, each with only its own options. */
export function sourceKind(options: SourceOptions): 'logs' | 'clickhouse' {
  if (options.logs?.length && options.clickhouse !== undefined) {
    throw new InvalidInputError('give either --logs PATH... or --clickhouse URL, not both');
  }
  if (options.clickhouse !== undefined) {
    if (
      options.timezone !== undefined ||
      options.fieldMap !== undefined ||
      options.successStatus !== undefined ||
      options.preset !== undefined
    ) {
      throw new InvalidInputError(
        '--timezone, --field-map, --preset and --success-status read log files; with --clickhouse, give them to `ship`'
      );
    }
    return 'clickhouse';
  }
  if (!options.logs?.length) {
    throw new InvalidInputError('give --logs PATH... (log files) or --clickhouse URL (logs shipped into ClickHouse)');
  }
  if (options.clickhouseUser !== undefined || options.database !== undefined || options.table !== undefined) {
    throw new InvalidInputError('--clickhouse-user, --database and --table go with --clickhouse URL');
  }
  return 'logs';
}

/** The table `--database` and `--table` name. */
export function tableRefOf(options: SourceOptions): TableRef {
  return { database: options.database ?? DEFAULT_DATABASE, table: options.table ?? DEFAULT_TABLE };
}

/** The ClickHouse source of `--clickhouse`; the password never appears in argv when given by the environment. */
export function clickhouseSourceOf(options: SourceOptions): ClickHouseSource {
  const ref = tableRefOf(options);
  const client = clientOf({ clickhouse: options.clickhouse!, clickhouseUser: options.clickhouseUser, ...ref });
  return new ClickHouseSource(client, ref);
}
