// First: starts the spare data worker while the rest loads.
import './start-spare';
import { format } from 'util';
import { logger } from './log';
import { createServer, listen } from './server';
import { mark } from '../worker/timeline';

/**
 * The backend executable Grafana starts (gpx_inference_log_analytics_<os>_<arch>): go-plugin
 * handshake on stdout, gRPC on 127.0.0.1, logs as hclog JSON on stderr.
 */
const HANDSHAKE_COOKIE = 'grafana_plugin_type';

// stdout carries only the handshake line; anything else printed there would break the start.
console.log = (...args: unknown[]) => logger.info(format(...args));
console.info = console.log;
// eslint-disable-next-line no-console -- rerouted, not called
console.debug = (...args: unknown[]) => logger.debug(format(...args));
console.warn = (...args: unknown[]) => logger.warn(format(...args));
console.error = (...args: unknown[]) => logger.error(format(...args));

function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  mark('process start', performance.timeOrigin);
  mark('main script running');
  const env = process.env;
  if (env[HANDSHAKE_COOKIE] !== 'datasource') {
    refuse(
      'This is the backend of the Inference Log Analytics Grafana data source: Grafana starts it. ' +
        'To analyse logs from a shell, use the inference-logs CLI.'
    );
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? '2').split(',').map((v) => v.trim());
  if (!versions.includes('2')) {
    refuse(`this plugin speaks protocol version 2; the host offers ${env.PLUGIN_PROTOCOL_VERSIONS}`);
  }
  if (env.PLUGIN_CLIENT_CERT) {
    refuse('the host asks for mTLS (PLUGIN_CLIENT_CERT), which this plugin does not support; Grafana never does');
  }

  const server = createServer(() => {
    // Let the Shutdown reply reach the host, then go; go-plugin kills us after 2 s anyway.
    const force = setTimeout(() => process.exit(0), 1000);
    server.tryShutdown(() => {
      clearTimeout(force);
      process.exit(0);
    });
  });
  const port = await listen(server, env);
  process.stdout.write(`1|2|tcp|127.0.0.1:${port}|grpc\n`);
  mark('handshake printed');
  logger.info('plugin started', { port, pid: process.pid, node: process.version });
}

// go-plugin hosts stop plugins through GRPCController/Shutdown; a Ctrl-C meant for Grafana is not for us.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => process.exit(0));

main().catch((error: unknown) => {
  logger.error('plugin failed to start', { error: String(error) });
  process.exit(1);
});
