// Named errors of the convolutions library: a bad argument says which function, which argument and what was expected.

/** A bad argument to a convs function (wrong rank, a kernel larger than its input, a negative size…). */
export class ConvArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'ConvArgumentError'; }
}

/** Throws a ConvArgumentError with `message()` (built only on failure) unless `cond` holds. */
export function check(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new ConvArgumentError(message());
}

/** `[a, b, c]` for error messages, or what the value is when it is not a tensor. */
export function shapeOf(t: unknown): string {
  const shape = (t as { shape?: unknown } | null | undefined)?.shape;
  if (Array.isArray(shape)) return `[${shape.join(', ')}]`;
  return t === null ? 'null' : `${typeof t} (not a tensor)`;
}

export const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
export const isNonNegativeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
