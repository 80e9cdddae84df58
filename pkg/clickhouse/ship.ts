/**
 * Ships log files into ClickHouse, exactly once. Lines are read by the project's own parser (pkg/sources: the same
 * rows and skips as every other door) and sent as RowBinary, one INSERT per block of lines.
 *
 * Positions live in ClickHouse itself, so there is no window between "inserted" and "position saved":
 * - every row carries its file's identity (src_file) and the offset just after its line (src_end);
 * - after a block's rows, its skip counts are inserted with src_end = the block's end (a marker row when it had
 *   none): the skips table's max(src_end) per file is where the last complete block ended, and reading resumes
 *   there. Skips go in block order, each after its block's rows are in;
 * - two blocks' rows are inserted at a time (the server writes each insert on one thread), so after a kill the
 *   rows past the resume point are any subset of the blocks that were in flight (also when an insert through a
 *   Distributed table reached one shard only): they are listed once at start, by (src_file, src_end), and a row
 *   re-read is sent only if it is not among them.
 *
 * A file's identity is its content's first line (hashed), so a renamed file, its copy-truncate copy and its .gz
 * archive are the same file and go on from where it was shipped to; offsets are of the uncompressed content.
 */
import { createHash } from 'crypto';
import { createReadStream, promises as fs, Stats } from 'fs';
import { createGunzip } from 'zlib';
import { expandPaths, isGzip } from '../sources/files';
import { BatchScanner, type LineBatch } from '../sources/line-batch';
import { RecordMapping } from '../sources/mapping';
import { LineParser, SourceConfig } from '../sources/parse-line';
import {
  EXTRA_NUMBER,
  EXTRA_TEXT,
  type ExtraColumn,
  NUMERIC_FIELDS,
  REQUEST_ID,
  Store,
  STRING_FIELDS,
} from '../store/store';
import { ClickHouseClient } from './client';
import { encodedString, RowBinaryWriter } from './rowbinary';
import {
  LOG_COLUMNS,
  logTableName,
  quoteString,
  rowsPastResumeQuery,
  SKIP_COLUMNS,
  skipPositionsQuery,
  skipTableName,
  TableRef,
} from './schema';

export interface ShipOptions {
  paths: string[];
  client: ClickHouseClient;
  ref: TableRef;
  /** The `host` column of every row. */
  host: string;
  config?: SourceConfig;
  /** Bytes of log per INSERT (default 16 MiB). */
  blockBytes?: number;
}

/** What one pass shipped. */
export interface ShipStats {
  rows: number;
  skipped: Record<string, number>;
  /** Log bytes read (uncompressed). */
  bytes: number;
  /** Rows read again after a restart that were already in ClickHouse (not sent). */
  alreadyShipped: number;
}

const BLOCK_BYTES = 16 << 20;
/** Row inserts at once: the server writes an insert on one thread; two keep it busy on 2 cores while we parse. */
const INSERTS_IN_FLIGHT = 2;
/** Bytes scanned at a time. */
const CHUNK_BYTES = 1 << 20;
/** The identity needs the first line; a first line longer than this is cut here. */
const HEAD_MAX = 64 << 10;
/** First lines shorter than this may repeat across files: the inode is added to the identity. */
const MIN_UNIQUE_LINE = 32;

/** insert_distributed_sync: through a Distributed table the rows are on the shards when the insert returns. */
const INSERT_SETTINGS = { insert_distributed_sync: 1 };
/** Longest wait, at start, for a killed shipper's inserts the server is still writing. */
const INSERT_SETTLE_MS = 60_000;

const STANDARD = new Set<string>([...NUMERIC_FIELDS, ...STRING_FIELDS, REQUEST_ID]);
/**
 * The columns in the order rows are written: the table's, but the extra fields (empty on most rows) and the columns
 * the same on every row of a file (src_file, host) last, so that most rows end in one copy of the same bytes.
 */
const LAST_COLUMNS = ['str_keys', 'str_values', 'num_keys', 'num_values', 'src_file', 'host'];
const INSERT_COLUMNS = [
  ...LOG_COLUMNS.map(([name]) => name).filter((name) => !LAST_COLUMNS.includes(name)),
  ...LAST_COLUMNS,
].join(', ');
const SKIP_INSERT_COLUMNS = SKIP_COLUMNS.map(([name]) => name).join(', ');

/** The content identity of a file whose content begins with `head` (null: no complete first line yet). */
function identityOf(head: Buffer, complete: boolean, stat: Stats): string | null {
  let end = head.indexOf(10);
  if (end < 0) {
    if (!complete && head.length < HEAD_MAX) {
      return null; // the first line is still being written
    }
    end = head.length - 1;
  }
  const line = head.subarray(0, end + 1);
  const hash = createHash('sha1').update(line).digest('hex').slice(0, 24);
  return line.length < MIN_UNIQUE_LINE ? `${stat.dev}:${stat.ino}:${hash}` : `${hash}:${line.length}`;
}

/** The first bytes of a gzip file's content (at most HEAD_MAX), and whether that is all of it. */
async function gzipHead(file: string): Promise<{ head: Buffer; complete: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  const stream = createReadStream(file).pipe(createGunzip());
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      parts.push(piece);
      size += piece.length;
      if (size >= HEAD_MAX || piece.includes(10)) {
        return { head: Buffer.concat(parts).subarray(0, HEAD_MAX), complete: false };
      }
    }
  } catch {
    // a damaged archive: whatever came out is its head
  } finally {
    stream.destroy();
  }
  return { head: Buffer.concat(parts), complete: true };
}

async function plainHead(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_MAX);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_MAX, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A scan result with no rows and every line of buf[start, end) for the full path (the mapping gate). */
function allFallbacks(scanner: BatchScanner, buf: Buffer, start: number, end: number, base: number): LineBatch {
  const fallbacks: LineBatch['fallbacks'] = [];
  while (start < end) {
    let newline = buf.indexOf(10, start);
    if (newline < 0 || newline > end) {
      newline = end;
    }
    fallbacks.push({ row: 0, offset: base + start, text: buf.toString('utf8', start, newline) });
    start = newline + 1;
  }
  const empty = scanner.scan(buf, end, end, base, false, true);
  return { ...empty, fallbacks };
}

function bomLength(buf: Buffer, offset: number): number {
  return offset === 0 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}

/** One INSERT: the rows of one or more chunks of a file, and its skips by reason. */
interface Block {
  /** Rows by model (see body()). */
  byModel: Map<string, RowBinaryWriter>;
  rowCount: number;
  /** Log bytes it covers. */
  bytes: number;
  already: number;
  skipped: Record<string, number>;
}

function newBlock(): Block {
  return { byModel: new Map(), rowCount: 0, bytes: 0, already: 0, skipped: {} };
}

/**
 * A block's rows grouped by model, models in ClickHouse's order (bytes compared): with a log's rows in time order
 * that is the table's order (model, ts_us), and the server, finding the block sorted, skips sorting it (about a
 * fifth of its insert work, measured on 18.16). Rows out of order are sorted by the server, as before.
 */
function body(block: Block): Uint8Array[] {
  return [...block.byModel]
    .map(([model, out]) => ({ key: Buffer.from(model), rows: out.result() }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ rows }) => rows);
}

export class Shipper {
  /** src_file → end of its last complete block. */
  private readonly blockEnds = new Map<string, number>();
  /** src_file → src_end of its rows in the table past that end (left by inserts in flight when a shipper stopped). */
  private readonly shippedPast = new Map<string, Set<number>>();
  private readonly blockBytes: number;
  private readonly config: SourceConfig;
  /** The reader's byte scanner: the common lines, as columns. */
  private readonly scanner: BatchScanner;
  /** A field map beyond plain renames, or a preset: every line takes the full path (the scanner reads none). */
  private readonly fullPath: boolean;
  private loaded = false;
  /** Archives read to their end (by inode, size and time): skipped on later passes. */
  private readonly gzipDone = new Set<string>();
  /** Row inserts under way (at most INSERTS_IN_FLIGHT, while the next block is parsed). */
  private readonly inFlight = new Set<Promise<void>>();
  /** The last block's skips insert: skips go in block order, each after its block's rows. */
  private skipChain: Promise<void> = Promise.resolve();
  /** Writers of blocks already inserted, by model, for the next blocks: not grown again, no fresh memory. */
  private readonly spare = new Map<string, RowBinaryWriter[]>();

  constructor(private readonly options: ShipOptions) {
    this.blockBytes = options.blockBytes ?? BLOCK_BYTES;
    this.config = options.config ?? {};
    this.fullPath = RecordMapping.of(this.config) !== null;
    this.scanner = new BatchScanner(this.fullPath ? {} : this.config);
    const { ref, host } = options;
    const tag = createHash('sha256').update(`${host}\0${ref.database}\0${ref.table}`).digest('hex').slice(0, 16);
    this.queryIdPrefix = `inference-logs-ship-${tag}-`;
  }

  /** Inserts are tagged with this query id prefix (host label and table), so a restart can find its own. */
  private readonly queryIdPrefix: string;
  private insertCount = 0;

  private nextQueryId(): string {
    return `${this.queryIdPrefix}${process.pid}-${Date.now()}-${this.insertCount++}`;
  }

  /**
   * A shipper killed after sending an insert's whole body leaves the server still writing it: those rows are not
   * visible yet, and positions read now would send them again. So wait until no insert of this host's shipper into
   * this table runs (found by their query id; other hosts' shippers do not hold us up), at most INSERT_SETTLE_MS.
   */
  private async settleInsertsInFlight(): Promise<void> {
    const { client } = this.options;
    const deadline = Date.now() + INSERT_SETTLE_MS;
    for (;;) {
      const [row] = await client.query<{ n: number }>(
        `SELECT count() AS n FROM system.processes WHERE position(query_id, ${quoteString(this.queryIdPrefix)}) = 1`
      );
      if (Number(row?.n ?? 0) === 0 || Date.now() > deadline) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Reads where every file was shipped to (once; later passes keep the positions themselves). */
  private async loadPositions(): Promise<void> {
    await this.settleInsertsInFlight();
    const { client, ref } = this.options;
    for (const row of await client.query<{ src_file: string; _end: number }>(skipPositionsQuery(ref))) {
      this.blockEnds.set(row.src_file, Number(row._end));
    }
    for (const row of await client.query<{ src_file: string; src_end: number }>(rowsPastResumeQuery(ref))) {
      const past = this.shippedPast.get(row.src_file) ?? new Set<number>();
      past.add(Number(row.src_end));
      this.shippedPast.set(row.src_file, past);
    }
    this.loaded = true;
  }

  /** Ships what is new in every file, then returns what was shipped. */
  async shipNew(): Promise<ShipStats> {
    if (!this.loaded) {
      await this.loadPositions();
    }
    const stats: ShipStats = { rows: 0, skipped: {}, bytes: 0, alreadyShipped: 0 };
    // Oldest first (rotated copies before the live file): a copy goes on from where its original was shipped.
    for (const file of await expandPaths(this.options.paths)) {
      const stat = await fs.stat(file).catch(() => null);
      if (!stat) {
        continue; // rotated away between listing and reading
      }
      await this.shipFile(file, stat, stats);
    }
    return stats;
  }

  private async shipFile(file: string, stat: Stats, stats: ShipStats): Promise<void> {
    const gzip = isGzip(file);
    const { head, complete } = gzip ? await gzipHead(file) : { head: await plainHead(file), complete: false };
    const id = identityOf(head, complete, stat);
    if (id === null) {
      return;
    }
    const from = this.blockEnds.get(id) ?? 0;
    if (!gzip && from >= stat.size) {
      return; // nothing new
    }
    const archive = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (gzip && this.gzipDone.has(archive)) {
      return; // an archive never changes: not decompressed again on every pass
    }
    const blocks = gzip ? this.gzipBlocks(file, from) : this.plainBlocks(file, from, stat.size);
    let block = newBlock();
    let blockEnd = from;
    const send = async (): Promise<void> => {
      const [full, end] = [block, blockEnd];
      block = newBlock();
      await this.send(id, full, end, stats);
    };
    try {
      // Lines are scanned a chunk at a time (fits the CPU caches), inserted a block of chunks at a time (few parts).
      for await (const { buf, start, end, base, next } of blocks) {
        this.parseChunk(id, buf, start, end, base, block);
        stats.bytes += next - start;
        block.bytes += next - start;
        blockEnd = base + next;
        if (block.bytes >= this.blockBytes) {
          await send();
        }
      }
      if (block.bytes > 0) {
        await send();
      }
      await this.skipChain;
    } catch (error) {
      // An insert may have gone in without our knowing: read the positions from ClickHouse again next time.
      await Promise.allSettled([...this.inFlight, this.skipChain]);
      this.inFlight.clear();
      this.loaded = false;
      this.blockEnds.clear();
      this.shippedPast.clear();
      throw error;
    } finally {
      this.skipChain = Promise.resolve();
    }
    if (gzip) {
      this.gzipDone.add(archive);
    }
  }

  /**
   * Starts inserting a block's rows once fewer than INSERTS_IN_FLIGHT are under way (throws if one failed), and
   * queues its skips after them and after the previous block's skips.
   */
  private async send(id: string, block: Block, end: number, stats: ShipStats): Promise<void> {
    while (this.inFlight.size >= INSERTS_IN_FLIGHT) {
      await Promise.race(this.inFlight);
    }
    const rows = this.insertRows(block);
    this.inFlight.add(rows);
    rows.then(
      () => this.inFlight.delete(rows),
      () => undefined // stays in the set: the next send() or the skips chain throws it
    );
    this.skipChain = Promise.all([rows, this.skipChain]).then(() => this.insertSkips(id, block, end, stats));
    this.skipChain.catch(() => undefined); // handled where it is awaited: not an unhandled rejection meanwhile
  }

  private async insertRows(block: Block): Promise<void> {
    if (block.rowCount > 0) {
      const { client, ref } = this.options;
      await client.exec(`INSERT INTO ${logTableName(ref)} (${INSERT_COLUMNS}) FORMAT RowBinary`, {
        body: body(block),
        settings: { ...INSERT_SETTINGS, query_id: this.nextQueryId() },
      });
    }
    // Sent (the server answers once it has read the whole body): the writers serve the next blocks' models.
    for (const model of this.spare.keys()) {
      if (!block.byModel.has(model)) {
        this.spare.delete(model); // models come and go: keep only the last block's
      }
    }
    for (const [model, out] of block.byModel) {
      this.spare.set(model, [...(this.spare.get(model) ?? []), out]);
    }
  }

  private modelWriter(block: Block, model: string): RowBinaryWriter {
    let out = block.byModel.get(model);
    if (!out) {
      out = this.spare.get(model)?.pop() ?? new RowBinaryWriter(1 << 20);
      out.length = 0;
      block.byModel.set(model, out);
    }
    return out;
  }

  /** Sends a block's skip counts (which mark the block done: its rows are in). */
  private async insertSkips(id: string, block: Block, end: number, stats: ShipStats): Promise<void> {
    const { client, ref, host } = this.options;
    stats.alreadyShipped += block.already;
    const skips = new RowBinaryWriter();
    // No skips: a marker row (reason '', 0 lines), so that the block still counts as done.
    const reasons = Object.entries(block.skipped);
    for (const [reason, lines] of reasons.length ? reasons : [['', 0] as const]) {
      skips.string(host);
      skips.string(reason);
      skips.int64(lines);
      skips.string(id);
      skips.int64(end);
    }
    await client.exec(`INSERT INTO ${skipTableName(ref)} (${SKIP_INSERT_COLUMNS}) FORMAT RowBinary`, {
      body: skips.result(),
      settings: { ...INSERT_SETTINGS, query_id: this.nextQueryId() },
    });
    this.blockEnds.set(id, end);
    stats.rows += block.rowCount;
    for (const [reason, lines] of Object.entries(block.skipped)) {
      stats.skipped[reason] = (stats.skipped[reason] ?? 0) + lines;
    }
  }

  /**
   * Adds to `block` the rows and skips of buf[start, end) (complete lines; buf[0] is at content offset `base`).
   * Common lines (extra fields too) are read by the reader's byte scanner into columns; the others (unusual layouts)
   * by its full JSON path — the rows and skips the in-memory store gets from the same lines.
   */
  private parseChunk(id: string, buf: Buffer, start: number, end: number, base: number, block: Block): void {
    // The gate: with a mapping, an empty scan and every line a fallback for the full path.
    const batch = this.fullPath
      ? allFallbacks(this.scanner, buf, start, end, base)
      : this.scanner.scan(buf, start, end, base, false, true);
    const others = new Store();
    const parser = new LineParser(others, this.config);
    const fileHost = Buffer.concat([encodedString(id), encodedString(this.options.host)]);
    const tail = Buffer.concat([NO_EXTRAS, fileHost]);
    const past = this.shippedPast.get(id);
    /** Starts the row of a line ending at src_end (ts_us, ts), or counts it as already shipped (false). */
    const begin = (out: RowBinaryWriter, srcEnd: number, timeUs: number): boolean => {
      if (past?.has(srcEnd)) {
        block.already++;
        return false;
      }
      out.int64(timeUs);
      out.uint32(Math.min(Math.max(Math.floor(timeUs / 1e6), 0), 0xffffffff)); // DateTime's range
      block.rowCount++;
      return true;
    };

    // The scanner's rows: strings by local code, encoded once per block; request ids copied from the line.
    const models = batch.models.texts.map(encodedString);
    const outs = batch.models.texts.map((model) => this.modelWriter(block, model));
    const statuses = ['', ...batch.statuses.texts].map(encodedString);
    const extras = batch.extras ?? [];
    const spans = batch.spans!;
    const emitScanned = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        // Just after the line's \n; a final line without one (a gzip archive's last) ends at the block's end.
        const lineEnd = spans[3 * i + 2];
        const srcEnd = base + (buf[lineEnd] === 10 ? lineEnd + 1 : lineEnd);
        const out = outs[batch.model[i] - 1];
        if (!begin(out, srcEnd, batch.time[i])) {
          continue;
        }
        out.raw(models[batch.model[i] - 1]);
        out.stringBytes(buf, spans[3 * i], spans[3 * i + 1]);
        out.raw(statuses[batch.status[i]]);
        out.uint8(batch.errors[i]);
        out.nullableFloat64(batch.latency[i]);
        out.nullableFloat64(batch.batch[i]);
        out.nullableFloat64(batch.gpu[i]);
        out.nullableFloat64(batch.memory[i]);
        out.int64(srcEnd);
        if (extras.length > 0) {
          writeExtras(out, extras, i);
          out.raw(fileHost);
        } else {
          out.raw(tail);
        }
      }
    };
    let row = 0;
    for (const line of batch.fallbacks) {
      emitScanned(row, line.row);
      row = line.row;
      const before = others.length;
      parser.parse(line.text);
      const newline = buf.indexOf(10, line.offset - base);
      const srcEnd = base + (newline < 0 || newline > end ? end : newline + 1);
      // One line may give several rows (OTLP spans): they share its src_end and go in the same insert.
      for (let r = before; r < others.length; r++) {
        const model = others.stringColumn('model')?.get(r) ?? '';
        const out = this.modelWriter(block, model);
        if (begin(out, srcEnd, others.time.get(r))) {
          writeStoreRow(out, others, r, model, srcEnd);
          out.raw(fileHost);
        }
      }
    }
    emitScanned(row, batch.rows);
    for (const skips of [batch.skipped, others.skipped]) {
      for (const [reason, lines] of Object.entries(skips)) {
        block.skipped[reason] = (block.skipped[reason] ?? 0) + lines;
      }
    }
  }

  /** Blocks of complete lines of a plain file from `from` to `size` (an unterminated last line is not a record yet). */
  private async *plainBlocks(file: string, from: number, size: number): AsyncGenerator<RawBlock> {
    const handle = await fs.open(file, 'r');
    try {
      let carry = Buffer.alloc(0);
      let position = from;
      let consumed = from;
      // One buffer for every read: each is parsed before the next read (the carry is copied out).
      let buffer = Buffer.allocUnsafe(0);
      while (position < size) {
        const length = Math.min(CHUNK_BYTES, size - position);
        if (buffer.length < carry.length + length) {
          buffer = Buffer.allocUnsafe(carry.length + length);
        }
        const buf = buffer.subarray(0, carry.length + length);
        carry.copy(buf, 0);
        const { bytesRead } = await handle.read(buf, carry.length, length, position);
        if (bytesRead === 0) {
          break;
        }
        position += bytesRead;
        const filled = carry.length + bytesRead;
        const lastNewline = buf.lastIndexOf(10, filled - 1);
        if (lastNewline < 0) {
          carry = Buffer.from(buf.subarray(0, filled)); // a copy: the buffer is read into again
          continue;
        }
        carry = Buffer.from(buf.subarray(lastNewline + 1, filled));
        yield { buf, start: bomLength(buf, consumed), end: lastNewline, base: consumed, next: lastNewline + 1 };
        consumed += lastNewline + 1;
      }
    } finally {
      await handle.close();
    }
  }

  /** Blocks of a gzip file's content after its first `from` bytes; its last line counts without a newline. */
  private async *gzipBlocks(file: string, from: number): AsyncGenerator<RawBlock> {
    let pieces: Buffer[] = [];
    let pending = 0;
    let consumed = from;
    let position = 0;
    const stream = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 256 << 10 }));
    let damaged = false;
    try {
      for await (const piece of stream as AsyncIterable<Buffer>) {
        const start = position;
        position += piece.length;
        if (position <= from) {
          continue;
        }
        const fresh = start < from ? piece.subarray(from - start) : piece;
        pieces.push(fresh);
        pending += fresh.length;
        if (pending >= CHUNK_BYTES) {
          const buf = Buffer.concat(pieces, pending);
          const end = buf.lastIndexOf(10);
          if (end >= 0) {
            pieces = end + 1 < buf.length ? [buf.subarray(end + 1)] : [];
            pending = buf.length - end - 1;
            yield { buf, start: bomLength(buf, consumed), end, base: consumed, next: end + 1 };
            consumed += end + 1;
          } else {
            pieces = [buf];
          }
        }
      }
    } catch {
      damaged = true; // lines before the damage are shipped; the damaged tail never is
    } finally {
      stream.destroy();
    }
    if (pending > 0) {
      const buf = Buffer.concat(pieces, pending);
      // Damaged: only complete lines. Whole: the archive is final, its last line counts.
      const end = damaged ? buf.lastIndexOf(10) : buf.length;
      if (end > 0) {
        yield { buf, start: bomLength(buf, consumed), end, base: consumed, next: damaged ? end + 1 : end };
      }
    }
  }
}

/** Four empty arrays: a row without extra fields. */
const NO_EXTRAS = Buffer.from([0, 0, 0, 0]);

/** A scanned row's extra fields: texts by key, numbers by key (as the store holds them, booleans and JSON as text). */
function writeExtras(out: RowBinaryWriter, extras: ExtraColumn[], row: number): void {
  const strKeys: string[] = [];
  const strValues: string[] = [];
  const numKeys: string[] = [];
  const numValues: number[] = [];
  for (const extra of extras) {
    const kind = extra.kinds[row];
    if (kind === EXTRA_TEXT) {
      strKeys.push(extra.name);
      strValues.push(extra.texts[extra.values[row] - 1]);
    } else if (kind === EXTRA_NUMBER) {
      numKeys.push(extra.name);
      numValues.push(extra.values[row]);
    }
  }
  out.stringArray(strKeys);
  out.stringArray(strValues);
  out.stringArray(numKeys);
  out.float64Array(numValues);
}

/** A row of the full path's store, from model to the extra fields (booleans and JSON are text there already). */
function writeStoreRow(out: RowBinaryWriter, store: Store, row: number, model: string, srcEnd: number): void {
  out.string(model);
  out.string(store.requestIds?.get(row) ?? '');
  out.string(store.stringColumn('status')?.get(row) ?? '');
  out.uint8(store.errors.values()[row]);
  for (const name of NUMERIC_FIELDS) {
    out.nullableFloat64(store.numberColumn(name)?.get(row) ?? NaN);
  }
  out.int64(srcEnd);
  const strKeys: string[] = [];
  const strValues: string[] = [];
  const numKeys: string[] = [];
  const numValues: number[] = [];
  for (const [name, column] of store.columns) {
    if (STANDARD.has(name)) {
      continue;
    }
    if (column.kind === 'number') {
      const value = column.get(row);
      if (value === value) {
        numKeys.push(name);
        numValues.push(value);
      }
    } else {
      const value = column.get(row);
      if (value !== null) {
        strKeys.push(name);
        strValues.push(value);
      }
    }
  }
  out.stringArray(strKeys);
  out.stringArray(strValues);
  out.stringArray(numKeys);
  out.float64Array(numValues);
}

/** Complete lines buf[start, end); buf[0] is at content offset `base`; `next`: buf index where the next block starts. */
interface RawBlock {
  buf: Buffer;
  start: number;
  end: number;
  base: number;
  next: number;
}
