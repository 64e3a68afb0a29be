// Tensors derived from another tensor (a flipped, re-laid-out filter), kept while that tensor lives.
// TF.js tensors never change their data (a variable's assign() gets a new dataId), so a derived tensor
// stays valid until its source's data is released; then it is freed with it. Keeping the derived
// tensor also keeps its wasm id, so XNNPACK's operator cache (keyed by filter id, packed weights
// inside) is hit on every later step instead of re-packing the weights.
import type { DataId, TensorInfo, WasmBackend } from './types';

const CACHE = Symbol.for('convnet.wasm.derivedCache');

export class DerivedCache {
  private readonly entries = new Map<DataId, Map<string, TensorInfo>>();
  private readonly release: (dataId: DataId) => void;

  constructor(backend: WasmBackend) {
    const disposeData = backend.disposeData.bind(backend);
    this.release = dataId => { disposeData(dataId, true); };
    // Every release of tensor data (engine disposals, kernels freeing temporaries, moves to another
    // backend) goes through disposeData, so this is where derived tensors learn their source is gone.
    backend.disposeData = (dataId: DataId, force?: boolean) => {
      const released = disposeData(dataId, force);
      if (released) this.drop(dataId);
      return released;
    };
    const dispose = backend.dispose.bind(backend);
    backend.dispose = () => { this.entries.clear(); dispose(); };
  }

  /** The tensor derived from `source` under `key`, made by `make` the first time. Owned by the cache:
   *  callers must not free it. */
  get(source: DataId, key: string, make: () => TensorInfo): TensorInfo {
    let forSource = this.entries.get(source);
    const hit = forSource?.get(key);
    if (hit) return hit;
    const made = make();
    if (!forSource) this.entries.set(source, (forSource = new Map()));
    forSource.set(key, made);
    return made;
  }

  /** How many derived tensors are alive (tests check they are freed with their sources). */
  get size(): number {
    let n = 0;
    for (const m of this.entries.values()) n += m.size;
    return n;
  }

  private drop(source: DataId): void {
    const forSource = this.entries.get(source);
    if (!forSource) return;
    this.entries.delete(source);
    for (const t of forSource.values()) this.release(t.dataId);
  }
}

/** The backend's cache, made (and disposeData wrapped) once per backend instance. */
export function derivedCache(backend: WasmBackend): DerivedCache {
  const holder = backend as unknown as { [CACHE]?: DerivedCache };
  return (holder[CACHE] ??= new DerivedCache(backend));
}
