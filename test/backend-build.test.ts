/**
 * Checks the backend that `npm run build` (webpack, then scripts/build-backend.mjs) leaves in dist/:
 *
 * - dist/<executable>_linux_<arch>, what Grafana starts, is a /bin/sh launcher that execs the glibc loader shipped in
 *   dist/runtime/linux_<arch>/ on the backend there, with that folder as the only library path;
 * - the backend is an ELF executable for the right machine carrying an injected single-executable blob (the SEA fuse
 *   flipped to `:1`), and every library it needs (ELF NEEDED, and theirs in turn) is shipped beside it, built for the
 *   same machine — for arm64 too, which cannot be run here;
 * - the amd64 launcher, started with an EMPTY environment (no PATH, no node) from any folder, prints the go-plugin
 *   handshake line the way Grafana expects, and writes nothing to stderr but hclog JSON below WARN level (a Node.js
 *   deprecation warning would reach Grafana's log as an ERROR at every start).
 *
 * Without a build this fails on purpose: run `npm run build` (or `npm run build:backend`) first.
 * test/chroot.test.ts runs the same backend on a system with no C library at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const EXECUTABLE: string = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8')).executable;
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const HANDSHAKE = /^1\|2\|tcp\|127\.0\.0\.1:(\d+)\|grpc$/;
const LIBS = ['libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'libstdc++.so.6', 'libgcc_s.so.1'];

const TARGETS = [
  { target: 'amd64', eMachine: 62, machine: 'x86-64', loader: 'ld-linux-x86-64.so.2' },
  { target: 'arm64', eMachine: 183, machine: 'aarch64', loader: 'ld-linux-aarch64.so.1' },
] as const;

function launcherPath(target: string): string {
  return join(DIST, `${EXECUTABLE}_linux_${target}`);
}

function runtimePath(target: string, file = ''): string {
  return join(DIST, 'runtime', `linux_${target}`, file);
}

/** Fails (never skips) when the build output is missing. */
function requireBuilt(file: string): void {
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: run \`npm run build\` (or \`npm run build:backend\`) before this test`);
  }
}

function head(file: string, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** The DT_NEEDED names of a 64-bit little-endian ELF file (its PT_DYNAMIC segment, strings from DT_STRTAB). */
function needed(file: string): string[] {
  const elf = readFileSync(file);
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const segments = Array.from({ length: elf.readUInt16LE(0x38) }, (_, i) => {
    const p = phoff + i * phentsize;
    return {
      type: elf.readUInt32LE(p),
      offset: Number(elf.readBigUInt64LE(p + 8)),
      vaddr: Number(elf.readBigUInt64LE(p + 16)),
      filesz: Number(elf.readBigUInt64LE(p + 32)),
    };
  });
  const dynamic = segments.find((s) => s.type === 2); // PT_DYNAMIC
  if (!dynamic) {
    return [];
  }
  const entries: Array<[number, number]> = [];
  for (let p = dynamic.offset; p < dynamic.offset + dynamic.filesz; p += 16) {
    entries.push([Number(elf.readBigInt64LE(p)), Number(elf.readBigUInt64LE(p + 8))]);
  }
  const strtab = entries.find(([tag]) => tag === 5)![1]; // DT_STRTAB: an address, in a PT_LOAD segment
  const load = segments.find((s) => s.type === 1 && s.vaddr <= strtab && strtab < s.vaddr + s.filesz)!;
  const strings = strtab - load.vaddr + load.offset;
  return entries
    .filter(([tag]) => tag === 1) // DT_NEEDED: an offset into the string table
    .map(([, at]) => elf.toString('latin1', strings + at, elf.indexOf(0, strings + at)));
}

describe('backend build output (dist/)', () => {
  it('names the executables after src/plugin.json', () => {
    expect(EXECUTABLE).toBe('gpx_inference_log_analytics');
  });

  describe.each(TARGETS)('$target', ({ target, eMachine, machine, loader }) => {
    it('the executable Grafana starts is an executable /bin/sh launcher of the shipped loader', () => {
      const file = launcherPath(target);
      requireBuilt(file);
      const st = statSync(file);
      expect(st.isFile()).toBe(true);
      expect(st.mode & 0o111).toBe(0o111);
      expect(() => accessSync(file, constants.X_OK)).not.toThrow();
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toBe('#!/bin/sh');
      const exec = text.split('\n').filter((l) => l.startsWith('exec '));
      expect(exec).toEqual([`exec "$r/${loader}" --library-path "$r" --argv0 "$0" "$r/backend" "$@"`]);
      expect(text).toContain(`r=$d/runtime/linux_${target}\n`);
      // Huge pages for malloc's large arrays, keeping any tunables Grafana's environment sets.
      expect(text).toContain(
        'GLIBC_TUNABLES=${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1\nexport GLIBC_TUNABLES\n'
      );
    });

    it(`runtime/linux_${target}/backend is a 64-bit little-endian ELF executable for ${machine}`, () => {
      const file = runtimePath(target, 'backend');
      requireBuilt(file);
      expect(statSync(file).mode & 0o111).toBe(0o111);
      const elf = head(file, 64);
      expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(elf[4]).toBe(2); // ELFCLASS64
      expect(elf[5]).toBe(1); // little endian
      expect(elf.readUInt16LE(16)).toBe(2); // ET_EXEC
      expect(elf.readUInt16LE(18)).toBe(eMachine);
    });

    it('the backend carries an injected single-executable blob (SEA fuse flipped to :1)', () => {
      const file = runtimePath(target, 'backend');
      requireBuilt(file);
      const buf = readFileSync(file);
      const at = buf.indexOf(SEA_FUSE);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(buf.indexOf(SEA_FUSE, at + 1)).toBe(-1);
      expect(buf.subarray(at, at + SEA_FUSE.length + 2).toString('latin1')).toBe(`${SEA_FUSE}:1`);
    });

    it(`every library the backend needs, and theirs, is shipped beside it, built for ${machine}`, () => {
      requireBuilt(runtimePath(target, 'backend'));
      expect(statSync(runtimePath(target, loader)).mode & 0o111).toBe(0o111);
      const shipped = [loader, ...LIBS];
      for (const name of shipped) {
        const elf = head(runtimePath(target, name), 64);
        expect({ name, magic: elf.subarray(0, 4).toString('latin1'), machine: elf.readUInt16LE(18) }).toEqual({
          name,
          magic: '\x7fELF',
          machine: eMachine,
        });
      }
      const backendNeeds = needed(runtimePath(target, 'backend'));
      expect(backendNeeds).toEqual(expect.arrayContaining(['libc.so.6', 'libstdc++.so.6', loader]));
      for (const file of ['backend', ...shipped]) {
        for (const name of needed(runtimePath(target, file))) {
          expect({ file, needs: name, shipped: shipped.includes(name) }).toEqual({ file, needs: name, shipped: true });
        }
      }
      // Their licences come along.
      for (const name of ['README', 'libc6.copyright', 'gcc-12.copyright']) {
        expect(statSync(runtimePath(target, join('licenses', name))).size).toBeGreaterThan(500);
      }
    });
  });

  describe('amd64 launcher started like Grafana starts it', () => {
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

    it.each([
      ['by its absolute path', undefined],
      ['by a relative path, from /', '/'],
    ])(
      '%s with an empty environment: one handshake line on stdout within 10 s, no warning on stderr',
      async (_how, cwd) => {
        const file = launcherPath('amd64');
        requireBuilt(file);
        const started = Date.now();
        const c = spawn(cwd ? relative(cwd, file) : file, [], {
          cwd,
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
          const timer = setTimeout(
            () => reject(new Error(`no handshake line within 10 s; stderr:\n${stderr}`)),
            10_000
          );
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
        await new Promise((r) => setTimeout(r, 1000));
        expect(stdout).toBe(`${line}\n`);
        expect(c.exitCode).toBeNull();
        // stderr: hclog JSON only (the start-up line at least), nothing at WARN or ERROR.
        const lines = stderr.split('\n').filter(Boolean);
        expect(lines.length).toBeGreaterThan(0);
        for (const l of lines) {
          let level: unknown = 'not hclog JSON';
          try {
            level = JSON.parse(l)['@level'];
          } catch {
            // stays 'not hclog JSON': Grafana logs a plain line at its own guess of a level
          }
          expect({ line: l, level }).toEqual({ line: l, level: expect.stringMatching(/^(trace|debug|info)$/) });
        }
      },
      20_000
    );
  });
});
