// Named errors of the convolutions library: a bad argument says which function, which argument and what was expected.
import { checkThrowing, type Check } from '../ops/argumentError';

/** A bad argument to a convs function (wrong rank, a kernel larger than its input, a negative size…). */
export class ConvArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'ConvArgumentError'; }
}

/** Throws a ConvArgumentError with `message()` (built only on failure) unless `cond` holds. */
export const check: Check = checkThrowing(ConvArgumentError);

export { shapeOf } from '../ops/shapeOf';

export { isPositiveInteger, isNonNegativeInteger } from '../ops/argumentError';
