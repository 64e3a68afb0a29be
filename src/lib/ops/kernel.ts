// What the notebook kernel hands library code running in a cell (globalThis[Symbol.for('convnet.kernel')]):
// the running cell's AbortSignal (aborted on interrupt) and its display function. Absent outside a notebook.

interface KernelHandle { signal?: AbortSignal; display?: unknown }

function kernelHandle(): KernelHandle | undefined {
  return (globalThis as Record<symbol, unknown>)[Symbol.for('convnet.kernel')] as KernelHandle | undefined;
}

/** The running notebook cell's AbortSignal; undefined outside a notebook. */
export function kernelSignal(): AbortSignal | undefined {
  return kernelHandle()?.signal;
}

/** The running kernel's `display` function; undefined outside a notebook. */
export function kernelDisplayFunction(): unknown {
  return kernelHandle()?.display;
}
