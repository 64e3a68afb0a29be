// Training kernels for tfjs-backend-wasm 4.22.0: what conv-net training and style transfer need,
// present, fast (XNNPACK paths) and correct. Each family lives in ./wasm/ with the reason for each
// override; docs/compute.md has the overview and the measurements.
import { cpuKernelOnCopies, NOT_FALLBACK_CAPABLE } from './cpuFallback';
import { conv2dKernels } from './wasm/conv2d';
import { conv3dKernels } from './wasm/conv3d';
import { depthwiseKernels } from './wasm/depthwise';
import { matmulKernels } from './wasm/matmul';
import { memoryKernels } from './wasm/memory';
import { poolKernels } from './wasm/pool';
import { reduceKernels } from './wasm/reduce';
import { resizeKernels } from './wasm/resize';
import type { KernelContext, KernelOverride, TF, WasmKernelFunc } from './wasm/types';

/** Marks our kernel functions; holds the stock function each one replaced. Symbol.for, so that two
 *  copies of this module in one process (bundle and sources) still recognise each other's kernels. */
const MARK = Symbol.for('convnet.wasmTrainingKernel');
type Marked = WasmKernelFunc & { [MARK]?: { original?: WasmKernelFunc; why: string } };

/** Kernels the cpu backend runs for wasm in every case (rare in this course, wrong or missing on wasm). */
const ALWAYS_ON_CPU: Record<string, string> = {
  Einsum: 'missing on wasm (tf.image.rgbToGrayscale uses it)',
  Dilation2D: 'stock gives wrong results',
  Dilation2DBackpropInput: 'stock gives wrong results',
  Dilation2DBackpropFilter: 'stock gives wrong results',
};

function kernelContext(tf: TF): KernelContext {
  const originals = new Map<string, WasmKernelFunc | undefined>();
  const original = (name: string) => {
    if (!originals.has(name)) {
      const f = tf.getKernel(name, 'wasm')?.kernelFunc as Marked | undefined;
      originals.set(name, f?.[MARK] ? f[MARK]!.original : f);
    }
    return originals.get(name);
  };
  return { tf, original, onCpu: name => cpuKernelOnCopies(tf, name) as unknown as WasmKernelFunc };
}

/** The overrides, in registration order. */
export function wasmTrainingKernels(tf: TF): KernelOverride[] {
  const ctx = kernelContext(tf);
  return [
    ...memoryKernels(ctx),
    ...reduceKernels(ctx),
    ...matmulKernels(ctx),
    ...conv2dKernels(ctx),
    ...depthwiseKernels(ctx),
    ...conv3dKernels(ctx),
    ...poolKernels(ctx),
    ...resizeKernels(ctx),
    ...Object.entries(ALWAYS_ON_CPU).map(([name, why]) => ({ name, why: `${why}; the cpu kernel`, kernelFunc: ctx.onCpu(name) })),
  ];
}

/**
 * Replaces or adds the wasm kernels listed in ./wasm/ (and runs the cpu kernel for whatever else wasm
 * lacks). Idempotent. Needs @tensorflow/tfjs-backend-wasm loaded (its kernels registered); works
 * before or after the backend is initialised. Returns the kernel names replaced or added.
 */
export function installWasmTrainingKernels(tf: TF): string[] {
  if (!tf.getKernel('Conv2D', 'wasm')) {
    throw new Error('installWasmTrainingKernels: no wasm kernels are registered; load @tensorflow/tfjs-backend-wasm first');
  }
  const register = (o: KernelOverride) => {
    const current = tf.getKernel(o.name, 'wasm');
    const currentFunc = current?.kernelFunc as Marked | undefined;
    if (currentFunc?.[MARK]) return; // installed already
    const func = o.kernelFunc as Marked;
    func[MARK] = { original: currentFunc, why: o.why };
    if (current) tf.unregisterKernel(o.name, 'wasm');
    // the stock setupFunc binds the C++ entry point that the stock kernel (which ours may call) uses
    tf.registerKernel({ kernelName: o.name, backendName: 'wasm', kernelFunc: func as never, setupFunc: current?.setupFunc, disposeFunc: current?.disposeFunc });
  };
  wasmTrainingKernels(tf).forEach(register);
  // Anything else the cpu backend has and wasm lacks (ragged tensors, string ops, ...): the cpu kernel.
  const have = new Set(tf.getKernelsForBackend('wasm').map(k => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (have.has(k.kernelName) || NOT_FALLBACK_CAPABLE.includes(k.kernelName)) continue;
    register({ name: k.kernelName, why: 'missing on wasm; the cpu kernel', kernelFunc: cpuKernelOnCopies(tf, k.kernelName) as unknown as WasmKernelFunc });
  }
  return Object.keys(wasmKernelReasons(tf)).sort();
}

/** Why each of our wasm kernels is there, by kernel name (for docs and reports). */
export function wasmKernelReasons(tf: TF): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of tf.getKernelsForBackend('wasm')) {
    const mark = (k.kernelFunc as Marked)[MARK];
    if (mark) out[k.kernelName] = mark.why;
  }
  return out;
}
