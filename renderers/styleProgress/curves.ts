// The loss chart's arithmetic, without the DOM: which series a payload has, their values on a log axis
// (a value <= 0 or not finite cannot be drawn there: it is skipped, counted and said), decade ticks,
// pixel paths (thinned to what the canvas can show) and lookups by iteration.
import type { StyleLossPoint } from './payload';

export const MAIN_SERIES = ['total', 'content', 'style', 'tv'] as const;
/** Per-layer style series are named `style:<layer>`. */
export const LAYER_PREFIX = 'style:';

/** The series the losses hold: the main ones present in any point, then each style layer in order of first appearance. */
export function seriesNames(losses: readonly StyleLossPoint[]): string[] {
  const main = MAIN_SERIES.filter(name => losses.some(p => p[name] !== undefined));
  const layers = new Set<string>();
  for (const point of losses) for (const layer of Object.keys(point.styleLayers ?? {})) layers.add(layer);
  return [...main, ...[...layers].map(layer => LAYER_PREFIX + layer)];
}

export function isLayerSeries(name: string): boolean {
  return name.startsWith(LAYER_PREFIX);
}

/** How a series is named in the legend and readouts. */
export function seriesLabel(name: string): string {
  if (isLayerSeries(name)) return `style ${name.slice(LAYER_PREFIX.length)}`;
  return name === 'tv' ? 'TV' : name;
}

/** The series' value at `point`; undefined where the point does not have it (e.g. a layer not yet reported). */
export function seriesValue(point: StyleLossPoint, name: string): number | undefined {
  if (isLayerSeries(name)) return point.styleLayers?.[name.slice(LAYER_PREFIX.length)];
  return point[name as (typeof MAIN_SERIES)[number]];
}

export interface LossSample { iteration: number; value: number }

export interface Series {
  name: string;
  /** Runs of drawable values (> 0, finite); a skipped or missing value ends a run, so lines do not bridge it. */
  segments: LossSample[][];
  /** Drawable values in all segments. */
  count: number;
  /** Values that a log axis cannot show: <= 0, and NaN or ±Infinity. */
  nonPositive: number;
  nonFinite: number;
}

export function extractSeries(losses: readonly StyleLossPoint[], name: string): Series {
  const series: Series = { name, segments: [], count: 0, nonPositive: 0, nonFinite: 0 };
  let run: LossSample[] | undefined;
  for (const point of losses) {
    const value = seriesValue(point, name);
    if (value === undefined || !Number.isFinite(value) || value <= 0) {
      if (value !== undefined) {
        if (!Number.isFinite(value)) series.nonFinite++;
        else series.nonPositive++;
      }
      run = undefined;
      continue;
    }
    if (!run) series.segments.push(run = []);
    run.push({ iteration: point.iteration, value });
    series.count++;
  }
  return series;
}

/** One line per series with values the log axis had to leave out, e.g. "content: 1 value <= 0 not drawn". */
export function skippedNotes(series: readonly Series[]): string[] {
  const notes: string[] = [];
  for (const s of series) {
    const parts: string[] = [];
    if (s.nonPositive > 0) parts.push(`${s.nonPositive} ${s.nonPositive === 1 ? 'value' : 'values'} ≤ 0`);
    if (s.nonFinite > 0) parts.push(`${s.nonFinite} non-finite ${s.nonFinite === 1 ? 'value' : 'values'}`);
    if (parts.length) notes.push(`${seriesLabel(s.name)}: ${parts.join(' and ')} not drawn (log scale)`);
  }
  return notes;
}

/** A log axis from 10^lo to 10^hi (whole decades). */
export interface LogDomain { lo: number; hi: number }

/** log10 with values a hair off a power of ten snapped onto it (log10(1e-5) is not exactly -5 everywhere). */
function decadeOf(value: number): number {
  const e = Math.log10(value);
  const r = Math.round(e);
  return Math.abs(e - r) < 1e-9 ? r : e;
}

/** The whole decades around the positive finite values; undefined when there are none. */
export function logDomain(values: Iterable<number>): LogDomain | undefined {
  let min = Infinity, max = -Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return undefined;
  const lo = Math.floor(decadeOf(min));
  const hi = Math.max(lo + 1, Math.ceil(decadeOf(max)));
  return { lo, hi };
}

/** Exponents of the labelled decades: every decade, or every k-th when there are more than `maxTicks`. */
export function decadeTicks(domain: LogDomain, maxTicks = 7): number[] {
  const step = Math.max(1, Math.ceil((domain.hi - domain.lo) / Math.max(1, maxTicks - 1)));
  const ticks: number[] = [];
  for (let e = domain.lo; e <= domain.hi; e += step) ticks.push(e);
  return ticks;
}

/** Unlabelled grid values 2..9 × 10^e inside the domain, drawn only when there are few decades. */
export function minorTicks(domain: LogDomain, maxDecades = 4): number[] {
  if (domain.hi - domain.lo > maxDecades) return [];
  const ticks: number[] = [];
  for (let e = domain.lo; e < domain.hi; e++) for (let k = 2; k <= 9; k++) ticks.push(k * 10 ** e);
  return ticks;
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹',
};

/** 10^e as a tick label: plain from 0.01 to 10000, else 10 with a superscript exponent. */
export function formatDecade(e: number): string {
  if (e >= -2 && e <= 4) return e >= 0 ? String(10 ** e) : `0.${'0'.repeat(-e - 1)}1`;
  return '10' + [...String(e)].map(c => SUPERSCRIPT[c]).join('');
}

/** The plot area of the chart in CSS pixels. */
export interface ChartLayout { width: number; height: number; left: number; right: number; top: number; bottom: number }

/** y pixel of `value` on the log axis; values beyond the domain are clamped to its edges. */
export function logY(value: number, domain: LogDomain, layout: ChartLayout): number {
  const t = (decadeOf(value) - domain.lo) / (domain.hi - domain.lo);
  const clamped = Math.min(1, Math.max(0, t));
  return layout.height - layout.bottom - clamped * (layout.height - layout.top - layout.bottom);
}

/** x pixel of `iteration` on an axis from 0 to `xMax`. */
export function iterationX(iteration: number, xMax: number, layout: ChartLayout): number {
  return layout.left + (iteration / Math.max(1, xMax)) * (layout.width - layout.left - layout.right);
}

/** The iteration at x pixel `x` (the inverse of iterationX), clamped to 0..xMax. */
export function iterationAtX(x: number, xMax: number, layout: ChartLayout): number {
  const t = (x - layout.left) / Math.max(1, layout.width - layout.left - layout.right);
  return Math.min(1, Math.max(0, t)) * Math.max(1, xMax);
}

/** Round ticks (1, 2 or 5 × 10^k apart, whole iterations) from 0 to `max`. */
export function linearTicks(max: number, maxTicks = 6): number[] {
  if (!(max > 0)) return [0];
  const raw = max / Math.max(1, maxTicks - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  const step = Math.max(1, (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power);
  const ticks: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) ticks.push(t);
  return ticks;
}

/** At most `max` indices of 0..n-1, evenly spread, always keeping the first and the last. */
export function thinIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max <= 1) return n > 0 ? [n - 1] : [];
  return Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1)));
}

/** Pixel polylines of a series: one per segment, each thinned to at most `maxPerSegment` points. */
export function seriesPaths(series: Series, domain: LogDomain, xMax: number, layout: ChartLayout,
  maxPerSegment: number): Array<Array<[number, number]>> {
  return series.segments.map(segment => thinIndices(segment.length, maxPerSegment)
    .map(i => [iterationX(segment[i].iteration, xMax, layout), logY(segment[i].value, domain, layout)] as [number, number]));
}

/** Index of the item whose iteration is nearest to `iteration` (the earlier one on a tie); -1 when there are none.
 *  `items` are in iteration order (payload.ts checks that). */
export function nearestIndex(items: ReadonlyArray<{ iteration: number }>, iteration: number): number {
  if (items.length === 0) return -1;
  let low = 0, high = items.length - 1;
  // The first item at or after `iteration`.
  while (low < high) {
    const mid = (low + high) >> 1;
    if (items[mid].iteration < iteration) low = mid + 1; else high = mid;
  }
  if (low > 0 && iteration - items[low - 1].iteration <= Math.abs(items[low].iteration - iteration)) return low - 1;
  return low;
}
