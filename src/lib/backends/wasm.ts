// Starts TF.js's WebAssembly backend for training: SIMD, as many threads as asked (default: one per
// core, see wasmThreads.ts) and the training kernels (wasmKernels.ts). src/lib/tf.ts calls this and
// falls back to the cpu backend, reporting why, when it throws.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installWasmTrainingKernels } from './wasmKernels';
import { MAX_WASM_THREADS, patchForNodePthreads, settleWasmWorkers, threadsUnsupportedReason } from './wasmThreads';

type TF = typeof import('@tensorflow/tfjs');
type Wasm = typeof import('@tensorflow/tfjs-backend-wasm');

export interface WasmSetup {
  simd: boolean;
  /** Threads the backend really runs (the C++ thread pool's size, main thread included). */
  threads: number;
  /** Kernel names replaced or added (wasmKernels.ts). */
  overrides: string[];
  /** Why `threads` is not what was asked for, when it is not. */
  threadsNote?: string;
}

export interface WasmOptions {
  /** Default: os.availableParallelism() (at most 8); 1 disables threads. */
  threads?: number;
  /** Folder with the .wasm files (tfjs-backend-wasm's dist/). */
  wasmDir: string;
  /** Give up on a start that takes longer (default BACKEND_START_TIMEOUT_MS). */
  startTimeoutMs?: number;
}

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Whether the wasm backend already runs in this engine (its thread count is fixed from then on). */
function wasmRunning(tf: TF): boolean {
  const registry = (tf.engine() as unknown as { registry?: Record<string, unknown> }).registry;
  return registry?.wasm != null;
}

/** How long a backend may take to start before it counts as failed (normal: 1-2 s; a loaded machine: ~10 s). */
export const BACKEND_START_TIMEOUT_MS = 60000;

/**
 * tf.setBackend, with the warnings TF.js logs when a backend fails (the only place it says why), given up after
 * `timeoutMs`: a start that never ends (a pthread worker that never reports) becomes a reason, not a silent hang.
 * A backend that timed out is unregistered from this process.
 */
export async function setBackendWithin(tf: TF, name: string, timeoutMs = BACKEND_START_TIMEOUT_MS): Promise<{ ok: boolean; warnings: string[]; timedOut: boolean }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => { warnings.push(args.map(String).join(' ')); };
  let ok = false, timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>(resolve => { timer = setTimeout(() => { timedOut = true; resolve(false); }, timeoutMs); });
  try {
    ok = await Promise.race([tf.setBackend(name), timeout]);
  } catch (e) {
    warnings.push((e as Error).message ?? String(e));
  } finally {
    clearTimeout(timer);
    console.warn = warn;
  }
  if (timedOut) {
    warnings.unshift(`the ${name} backend did not start within ${Math.round(timeoutMs / 1000)} s`);
    // Its start may never end: unregister it, so that the engine stops waiting for it (tf.ready() would
    // wait forever) and another backend can be set.
    tf.removeBackend(name);
  }
  if (ok) for (const w of warnings) console.warn(w);
  return { ok, warnings, timedOut };
}

const firstLines = (warnings: string[]) => warnings.map(w => w.split('\n')[0]).filter(Boolean).join('; ') || 'no reason given';

/**
 * Sets the TF.js backend to 'wasm' with the training kernels installed. Throws an Error saying why
 * when WebAssembly cannot start (tf.ts then falls back to the cpu backend).
 */
export async function initWasmBackend(tf: TF, wasm: Wasm, options: WasmOptions): Promise<WasmSetup> {
  const { wasmDir } = options;
  const missing = WASM_FILES.filter(f => !fs.existsSync(path.join(wasmDir ?? '', f)));
  if (typeof wasmDir !== 'string' || missing.length) {
    throw new Error(`initWasmBackend: wasmDir must be the folder with the .wasm files; ${missing.join(', ')} not found in '${wasmDir}'`);
  }
  const asked = options.threads ?? (os.availableParallelism?.() ?? os.cpus().length);
  if (!Number.isInteger(asked) || asked < 1) throw new Error(`initWasmBackend: threads must be a whole number >= 1, got ${asked}`);
  const notes: string[] = [];
  let threads = asked;
  if (threads > MAX_WASM_THREADS) {
    notes.push(`capped at ${MAX_WASM_THREADS} (the wasm thread pool's size)`);
    threads = MAX_WASM_THREADS;
  }

  const overrides = installWasmTrainingKernels(tf);
  const result = async (): Promise<WasmSetup> => {
    await tf.ready();
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const actual = wasm.getThreadsCount();
    const { running } = settleWasmWorkers((tf.backend() as unknown as { wasm?: unknown }).wasm);
    if (actual > 1 && running !== actual - 1) notes.push(`only ${running + 1} of ${actual} threads started`);
    if (actual !== threads && !notes.length) notes.push(`asked for ${threads}, the wasm thread pool has ${actual}${simd ? '' : ' (threads need SIMD)'}`);
    return { simd, threads: actual, overrides, ...(notes.length ? { threadsNote: notes.join('; ') } : {}) };
  };

  if (wasmRunning(tf)) {
    if (!(await tf.setBackend('wasm'))) throw new Error('initWasmBackend: the wasm backend is registered but cannot be selected');
    const setup = await result();
    if (setup.threads !== threads && !setup.threadsNote) setup.threadsNote = `the wasm backend was already running with ${setup.threads} thread(s)`;
    return setup;
  }

  const dir = wasmDir.endsWith(path.sep) || wasmDir.endsWith('/') ? wasmDir : wasmDir + path.sep;
  wasm.setWasmPaths(dir); // in Node a folder prefix is read with fs; the trailing separator matters
  if (threads > 1) {
    const why = threadsUnsupportedReason();
    if (why) {
      notes.push(`threads unavailable here (${why}); running 1 thread`);
      threads = 1;
    }
  }
  if (threads > 1) {
    const patch = patchForNodePthreads(threads);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    let started;
    try {
      started = await setBackendWithin(tf, 'wasm', options.startTimeoutMs);
    } finally {
      patch.restore();
    }
    if (started.ok) return result();
    // Still starting in this engine: a second start (1 thread) would wait on the same module.
    if (started.timedOut) throw new Error(`initWasmBackend: ${firstLines(started.warnings)} (${threads} threads; CONVNET_THREADS=1 starts it without threads)`);
    notes.push(`threads failed to start (${firstLines(started.warnings)}); running 1 thread`);
    threads = 1;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
  const started = await setBackendWithin(tf, 'wasm', options.startTimeoutMs);
  if (!started.ok) throw new Error(`initWasmBackend: the WebAssembly backend failed to start: ${firstLines(started.warnings)}`);
  return result();
}
