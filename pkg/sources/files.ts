import { promises as fs } from 'fs';
import path from 'path';

/** Names read from a directory: JSON-lines logs and their rotated and gzipped copies. */
export const LOG_FILE_PATTERN = /\.(log|jsonl|ndjson|json|txt)(\.\d+)?(\.gz)?$|\.gz$/i;

const GLOB_CHARS = /[*?[\]{}]/;

/** Throws with a message a user can act on. */
export class SourceError extends Error {}

/** A log file to read, with the name messages give it (relative to its configured path: no absolute paths). */
export interface ListedFile {
  path: string;
  name: string;
}

/** A file or folder that is not read, and why; the others are read all the same. */
export interface FileProblem {
  name: string;
  reason: string;
}

/** Why a file or folder could not be read, in words. */
export function problemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'EACCES' || code === 'EPERM'
    ? 'permission denied'
    : code === 'ENOENT'
      ? 'broken link'
      : code === 'ELOOP'
        ? 'link loop'
        : (code ?? 'unreadable');
}

/** Is `file` (a real path) inside the folder `root` (a real path)? */
function inside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * A regular file whose real path stays inside `realRoot`, or why it is not read. FIFOs, devices and
 * sockets are never opened (a FIFO blocks its reader forever); a link out of the folder could expose
 * any file of the system.
 */
async function checkFile(file: string, realRoot: string): Promise<string | null> {
  try {
    const real = await fs.realpath(file);
    if (!inside(realRoot, real)) {
      return 'link leads outside the folder';
    }
    return (await fs.stat(real)).isFile() ? null : 'not a regular file';
  } catch (error) {
    return problemReason(error);
  }
}

interface Listing {
  files: ListedFile[];
  problems: FileProblem[];
}

async function walk(root: string, realRoot: string, dir: string, out: Listing): Promise<void> {
  const name = (file: string): string => path.relative(root, file) || '.';
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    out.problems.push({ name: name(dir), reason: problemReason(error) }); // the other folders are read
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) {
      continue;
    }
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(root, realRoot, full, out);
    } else if (LOG_FILE_PATTERN.test(entry.name)) {
      // Links to files inside the folder are read; links to folders are not followed (no cycles).
      const problem = entry.isFile() ? null : await checkFile(full, realRoot);
      if (problem) {
        out.problems.push({ name: name(full), reason: problem });
      } else {
        out.files.push({ path: path.resolve(full), name: name(full) });
      }
    }
  }
}

/** The folder a glob searches: its part before the first wildcard. */
function globRoot(given: string): string {
  const parts = given.split(/[/\\]/);
  const first = parts.findIndex((p) => GLOB_CHARS.test(p));
  return parts.slice(0, first).join(path.sep) || (given.startsWith('/') ? '/' : '.');
}

/**
 * Expands log paths (files, directories read recursively, globs) into a sorted list of files, and
 * lists the files and folders found but not readable (the server reads the others).
 * A path that names nothing is an error: a typo must not look like an empty log.
 */
export async function listLogFiles(paths: string[]): Promise<Listing> {
  if (paths.length === 0) {
    throw new SourceError('no log paths given');
  }
  const found: Listing = { files: [], problems: [] };
  for (const given of paths) {
    let failure: NodeJS.ErrnoException | null = null;
    const stat = await fs.stat(given).catch((error: NodeJS.ErrnoException) => {
      failure = error;
      return null;
    });
    const code = (failure as NodeJS.ErrnoException | null)?.code;
    if (stat?.isDirectory()) {
      const realRoot = await fs.realpath(given);
      await walk(given, realRoot, given, found);
    } else if (stat) {
      // A file named explicitly is read wherever it is; it must be a regular file.
      if (stat.isFile()) {
        found.files.push({ path: path.resolve(given), name: path.basename(given) });
      } else {
        found.problems.push({ name: path.basename(given), reason: 'not a regular file' });
      }
    } else if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      found.problems.push({ name: path.basename(given), reason: problemReason(failure) });
    } else if (!GLOB_CHARS.test(given)) {
      throw new SourceError(`no such file or directory: ${given}`);
    } else {
      // Loaded on first use: most reads name files and folders, not globs.
      const { default: fg } = await import('fast-glob');
      const matches = await fg(given, { onlyFiles: true, absolute: true, dot: false });
      if (matches.length === 0) {
        throw new SourceError(`no files match ${given}`);
      }
      const root = path.resolve(globRoot(given));
      const realRoot = await fs.realpath(root).catch(() => root);
      for (const match of matches) {
        const problem = await checkFile(match, realRoot);
        const name = path.relative(root, match);
        if (problem) {
          found.problems.push({ name, reason: problem });
        } else {
          found.files.push({ path: path.resolve(match), name });
        }
      }
    }
  }
  const seen = new Set<string>();
  found.files = found.files
    .filter((f) => !seen.has(f.path) && seen.add(f.path))
    .sort((a, b) => compareRotated(a.path, b.path));
  return found;
}

/** The readable files of listLogFiles(). */
export async function expandPaths(paths: string[]): Promise<string[]> {
  return (await listLogFiles(paths)).files.map((f) => f.path);
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
