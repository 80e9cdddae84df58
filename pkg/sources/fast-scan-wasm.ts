/**
 * The byte scanner's layout path as WebAssembly (native/fast-scan.c, built by scripts/build-wasm.mjs with Debian's
 * clang): the part of FastScanner that reads a line laid out like the lines before it, several times faster than
 * the same code in JavaScript. FastScanner uses it when the module is there and falls back to its own code when it
 * is not (no clang at build time, INFERENCE_LOGS_WASM=0); both give the same slots for every line.
 *
 * The module is compiled once per process; worker threads get it through their workerData (a compiled module
 * crosses threads) rather than loading it again, so it works however the worker's script was made.
 */
import { fastScanWasmBytes } from './fast-scan-wasm-binary';

/** What scanLayout answers. */
export const NO_MATCH = 0;
export const MATCH = 1;
/** A number JavaScript must read (an exponent, over 15 digits): the TypeScript scanner reads the line. */
export const NEEDS_JS = 2;

interface Exports {
  memory: WebAssembly.Memory;
  scan_layout(id: number, start: number, end: number): number;
  set_layout(id: number): number;
  set_standard(count: number): void;
  input_address(): number;
  input_capacity(): number;
  kinds_address(): number;
  numbers_address(): number;
  starts_address(): number;
  ends_address(): number;
  extra_slot_address(): number;
  extra_count_address(): number;
  staging_count_address(): number;
  staging_slots_address(): number;
  staging_lengths_address(): number;
  staging_bytes_address(): number;
  max_fields(): number;
  layout_bytes(): number;
  max_layouts(): number;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when it was not built or is turned off. */
export function fastScanModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = process.env.INFERENCE_LOGS_WASM === '0' ? null : fastScanWasmBytes();
    compiled = bytes ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** A worker thread takes the module its creator compiled (see workerData). */
export function adoptFastScanModule(module: WebAssembly.Module | null | undefined): void {
  compiled = process.env.INFERENCE_LOGS_WASM === '0' ? null : (module ?? null);
}

/** Layouts a FastScanner keeps in its module instance, and the instance's memory as the scanner's slot arrays. */
export class WasmLayouts {
  readonly kinds: Uint8Array;
  readonly numbers: Float64Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly extraSlot: Int32Array;
  /** Lines are scanned from here: a caller copies them in (see FastScanner.inputFor). */
  readonly input: Buffer;
  private readonly extraCountView: Int32Array;
  private readonly exports: Exports;
  private readonly free: number[] = [];
  private readonly layoutBytes: number;
  private readonly maxFields: number;

  private constructor(instance: WebAssembly.Instance, standard: number, fields: number) {
    const e = instance.exports as unknown as Exports;
    this.exports = e;
    const memory = e.memory.buffer;
    this.kinds = new Uint8Array(memory, e.kinds_address(), fields);
    this.numbers = new Float64Array(memory, e.numbers_address(), fields);
    this.starts = new Int32Array(memory, e.starts_address(), fields);
    this.ends = new Int32Array(memory, e.ends_address(), fields);
    this.extraSlot = new Int32Array(memory, e.extra_slot_address(), fields - standard);
    this.extraCountView = new Int32Array(memory, e.extra_count_address(), 1);
    this.input = Buffer.from(memory, e.input_address(), e.input_capacity());
    this.layoutBytes = e.layout_bytes();
    this.maxFields = e.max_fields();
    for (let id = e.max_layouts() - 1; id >= 0; id--) {
      this.free.push(id);
    }
    e.set_standard(standard);
  }

  /** An instance for a scanner of `standard` slots and `fields` slots a line (standard + extras); null without one. */
  static create(standard: number, fields: number): WasmLayouts | null {
    const module = fastScanModule();
    if (!module) {
      return null;
    }
    const instance = new WebAssembly.Instance(module, {});
    if ((instance.exports as unknown as Exports).max_fields() !== fields) {
      return null; // built for another number of slots
    }
    return new WasmLayouts(instance, standard, fields);
  }

  get extraCount(): number {
    return this.extraCountView[0];
  }

  /** Holds a layout (slots in line order, literals before each value and after the last); its id, or -1. */
  add(slots: Int16Array, literals: Buffer[]): number {
    const total = literals.reduce((sum, literal) => sum + literal.length, 0);
    if (this.free.length === 0 || total > this.layoutBytes || slots.length > this.maxFields) {
      return -1;
    }
    const e = this.exports;
    const memory = e.memory.buffer;
    new Int32Array(memory, e.staging_count_address(), 1)[0] = slots.length;
    new Int16Array(memory, e.staging_slots_address(), slots.length).set(slots);
    const lengths = new Int32Array(memory, e.staging_lengths_address(), literals.length);
    const bytes = new Uint8Array(memory, e.staging_bytes_address(), total);
    let at = 0;
    literals.forEach((literal, f) => {
      lengths[f] = literal.length;
      bytes.set(literal, at);
      at += literal.length;
    });
    const id = this.free.pop()!;
    e.set_layout(id);
    return id;
  }

  /** The layout is no longer kept: its id may be given again. */
  remove(id: number): void {
    if (id >= 0) {
      this.free.push(id);
    }
  }

  /** input[start, end) against layout `id`: MATCH, NO_MATCH or NEEDS_JS. */
  scan(id: number, start: number, end: number): number {
    return this.exports.scan_layout(id, start, end);
  }
}
