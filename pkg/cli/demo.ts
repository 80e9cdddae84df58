import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'fs';
import path from 'path';
import { toDataFrameJSON } from '../format/dataframe-json';
import { LiveLogWriter, traceArrivalGaps, traceTokens } from '../generator/live';
import { DEFAULT_HOST, DEFAULT_PORT } from '../http/defaults';
import type { RunningProxy } from '../http/server';
import { parseWindow } from '../model/query';
import { parseNonNegativeInt, parseNumber, parsePort, stopSignal } from './options';

const DEMO_DIR = 'demo-logs';

/** The real trace whose arrival times the demo replays when it is there (a sibling `shared/` of the repository). */
export const DEFAULT_TRACE = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'shared',
  'data',
  'azure_llm_inference_2023_conv.csv'
);

interface DemoOptions {
  dir: string;
  history: number;
  rate: number;
  seed: number;
  rotateEvery: number;
  trace: string | boolean;
  serve: boolean;
  once?: boolean;
  host: string;
  port: number;
  token?: string;
  insecureNoToken?: boolean;
}

function parseDuration(text: string): number {
  const ms = parseWindow(text);
  if (ms === null || ms <= 0) {
    throw new InvalidArgumentError(`"${text}" is not a duration: use e.g. 30m, 6h, 1d`);
  }
  return ms;
}

/** A duration option whose default is given, and shown in --help, as text ("6h"). */
function durationOption(flags: string, description: string, fallback: string): Option {
  return new Option(flags, description).argParser(parseDuration).default(parseDuration(fallback), fallback);
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Which arrival times and token counts to use: a trace file's, or none (exponential arrivals, drawn counts). */
function arrivalsOf(trace: string | boolean): {
  gaps?: () => number;
  tokens?: ReturnType<typeof traceTokens>;
  text: string;
} {
  const file = trace === true ? DEFAULT_TRACE : trace;
  if (file === false || (trace === true && !existsSync(file))) {
    return { text: 'arrivals: Poisson (exponential gaps), token counts drawn' };
  }
  const label = /mooncake/i.test(file)
    ? 'Mooncake FAST25 conversation trace (Apache-2.0)'
    : /azure/i.test(file)
      ? 'Azure LLM inference trace 2023 (CC-BY-4.0, Patel et al., Splitwise, ISCA 2024)'
      : path.basename(file);
  return {
    gaps: traceArrivalGaps(file),
    tokens: traceTokens(file),
    text: `arrivals and token counts: replayed from ${label}, arrivals rescaled to the rate`,
  };
}

/**
 * `demo`: realistic sample logs of the last hours in ./demo-logs, appended live (with rotation now and then), served
 * by the HTTP proxy until Ctrl-C.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      `sample logs of the last hours in ./${DEMO_DIR}, appended live, served by the HTTP proxy (report, API); Ctrl-C stops`
    )
    .option('--dir <dir>', 'folder of the sample logs (files named inference.log* in it are replaced)', DEMO_DIR)
    // Durations are parsed to ms; --help shows the defaults as written, not as 21600000.
    .addOption(durationOption('--history <duration>', 'how far back the logs start', '6h'))
    .option('--rate <rps>', 'mean requests per second, before the diurnal swing', parseNumber, 4)
    .option('--seed <n>', 'random seed', parseNonNegativeInt, 7)
    .addOption(
      durationOption('--rotate-every <duration>', 'rotate the live file this often (logrotate style, gzip)', '15m')
    )
    .option(
      '--trace <file>',
      'replay arrival times and token counts of a real trace (Azure 2023 CSV or Mooncake JSONL); default: ../shared/data/azure_llm_inference_2023_conv.csv when present'
    )
    .option('--no-trace', 'Poisson arrivals, no trace')
    .option('--no-serve', 'only write and append the logs (docker compose runs the proxy as its own service)')
    .option('--once', 'write the history and exit (no live appending, no proxy)')
    .option('--host <address>', 'address the proxy binds', DEFAULT_HOST)
    .option('--port <port>', 'port of the proxy', parsePort, DEFAULT_PORT)
    .option('--token <token>', 'require Authorization: Bearer <token> (default: env INFERENCE_LOGS_TOKEN)')
    .option('--insecure-no-token', 'serve a non-loopback --host without a token (anyone who reaches it reads the logs)')
    .action(async (o: DemoOptions) => {
      const out = (line: string) => process.stdout.write(line + '\n');
      const arrivals = arrivalsOf(o.trace ?? true);
      const started = Date.now();
      const live = await LiveLogWriter.create({
        dir: o.dir,
        historyMs: o.history,
        historyFiles: 3,
        rotateEveryMs: o.rotateEvery,
        seed: o.seed,
        ratePerSecond: o.rate,
        extras: true,
        noise: 0.002,
        spikeEveryHours: 1.5,
        arrivalGaps: arrivals.gaps,
        llm: true,
        tokens: arrivals.tokens,
      });
      const files = (await live.files()).map((f) => path.basename(f));
      out(
        `Wrote ${live.stats.rows} requests (+${live.stats.noiseLines} malformed lines) from ${iso(live.stats.startMs)} ` +
          `to ${iso(live.stats.lastMs)} UTC into ${path.resolve(o.dir)} (${files.join(', ')}) in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s; ${arrivals.text}.`
      );
      for (const s of live.spikes) {
        out(`  latency spike: ${s.model} x${s.factor} from ${iso(s.startMs)} to ${iso(s.endMs)} UTC`);
      }
      if (o.once) {
        return;
      }

      const stopped = stopSignal();
      live.start(1000);
      let proxy: RunningProxy | undefined;
      try {
        if (o.serve) {
          const token = o.token || process.env.INFERENCE_LOGS_TOKEN || undefined;
          try {
            const { startProxy } = await import('../http/server');
            proxy = await startProxy({
              paths: [o.dir],
              host: o.host,
              port: o.port,
              token,
              insecureNoToken: o.insecureNoToken,
            });
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
              throw new Error(`port ${o.port} on ${o.host} is in use: pick another with --port`);
            }
            throw error;
          }
          // The proxy reads the logs in its worker thread: the comparison is asked of it.
          const compared = await (await proxy.data.analysisSource()).analyse({ queryType: 'compare' }, {});
          const { formatTables } = await import('../format/table');
          const table = formatTables(
            compared.map((frame) => toDataFrameJSON(frame)),
            {
              width: process.stdout.isTTY ? process.stdout.columns : undefined,
              hint: `all of them: inference-logs compare --logs ${o.dir} --wide`,
            }
          );
          out(`\n${table}`);
          out(`\nProxy (inference-logs serve) on the live logs${token ? ', token required' : ''}:`);
          out(`  HTML report   ${proxy.url}/api/report.html`);
          out(`  health        ${proxy.url}/api/health`);
          out(`  models        ${proxy.url}/api/models`);
          out(`  CSV export    ${proxy.url}/api/export.csv?from=now-15m`);
          out(`  queries       POST ${proxy.url}/api/query  {"queries": [{"refId": "A", "queryType": "summary"}]}`);
          out(`  Grafana       remote-mode data source with proxyUrl ${proxy.url}`);
        }
        out(
          `\nAppending about ${o.rate} requests/s to ${path.join(o.dir, 'inference.log')}, rotating every ` +
            `${Math.round(o.rotateEvery / 60_000)} min. Ctrl-C stops.`
        );
        const signal = await stopped;
        out(`${signal}: stopping`);
      } finally {
        await proxy?.close();
        await live.stop();
      }
      out(`Stopped: ${live.stats.rows} requests in ${path.resolve(o.dir)}, ${live.stats.rotations} rotations.`);
    });
}
