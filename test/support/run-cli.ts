/** Test helper: the CLI run in this process, as a user runs it, with what it prints captured. */
import { main } from '../../pkg/cli/main';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `inference-logs argv…` with stdout and stderr captured; `tty` makes stdout a terminal that wide. */
export async function runCli(argv: string[], tty?: { columns: number }): Promise<RunResult> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    ((chunk: string | Uint8Array): boolean => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(sink(out));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(sink(err));
  const saved = { isTTY: process.stdout.isTTY, columns: process.stdout.columns };
  if (tty) {
    Object.assign(process.stdout, { isTTY: true, columns: tty.columns });
  }
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    Object.assign(process.stdout, saved);
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
