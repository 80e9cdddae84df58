/**
 * The data worker's threads are started here, and one of them ahead of need: the backend starts a spare at its start
 * (start-spare.ts), whose script is compiled and modules loaded while the plugin starts and Grafana completes the
 * handshake; the first local data source takes it instead of waiting for a thread of its own. This module imports
 * little, so that the spare starts before the backend's own modules load.
 */
import { Worker } from 'worker_threads';
import type { WorkerConfig } from './protocol';
import { mark } from './timeline';
import { dataWorkerCache, dataWorkerSource } from './worker-source';
import { fastScanModule } from '../sources/fast-scan-wasm';

/**
 * Runs in the backend's new thread: compiles the data worker's code with its V8 code cache (a script given to `eval`
 * has none; with it, the thread is ready in about half the time), then calls it with a `require` resolving from the
 * door's module. `workerData.codeCache` then says whether the cache was used, for the timeline.
 */
const BOOT = `const { workerData } = require('worker_threads');
const { source, cache, from } = workerData.script;
delete workerData.script;
const vm = require('vm');
const script = new vm.Script(Buffer.from(source).toString(), {
  filename: from,
  cachedData: new Uint8Array(cache),
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
workerData.codeCache = script.cachedDataRejected ? 'rejected' : 'used';
script.runInThisContext()(require('module').createRequire(from));`;

/** A thread running the data worker's script (`workerData`: the logs' config, or `spare`: wait for it). */
export function newThread(workerData: { dataWorker: WorkerConfig } | { spare: true }): Worker {
  mark('data worker starting');
  const source = dataWorkerSource();
  const cached = dataWorkerCache();
  const cache = cached?.arch === process.arch ? cached.data : undefined; // a cache made for another CPU is not tried
  const from = __filename;
  if (typeof source === 'string' || !(cache instanceof ArrayBuffer)) {
    // Development and the CLI (no cache): evaluated as the thread's script, where import() works as in any other.
    const code = typeof source === 'string' ? source : Buffer.from(source).toString();
    const worker = new Worker(`${code}(require('module').createRequire(${JSON.stringify(from)}));`, {
      eval: true,
      // The byte scanner's WebAssembly module, compiled here: a script bundled from the sources at run time cannot
      // find build/wasm on its own.
      workerData: { ...workerData, fastScan: fastScanModule() },
    });
    worker.once('online', () => mark('data worker online'));
    return worker;
  }
  // The backend: script and cache are bytes read from the executable for this thread, handed over, not copied.
  const worker = new Worker(BOOT, {
    eval: true,
    workerData: { ...workerData, script: { source, cache, from } },
    transferList: [source, cache],
  });
  worker.once('online', () => mark('data worker online'));
  return worker;
}

/** The spare thread, until a data source takes it. */
let spare: Worker | null = null;

/**
 * Starts a data worker thread before any data source needs one (the backend, at its start): its script is compiled
 * and its modules loaded while Grafana completes the handshake, and the first local data source takes it instead of
 * waiting for a thread of its own. One at most; it keeps no process alive.
 */
export function startSpareWorker(): void {
  if (spare) {
    return;
  }
  const worker = newThread({ spare: true });
  worker.unref();
  const gone = (): void => {
    if (spare === worker) {
      spare = null; // failed before a data source took it: the next one starts its own thread
    }
  };
  worker.on('error', gone);
  worker.on('exit', gone);
  spare = worker;
}

/** The spare thread, if one is running: the caller sends it its config (SpareConfig) first. */
export function takeSpare(): Worker | null {
  const taken = spare;
  spare = null;
  return taken;
}
