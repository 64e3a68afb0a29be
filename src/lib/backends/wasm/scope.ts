// A kernel's scratch space: runs other wasm kernels, owns the intermediate tensors it makes and frees
// them when the kernel returns (the engine only tracks a kernel's outputs, never its temporaries).
import type { DataType, KernelArgs, NamedAttrMap, TensorInfo, TF, WasmBackend, WasmKernelFunc } from './types';

export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly tf: TF, readonly backend: WasmBackend) {}

  /** Runs the wasm kernel registered under `name` now (one of our overrides where there is one). */
  run(name: string, inputs: KernelArgs['inputs'], attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = this.tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm kernels: no '${name}' kernel is registered for the wasm backend`);
    return this.runFunc(kernel.kernelFunc as unknown as WasmKernelFunc, inputs, attrs, name);
  }

  /** Runs a given kernel function (e.g. the stock one an override wraps) and owns its output. */
  runFunc(func: WasmKernelFunc | undefined, inputs: KernelArgs['inputs'], attrs: NamedAttrMap = {}, name = 'kernel'): TensorInfo {
    if (!func) throw new Error(`wasm kernels: the stock '${name}' kernel is missing`);
    const out = func({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) throw new Error(`wasm kernels: '${name}' returned several tensors where one was expected`);
    return this.track(out);
  }

  /** Takes ownership of one reference to `t`. */
  track(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  /** A fresh float32 (or other) tensor on the wasm heap; its contents are undefined until written. */
  alloc(shape: number[], dtype: DataType = 'float32'): TensorInfo {
    return this.track(this.backend.makeOutput(shape, dtype));
  }

  /** The same data under another shape (a second reference, no copy). */
  reshape(t: TensorInfo, shape: number[]): TensorInfo {
    this.backend.incRef(t.dataId);
    return this.track({ dataId: t.dataId, shape, dtype: t.dtype });
  }

  /** A view of the tensor's bytes on the wasm heap. Take views only after the last allocation: an
   *  allocation may grow the heap, which leaves earlier views detached or too short. */
  f32(t: TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  view(t: TensorInfo): Float32Array | Int32Array | Uint8Array {
    return this.backend.typedArrayFromHeap(t);
  }

  /** Hands `t` to the caller: it is no longer freed with the scope. An input (not owned) gets a new
   *  reference, so the caller may return it as a kernel output. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.lastIndexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    else this.backend.incRef(t.dataId);
    return t;
  }

  /** Frees `t` now (it must be owned by this scope). */
  free(t: TensorInfo): void {
    const i = this.temps.lastIndexOf(t);
    if (i < 0) throw new Error('wasm kernels: freeing a tensor the scope does not own');
    this.temps.splice(i, 1);
    this.backend.disposeData(t.dataId);
  }

  dispose(): void {
    for (const t of this.temps.splice(0)) this.backend.disposeData(t.dataId);
  }
}

/** Runs `body` with a scope; everything it made is freed except the tensor it returns. */
export function withScope(tf: TF, backend: WasmBackend, body: (s: KernelScope) => TensorInfo): TensorInfo {
  const s = new KernelScope(tf, backend);
  try {
    return s.keep(body(s));
  } finally {
    s.dispose();
  }
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
