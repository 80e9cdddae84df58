/**
 * The built backend on a Linux without any C library: a chroot that holds only a static busybox (/bin/sh), the
 * plugin (the amd64 launcher and runtime/linux_amd64/) and two log folders — less than Grafana's default Alpine image
 * has (musl, no glibc, no libstdc++). The Grafana plugin host starts it through a wrapper outside the chroot that
 * execs `chroot ROOT /plugin/<executable>` (go-plugin just execs the path it is given), with no host environment, and
 * asks for health, a summary by model and the metrics; the answers must count the requests written.
 *
 * Twice: with /proc, as in every container (mounted by `unshare --mount --mount-proc`, in a private mount namespace
 * that disappears with the plugin: nothing to unmount, even when the test is killed), and without /proc (a bare
 * chroot: the start, worker threads and answers must not depend on it). The wrapper sends the plugin's stderr to a
 * file, and every line of it must be hclog JSON below WARN: a normal start logs nothing Grafana shows as a problem.
 *
 * Needs root (chroot, unshare), Debian's busybox-static (.ci/run installs it), `npm run build` and the plugin host:
 * without them it fails, it never skips.
 */
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';

import { expectExit, findHost, PLUGIN, requireBuilt, ROOT as PROJECT, run } from './support/plugin-host';

jest.setTimeout(120_000);

const EXECUTABLE: string = JSON.parse(readFileSync(join(PROJECT, 'src', 'plugin.json'), 'utf8')).executable;
const LAUNCHER = `${EXECUTABLE}_linux_amd64`;
const BUSYBOX = '/bin/busybox';
const MODELS = { 'llama-3-8b': 150, 'bert-large': 100, 'mistral-7b': 50 };
const SMALL_ROWS = 300;
const BIG_ROWS = 110_000; // over 16 MiB: read by the scan worker threads
const START_MS = Date.UTC(2026, 10, 27, 15, 0, 0);

let work: string;
let root: string;
let host: string;

/** The first of `paths` that exists; throws (the test fails) when none does. */
function existing(what: string, paths: string[]): string {
  const found = paths.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`${what} not found (looked at ${paths.join(', ')})`);
  }
  return found;
}

/** Whether an ELF file asks for a program interpreter (PT_INTERP), i.e. needs a C library's loader. */
function isDynamic(file: string): boolean {
  const elf = readFileSync(file);
  if (elf.toString('latin1', 0, 4) !== '\x7fELF') {
    throw new Error(`${file} is not an ELF file`);
  }
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  for (let i = 0; i < elf.readUInt16LE(0x38); i++) {
    if (elf.readUInt32LE(phoff + i * phentsize) === 3) {
      return true;
    }
  }
  return false;
}

/** The seed's JSON-lines format: `rows` requests, one every 100 ms, models in the proportions of MODELS. */
function writeLog(file: string, rows: number): void {
  const names = Object.entries(MODELS).flatMap(([model, n]) => Array<string>(n / 50).fill(model));
  const fd = openSync(file, 'w');
  let text = '';
  for (let i = 0; i < rows; i++) {
    const timestamp = new Date(START_MS + i * 100).toISOString().replace('Z', '456');
    const line = {
      timestamp,
      request_id: `r${i}`,
      model: names[i % names.length],
      latency_ms: 12.5 + (i % 37),
      batch_size: 8,
      status: i % 20 === 0 ? 'error' : 'success',
      gpu_util: 71.2,
      memory_used_gb: 17.9,
    };
    text += JSON.stringify(line).replace(/,"/g, ', "').replace(/":/g, '": ') + '\n';
    if (text.length > 1 << 20) {
      writeSync(fd, text);
      text = '';
    }
  }
  writeSync(fd, text);
  closeSync(fd);
}

/** Every file and link under `dir` (not following links), as paths relative to it. */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return lstatSync(full).isDirectory() ? [name, ...walk(full).map((f) => join(name, f))] : [name];
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A folder outside the chroot with the wrapper the host starts (named as Grafana would look for it): it starts the
 * launcher inside the chroot, with /proc or without, and appends the plugin's stderr to stderr.log there.
 */
function wrapper(name: string, withProc: boolean): { exe: string; stderr: string } {
  const dir = join(work, name);
  mkdirSync(dir);
  const chroot = existing('chroot', ['/usr/sbin/chroot', '/sbin/chroot', '/usr/bin/chroot']);
  const inside = `${shellQuote(chroot)} ${shellQuote(root)} /plugin/${LAUNCHER}`;
  const command = withProc
    ? `${shellQuote(existing('unshare', ['/usr/bin/unshare', '/bin/unshare']))} --mount --mount-proc=${shellQuote(join(root, 'proc'))} ${inside}`
    : inside;
  const stderr = join(dir, 'stderr.log');
  const exe = join(dir, LAUNCHER);
  writeFileSync(exe, `#!/bin/sh\nexec ${command} 2>>${shellQuote(stderr)}\n`);
  chmodSync(exe, 0o755);
  return { exe, stderr };
}

let requestCounter = 0;
function request(body: object): string {
  const file = join(work, `request-${++requestCounter}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

const datasource = (path: string) => ({ uid: `logs-${path}`, name: `Logs in ${path}`, jsonData: { paths: [path] } });

/** The jsonDetails object of a CheckHealth answer in the host's output. */
function healthDetails(stdout: string): Record<string, unknown> {
  const marker = 'CheckHealth: jsonDetails=';
  const start = stdout.indexOf(marker);
  if (start < 0) {
    throw new Error(`no jsonDetails in:\n${stdout}`);
  }
  const text = stdout.slice(start + marker.length);
  return JSON.parse(text.slice(0, text.indexOf('\n             }') + 15)); // the host indents it by 13 spaces
}

/** Every line the plugin wrote to stderr is hclog JSON at trace, debug or info. */
function expectQuietStderr(file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThan(0); // at least "plugin started": the file is the plugin's stderr
  for (const line of lines) {
    let level: unknown = 'not hclog JSON';
    try {
      level = JSON.parse(line)['@level'];
    } catch {
      // a plain line (a Node.js warning, a loader error): not what a normal start writes
    }
    expect({ line, level }).toEqual({ line, level: expect.stringMatching(/^(trace|debug|info)$/) });
  }
}

beforeAll(() => {
  requireBuilt();
  host = findHost();
  if (process.getuid?.() !== 0) {
    throw new Error('this test needs root (chroot, unshare --mount): CI runs as root');
  }
  if (!existsSync(BUSYBOX)) {
    throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`);
  }
  if (isDynamic(BUSYBOX)) {
    throw new Error(`${BUSYBOX} is dynamically linked: apt-get install busybox-static (it replaces busybox)`);
  }
  work = mkdtempSync(join(tmpdir(), 'chroot-test-'));
  root = join(work, 'root');
  for (const dir of ['bin', 'proc', 'tmp', 'plugin', 'logs', 'logs-big']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  cpSync(BUSYBOX, join(root, 'bin', 'busybox'));
  symlinkSync('busybox', join(root, 'bin', 'sh'));
  // The plugin as Grafana's plugins folder holds it: what the amd64 launcher needs (the arm64 half is not run here).
  cpSync(PLUGIN, join(root, 'plugin', LAUNCHER));
  cpSync(join(PROJECT, 'dist', 'runtime', 'linux_amd64'), join(root, 'plugin', 'runtime', 'linux_amd64'), {
    recursive: true,
  });
  writeLog(join(root, 'logs', 'requests.log'), SMALL_ROWS);
  writeLog(join(root, 'logs-big', 'requests.log'), BIG_ROWS);
  expect(statSync(join(root, 'logs-big', 'requests.log')).size).toBeGreaterThan(16 << 20);
});

afterAll(() => {
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('backend in a chroot with only a static busybox: no glibc, no libstdc++, no musl', () => {
  it("holds only busybox (static), the logs and the plugin; the only C and C++ libraries are the plugin's", () => {
    expect(isDynamic(join(root, 'bin', 'busybox'))).toBe(false);
    const files = walk(root);
    expect(files.filter((f) => !f.startsWith('plugin')).sort()).toEqual(
      [
        'bin',
        'bin/busybox',
        'bin/sh',
        'logs',
        'logs-big',
        'logs-big/requests.log',
        'logs/requests.log',
        'proc',
        'tmp',
      ].sort()
    );
    const libraries = files.filter((f) => /(^|\/)(ld-[^/]*\.so[^/]*|lib[^/]*\.so[^/]*)$/.test(f));
    expect(libraries.filter((f) => !f.startsWith('plugin/'))).toEqual([]);
    expect(libraries.sort()).toEqual(
      [
        'ld-linux-x86-64.so.2',
        'libc.so.6',
        'libdl.so.2',
        'libgcc_s.so.1',
        'libm.so.6',
        'libpthread.so.0',
        'libstdc++.so.6',
      ].map((f) => `plugin/runtime/linux_amd64/${f}`)
    );
  });

  describe.each([
    ['with /proc (as in a container)', true],
    ['without /proc', false],
  ])('%s', (_name, withProc) => {
    let exe: string;
    let stderr: string;
    beforeAll(() => {
      ({ exe, stderr } = wrapper(withProc ? 'with-proc' : 'no-proc', withProc));
    });

    it('health: OK, every request of the log counted; the start logs nothing at WARN or ERROR', async () => {
      const r = await run(host, [
        '--skip-host-env',
        exe,
        'health',
        '--json',
        request({ datasource: datasource('/logs') }),
      ]);
      expectExit(r, 0);
      expect(r.stdout).toContain('CheckHealth: status=OK');
      expect(r.stdout).toContain(`Read ${SMALL_ROWS} requests from 1 file(s)`);
      expect(healthDetails(r.stdout)).toMatchObject({ requests: SMALL_ROWS, models: Object.keys(MODELS).sort() });
      expectQuietStderr(stderr);
    });

    it('health on a log over 16 MiB: read by the scan worker threads', async () => {
      const r = await run(host, [
        '--skip-host-env',
        exe,
        'health',
        '--json',
        request({ datasource: datasource('/logs-big') }),
      ]);
      expectExit(r, 0);
      const bytes = statSync(join(root, 'logs-big', 'requests.log')).size;
      expect(healthDetails(r.stdout)).toMatchObject({ requests: BIG_ROWS, scanWorkers: { bytes, unavailable: null } });
    });

    it('query: a summary by model counts the requests of each model', async () => {
      const out = join(work, `frames-${withProc ? 'proc' : 'no-proc'}`);
      mkdirSync(out);
      const file = request({
        datasource: datasource('/logs'),
        timeRange: { from: START_MS, to: START_MS + 3_600_000 },
        queries: [{ refId: 'A', model: { queryType: 'summary', groupBy: ['model'] } }],
      });
      const r = await run(host, ['--skip-host-env', exe, 'query', '--no-decode', '--json', file, '--out', out]);
      expectExit(r, 0);
      expect(r.stdout).toMatch(/^refId A: status 200, frames 1\b/m);
      expect(readdirSync(out)).toEqual(['A-0.arrow']);
      const table = tableFromIPC(readFileSync(join(out, 'A-0.arrow')));
      const counts: Record<string, number> = {};
      for (let row = 0; row < table.numRows; row++) {
        counts[String(table.getChild('model')!.get(row))] = Number(table.getChild('requests')!.get(row));
      }
      expect(counts).toEqual(MODELS);
      expectQuietStderr(stderr);
    });

    it(`metrics: the process' memory is ${withProc ? 'read from /proc' : 'zero (there is no /proc to read it from)'}`, async () => {
      const r = await run(host, [
        '--skip-host-env',
        exe,
        'metrics',
        '--json',
        request({ datasource: datasource('/logs') }),
      ]);
      expectExit(r, 0);
      const rss = Number(/^inference_logs_process_resident_memory_bytes (\d+)$/m.exec(r.stdout)?.[1]);
      expect({ withProc, rss: withProc ? rss > 10 << 20 : rss }).toEqual({ withProc, rss: withProc ? true : 0 });
      expectQuietStderr(stderr);
      // No mount is left behind: /proc was mounted in the plugin's own mount namespace, gone with it.
      expect(readdirSync(join(root, 'proc'))).toEqual([]);
    });
  });
});

describe('the arm64 backend, emulated by qemu-user in such a chroot', () => {
  it('answers health: its launcher, loader and libraries work without any C library of the host', async () => {
    const qemu = existing('qemu-aarch64-static (apt-get install qemu-user-static)', ['/usr/bin/qemu-aarch64-static']);
    const arm = join(work, 'root-arm64');
    for (const dir of ['bin', 'tmp', 'plugin', 'logs']) {
      mkdirSync(join(arm, dir), { recursive: true });
    }
    cpSync(BUSYBOX, join(arm, 'bin', 'busybox'));
    symlinkSync('busybox', join(arm, 'bin', 'sh'));
    cpSync(qemu, join(arm, 'bin', 'qemu-aarch64-static'));
    expect(isDynamic(join(arm, 'bin', 'qemu-aarch64-static'))).toBe(false);
    const launcher = `${EXECUTABLE}_linux_arm64`;
    cpSync(join(PROJECT, 'dist', 'runtime', 'linux_arm64'), join(arm, 'plugin', 'runtime', 'linux_arm64'), {
      recursive: true,
    });
    // The real launcher, its one exec run by the emulator (this kernel cannot exec an aarch64 loader itself).
    const text = readFileSync(join(PROJECT, 'dist', launcher), 'utf8');
    expect(text).toMatch(/^exec "\$r\/ld-linux-aarch64\.so\.1" /m);
    writeFileSync(join(arm, 'plugin', launcher), text.replace(/^exec /m, 'exec /bin/qemu-aarch64-static '));
    chmodSync(join(arm, 'plugin', launcher), 0o755);
    writeLog(join(arm, 'logs', 'requests.log'), SMALL_ROWS);

    const dir = join(work, 'arm64');
    mkdirSync(dir);
    const stderr = join(dir, 'stderr.log');
    const exe = join(dir, launcher);
    const chroot = existing('chroot', ['/usr/sbin/chroot', '/sbin/chroot', '/usr/bin/chroot']);
    writeFileSync(
      exe,
      `#!/bin/sh\nexec ${shellQuote(chroot)} ${shellQuote(arm)} /plugin/${launcher} 2>>${shellQuote(stderr)}\n`
    );
    chmodSync(exe, 0o755);
    // Emulated, the runtime takes seconds to start (no V8 code cache for arm64 either).
    const file = request({ datasource: datasource('/logs') });
    const r = await run(host, ['--skip-host-env', exe, 'health', '--json', file], undefined, 110_000);
    expectExit(r, 0);
    expect(r.stdout).toContain(`Read ${SMALL_ROWS} requests from 1 file(s)`);
    expectQuietStderr(stderr);
  }, 120_000);
});
