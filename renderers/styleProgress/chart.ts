// The loss chart: a canvas (sized for devicePixelRatio) with the curves on a log axis against the
// iteration, a legend whose buttons show or hide each series, a readout of the values at the hovered
// iteration (else the scrubbed frame's, else the latest), and a note on values a log axis cannot show.
// Updated in place on every payload: hidden series, the hover and the marker survive an update.
import { pointerPosition, prepareCanvas, readTheme, type Theme } from '../shared/canvas';
import { h } from '../shared/dom';
import { formatCompact } from '../shared/format';
import {
  decadeTicks, extractSeries, formatDecade, isLayerSeries, iterationAtX, iterationX, linearTicks, logDomain, logY,
  minorTicks, nearestIndex, seriesLabel, seriesNames, seriesPaths, seriesValue, skippedNotes, type ChartLayout,
  type LogDomain, type Series,
} from './curves';
import type { StyleLossPoint } from './payload';
import { seriesStyle, type SeriesStyle } from './palette';

const LAYOUT: ChartLayout = { width: 600, height: 260, left: 54, right: 14, top: 12, bottom: 30 };
/** Points per polyline: about two per horizontal pixel is all a line can show. */
const MAX_PATH_POINTS = 2 * (LAYOUT.width - LAYOUT.left - LAYOUT.right);

export class LossChart {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly note: HTMLElement;
  private losses: readonly StyleLossPoint[] = [];
  private xMax = 1;
  private names: string[] = [];
  private series: Series[] = [];
  private readonly hidden = new Set<string>();
  private hoverIteration: number | undefined;
  private markerIteration: number | undefined;
  private paintPending = false;
  private paints = 0;
  private font = '11px sans-serif';

  constructor(private readonly signal: AbortSignal) {
    this.canvas = h('canvas', {
      class: 'convnet-sp-chart', 'data-role': 'losses', 'data-series': '', 'data-points': 0, role: 'img',
      'aria-label': 'Loss curves against the iteration, log scale; the values are in the text below',
    });
    this.legend = h('div', { class: 'convnet-sp-legend', role: 'group', 'aria-label': 'Loss series shown' });
    this.readout = h('div', { class: 'convnet-sp-readout', 'data-role': 'loss-readout' });
    this.note = h('div', { class: 'convnet-sp-note convnet-muted', 'data-role': 'chart-note', hidden: true });
    this.element = h('section', { class: 'convnet-sp-losses', 'aria-label': 'Losses' }, [
      h('div', { class: 'convnet-sp-chart-title' }, ['Losses (log scale)']), this.legend, this.canvas, this.readout, this.note,
    ]);

    this.canvas.addEventListener('pointermove', event => {
      if (this.losses.length === 0) return;
      const { x } = pointerPosition(this.canvas, event, LAYOUT.width, LAYOUT.height);
      const index = nearestIndex(this.losses, iterationAtX(x, this.xMax, LAYOUT));
      const iteration = this.losses[index].iteration;
      if (iteration === this.hoverIteration) return;
      this.hoverIteration = iteration;
      this.redraw();
    }, { signal });
    this.canvas.addEventListener('pointerleave', () => {
      this.hoverIteration = undefined;
      this.redraw();
    }, { signal });
  }

  /** New losses (in iteration order) on an x axis from 0 to `xMax`. */
  update(losses: readonly StyleLossPoint[], xMax: number): void {
    this.losses = losses;
    this.xMax = Math.max(1, xMax, losses.length ? losses[losses.length - 1].iteration : 0);
    const names = seriesNames(losses);
    if (names.join('\n') !== this.names.join('\n')) {
      this.names = names;
      this.buildLegend();
    }
    this.series = names.map(name => extractSeries(losses, name));
    const notes = skippedNotes(this.series);
    this.note.hidden = notes.length === 0;
    this.note.replaceChildren(...notes.map(line => h('div', {}, [line])));
    // A hovered iteration that thinning removed moves to the nearest one left.
    if (this.hoverIteration !== undefined) {
      const index = nearestIndex(losses, this.hoverIteration);
      this.hoverIteration = index < 0 ? undefined : losses[index].iteration;
    }
    this.redraw();
  }

  /** Marks an iteration (the scrubbed frame's) with a vertical line; undefined removes it. */
  setMarker(iteration: number | undefined): void {
    if (iteration === this.markerIteration) return;
    this.markerIteration = iteration;
    this.redraw();
  }

  /** Updates the hooks and the readout now, and paints the canvas at the next animation frame (once, however
   *  many updates, hovers and toggles came since; not at all while the output is hidden). */
  redraw(): void {
    this.canvas.dataset.series = this.shownSeries().map(s => s.name).join(',');
    this.canvas.dataset.points = String(this.losses.length);
    this.showReadout();
    if (this.paintPending) return;
    this.paintPending = true;
    requestAnimationFrame(() => {
      this.paintPending = false;
      if (!this.signal.aborted) this.paint();
    });
  }

  private shownSeries(): Series[] {
    return this.series.filter(s => !this.hidden.has(s.name) && s.count > 0);
  }

  private paint(): void {
    const theme = readTheme(this.canvas);
    this.font = `11px ${getComputedStyle(this.canvas).fontFamily || 'sans-serif'}`;
    this.updateSwatches(theme);
    const shown = this.shownSeries();
    this.canvas.dataset.painted = String(++this.paints);
    const context = prepareCanvas(this.canvas, LAYOUT.width, LAYOUT.height);
    if (!context) return;
    const domain = logDomain(function* () { for (const s of shown) for (const run of s.segments) for (const p of run) yield p.value; }());
    this.drawAxes(context, theme, domain);
    if (!domain) return;
    // Per-layer curves behind, the total in front.
    const order = [...shown].sort((a, b) => drawRank(a.name) - drawRank(b.name));
    for (const s of order) this.drawSeries(context, s, this.styleOf(s.name, theme), domain);
    if (this.markerIteration !== undefined) {
      const x = iterationX(this.markerIteration, this.xMax, LAYOUT);
      context.save();
      context.setLineDash([3, 3]);
      context.strokeStyle = theme.focus;
      context.lineWidth = 1.5;
      verticalLine(context, x);
      context.restore();
    }
    if (this.hoverIteration !== undefined) this.drawHover(context, theme, shown, domain);
  }

  private styleOf(name: string, theme: Theme): SeriesStyle {
    const layerIndex = this.names.filter(isLayerSeries).indexOf(name);
    return seriesStyle(name, Math.max(0, layerIndex), theme.dark, theme.foreground);
  }

  private buildLegend(): void {
    const focused = this.legend.querySelector<HTMLElement>('button:focus')?.dataset.series;
    this.legend.replaceChildren(...this.names.map(name => {
      const button = h('button', {
        type: 'button', class: 'convnet-sp-legend-item', 'data-series': name, 'aria-pressed': String(!this.hidden.has(name)),
        title: `Show or hide ${seriesLabel(name)}`,
      }, [h('span', { class: 'convnet-sp-swatch', 'aria-hidden': 'true' }), seriesLabel(name)]);
      button.addEventListener('click', () => {
        if (this.hidden.has(name)) this.hidden.delete(name); else this.hidden.add(name);
        button.setAttribute('aria-pressed', String(!this.hidden.has(name)));
        this.redraw();
      }, { signal: this.signal });
      return button;
    }));
    if (focused) this.legend.querySelector<HTMLElement>(`button[data-series="${CSS.escape(focused)}"]`)?.focus();
  }

  private updateSwatches(theme: Theme): void {
    for (const button of Array.from(this.legend.querySelectorAll<HTMLElement>('button[data-series]'))) {
      const style = this.styleOf(button.dataset.series!, theme);
      const swatch = button.firstElementChild as HTMLElement;
      swatch.style.borderTopColor = style.color;
      swatch.style.borderTopWidth = `${Math.max(2, Math.round(style.width))}px`;
      swatch.style.borderTopStyle = style.dash.length ? 'dashed' : 'solid';
    }
  }

  /** Values at the hovered iteration, else at the marker, else at the latest point. */
  private showReadout(): void {
    const at = this.hoverIteration ?? this.markerIteration;
    const index = at === undefined ? this.losses.length - 1 : nearestIndex(this.losses, at);
    if (index < 0) {
      this.readout.replaceChildren(h('span', { class: 'convnet-muted' }, ['no losses yet']));
      delete this.readout.dataset.iteration;
      return;
    }
    const point = this.losses[index];
    this.readout.dataset.iteration = String(point.iteration);
    const parts = this.names.filter(name => !this.hidden.has(name)).flatMap(name => {
      const value = seriesValue(point, name);
      return value === undefined ? [] : [`${seriesLabel(name)} ${formatCompact(value)}`];
    });
    const which = this.hoverIteration !== undefined ? '' : this.markerIteration !== undefined ? ' (frame)' : ' (latest)';
    this.readout.replaceChildren(h('span', { class: 'convnet-sp-readout-iteration' }, [`iteration ${point.iteration}${which}`]),
      ': ', parts.join(' · '));
  }

  private drawAxes(context: CanvasRenderingContext2D, theme: Theme, domain: LogDomain | undefined): void {
    const { width, height, left, right, top, bottom } = LAYOUT;
    const plotBottom = height - bottom;
    context.font = this.font;
    context.lineWidth = 1;
    context.fillStyle = theme.muted;
    context.strokeStyle = theme.border;
    context.textAlign = 'center';
    context.textBaseline = 'top';
    for (const tick of linearTicks(this.xMax)) {
      const x = iterationX(tick, this.xMax, LAYOUT);
      context.beginPath();
      context.moveTo(Math.round(x) + 0.5, plotBottom);
      context.lineTo(Math.round(x) + 0.5, plotBottom + 4);
      context.stroke();
      context.fillText(String(tick), x, plotBottom + 6);
    }
    context.textAlign = 'right';
    context.fillText('iteration', width - right, plotBottom + 17);
    if (domain) {
      context.save();
      context.globalAlpha = 0.35;
      for (const value of minorTicks(domain)) horizontalLine(context, logY(value, domain, LAYOUT));
      context.restore();
      context.textBaseline = 'middle';
      for (const e of decadeTicks(domain)) {
        const y = logY(10 ** e, domain, LAYOUT);
        horizontalLine(context, y);
        context.fillText(formatDecade(e), left - 6, y);
      }
    } else {
      context.textAlign = 'center';
      context.textBaseline = 'middle';
      context.fillText(this.losses.length ? 'no positive loss values to draw' : 'waiting for the first losses…',
        (left + width - right) / 2, (top + plotBottom) / 2);
    }
    context.strokeRect(left + 0.5, top + 0.5, width - left - right - 1, plotBottom - top - 1);
  }

  private drawSeries(context: CanvasRenderingContext2D, series: Series, style: SeriesStyle, domain: LogDomain): void {
    context.save();
    context.beginPath();
    context.rect(LAYOUT.left, LAYOUT.top, LAYOUT.width - LAYOUT.left - LAYOUT.right, LAYOUT.height - LAYOUT.top - LAYOUT.bottom);
    context.clip();
    context.strokeStyle = context.fillStyle = style.color;
    context.lineWidth = style.width;
    context.lineJoin = 'round';
    context.setLineDash(style.dash);
    for (const path of seriesPaths(series, domain, this.xMax, LAYOUT, MAX_PATH_POINTS)) {
      if (path.length === 1) {
        // A lone value (e.g. the first point of a run) would be an invisible line: a dot instead.
        context.beginPath();
        context.arc(path[0][0], path[0][1], style.width + 0.75, 0, 2 * Math.PI);
        context.fill();
        continue;
      }
      context.beginPath();
      path.forEach(([x, y], i) => (i === 0 ? context.moveTo(x, y) : context.lineTo(x, y)));
      context.stroke();
    }
    context.restore();
  }

  private drawHover(context: CanvasRenderingContext2D, theme: Theme, shown: readonly Series[], domain: LogDomain): void {
    const index = nearestIndex(this.losses, this.hoverIteration!);
    const point = this.losses[index];
    const x = iterationX(point.iteration, this.xMax, LAYOUT);
    context.save();
    context.strokeStyle = theme.foreground;
    context.globalAlpha = 0.6;
    context.lineWidth = 1;
    verticalLine(context, x);
    context.globalAlpha = 1;
    for (const s of shown) {
      const value = seriesValue(point, s.name);
      if (value === undefined || !(value > 0) || !Number.isFinite(value)) continue;
      context.beginPath();
      context.arc(x, logY(value, domain, LAYOUT), 3, 0, 2 * Math.PI);
      context.fillStyle = this.styleOf(s.name, theme).color;
      context.fill();
      context.strokeStyle = theme.background;
      context.stroke();
    }
    context.restore();
  }
}

function drawRank(name: string): number {
  return isLayerSeries(name) ? 0 : name === 'total' ? 2 : 1;
}

function verticalLine(context: CanvasRenderingContext2D, x: number): void {
  context.beginPath();
  context.moveTo(Math.round(x) + 0.5, LAYOUT.top);
  context.lineTo(Math.round(x) + 0.5, LAYOUT.height - LAYOUT.bottom);
  context.stroke();
}

function horizontalLine(context: CanvasRenderingContext2D, y: number): void {
  context.beginPath();
  context.moveTo(LAYOUT.left, Math.round(y) + 0.5);
  context.lineTo(LAYOUT.width - LAYOUT.right, Math.round(y) + 0.5);
  context.stroke();
}
