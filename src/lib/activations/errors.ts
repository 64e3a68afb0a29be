// Argument errors of the activations topic: the message names the function, the argument and what was expected.

/** A bad argument to an `activations` function. */
export class ActivationsArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'ActivationsArgumentError'; }
}

/** Throws an ActivationsArgumentError with `message()` (built only on failure) unless `cond` holds. */
export function check(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new ActivationsArgumentError(message());
}

/** `[a, b, c]` for error messages. */
export const shapeOf = (t: { shape?: readonly number[] } | undefined | null): string => `[${t?.shape?.join(', ') ?? 'not a tensor'}]`;

export const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** The running notebook cell's AbortSignal (the kernel aborts it on interrupt); undefined outside a notebook. */
export function kernelSignal(): AbortSignal | undefined {
  const kernel = (globalThis as Record<symbol, unknown>)[Symbol.for('convnet.kernel')] as { signal?: AbortSignal } | undefined;
  return kernel?.signal;
}
