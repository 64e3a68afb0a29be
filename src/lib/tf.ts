// The one module that imports TensorFlow.js, and the one that picks its backend.
// `auto` takes the first that works of: a real GPU through WebGPU (a hardware adapter, never a software one) →
// @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node when the user installed them → wasm (SIMD, threads where
// they work) → the pure-JS cpu backend. An explicit choice (CONVNET_BACKEND, which the extension fills from the
// convnetNotebooks.backend setting and the runner from --backend) is tried first; when it is not available the
// same order follows and backendInfo().warning says so. Every backend passed over is reported with the reason:
// falling back is never silent. Other modules get TF.js packages from here (as parameters), never import them.
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { globalNpmRoot, initTfjsNodeBackend } from './backends/tfjsNode';
import { initWasmBackend } from './backends/wasm';
import { initWebGPUBackend } from './backends/webgpu';

export { tf };

export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = typeof BACKEND_CHOICES[number];

/** The order `auto` tries, fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

export interface SkippedBackend {
  name: BackendName;
  reason: string;
  /** What the user can do to get this backend; absent when nothing can (e.g. no GPU in the machine). */
  fix?: string;
}

export interface BackendInfo {
  /** The TF.js backend in use ('webgpu', 'tensorflow', 'wasm', 'cpu'). */
  name: string;
  /** One line for people: what runs the maths. */
  detail: string;
  /** What was asked for: 'auto' or a backend name. */
  requested: string;
  /** The GPU adapter (webgpu only). */
  adapter?: { vendor: string; architecture: string; device: string; description: string; isSoftware: boolean };
  /** CPU threads doing the maths (wasm's pthreads, TensorFlow's pool; 1 for cpu and for webgpu's dispatch). */
  threads: number;
  /** Vector instructions in use (wasm SIMD; TensorFlow's native kernels). */
  simd: boolean;
  /** Backends tried before this one, and why each was not used. */
  skipped: SkippedBackend[];
  /** Set when the requested backend is not the one in use, or runs degraded (a software GPU adapter). */
  warning?: string;
}

interface Chosen { name: BackendName; detail: string; threads: number; simd: boolean; adapter?: BackendInfo['adapter']; warning?: string }

let info: BackendInfo = { name: tf.getBackend() ?? 'cpu', detail: 'not initialised yet', requested: 'auto', threads: 1, simd: false, skipped: [] };
let initialising: Promise<BackendInfo> | undefined;

const TFJS_SHARED = /^@tensorflow\/tfjs(-core|-backend-cpu|-backend-wasm|-backend-webgpu|-layers|-converter|-data)?(\/|$)/;

function requestedThreads(): number | undefined {
  const raw = process.env.CONVNET_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CONVNET_THREADS must be a whole number of at least 1; got '${raw}'`);
  return n;
}

async function useWebGPU(allowSoftware: boolean): Promise<Chosen> {
  const setup = await initWebGPUBackend(tf, {
    allowSoftware,
    loadBackend: () => require('@tensorflow/tfjs-backend-webgpu'),
  });
  const chosen: Chosen = { name: 'webgpu', detail: `WebGPU on ${setup.label}`, threads: 1, simd: false, adapter: setup.adapter };
  if (setup.adapter.isSoftware) {
    chosen.detail += ', a software adapter';
    chosen.warning = `WebGPU runs on a software adapter (${setup.adapter.device || setup.label}): correct but slower than wasm`;
  }
  return chosen;
}

async function useTensorflow(): Promise<Chosen> {
  const setup = await initTfjsNodeBackend(tf, {
    cwd: process.cwd(),
    resolveShared: request => (TFJS_SHARED.test(request) ? require.resolve(request) : undefined),
    tfjsVersion: tf.version.tfjs,
  });
  const gpu = setup.name.endsWith('-gpu');
  const notes = setup.notes.length ? ` (passed over: ${setup.notes.join('; ')})` : '';
  return {
    name: 'tensorflow', threads: os.availableParallelism?.() ?? os.cpus().length, simd: true,
    detail: `TensorFlow C library${gpu ? ' (its CUDA build)' : ''} via ${setup.name}@${setup.version}${notes}`,
  };
}

async function useWasm(): Promise<Chosen> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  // In Node, emscripten reads the .wasm files from this folder with fs (the trailing separator matters).
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  const setup = await initWasmBackend(tf, wasm, { threads: requestedThreads(), wasmDir });
  if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  const parts = [`WebAssembly${setup.simd ? ' SIMD' : ''}`, `${setup.threads} thread${setup.threads === 1 ? '' : 's'}`];
  if (setup.threadsNote) parts.push(setup.threadsNote);
  return { name: 'wasm', detail: parts.join(', '), threads: setup.threads, simd: setup.simd };
}

async function useCpu(): Promise<Chosen> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  await tf.ready();
  return { name: 'cpu', detail: 'pure JavaScript (slow: for small tensors only)', threads: 1, simd: false };
}

function attempt(name: BackendName, requested: BackendChoice): Promise<Chosen> {
  switch (name) {
    case 'webgpu': return useWebGPU(requested === 'webgpu');
    case 'tensorflow': return useTensorflow();
    case 'wasm': return useWasm();
    case 'cpu': return useCpu();
  }
}

async function choose(requested: BackendChoice): Promise<BackendInfo> {
  const chain = requested === 'auto' ? BACKEND_ORDER : [requested, ...BACKEND_ORDER.filter(n => n !== requested)];
  // Asking npm for its global folder takes a moment: start it while WebGPU is probed.
  if (requested === 'auto' || requested === 'tensorflow') void globalNpmRoot();
  const skipped: SkippedBackend[] = [];
  for (const name of chain) {
    try {
      const chosen = await attempt(name, requested);
      let warning = chosen.warning;
      if (requested !== 'auto' && name !== requested) {
        warning = `${requested} was requested but is not available: ${skipped[0]?.reason ?? 'unknown reason'}. Using ${name} instead.`;
      }
      return {
        name: chosen.name, detail: chosen.detail, requested, threads: chosen.threads, simd: chosen.simd,
        ...(chosen.adapter ? { adapter: chosen.adapter } : {}), skipped, ...(warning ? { warning } : {}),
      };
    } catch (e) {
      const fix = (e as { fix?: string }).fix; // WebGPUUnavailable, TfjsNodeUnavailable
      skipped.push({ name, reason: (e as Error).message, ...(fix ? { fix } : {}) });
    }
  }
  throw new Error(`no TF.js backend could be initialised: ${skipped.map(s => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** The cpu backend prints advice to install tfjs-node on its first use. We report the backend and
 *  why faster ones were skipped ourselves (backendInfo, status bar), so that banner is noise in cells. */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

/** Picks the backend once; later calls return the same promise. Rejects for an unknown CONVNET_BACKEND. */
export function ready(): Promise<BackendInfo> {
  if (!initialising) {
    const requested = (process.env.CONVNET_BACKEND || 'auto').trim().toLowerCase();
    if (!(BACKEND_CHOICES as readonly string[]).includes(requested)) {
      initialising = Promise.reject(new Error(`CONVNET_BACKEND (the convnetNotebooks.backend setting, or the runner's --backend) must be one of ` +
        `${BACKEND_CHOICES.join(', ')}; got '${process.env.CONVNET_BACKEND}'`));
    } else {
      // A mistyped thread count is an error here, not a silent fall back to the cpu backend.
      initialising = Promise.resolve().then(() => { requestedThreads(); return choose(requested as BackendChoice); })
        .then(chosen => { silenceCpuBanner(); return (info = chosen); });
    }
  }
  return initialising;
}

/** The backend in use, with what was skipped and why. */
export function backendInfo(): BackendInfo {
  return { ...info, ...(info.adapter ? { adapter: { ...info.adapter } } : {}), skipped: info.skipped.map(s => ({ ...s })) };
}
