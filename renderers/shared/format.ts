// Compact number text for renderers: fits table cells, keeps about four significant digits.

/** `value` as a renderer shows it: numbers compactly; 'NaN', 'Infinity', '-Infinity' (how JSON payloads
 *  carry non-finite numbers) as NaN, ∞, -∞; other strings as they are. */
export function formatCompact(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return NON_FINITE[value] ?? value;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e7) return String(value);
  if (abs >= 1e-3 && abs < 1e5) return String(Number(value.toPrecision(4)));
  // Shortest exponential text of 3 significant digits: 6e-7, not 6.00e-7.
  return Number(value.toPrecision(3)).toExponential();
}

const NON_FINITE: Record<string, string> = { NaN: 'NaN', Infinity: '∞', '-Infinity': '-∞' };

/** Full precision text for a tooltip. */
export function formatExact(value: number | string): string {
  return typeof value === 'string' ? value : String(value);
}
