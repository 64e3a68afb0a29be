// Named errors of the style-transfer library: bad arguments say which function, which argument and what
// was expected.
import { checkThrowing, type Check } from '../ops/argumentError';

/** A bad argument to a style function (wrong shape, unknown layer, not an image…). */
export class StyleArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'StyleArgumentError'; }
}

/** Throws a StyleArgumentError with `message()` (built only on failure) unless `cond` holds. */
export const check: Check = checkThrowing(StyleArgumentError);

export { shapeOf } from '../ops/shapeOf';
