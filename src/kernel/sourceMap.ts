// Position lookups through the two source maps a compiled cell carries:
// final script -> esbuild's JavaScript (magic-string, one segment per character) and
// esbuild's JavaScript -> cell source (esbuild, one segment per token).
import { TraceMap, originalPositionFor, LEAST_UPPER_BOUND } from '@jridgewell/trace-mapping';

/** Line 1-based, column 0-based (UTF-16 code units), as source maps count them. */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * Follows a position in the script we run back to the cell source. The rewrite map is hires, but glue
 * that replaced code (an import statement, `import(` -> `__cnb_import(`) has one segment at its start,
 * so take the nearest segment at or before the column; a line that starts with glue (the prologue, the
 * `f = ` before a hoisted function) has none there, which gives null.
 */
export function traceToSource(rewriteMap: TraceMap, transpileMap: TraceMap, position: SourcePosition): SourcePosition | null {
  const transpiled = originalPositionFor(rewriteMap, position);
  if (transpiled.line === null) return null;
  return traceTranspiled(transpileMap, { line: transpiled.line, column: transpiled.column });
}

/** A position in esbuild's output mapped to the cell source; esbuild maps tokens, so the token at or before it. */
export function traceTranspiled(transpileMap: TraceMap, position: SourcePosition): SourcePosition | null {
  const found = originalPositionFor(transpileMap, position);
  return found.line === null ? null : { line: found.line, column: found.column };
}

/**
 * Like `traceTranspiled`, but never gives up: a parse error can sit before the first token of a line
 * (or at the end of the file), where only the next or some earlier mapping helps.
 */
export function traceTranspiledNearest(transpileMap: TraceMap, position: SourcePosition): SourcePosition {
  const before = traceTranspiled(transpileMap, position);
  if (before) return before;
  const after = originalPositionFor(transpileMap, { ...position, bias: LEAST_UPPER_BOUND });
  if (after.line !== null) return { line: after.line, column: after.column };
  for (let line = position.line - 1; line >= 1; line--) {
    const earlier = traceTranspiled(transpileMap, { line, column: Number.MAX_SAFE_INTEGER });
    if (earlier) return earlier;
  }
  return { line: 1, column: 0 };
}
