// A signal plot as an inline SVG (text/html output): stacked traces over time with marks (e.g. detected beats).
// Long signals are reduced to a min/max pair per pixel column, so the SVG stays small and spikes are not lost.

import { check } from './errors';

export interface Trace {
  name: string;
  values: ArrayLike<number>;
  /** CSS colour; default a dark blue. */
  color?: string;
}

export interface SignalPlotOptions {
  /** Samples per second (for the time axis); default 360. */
  sampleRate?: number;
  /** First second shown; default 0. */
  start?: number;
  /** Seconds shown; default all. */
  duration?: number;
  /** Sample indices marked with a vertical tick on every trace, and their colour (per index, or one for all). */
  marks?: { at: readonly number[]; color?: string | readonly string[]; label?: string };
  /** Pixels; default 900 wide, 110 per trace. */
  width?: number;
  rowHeight?: number;
  title?: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, ch => ESCAPES[ch]);

/** A plot that shows itself in a notebook cell (SVG in text/html, a one-line summary in text/plain). */
export class SignalPlot {
  constructor(readonly svg: string, readonly summary: string) {}
  /** The MIME bundle the notebook shows. */
  toMimeBundle(): Record<string, string> {
    return { 'text/html': this.svg, 'text/plain': this.summary };
  }
  [Symbol.for('convnet.display')](): Record<string, string> {
    return this.toMimeBundle();
  }
}

/** Plots one or more traces of the same length, one row each, sharing the time axis. */
export function signalPlot(traces: Trace | readonly Trace[], options: SignalPlotOptions = {}): SignalPlot {
  const list = (Array.isArray(traces) ? traces : [traces]) as Trace[];
  check(list.length > 0 && list.every(t => t && typeof t.name === 'string' && t.values != null && typeof t.values.length === 'number'),
    () => 'signalPlot: traces must be { name, values } or a non-empty list of them');
  const fs = options.sampleRate ?? 360, width = options.width ?? 900, rowHeight = options.rowHeight ?? 110;
  check(fs > 0 && width >= 100 && rowHeight >= 30, () => `signalPlot: sampleRate > 0, width >= 100 and rowHeight >= 30 expected; got ${fs}, ${width}, ${rowHeight}`);
  const length = list[0].values.length;
  const from = Math.max(0, Math.round((options.start ?? 0) * fs));
  const to = Math.min(length, options.duration === undefined ? length : from + Math.round(options.duration * fs));
  check(to > from + 1, () => `signalPlot: the time window [${options.start ?? 0} s, +${options.duration ?? 'all'} s] holds fewer than 2 samples`);
  const left = 90, plotWidth = width - left - 10, top = options.title ? 22 : 4, axis = 18;
  const height = top + list.length * rowHeight + axis;
  const xOf = (i: number) => left + ((i - from) / (to - from - 1)) * plotWidth;
  const parts: string[] = [];
  if (options.title) parts.push(`<text x="${left}" y="15" font-size="13" font-weight="bold">${escapeHtml(options.title)}</text>`);

  list.forEach((trace, row) => {
    const y0 = top + row * rowHeight;
    let lo = Infinity, hi = -Infinity;
    for (let i = from; i < to; i++) { const v = trace.values[i]; if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const yOf = (v: number) => y0 + 4 + (1 - (v - lo) / (hi - lo)) * (rowHeight - 10);
    // Min/max per pixel column keeps every spike visible at any zoom.
    const columns = Math.min(to - from, plotWidth);
    const points: string[] = [];
    for (let c = 0; c < columns; c++) {
      const a = from + Math.floor((c * (to - from)) / columns), b = from + Math.floor(((c + 1) * (to - from)) / columns);
      let mn = Infinity, mx = -Infinity, first = 0;
      for (let i = a; i < Math.max(b, a + 1); i++) { const v = trace.values[i]; if (i === a) first = v; mn = Math.min(mn, v); mx = Math.max(mx, v); }
      const x = (xOf(a) + (b > a + 1 ? (xOf(b - 1) - xOf(a)) / 2 : 0)).toFixed(1);
      if (b > a + 1) points.push(`${x},${yOf(mn).toFixed(1)} ${x},${yOf(mx).toFixed(1)}`);
      else points.push(`${x},${yOf(first).toFixed(1)}`);
    }
    parts.push(`<rect x="${left}" y="${y0}" width="${plotWidth}" height="${rowHeight - 2}" fill="#fafafa" stroke="#ddd"/>`);
    parts.push(`<text x="4" y="${y0 + rowHeight / 2}" font-size="11">${escapeHtml(trace.name)}</text>`);
    parts.push(`<text x="${left - 4}" y="${y0 + 12}" font-size="9" text-anchor="end">${+hi.toPrecision(3)}</text>`);
    parts.push(`<text x="${left - 4}" y="${y0 + rowHeight - 6}" font-size="9" text-anchor="end">${+lo.toPrecision(3)}</text>`);
    parts.push(`<polyline fill="none" stroke="${escapeHtml(trace.color ?? '#1f4e79')}" stroke-width="1" points="${points.join(' ')}"/>`);
  });

  const marks = options.marks;
  if (marks) {
    const bottom = top + list.length * rowHeight - 2;
    marks.at.forEach((i, k) => {
      if (i < from || i >= to) return;
      const color = Array.isArray(marks.color) ? marks.color[k] : (marks.color as string | undefined);
      const x = xOf(i).toFixed(1);
      parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${escapeHtml(color ?? '#d62728')}" stroke-opacity="0.45"/>`);
    });
  }
  const seconds = (to - from) / fs;
  const tick = [0.5, 1, 2, 5, 10, 30, 60, 120].find(t => seconds / t <= 12) ?? 300;
  for (let t = Math.ceil(from / fs / tick) * tick; t * fs < to; t += tick) {
    const x = xOf(t * fs).toFixed(1);
    parts.push(`<text x="${x}" y="${height - 5}" font-size="9" text-anchor="middle">${+t.toFixed(2)} s</text>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" style="background:#fff">${parts.join('')}</svg>`;
  const summary = `signal plot: ${list.map(t => t.name).join(', ')}; ${(from / fs).toFixed(2)}–${(to / fs).toFixed(2)} s${marks ? `; ${marks.at.filter(i => i >= from && i < to).length} ${marks.label ?? 'marks'}` : ''}`;
  return new SignalPlot(svg, summary);
}
