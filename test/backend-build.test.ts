/**
 * Checks the backend executables that `npm run build` (webpack, then scripts/build-backend.mjs) leaves in dist/:
 * both Linux executables exist, are executable ELF files for the right machine, carry an injected single-executable
 * blob (the SEA fuse flipped to `:1`), and the amd64 one starts with an EMPTY environment (no PATH, no node) and
 * prints the go-plugin handshake line the way Grafana expects. Without a build this fails on purpose: run
 * `npm run build` (or `npm run build:backend`) first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const EXECUTABLE: string = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8')).executable;
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const HANDSHAKE = /^1\|2\|tcp\|127\.0\.0\.1:(\d+)\|grpc$/;

const TARGETS = [
  { target: 'amd64', eMachine: 62, machine: 'x86-64' },
  { target: 'arm64', eMachine: 183, machine: 'aarch64' },
] as const;

function exePath(target: string): string {
  return join(DIST, `${EXECUTABLE}_linux_${target}`);
}

/** Fails (never skips) when the build output is missing. */
function requireBuilt(file: string): void {
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: run \`npm run build\` (or \`npm run build:backend\`) before this test`);
  }
}

describe('backend build output (dist/)', () => {
  it('names the executables after src/plugin.json', () => {
    expect(EXECUTABLE).toBe('gpx_inference_log_analytics');
  });

  describe.each(TARGETS)('$target executable', ({ target, eMachine, machine }) => {
    const file = exePath(target);

    it('exists and is executable', () => {
      requireBuilt(file);
      const st = statSync(file);
      expect(st.isFile()).toBe(true);
      expect(st.mode & 0o111).toBe(0o111);
      expect(() => accessSync(file, constants.X_OK)).not.toThrow();
    });

    it(`is a 64-bit little-endian ELF executable for ${machine}`, () => {
      requireBuilt(file);
      const head = Buffer.alloc(64);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, head, 0, 64, 0);
      } finally {
        closeSync(fd);
      }
      expect(head.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(head[4]).toBe(2); // ELFCLASS64
      expect(head[5]).toBe(1); // little endian
      expect(head.readUInt16LE(16)).toBe(2); // ET_EXEC
      expect(head.readUInt16LE(18)).toBe(eMachine);
    });

    it('carries an injected single-executable blob (SEA fuse flipped to :1)', () => {
      requireBuilt(file);
      const buf = readFileSync(file);
      const at = buf.indexOf(SEA_FUSE);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(buf.indexOf(SEA_FUSE, at + 1)).toBe(-1);
      expect(buf.subarray(at, at + SEA_FUSE.length + 2).toString('latin1')).toBe(`${SEA_FUSE}:1`);
    });
  });

  describe('amd64 executable started like Grafana starts it', () => {
    let child: ChildProcess | undefined;

    afterEach(async () => {
      const c = child;
      child = undefined;
      if (c && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }
    });

    it('prints exactly one handshake line on stdout within 10 s, with an empty environment', async () => {
      const file = exePath('amd64');
      requireBuilt(file);
      const started = Date.now();
      const c = spawn(file, [], {
        // Nothing from this process: no PATH, no HOME, no NODE_OPTIONS; only what go-plugin adds.
        env: {
          grafana_plugin_type: 'datasource',
          PLUGIN_PROTOCOL_VERSIONS: '2',
          PLUGIN_MIN_PORT: '10000',
          PLUGIN_MAX_PORT: '25000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let stdout = '';
      let stderr = '';
      c.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      c.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));

      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no handshake line within 10 s; stderr:\n${stderr}`)), 10_000);
        const onData = () => {
          const nl = stdout.indexOf('\n');
          if (nl >= 0) {
            clearTimeout(timer);
            c.stdout!.off('data', onData);
            resolve(stdout.slice(0, nl));
          }
        };
        c.stdout!.on('data', onData);
        c.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        c.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`exited (${code ?? signal}) before the handshake; stdout: ${stdout}\nstderr:\n${stderr}`));
        });
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(line).toMatch(HANDSHAKE);
      const port = Number(HANDSHAKE.exec(line)![1]);
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(port).toBeLessThanOrEqual(25000);

      // go-plugin reads only the first line; anything more on stdout is a bug (a stray console.log).
      await new Promise((r) => setTimeout(r, 500));
      expect(stdout).toBe(`${line}\n`);
      expect(c.exitCode).toBeNull();
    }, 20_000);
  });
});
