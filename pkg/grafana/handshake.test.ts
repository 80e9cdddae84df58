import { ChildProcess, spawn } from 'child_process';
import { credentials, GrpcObject, ServiceClientConstructor } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { loadProtocol } from './protocol';

const MAIN = path.join(__dirname, 'main.ts');
const TSX = path.join(__dirname, '../../node_modules/.bin/tsx');

interface Started {
  child: ChildProcess;
  handshake: string;
  stderr: string[];
}

/** Starts the plugin as go-plugin does (cookie, versions, port range) and waits for its first stdout line. */
function startPlugin(env: Record<string, string>): Promise<Started> {
  const child = spawn(TSX, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env } });
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(...d.toString().split('\n').filter(Boolean)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no handshake; stderr: ${stderr.join('\n')}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, handshake: out, stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out) {
        resolve({ child, handshake: '', stderr });
      }
      void code;
    });
  });
}

const GO_PLUGIN_ENV = {
  grafana_plugin_type: 'datasource',
  PLUGIN_PROTOCOL_VERSIONS: '2',
  PLUGIN_MIN_PORT: '10000',
  PLUGIN_MAX_PORT: '25000',
};

function client(pkg: GrpcObject, service: string, address: string) {
  const Ctor = service
    .split('.')
    .reduce<unknown>((node, key) => (node as GrpcObject)[key], pkg) as ServiceClientConstructor;
  return new Ctor(address, credentials.createInsecure());
}

function call<T>(c: InstanceType<ServiceClientConstructor>, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) =>
    (c[method] as (r: object, cb: (e: Error | null, v: T) => void) => void).call(c, request, (e, v) =>
      e ? reject(e) : resolve(v)
    )
  );
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
}

describe('the plugin executable, started as go-plugin starts it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'handshake-'));
    writeFileSync(
      path.join(dir, 'a.log'),
      '{"timestamp": "2026-11-27T15:00:00", "model": "m1", "latency_ms": 10.0, "status": "success"}\n' +
        '{"timestamp": "2026-11-27T15:00:01", "model": "m2", "latency_ms": 30.0, "status": "error"}\n'
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints exactly the handshake line, serves health, CheckHealth and QueryData, and exits on Shutdown', async () => {
    const { child, handshake, stderr } = await startPlugin(GO_PLUGIN_ENV);
    try {
      expect(handshake).toMatch(/^1\|2\|tcp\|127\.0\.0\.1:(\d+)\|grpc\n$/);
      const port = Number(/:(\d+)\|/.exec(handshake)![1]);
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(port).toBeLessThanOrEqual(25000);
      const address = `127.0.0.1:${port}`;

      const health = client(loadProtocol('health'), 'grpc.health.v1.Health', address);
      await expect(call(health, 'Check', { service: 'plugin' })).resolves.toEqual({ status: 'SERVING' });

      const pluginv2 = loadProtocol('pluginv2');
      const pluginContext = {
        dataSourceInstanceSettings: {
          uid: 'u1',
          // No restart cache: this plugin has no HOME, and would write one in the user's.
          jsonData: Buffer.from(JSON.stringify({ paths: [dir], cache: false })),
          lastUpdatedMS: 1,
        },
      };
      const diagnostics = client(pluginv2, 'pluginv2.Diagnostics', address);
      const checked = await call<{ status: string; message: string }>(diagnostics, 'CheckHealth', { pluginContext });
      expect(checked.status).toBe('OK');
      expect(checked.message).toContain('Read 2 requests from 1 file(s)');

      const data = client(pluginv2, 'pluginv2.Data', address);
      const answered = await call<{ responses: Record<string, { frames: Buffer[]; error: string; status: number }> }>(
        data,
        'QueryData',
        {
          pluginContext,
          queries: [
            { refId: 'A', json: Buffer.from(JSON.stringify({ queryType: 'summary' })), timeRange: {} },
            { refId: 'B', json: Buffer.from('{not json'), timeRange: {} },
          ],
        }
      );
      expect(answered.responses.A.status).toBe(200);
      expect(answered.responses.A.frames).toHaveLength(1);
      expect(Buffer.from(answered.responses.A.frames[0]).subarray(0, 6).toString()).toBe('ARROW1');
      expect(answered.responses.B).toMatchObject({ status: 400, error: 'the query is not valid JSON' });

      const controller = client(loadProtocol('goplugin'), 'plugin.GRPCController', address);
      await call(controller, 'Shutdown', {});
      await expect(exited(child)).resolves.toBe(0);
      // Every stderr line is hclog JSON with string @level, @message and a six-digit @timestamp.
      for (const line of stderr.filter((l) => l.startsWith('{'))) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        expect(typeof entry['@message']).toBe('string');
        expect(entry['@level']).toMatch(/^(trace|debug|info|warn|error)$/);
        expect(entry['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      }
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('refuses to start without the go-plugin magic cookie, saying what it is', async () => {
    const { child, handshake, stderr } = await startPlugin({});
    await expect(exited(child)).resolves.toBe(1);
    expect(handshake).toBe('');
    expect(stderr.join('\n')).toContain('Grafana starts it');
  }, 30_000);

  it('refuses a host that does not offer protocol version 2', async () => {
    const { child, handshake } = await startPlugin({ ...GO_PLUGIN_ENV, PLUGIN_PROTOCOL_VERSIONS: '1' });
    await expect(exited(child)).resolves.toBe(1);
    expect(handshake).toBe('');
  }, 30_000);
});
