import os from 'os';
import { Command, Option } from 'commander';
import { ClickHouseClient, ClickHouseError } from '../clickhouse/client';
import { createStatements, DEFAULT_DATABASE, DEFAULT_TABLE, TableRef } from '../clickhouse/schema';
import { Shipper, ShipStats } from '../clickhouse/ship';
import { describeSkipReason, skipsInOrder } from '../engine/frames';
import { addLogReadingOptions, readingConfig, stopSignal } from './options';

/** Options naming the ClickHouse server and table. */
interface ConnectionOptions {
  clickhouse: string;
  clickhouseUser?: string;
  database: string;
  table: string;
}

function addConnectionOptions(command: Command): Command {
  return command
    .requiredOption('--clickhouse <url>', 'ClickHouse HTTP URL, e.g. http://user:pass@127.0.0.1:8123')
    .option('--clickhouse-user <user>', 'user (default: from the URL, else default)')
    .option('--database <name>', 'database', DEFAULT_DATABASE)
    .option('--table <name>', 'table', DEFAULT_TABLE);
}

/** The client for --clickhouse; the password from the URL or INFERENCE_LOGS_CLICKHOUSE_PASSWORD (not an option: argv is visible to all). */
export function clientOf(options: ConnectionOptions): ClickHouseClient {
  return new ClickHouseClient({
    url: options.clickhouse,
    user: options.clickhouseUser,
    password: process.env.INFERENCE_LOGS_CLICKHOUSE_PASSWORD || undefined,
  });
}

/** `clickhouse init`: creates the database and tables, idempotently. */
export async function initTables(client: ClickHouseClient, ref: TableRef): Promise<void> {
  for (const statement of createStatements(ref)) {
    await client.exec(statement);
  }
}

function printStats(stats: ShipStats, seconds: number): void {
  const mb = stats.bytes / 1e6;
  process.stdout.write(
    `shipped ${stats.rows} rows (${mb.toFixed(1)} MB of log in ${seconds.toFixed(2)} s, ` +
      `${(mb / Math.max(seconds, 1e-9)).toFixed(1)} MB/s)\n`
  );
  if (stats.alreadyShipped > 0) {
    process.stdout.write(`  ${stats.alreadyShipped} rows read again were already in ClickHouse (not sent)\n`);
  }
  for (const [reason, count] of skipsInOrder(stats.skipped)) {
    process.stdout.write(`  skipped ${String(count).padStart(8)}  ${reason}: ${describeSkipReason(reason)}\n`);
  }
}

export function registerClickHouse(program: Command): void {
  const clickhouse = program.command('clickhouse').description('ClickHouse as the shared store of a fleet');
  addConnectionOptions(clickhouse.command('init').description('create the database and tables (idempotent)'))
    .option('--cluster <name>', 'on each shard: T_local, and T as a Distributed table over the cluster')
    .action(async (options: ConnectionOptions & { cluster?: string }) => {
      const ref = { database: options.database, table: options.table, cluster: options.cluster };
      await initTables(clientOf(options), ref);
      process.stdout.write(
        `tables ready: ${options.database}.${options.table}${options.cluster ? ` on cluster ${options.cluster}` : ''}\n`
      );
    });

  addLogReadingOptions(
    addConnectionOptions(program.command('ship').description('insert new log lines into ClickHouse, exactly once'))
  )
    .requiredOption('--logs <paths...>', 'log files, directories (read recursively) or globs; .gz read as is')
    .option('--host-label <name>', "the host column of every row (default: this machine's hostname)")
    .option('--follow', 'keep following the logs as they are written')
    .option('--poll-ms <ms>', 'with --follow: how often to look for new lines', (v) => Number(v), 500)
    // Tests: small blocks, so that a kill lands between inserts.
    .addOption(new Option('--block-bytes <n>').argParser(Number).hideHelp())
    .action(
      async (
        options: ConnectionOptions & {
          logs: string[];
          hostLabel?: string;
          follow?: boolean;
          pollMs: number;
          blockBytes?: number;
          timezone?: string;
          fieldMap?: Record<string, string[]>;
          successStatus?: string[];
          preset?: string;
        }
      ) => {
        const shipper = new Shipper({
          paths: options.logs,
          client: clientOf(options),
          ref: { database: options.database, table: options.table },
          host: options.hostLabel ?? os.hostname(),
          config: readingConfig(options),
          blockBytes: options.blockBytes,
        });
        const started = performance.now();
        const first = await shipper.shipNew();
        printStats(first, (performance.now() - started) / 1000);
        if (!options.follow) {
          return;
        }
        let stopped = false;
        void stopSignal().then(() => (stopped = true));
        while (!stopped) {
          await new Promise((resolve) => setTimeout(resolve, options.pollMs));
          const pass = performance.now();
          try {
            const stats = await shipper.shipNew();
            if (stats.rows > 0 || Object.keys(stats.skipped).length > 0) {
              printStats(stats, (performance.now() - pass) / 1000);
            }
          } catch (error) {
            // Following outlives a server restart: say so and try again on the next pass.
            if (!(error instanceof ClickHouseError)) {
              throw error;
            }
            process.stderr.write(`inference-logs: warning: ship: ${error.message} (trying again)\n`);
          }
        }
      }
    );
}
