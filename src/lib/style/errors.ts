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

/** `[a, b, c]` for error messages, or what the value is when it is not a tensor. */
export function shapeOf(t: unknown): string {
  const shape = (t as { shape?: unknown } | null | undefined)?.shape;
  if (Array.isArray(shape)) return `[${shape.join(', ')}]`;
  return t === null ? 'null' : `${typeof t} (not a tensor)`;
}
