import { promises as fs } from 'fs';
import path from 'path';

/** Names read from a directory: JSON-lines logs and their rotated and gzipped copies. */
export const LOG_FILE_PATTERN = /\.(log|jsonl|ndjson|json|txt)(\.\d+)?(\.gz)?$|\.gz$/i;

const GLOB_CHARS = /[*?[\]{}]/;

/** Throws with a message a user can act on. */
export class SourceError extends Error {}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) {
      continue;
    }
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(full, out);
    } else if (entry.isFile() && LOG_FILE_PATTERN.test(entry.name)) {
      out.push(full);
    }
  }
}

/**
 * Expands log paths (files, directories read recursively, globs) into a sorted list of files.
 * A path that names nothing is an error: a typo must not look like an empty log.
 */
export async function expandPaths(paths: string[]): Promise<string[]> {
  if (paths.length === 0) {
    throw new SourceError('no log paths given');
  }
  const files = new Set<string>();
  for (const given of paths) {
    const stat = await fs.stat(given).catch(() => null);
    if (stat?.isDirectory()) {
      const found: string[] = [];
      await walk(given, found);
      found.forEach((f) => files.add(path.resolve(f)));
    } else if (stat?.isFile()) {
      files.add(path.resolve(given));
    } else if (GLOB_CHARS.test(given)) {
      // Loaded on first use: most reads name files and folders, not globs.
      const { default: fg } = await import('fast-glob');
      const matches = await fg(given, { onlyFiles: true, absolute: true, dot: false });
      if (matches.length === 0) {
        throw new SourceError(`no files match ${given}`);
      }
      matches.forEach((f) => files.add(path.resolve(f)));
    } else {
      throw new SourceError(`no such file or directory: ${given}`);
    }
  }
  return [...files].sort(compareRotated);
}

/** `app.log.2.gz` → [`app.log`, 2]; `app.log` → [`app.log`, 0]. */
function rotation(file: string): [string, number] {
  const match = /^(.*?)\.(\d+)(\.gz)?$/i.exec(file);
  return match ? [match[1], Number(match[2])] : [file.replace(/\.gz$/i, ''), 0];
}

/** Oldest first: rotated copies of a log (highest number first) before the live file, so rows arrive in time order. */
export function compareRotated(a: string, b: string): number {
  const [baseA, numberA] = rotation(a);
  const [baseB, numberB] = rotation(b);
  if (baseA !== baseB) {
    return baseA < baseB ? -1 : 1;
  }
  return numberB - numberA || (a < b ? -1 : a > b ? 1 : 0);
}

/** Is this file gzip-compressed? By name, as rotation tools name them. */
export function isGzip(file: string): boolean {
  return file.toLowerCase().endsWith('.gz');
}
