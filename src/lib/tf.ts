// The one module that imports TensorFlow.js, and the one that picks its backend.
// Order: an explicit choice (CONVNET_BACKEND or the convnetNotebooks.backend setting, passed by the
// host) else the fastest that initialises here: wasm (SIMD) before the pure-JS cpu backend.
// Every backend that was skipped is reported with the reason, so falling back is never silent.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

export { tf };

export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;

export interface BackendInfo {
  /** The TF.js backend in use ('wasm', 'cpu', ...). */
  name: string;
  /** One line for people: what runs the maths. */
  detail: string;
  simd?: boolean;
  threads?: number;
  requested: string;
  /** Backends tried before this one, and why each was not used. */
  skipped: { name: BackendName; reason: string }[];
}

let info: BackendInfo = { name: tf.getBackend() ?? 'cpu', detail: 'not initialised yet', requested: 'auto', skipped: [] };
let initialising: Promise<BackendInfo> | undefined;

async function tryWasm(): Promise<{ simd: boolean; threads: number }> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node, emscripten reads the .wasm files from this folder with fs (the trailing / matters).
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  return {
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: wasm.getThreadsCount(),
  };
}

async function choose(requested: string): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  const want = (name: BackendName) => requested === 'auto' || requested === name;
  if (requested === 'webgpu' || requested === 'tensorflow') {
    skipped.push({ name: requested, reason: 'not available in this version of ConvNet Notebooks yet' });
  } else if (requested === 'auto') {
    skipped.push({ name: 'webgpu', reason: 'GPU support is not built yet' });
    skipped.push({ name: 'tensorflow', reason: 'GPU support is not built yet' });
  }
  if (want('wasm') || requested === 'webgpu' || requested === 'tensorflow') {
    try {
      const w = await tryWasm();
      return { name: 'wasm', detail: `WebAssembly${w.simd ? ' SIMD' : ''}, ${w.threads} thread${w.threads === 1 ? '' : 's'}`, ...w, requested, skipped };
    } catch (e) {
      skipped.push({ name: 'wasm', reason: (e as Error).message });
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', detail: 'pure JavaScript (slow: for small tensors only)', requested, skipped };
}

/** The cpu backend prints advice to install tfjs-node on its first use. We report the backend and
 *  why faster ones were skipped ourselves (backendInfo, status bar), so that banner is noise in cells. */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

/** Picks the backend once; later calls return the same promise. */
export function ready(): Promise<BackendInfo> {
  if (!initialising) {
    const requested = (process.env.CONVNET_BACKEND || 'auto').toLowerCase();
    if (!(BACKEND_CHOICES as readonly string[]).includes(requested)) {
      initialising = Promise.reject(new Error(`CONVNET_BACKEND must be one of ${BACKEND_CHOICES.join(', ')}; got '${requested}'`));
    } else {
      initialising = choose(requested).then(chosen => { silenceCpuBanner(); return (info = chosen); });
    }
  }
  return initialising;
}

/** The backend in use, with what was skipped and why. */
export function backendInfo(): BackendInfo {
  return { ...info, skipped: [...info.skipped] };
}
