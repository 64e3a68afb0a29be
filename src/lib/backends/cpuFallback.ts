// Run a cpu-backend kernel for another backend: copy the inputs to the cpu backend, run its kernel,
// copy the outputs back. For kernels a backend lacks or gets wrong in rare cases (einsum, dilation2d,
// resize-nearest gradients, pooling with 'ceil' rounding, ...): correct, and slow only in proportion
// to how rarely it runs. TF.js is handed in (only src/lib/tf.ts loads it).
import type { TensorInfo } from '@tensorflow/tfjs';

type TF = typeof import('@tensorflow/tfjs');

interface Args { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: Record<string, unknown> }
type Func = (args: Args) => TensorInfo | TensorInfo[];

interface CpuBackend {
  makeTensorInfo(shape: number[], dtype: string, values?: unknown): TensorInfo;
  readSync(dataId: object): unknown;
  disposeData(dataId: object, force?: boolean): boolean;
}

interface TargetBackend {
  readSync(dataId: object): unknown;
  makeOutput?(shape: number[], dtype: string, memoryOffset?: number, values?: unknown): TensorInfo;
  makeTensorInfo?(shape: number[], dtype: string, values?: unknown): TensorInfo;
}

/** Kernels that cannot run this way: complex64 tensors cannot live on the wasm heap, and Draw paints
 *  a canvas. */
export const NOT_FALLBACK_CAPABLE = ['Complex', 'ComplexAbs', 'Real', 'Imag', 'FFT', 'IFFT', 'RFFT', 'IRFFT', 'Draw'];

/** Values in the typed array their dtype calls for. Some cpu kernels keep int32 results in a
 *  Float32Array (MaxPoolWithArgmax's indexes); a backend that copies bytes would misread them. */
function asDtype(values: unknown, dtype: string): unknown {
  const want = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : dtype === 'bool' ? Uint8Array : null;
  if (want && !(values instanceof want)) return want.from(values as ArrayLike<number>);
  return values;
}

/** A kernel function for any backend that runs `kernelName` of the cpu backend on copies. */
export function cpuKernelOnCopies(tf: TF, kernelName: string): Func {
  return ({ inputs, backend, attrs }) => {
    const kernel = tf.getKernel(kernelName, 'cpu');
    if (!kernel) throw new Error(`cpu fallback: the cpu backend has no '${kernelName}' kernel`);
    const cpu = tf.findBackend('cpu') as unknown as CpuBackend | null;
    if (!cpu) throw new Error(`cpu fallback for '${kernelName}': the cpu backend is not available`);
    const target = backend as TargetBackend;
    const made: TensorInfo[] = [];
    // some kernels (Einsum, Concat, AddN, Pack) take an array of inputs: keep it an array
    const cpuInputs: Record<string, TensorInfo | undefined> = Array.isArray(inputs) ? [] as never : {};
    try {
      for (const [name, t] of Object.entries(inputs)) {
        if (t == null) { cpuInputs[name] = t; continue; }
        if (t.dtype === 'complex64') throw new Error(`cpu fallback for '${kernelName}': complex64 inputs are not supported`);
        const copy = cpu.makeTensorInfo(t.shape, t.dtype, target.readSync(t.dataId));
        made.push(copy);
        cpuInputs[name] = copy;
      }
      const out = kernel.kernelFunc({ inputs: cpuInputs as never, backend: cpu, attrs: attrs as never }) as TensorInfo | TensorInfo[];
      const outs = Array.isArray(out) ? out : [out];
      made.push(...outs);
      const back = outs.map(o => {
        const values = asDtype(cpu.readSync(o.dataId), o.dtype);
        if (target.makeOutput) return target.makeOutput(o.shape, o.dtype, undefined, values);
        if (target.makeTensorInfo) return target.makeTensorInfo(o.shape, o.dtype, values);
        throw new Error(`cpu fallback for '${kernelName}': the target backend cannot make tensors`);
      });
      return Array.isArray(out) ? back : back[0];
    } finally {
      // one disposal per reference: an output that is an input (incRef'd by the kernel) is in `made` twice
      for (const t of made) cpu.disposeData(t.dataId);
    }
  };
}

/** Registers the cpu kernel (on copies) for every kernel `backendName` lacks, or for `names` only.
 *  Returns the kernel names registered. */
export function installCpuFallbacks(tf: TF, backendName: string, names?: string[]): string[] {
  const have = new Set(tf.getKernelsForBackend(backendName).map(k => k.kernelName));
  const candidates = names ?? tf.getKernelsForBackend('cpu').map(k => k.kernelName);
  const added: string[] = [];
  for (const kernelName of candidates) {
    if (have.has(kernelName) || NOT_FALLBACK_CAPABLE.includes(kernelName) || !tf.getKernel(kernelName, 'cpu')) continue;
    tf.registerKernel({ kernelName, backendName, kernelFunc: cpuKernelOnCopies(tf, kernelName) as never });
    added.push(kernelName);
  }
  return added;
}
