// Argument errors of the activations topic: the message names the function, the argument and what was expected.
import { checkThrowing, type Check } from '../ops/argumentError';

/** A bad argument to an `activations` function. */
export class ActivationsArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'ActivationsArgumentError'; }
}

/** Throws an ActivationsArgumentError with `message()` (built only on failure) unless `cond` holds. */
export const check: Check = checkThrowing(ActivationsArgumentError);

export { shapeOf } from '../ops/shapeOf';
export { isPositiveInteger } from '../ops/argumentError';
export { kernelSignal } from '../ops/kernel';
