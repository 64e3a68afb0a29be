// Named errors of the style-transfer library: bad arguments say which function, which argument and what
// was expected.

/** A bad argument to a style function (wrong shape, unknown layer, not an image…). */
export class StyleArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'StyleArgumentError'; }
}

/** Throws a StyleArgumentError with `message()` (built only on failure) unless `cond` holds. */
export function check(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new StyleArgumentError(message());
}

export { shapeOf } from '../ops/shapeOf';
