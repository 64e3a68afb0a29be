// How a tensor argument reads in an error message.

/** `[a, b, c]` for error messages, or what the value is when it is not a tensor. */
export function shapeOf(t: unknown): string {
  const shape = (t as { shape?: unknown } | null | undefined)?.shape;
  if (Array.isArray(shape)) return `[${shape.join(', ')}]`;
  return t === null ? 'null' : `${typeof t} (not a tensor)`;
}
