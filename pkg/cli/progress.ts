import type { SingleBar } from 'cli-progress';
import type { ReadProgress } from '../sources/reader';

/** Loads shorter than this show no bar: it would only flicker. */
const SHOW_AFTER_MS = 1000;

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/**
 * A progress bar on stderr for long loads — bytes, rows and rate — only on a terminal (never
 * when stderr is piped or redirected), and only once loading has taken a second.
 */
export function loadProgress(totalBytes: number, stream: NodeJS.WriteStream = process.stderr) {
  if (!stream.isTTY || totalBytes <= 0) {
    return { update: (_: ReadProgress) => undefined, stop: () => undefined };
  }
  const started = Date.now();
  let bar: SingleBar | null = null;
  // Loaded only here, for a terminal, while the first second passes: commands that show no bar do without it.
  let Bar: typeof SingleBar | undefined;
  import('cli-progress').then(
    (m) => (Bar = m.SingleBar),
    () => undefined
  );
  const update = (progress: ReadProgress): void => {
    const elapsed = (Date.now() - started) / 1000;
    if (!bar && (elapsed * 1000 < SHOW_AFTER_MS || !Bar)) {
      return;
    }
    const payload = {
      done: mb(progress.bytes),
      all: mb(totalBytes),
      rows: progress.rows.toLocaleString('en-US'),
      rate: mb(progress.bytes / Math.max(elapsed, 0.001)),
    };
    if (!bar) {
      bar = new Bar!({
        stream,
        format: 'reading logs [{bar}] {percentage}% | {done}/{all} MB | {rows} rows | {rate} MB/s | ETA {eta}s',
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(totalBytes, progress.bytes, payload);
    } else {
      bar.update(Math.min(progress.bytes, totalBytes), payload);
    }
  };
  return { update, stop: () => bar?.stop() };
}
