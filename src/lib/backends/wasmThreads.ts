// Makes tfjs-backend-wasm's threaded SIMD build start its pthreads under Node.
//
// TF.js 4.22 disables it in Node (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false there, tfjs issue
// #3830) for three reasons, each handled here for the duration of tf.setBackend('wasm'):
//  1. Emscripten starts each pthread worker from a blob: URL made with URL.createObjectURL, which
//     node:worker_threads rejects (ERR_WORKER_PATH). We record the text of the Blobs TF.js makes and
//     hand out real files instead: the worker script, edited to load the main script from our file
//     rather than from the Blob it is posted, and the main script (the factory's source) with the
//     bundle-level names it refers to (require$$0.., commonjsGlobal, three tslib helpers) defined.
//  2. The C++ side sizes its pool as min(requested, logical cores / 2) ("assume hyperthreading"), so
//     on a 2-vCPU machine it would run 1 thread: os.cpus() reports 2x the requested count meanwhile.
//  3. Running pthread workers are ref()'d, so a Node process that used them never exits on its own:
//     settleWasmWorkers() unrefs them after start-up (they need no event loop; the process may end
//     while they wait) and ends the idle workers of Emscripten's pre-started pool (8, ~10 MB each).
import * as fs from 'node:fs';
import * as path from 'node:path';
import os = require('node:os');

/** Emscripten pre-starts 8 workers and the C++ pool never grows past what it started with. */
export const MAX_WASM_THREADS = 8;

const MAIN_MARKER = 'var WasmBackendModuleThreadedSimd';
const WORKER_LOAD = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';
// Names the factory's source uses from the scope of the bundle it was cut from (checked with acorn
// against 4.22.0's dist/tf-backend-wasm.node.js). The helpers are plain re-implementations.
const MAIN_PRELUDE = [
  "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;",
  'function __values(o) { var i = 0, it = typeof Symbol == "function" && o[Symbol.iterator]; if (it) return it.call(o); return { next: function () { return { value: o && o[i], done: !o || i++ >= o.length }; } }; }',
  'function __read(o, n) { var it = typeof Symbol == "function" && o[Symbol.iterator]; if (!it) return o; var r = [], s = it.call(o), x; while ((n === void 0 || n-- > 0) && !(x = s.next()).done) r.push(x.value); return r; }',
  'function __spreadArray(to, from) { return to.concat(Array.prototype.slice.call(from)); }',
  '',
].join('\n');

/** Why threads cannot run in this process, or undefined when they can. */
export function threadsUnsupportedReason(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'SharedArrayBuffer/Atomics are not available';
  if (typeof globalThis.Blob !== 'function' || typeof URL.createObjectURL !== 'function') return 'Blob/URL.createObjectURL are missing (Node < 16?)';
  const wasmApi = (globalThis as unknown as { WebAssembly?: { Memory: new (d: object) => unknown; validate(bytes: Uint8Array): boolean } }).WebAssembly;
  if (!wasmApi) return 'WebAssembly is not available';
  try {
    new wasmApi.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return 'WebAssembly shared memory is not supported';
  }
  // a module using an atomic instruction (the probe TF.js uses in browsers)
  const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11]);
  if (!wasmApi.validate(probe)) return 'WebAssembly threads (atomics) are not supported';
  return undefined;
}

let scriptDir: string | undefined;
const FOLDER_PREFIX = 'convnet-wasm-threads-';

/** Folders left by processes that were killed (no 'exit' event): removed when the pid is gone. */
function removeStaleFolders(): void {
  try {
    for (const name of fs.readdirSync(os.tmpdir())) {
      const pid = name.startsWith(FOLDER_PREFIX) ? Number(/^(\d+)-/.exec(name.slice(FOLDER_PREFIX.length))?.[1]) : 0;
      if (!pid || pid === process.pid) continue;
      try {
        process.kill(pid, 0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
      }
    }
  } catch { /* best effort */ }
}

/** One private folder (mode 0700) per process for the two scripts; removed when the process exits. */
function scriptFolder(): string {
  if (!scriptDir) {
    removeStaleFolders();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
    process.once('exit', () => { try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ } });
    scriptDir = dir;
  }
  return scriptDir;
}

const written = new Map<string, string>();

/**
 * Writes `text` to `file` unless this process already wrote that text there. Emscripten asks for the worker
 * script's URL once per pre-started worker (8 times) while the earlier workers are still reading the file:
 * rewriting it in place (truncate, then write) let a worker read an empty script, exit without a word, and
 * leave tf.setBackend('wasm') waiting forever for its "loaded" message. A changed text goes to a new file
 * renamed over the old one, so a reader sees the old text or the new, never a partial one.
 */
function writeOnce(file: string, text: string): void {
  if (written.get(file) === text) return;
  const temp = `${file}.${written.size}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
  written.set(file, text);
}

export interface PthreadPatch {
  /** The folder the scripts were written to. */
  dir: string;
  /** Puts Blob, URL.createObjectURL and os.cpus back. Call right after tf.setBackend('wasm'). */
  restore(): void;
}

/**
 * Patches Blob, URL.createObjectURL and os.cpus so that the next initialisation of the threaded SIMD
 * build (tf.setBackend('wasm') with WASM_HAS_MULTITHREAD_SUPPORT set) starts `threads` threads.
 */
export function patchForNodePthreads(threads: number): PthreadPatch {
  const dir = scriptFolder();
  const mainPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.main.js');
  const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  const NativeBlob = globalThis.Blob;
  const nativeCreateObjectURL = URL.createObjectURL;
  const nativeCpus = os.cpus;
  const texts = new WeakMap<Blob, string>();

  class RecordingBlob extends NativeBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (parts && parts.every(p => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        // the main script is never turned into a URL (it is posted to the workers as a Blob)
        if (text.startsWith(MAIN_MARKER)) writeOnce(mainPath, MAIN_PRELUDE + text);
      }
    }
  }

  const createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined || !text.includes('importScripts')) return nativeCreateObjectURL(blob);
    if (!text.includes(WORKER_LOAD)) {
      // thrown before any worker exists, so the failed start leaves nothing running
      throw new Error('wasm threads: the pthread worker script of this tfjs-backend-wasm version is not the one this patch knows (4.22.0)');
    }
    writeOnce(workerPath, text.replace(WORKER_LOAD, `if(true){importScripts(${JSON.stringify(mainPath)})}`));
    return workerPath;
  };

  const cpus = nativeCpus();
  const doubled = Array.from({ length: 2 * threads }, (_, i) => cpus[i % Math.max(1, cpus.length)]);
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = createObjectURL;
  (os as { cpus: () => os.CpuInfo[] }).cpus = () => doubled.slice();
  return {
    dir,
    restore() {
      globalThis.Blob = NativeBlob;
      URL.createObjectURL = nativeCreateObjectURL;
      (os as { cpus: () => os.CpuInfo[] }).cpus = nativeCpus;
    },
  };
}

interface NodeWorker { unref(): void; ref(): void; terminate(): unknown }
interface PThreadState { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] }

/**
 * After start-up: unref the running pthread workers (so the process can exit while they wait for
 * work) and end the idle ones. `wasmModule` is the backend's Emscripten module (backend.wasm).
 * Returns how many pthread workers run (threads - 1 when all started) and how many idle ones ended.
 */
export function settleWasmWorkers(wasmModule: unknown): { running: number; ended: number } {
  const pthread = (wasmModule as { PThread?: PThreadState } | null)?.PThread;
  if (!pthread) return { running: 0, ended: 0 };
  for (const w of pthread.runningWorkers) {
    w.unref();
    w.ref = () => undefined; // Emscripten re-refs a worker when it (re)starts a thread on it
  }
  const idle = pthread.unusedWorkers.splice(0);
  for (const w of idle) void w.terminate();
  return { running: pthread.runningWorkers.length, ended: idle.length };
}
