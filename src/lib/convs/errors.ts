// Named errors of the convolutions library: a bad argument says which function, which argument and what was expected.

/** A bad argument to a convs function (wrong rank, a kernel larger than its input, a negative size…). */
export class ConvArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'ConvArgumentError'; }
}

/** Throws a ConvArgumentError with `message()` (built only on failure) unless `cond` holds. */
export function check(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new ConvArgumentError(message());
}

export { shapeOf } from '../ops/shapeOf';

export const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
export const isNonNegativeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
