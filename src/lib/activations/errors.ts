// Argument errors of the activations topic: the message names the function, the argument and what was expected.
import { checkThrowing, type Check } from '../ops/argumentError';

/** A bad argument to an `activations` function. */
export class ActivationsArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'ActivationsArgumentError'; }
}

/** Throws an ActivationsArgumentError with `message()` (built only on failure) unless `cond` holds. */
export const check: Check = checkThrowing(ActivationsArgumentError);

export { shapeOf } from '../ops/shapeOf';


/** The running notebook cell's AbortSignal (the kernel aborts it on interrupt); undefined outside a notebook. */
export function kernelSignal(): AbortSignal | undefined {
  const kernel = (globalThis as Record<symbol, unknown>)[Symbol.for('convnet.kernel')] as { signal?: AbortSignal } | undefined;
  return kernel?.signal;
}
export { isPositiveInteger } from '../ops/argumentError';
