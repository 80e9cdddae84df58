import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * Running the built backend under the Grafana plugin host (test/grafana-host), as Grafana would start it:
 * shared by the tests that use the host.
 */
export const ROOT = join(__dirname, '..', '..');
const EXECUTABLE_NAME: string = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8')).executable;
/** The built amd64 executable. */
export const PLUGIN = join(ROOT, 'dist', `${EXECUTABLE_NAME}_linux_amd64`);

/** The in-project Grafana plugin host, as test/grafana-host/build.sh builds it. */
const BUILT_HOST = join(ROOT, 'test', 'grafana-host', 'bin', 'grafana-host');

/** The host binary: $GRAFANA_PLUGIN_HOST, else the in-project build. Throws (tests fail, never skip) when missing. */
export function findHost(): string {
  const host = process.env.GRAFANA_PLUGIN_HOST || BUILT_HOST;
  if (!existsSync(host)) {
    const which = process.env.GRAFANA_PLUGIN_HOST ? `GRAFANA_PLUGIN_HOST=${host}` : host;
    throw new Error(`${which} does not exist: build the Grafana plugin host with bash test/grafana-host/build.sh`);
  }
  return host;
}

/** Fails (never skips) when the plugin has not been built. */
export function requireBuilt(): void {
  if (!existsSync(PLUGIN)) {
    throw new Error(`${PLUGIN} does not exist: run npm run build first (or npm run build:backend)`);
  }
}

/** The host's own environment: a bare PATH (with this node's folder, so the host can run decode-frames.mjs). */
export const HOST_ENV = { PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter), LANG: 'C.UTF-8' };

export interface HostRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (without blocking jest), with a hard timeout. */
export function run(
  command: string,
  args: string[],
  env: Record<string, string> = HOST_ENV,
  timeoutMs = 90_000
): Promise<HostRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took more than ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Explains a failed expectation about a host run with everything it printed. */
export function explain(r: HostRun): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

export function expectExit(r: HostRun, code: number): void {
  if (r.code !== code) {
    throw new Error(`expected host exit ${code}, got ${explain(r)}`);
  }
}
