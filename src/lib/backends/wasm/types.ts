// Types shared by the wasm kernel overrides. Type-only: TF.js is handed in at run time by src/lib/tf.ts
// (the one module that loads it), so these files never import '@tensorflow/*' for real.
import type { DataId, DataType, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

export type TF = typeof import('@tensorflow/tfjs');
export type { DataId, DataType, KernelFunc, NamedAttrMap, TensorInfo };

/** What the overrides use of tfjs-backend-wasm's BackendWasm (4.22.0); it is not typed for us. */
export interface WasmBackend {
  dataIdMap: { get(dataId: DataId): { id: number; memoryOffset: number; refCount: number } | undefined; has(dataId: DataId): boolean };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: unknown): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  readSync(dataId: DataId): unknown;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
  numDataIds(): number;
  dispose(): void;
  wasm: unknown;
}

/** The arguments the engine passes to every kernel. */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackend;
  attrs?: NamedAttrMap;
}

export type WasmKernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** Handed to each kernel family when it builds its overrides. */
export interface KernelContext {
  tf: TF;
  /** The kernel as tfjs-backend-wasm registered it, before any override of ours. */
  original(name: string): WasmKernelFunc | undefined;
  /** Runs the cpu backend's kernel on copies of the inputs (see cpuFallback.ts). */
  onCpu(name: string): WasmKernelFunc;
}

/** One override: a kernel name and its implementation. */
export interface KernelOverride {
  name: string;
  /** Why it exists, in a line (listed in docs/compute.md and in tests). */
  why: string;
  kernelFunc: WasmKernelFunc;
}
