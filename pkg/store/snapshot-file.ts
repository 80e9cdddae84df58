import { promises as fs } from 'fs';
import { crc32 } from 'zlib';
import type { TypedArray } from './snapshot';

/**
 * The restart cache's file: a JSON description, then typed arrays as they are in memory, then a checksum.
 *
 *   "ILACACHE"  u32 format version  u32 JSON length  JSON  (padding to 8)
 *   each array's bytes, padded to 8 (so that each can be read straight into its typed array)
 *   u32 CRC-32 of everything before it, "ILAC"
 *
 * Written to a temporary file renamed into place, so a crash never leaves half a file under the name; a file that
 * is short or whose checksum is wrong (a crash before the data reached the disk) is refused.
 */
export const FORMAT_VERSION = 1;

const MAGIC = Buffer.from('ILACACHE');
const END = Buffer.from('ILAC');
const HEAD = 16;
const TRAILER = 8;
/** The most one read or write call moves (Node refuses more than 2 GiB). */
const IO_CHUNK = 1 << 30;

const KINDS = { Int8Array, Int16Array, Int32Array, Float64Array, Uint8Array, Uint16Array, Uint32Array };
type Kind = keyof typeof KINDS;

interface ArrayEntry {
  type: Kind;
  length: number;
}

/** A cache file that cannot be used, and why (said in the log line). */
export class SnapshotError extends Error {}

const padded = (n: number): number => Math.ceil(n / 8) * 8;
/** CRC-32 of `bytes` on from `crc` (zlib starts over on an empty buffer: skip those). */
const update = (crc: number, bytes: Uint8Array): number => (bytes.length > 0 ? crc32(bytes, crc) : crc);
const bytesOf = (a: TypedArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function header(meta: object, arrays: TypedArray[]): Buffer {
  const entries: ArrayEntry[] = arrays.map((a) => ({ type: a.constructor.name as Kind, length: a.length }));
  const json = Buffer.from(JSON.stringify({ ...meta, arrays: entries }));
  const head = Buffer.alloc(padded(HEAD + json.length));
  MAGIC.copy(head, 0);
  head.writeUInt32LE(FORMAT_VERSION, 8);
  head.writeUInt32LE(json.length, 12);
  json.copy(head, HEAD);
  return head;
}

async function writeAll(handle: fs.FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, at, Math.min(IO_CHUNK, bytes.length - at));
    at += bytesWritten;
  }
}

let temporaries = 0;

/**
 * Writes `meta` and `arrays` to `file` (through a temporary file and a rename). `unchanged` is asked before the
 * rename: false (the arrays were changed in place while being written) drops the file. Returns its size, or null
 * when dropped.
 */
export async function writeSnapshotFile(
  file: string,
  meta: object,
  arrays: TypedArray[],
  unchanged: () => boolean = () => true
): Promise<number | null> {
  const temporary = `${file}.${process.pid}.${++temporaries}.tmp`;
  const handle = await fs.open(temporary, 'w', 0o600);
  let size = 0;
  try {
    const pad = Buffer.alloc(8);
    const head = header(meta, arrays);
    let crc = crc32(head);
    await writeAll(handle, head);
    size += head.length;
    for (const array of arrays) {
      const bytes = bytesOf(array);
      const padding = pad.subarray(0, padded(bytes.length) - bytes.length);
      crc = update(update(crc, bytes), padding);
      await writeAll(handle, bytes);
      await writeAll(handle, padding);
      size += bytes.length + padding.length;
    }
    const trailer = Buffer.alloc(TRAILER);
    trailer.writeUInt32LE(crc, 0);
    END.copy(trailer, 4);
    await writeAll(handle, trailer);
    size += TRAILER;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  if (!unchanged()) {
    await fs.rm(temporary, { force: true });
    return null;
  }
  await fs.rename(temporary, file);
  return size;
}

async function readAll(handle: fs.FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < into.length;) {
    const { bytesRead } = await handle.read(into, at, Math.min(IO_CHUNK, into.length - at), position + at);
    if (bytesRead === 0) {
      throw new SnapshotError('the file is shorter than it says');
    }
    at += bytesRead;
  }
}

export interface ReadSnapshot<M> {
  meta: M;
  arrays: TypedArray[];
  /** The file's size. */
  bytes: number;
}

/**
 * Reads a file writeSnapshotFile wrote: null when there is none. `accept` sees the description first and says why
 * it does not match (the arrays are then not read). Throws SnapshotError for a file of another format, cut short
 * or damaged. Each array is a view of an ArrayBuffer of its own, with `room(meta, length)` more elements after it
 * (memory never touched unless used: appending after a restart copies nothing).
 */
export async function readSnapshotFile<M extends object>(
  file: string,
  accept: (meta: M) => string | null,
  room: (meta: M, length: number) => number = () => 0
): Promise<ReadSnapshot<M> | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(HEAD);
    if (
      size < HEAD + TRAILER ||
      (await handle.read(head, 0, HEAD, 0)).bytesRead < HEAD ||
      !head.subarray(0, 8).equals(MAGIC)
    ) {
      throw new SnapshotError('not a cache file, or cut short');
    }
    const version = head.readUInt32LE(8);
    if (version !== FORMAT_VERSION) {
      throw new SnapshotError(`cache format ${version}, this version reads format ${FORMAT_VERSION}`);
    }
    const jsonLength = head.readUInt32LE(12);
    if (HEAD + jsonLength + TRAILER > size) {
      throw new SnapshotError('the file is shorter than it says');
    }
    const start = Buffer.alloc(padded(HEAD + jsonLength));
    await readAll(handle, start, 0);
    let described: M & { arrays: ArrayEntry[] };
    try {
      described = JSON.parse(start.toString('utf8', HEAD, HEAD + jsonLength));
    } catch {
      throw new SnapshotError('its description is damaged');
    }
    const { arrays: entries, ...meta } = described;
    const why = accept(meta as unknown as M);
    if (why !== null) {
      throw new SnapshotError(why);
    }
    if (!Array.isArray(entries) || entries.some((e) => !Object.hasOwn(KINDS, e?.type) || !(e.length >= 0))) {
      throw new SnapshotError('its description is damaged');
    }
    const arrays = entries.map(
      (e) => new KINDS[e.type](e.length + room(meta as unknown as M, e.length)).subarray(0, e.length) as TypedArray
    );
    const expected = start.length + arrays.reduce((sum, a) => sum + padded(a.byteLength), 0) + TRAILER;
    if (expected !== size) {
      throw new SnapshotError(`the file has ${size} bytes, its description says ${expected}: cut short or damaged`);
    }
    // Each array with its padding; the next one is read (in the thread pool) while this one's CRC is computed.
    let position = start.length;
    const parts = arrays.map((array) => {
      const bytes = bytesOf(array);
      const part = { bytes, padding: Buffer.alloc(padded(bytes.length) - bytes.length), at: position };
      position += bytes.length + part.padding.length;
      return part;
    });
    const read = async (part: (typeof parts)[number]): Promise<void> => {
      await readAll(handle, part.bytes, part.at);
      await readAll(handle, part.padding, part.at + part.bytes.length);
    };
    let crc = crc32(start);
    let reading = parts.length > 0 ? read(parts[0]) : null;
    for (let i = 0; i < parts.length; i++) {
      await reading;
      reading = i + 1 < parts.length ? read(parts[i + 1]) : null;
      crc = update(update(crc, parts[i].bytes), parts[i].padding);
    }
    const trailer = Buffer.alloc(TRAILER);
    await readAll(handle, trailer, position);
    if (trailer.readUInt32LE(0) !== crc || !trailer.subarray(4).equals(END)) {
      throw new SnapshotError('its checksum does not match: damaged');
    }
    return { meta: meta as unknown as M, arrays, bytes: size };
  } finally {
    await handle.close();
  }
}
