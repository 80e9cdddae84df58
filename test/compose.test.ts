/**
 * docker-compose.yaml cannot run here (no Docker engine), so it is checked statically and by running its parts:
 * - it parses, and every service has a pinned image (no `latest`); Grafana's is the default (Alpine) image, which
 *   the backend runs on with its own C library, and its version satisfies plugin.json's grafanaDependency; every
 *   port is bound to 127.0.0.1;
 * - every host path it mounts exists in the repository or is built by `npm run build` (dist/), inside the
 *   repository; named volumes are declared; the plugin, provisioning and log folders are where Grafana and the
 *   provisioned data source expect them;
 * - every GF_* variable is a real Grafana setting (GF_<SECTION>_<KEY> of conf/defaults.ini), the others are read
 *   by whoever gets them (provisioning files, the `serve` command, the webhook receiver);
 * - the CLI commands it runs parse with this CLI's options, and the log generator's command writes the file its
 *   healthcheck waits for; the webhook receiver it runs answers a Grafana notification.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';

import { buildProgram, main } from '../pkg/cli/main';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const COMPOSE: Json = parseYaml(readFileSync(join(ROOT, 'docker-compose.yaml'), 'utf8'));
const SERVICES: Record<string, Json> = COMPOSE.services;
const PLUGIN_JSON = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8'));
const PACKAGE_JSON = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/**
 * Grafana settings this compose file may set, as [section, key] of grafana/grafana conf/defaults.ini (checked at
 * commit d6b8507785537dfee49671e76444b02643d02f53; the keys are unchanged in current releases). Grafana reads the
 * environment variable GF_<SECTION>_<KEY>, upper case, with `.` and `-` as `_` ("Override configuration with
 * environment variables" in Grafana's configuration docs). Add a setting here only after finding it in that file.
 */
const GRAFANA_SETTINGS: Array<[string, string]> = [
  ['plugins', 'allow_loading_unsigned_plugins'],
  ['auth.anonymous', 'enabled'],
  ['auth.anonymous', 'org_name'],
  ['auth.anonymous', 'org_role'],
  ['security', 'admin_user'],
  ['security', 'admin_password'],
  ['dashboards', 'default_home_dashboard_path'],
  ['dashboards', 'min_refresh_interval'],
  ['log', 'level'],
  ['log', 'filters'],
  ['users', 'default_theme'],
  ['analytics', 'reporting_enabled'],
  ['analytics', 'check_for_updates'],
];
const GRAFANA_ENV = new Set(
  GRAFANA_SETTINGS.map(([section, key]) => `GF_${section.replace(/[.-]/g, '_')}_${key}`.toUpperCase())
);

/** Whether a version satisfies a `>=X[.Y[.Z]]` range (the form plugin.json and package.json use here). */
function satisfiesMinimum(version: string, range: string): boolean {
  const minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!minimum) {
    throw new Error(`range "${range}" is not of the form >=X.Y.Z: extend this check`);
  }
  const have = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const want = Number(minimum[i + 1] ?? 0);
    if ((have[i] ?? 0) !== want) {
      return (have[i] ?? 0) > want;
    }
  }
  return true;
}

/** Host paths that `npm run build` makes (webpack's DIST_DIR and scripts/build-backend.mjs's --out default). */
const BUILT_PATHS = ['dist'];

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

/** A service's volumes, short (`src:dst[:ro]`) or long syntax. */
function mountsOf(service: Json): Mount[] {
  return (service.volumes ?? []).map((v: string | Json) => {
    if (typeof v === 'string') {
      const [source, target, mode] = v.split(':');
      return { source, target, readOnly: mode === 'ro', bind: /^[./~]/.test(source) };
    }
    return { source: v.source, target: v.target, readOnly: Boolean(v.read_only), bind: v.type === 'bind' };
  });
}

function environmentOf(service: Json): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e: string) => [e.split('=')[0], e.split('=').slice(1).join('=')]));
  }
  return env;
}

/** The command as a list (compose accepts a string too). */
function commandOf(service: Json): string[] {
  return Array.isArray(service.command) ? service.command.map(String) : String(service.command ?? '').split(/\s+/);
}

function subcommand(program: Command, name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) {
    throw new Error(`the CLI has no command ${name}`);
  }
  return found;
}

describe('docker-compose.yaml', () => {
  it('has Grafana, the log generator, the proxy and the webhook receiver', () => {
    expect(Object.keys(SERVICES).sort()).toEqual(['grafana', 'log-generator', 'proxy', 'webhook']);
    for (const [name, service] of Object.entries(SERVICES)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect({ name, dependency, exists: dependency in SERVICES }).toEqual({ name, dependency, exists: true });
      }
    }
  });

  it('pins every image (a full version, never latest); Grafana is the default image, a version the plugin supports', () => {
    for (const [name, service] of Object.entries(SERVICES)) {
      expect({ name, image: service.image }).toEqual({
        name,
        image: expect.stringMatching(/^[\w./-]+:\d+\.\d+\.\d+(-[\w.-]+)?$/),
      });
      expect(service.image).not.toMatch(/:latest$/);
      expect(service.build).toBeUndefined();
    }
    const grafana = /^grafana\/grafana(?:-enterprise)?:(\d+\.\d+\.\d+)$/.exec(SERVICES.grafana.image);
    expect(grafana).not.toBeNull();
    expect(satisfiesMinimum(grafana![1], PLUGIN_JSON.dependencies.grafanaDependency)).toBe(true);
    for (const name of ['log-generator', 'proxy', 'webhook']) {
      const node = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(SERVICES[name].image);
      expect({ name, node: node?.[1] }).toEqual({ name, node: expect.any(String) });
      expect(satisfiesMinimum(node![1], PACKAGE_JSON.engines.node)).toBe(true);
    }
  });

  it('binds every published port to 127.0.0.1', () => {
    for (const [name, service] of Object.entries(SERVICES)) {
      for (const port of service.ports ?? []) {
        const hostIp = typeof port === 'string' ? port.split(':')[0] : port.host_ip;
        expect({ name, port, hostIp }).toEqual({ name, port, hostIp: '127.0.0.1' });
      }
    }
    expect(SERVICES.grafana.ports).toEqual(['127.0.0.1:3000:3000']);
  });

  it('mounts only paths of the repository that exist or that npm run build makes, and declared volumes', () => {
    expect(PACKAGE_JSON.scripts.build).toContain('build:backend');
    for (const [name, service] of Object.entries(SERVICES)) {
      for (const mount of mountsOf(service)) {
        expect(isAbsolute(mount.target)).toBe(true);
        if (!mount.bind) {
          expect({ name, volume: mount.source, declared: mount.source in (COMPOSE.volumes ?? {}) }).toEqual({
            name,
            volume: mount.source,
            declared: true,
          });
          continue;
        }
        const path = relative(ROOT, join(ROOT, mount.source)) || '.';
        expect({ name, source: mount.source, inside: !path.startsWith('..') && !isAbsolute(mount.source) }).toEqual({
          name,
          source: mount.source,
          inside: true,
        });
        const ok = existsSync(join(ROOT, path)) || BUILT_PATHS.includes(normalize(path));
        expect({ name, source: mount.source, existsOrBuilt: ok }).toEqual({
          name,
          source: mount.source,
          existsOrBuilt: true,
        });
      }
    }
  });

  it('gives Grafana the plugin, the provisioning and the logs where they are expected', () => {
    const mounts = mountsOf(SERVICES.grafana);
    const at = (target: string) => mounts.find((m) => m.target === target);
    expect(at(`/var/lib/grafana/plugins/${PLUGIN_JSON.id}`)).toMatchObject({ source: './dist', bind: true });
    expect(at('/etc/grafana/provisioning')).toMatchObject({ source: './provisioning', bind: true });
    for (const sub of ['datasources', 'dashboards', 'alerting']) {
      expect(statSync(join(ROOT, 'provisioning', sub)).isDirectory()).toBe(true);
    }
    // The provisioned data source reads the volume the log generator writes; the proxy reads it too.
    const datasources = parseYaml(readFileSync(join(ROOT, 'provisioning/datasources/inference-logs.yaml'), 'utf8'));
    const local = datasources.datasources.find((d: Json) => d.uid === 'inference-logs');
    const [logPath] = local.jsonData.paths;
    const logs = at(logPath);
    expect(logs).toMatchObject({ bind: false, readOnly: true });
    expect(mountsOf(SERVICES['log-generator']).find((m) => m.target === logPath)).toMatchObject({
      source: logs!.source,
      readOnly: false,
    });
    expect(mountsOf(SERVICES.proxy).find((m) => m.target === logPath)).toMatchObject({ source: logs!.source });
    expect(environmentOf(SERVICES.grafana).GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe(PLUGIN_JSON.id);
    // The home dashboard is one of the provisioned ones, at its path in the container.
    const home = environmentOf(SERVICES.grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home.startsWith('/etc/grafana/provisioning/')).toBe(true);
    expect(existsSync(join(ROOT, 'provisioning', home.slice('/etc/grafana/provisioning/'.length)))).toBe(true);
  });

  it("sets only Grafana's own GF_* settings; every other variable is read by its service", () => {
    const provisioning = ['datasources', 'alerting']
      .flatMap((d) => readdirSync(join(ROOT, 'provisioning', d)).map((f) => join(ROOT, 'provisioning', d, f)))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const readers: Record<string, string> = {
      grafana: provisioning,
      proxy: readFileSync(join(ROOT, 'pkg/cli/serve.ts'), 'utf8'),
      webhook: readFileSync(join(ROOT, 'docker/webhook-receiver/server.mjs'), 'utf8'),
      'log-generator': '',
    };
    for (const [name, service] of Object.entries(SERVICES)) {
      for (const variable of Object.keys(environmentOf(service))) {
        if (variable.startsWith('GF_')) {
          expect({ name, variable, grafanaSetting: name === 'grafana' && GRAFANA_ENV.has(variable) }).toEqual({
            name,
            variable,
            grafanaSetting: true,
          });
        } else {
          const read =
            readers[name].includes(`$${variable}`) ||
            readers[name].includes(`\${${variable}}`) ||
            readers[name].includes(`process.env.${variable}`);
          expect({ name, variable, read }).toEqual({ name, variable, read: true });
        }
      }
    }
    // Grafana and the proxy share the proxy token.
    expect(environmentOf(SERVICES.grafana).INFERENCE_LOGS_PROXY_TOKEN).toBe(
      environmentOf(SERVICES.proxy).INFERENCE_LOGS_TOKEN
    );
  });

  it('runs CLI commands and options that exist', () => {
    const program = buildProgram();
    for (const name of ['log-generator', 'proxy']) {
      const [node, script, command, ...args] = commandOf(SERVICES[name]);
      expect([node, script]).toEqual(['node', 'bin/inference-logs.js']);
      expect(existsSync(join(ROOT, script))).toBe(true);
      const parsed = subcommand(program, command).parseOptions(args);
      expect({ name, unknown: parsed.unknown, operands: parsed.operands }).toEqual({ name, unknown: [], operands: [] });
    }
    expect(commandOf(SERVICES.proxy)).toEqual(expect.arrayContaining(['serve', '--host', '0.0.0.0', '--logs']));
  });

  it("the log generator's command writes the file its healthcheck waits for", async () => {
    const [, , command, ...args] = commandOf(SERVICES['log-generator']);
    const dir = mkdtempSync(join(tmpdir(), 'compose-test-'));
    try {
      const i = args.indexOf('--dir');
      const target = args[i + 1];
      const local = [...args.slice(0, i + 1), dir, ...args.slice(i + 2), '--once', '--history', '1h', '--rate', '0.5'];
      const write = process.stdout.write;
      process.stdout.write = () => true;
      let code: number;
      try {
        code = await main([command, ...local]);
      } finally {
        process.stdout.write = write;
      }
      expect(code).toBe(0);
      const test = SERVICES['log-generator'].healthcheck.test as string[];
      expect(test.slice(0, 3)).toEqual(['CMD', 'test', '-e']);
      expect(test[3].startsWith(`${target}/`)).toBe(true);
      expect(existsSync(join(dir, test[3].slice(target.length + 1)))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a webhook receiver that takes a Grafana notification and lists it', async () => {
    const [node, script] = commandOf(SERVICES.webhook);
    const mount = mountsOf(SERVICES.webhook).find((m) => script.startsWith(m.target + '/'))!;
    const file = join(ROOT, mount.source, script.slice(mount.target.length + 1));
    expect(node).toBe('node');
    const child = spawn(process.execPath, [file], {
      env: { PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
          if (match) {
            resolve(Number(match[1]));
          }
        });
        child.on('exit', (code) => reject(new Error(`receiver exited ${code}: ${out}`)));
      });
      const notification = {
        receiver: 'inference-webhook',
        status: 'firing',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'p99 latency above threshold', model: 'mistral-7b', severity: 'warning' },
            annotations: { summary: 'p99 latency of mistral-7b is 4.2k ms (threshold 3000 ms)' },
            values: { B: 4213.5, C: 1 },
          },
        ],
      };
      const posted = await fetch(`http://127.0.0.1:${port}/alerts`, {
        method: 'POST',
        body: JSON.stringify(notification),
      });
      expect(posted.status).toBe(200);
      const listed = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as Json[];
      expect(listed[0].payload).toEqual(notification);
      await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('FIRING p99 latency above threshold model=mistral-7b severity=warning');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
