// The 2-D projection as a scatter on a canvas: points coloured (and, past ten identities, shaped) by
// identity, a legend, a tooltip with the thumbnail on hover, selection by click, arrow keys or a list,
// lines to the selected point's neighbours and, optionally, between the pairs verification accepts.
import { h } from '../shared/dom';
import { truncateText } from '../shared/escape';
import { pointerPosition, prepareCanvas, type Theme } from '../shared/canvas';
import type { Model } from './model';
import { drawMarker, identityStyle } from './palette';
import { thumbnail } from './thumbnail';

const WIDTH = 520;
const HEIGHT = 380;
const PADDING = 16;
const HIT_RADIUS = 10;
/** At most this many accepted-pair lines are drawn; beyond it an even sample of them. */
export const MAX_PAIR_LINES = 1500;
const LEGEND_MAX = 60;
const LABEL_CHARS = 40;

export interface ScatterView {
  element: HTMLElement;
  /** New coordinates (N x 2) for the current projection; undefined while there are none yet. */
  setCoordinates(coordinates: Float64Array | undefined, caption: string): void;
  setSelected(index: number | undefined): void;
  setThreshold(threshold: number): void;
  /** Redraw, e.g. after a theme change. */
  redraw(): void;
}

export function scatterView(model: Model, theme: () => Theme, onSelect: (index: number | undefined) => void,
  signal: AbortSignal): ScatterView {
  const { n, identities, names, payload } = model;
  const canvas = h('canvas', {
    class: 'convnet-emb-scatter', 'data-role': 'scatter', tabindex: 0, role: 'img',
    'aria-label': `Projection of ${n} embeddings coloured by identity. Arrow keys select the next or previous face, Page Up and Page Down jump between identities, Escape clears.`,
  });
  const tooltip = h('div', { class: 'convnet-emb-tooltip', role: 'tooltip', hidden: true });
  const caption = h('div', { class: 'convnet-emb-caption convnet-muted' });
  const linesToggle = h('input', { type: 'checkbox', 'data-role': 'pair-lines' });
  const linesNote = h('span', { class: 'convnet-muted' });
  const list = pointList(model);
  const legend = legendView(model, theme, signal);

  let coordinates: Float64Array | undefined;
  let selected: number | undefined;
  let hovered: number | undefined;
  let threshold = payload.threshold;
  let screen = new Float64Array(2 * n);

  const layout = () => {
    if (!coordinates) return;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, coordinates[2 * i]); maxX = Math.max(maxX, coordinates[2 * i]);
      minY = Math.min(minY, coordinates[2 * i + 1]); maxY = Math.max(maxY, coordinates[2 * i + 1]);
    }
    // One scale for both axes: distances in the picture keep their proportions.
    const spanX = maxX - minX, spanY = maxY - minY;
    const scale = Math.min((WIDTH - 2 * PADDING) / (spanX || 1), (HEIGHT - 2 * PADDING) / (spanY || 1));
    const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
    screen = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      screen[2 * i] = WIDTH / 2 + (coordinates[2 * i] - cx) * scale;
      screen[2 * i + 1] = HEIGHT / 2 - (coordinates[2 * i + 1] - cy) * scale;
    }
  };

  const draw = () => {
    const colors = theme();
    const context = prepareCanvas(canvas, WIDTH, HEIGHT);
    if (!context || !coordinates) { canvas.dataset.drawnPoints = '0'; return; }
    const highlighted = legend.highlighted();
    if (linesToggle.checked) drawAcceptedLines(context, colors);
    const neighbours = selected === undefined ? [] : model.neighboursOf(selected);
    if (selected !== undefined) {
      context.lineWidth = 1.5;
      context.strokeStyle = colors.focus;
      context.setLineDash([4, 3]);
      for (const neighbour of neighbours) line(context, selected, neighbour.index);
      context.setLineDash([]);
    }
    // Draw the highlighted identity last so it sits on top.
    const order = Array.from(identities.order);
    if (highlighted !== undefined) order.sort((a, b) => Number(identities.ofPoint[a] === highlighted) - Number(identities.ofPoint[b] === highlighted));
    for (const i of order) {
      const style = identityStyle(identities.ofPoint[i], colors.dark);
      context.globalAlpha = highlighted === undefined || identities.ofPoint[i] === highlighted ? 0.92 : 0.18;
      drawMarker(context, style.shape, screen[2 * i], screen[2 * i + 1], n > 300 ? 3.5 : 4.5, style.color, colors.background);
    }
    context.globalAlpha = 1;
    for (const neighbour of neighbours) ring(context, neighbour.index, 7, colors.focus, 1.5);
    if (selected !== undefined) ring(context, selected, 9, colors.foreground, 2.5);
    if (hovered !== undefined && hovered !== selected) ring(context, hovered, 8, colors.foreground, 1);
    canvas.dataset.drawnPoints = String(n);
    setIndex(canvas, 'selected', selected);
    setIndex(canvas, 'hovered', hovered);
  };

  const line = (context: CanvasRenderingContext2D, a: number, b: number) => {
    context.beginPath();
    context.moveTo(screen[2 * a], screen[2 * a + 1]);
    context.lineTo(screen[2 * b], screen[2 * b + 1]);
    context.stroke();
  };
  const ring = (context: CanvasRenderingContext2D, i: number, radius: number, color: string, width: number) => {
    context.beginPath();
    context.arc(screen[2 * i], screen[2 * i + 1], radius, 0, 2 * Math.PI);
    context.lineWidth = width;
    context.strokeStyle = color;
    context.stroke();
  };

  const drawAcceptedLines = (context: CanvasRenderingContext2D, colors: Theme) => {
    const accepted = model.pairs.acceptedCount(threshold);
    const stride = Math.max(1, Math.ceil(accepted / MAX_PAIR_LINES));
    let drawn = 0;
    context.lineWidth = 1;
    for (let k = 0; k < accepted; k += stride, drawn++) {
      const a = model.pairs.first[k], b = model.pairs.second[k];
      const same = identities.ofPoint[a] === identities.ofPoint[b];
      // Wrongly accepted pairs (different people) in the error colour.
      context.strokeStyle = same ? identityStyle(identities.ofPoint[a], colors.dark).color : colors.error;
      context.globalAlpha = same ? 0.35 : 0.6;
      line(context, a, b);
    }
    context.globalAlpha = 1;
    linesNote.textContent = accepted === 0 ? ' (none accepted)'
      : drawn < accepted ? ` (${drawn} of ${accepted} drawn: 1 in ${stride}, by distance)` : ` (${accepted})`;
  };

  const hitTest = (x: number, y: number): number | undefined => {
    let best: number | undefined, bestDistance = HIT_RADIUS * HIT_RADIUS;
    for (let i = 0; i < n; i++) {
      const d = (screen[2 * i] - x) ** 2 + (screen[2 * i + 1] - y) ** 2;
      if (d <= bestDistance) { best = i; bestDistance = d; }
    }
    return best;
  };

  const showTooltip = (i: number | undefined) => {
    if (i === undefined || !coordinates) { tooltip.hidden = true; return; }
    const style = identityStyle(identities.ofPoint[i], theme().dark);
    tooltip.replaceChildren(
      thumbnail(payload.points[i], names[i], 48, style.color),
      h('div', {}, [
        h('div', { class: 'convnet-emb-name' }, [truncateText(names[i], LABEL_CHARS)]),
        h('div', { class: 'convnet-muted' }, [`label: ${truncateText(payload.points[i].label, LABEL_CHARS)}`]),
        h('div', { class: 'convnet-muted' }, [`#${i}`]),
      ]),
    );
    tooltip.hidden = false;
    const scale = (canvas.clientWidth || WIDTH) / WIDTH;
    const x = screen[2 * i] * scale, y = screen[2 * i + 1] * scale;
    const flip = x > (canvas.clientWidth || WIDTH) * 0.6;
    Object.assign(tooltip.style, {
      top: `${y + 12}px`,
      left: flip ? '' : `${x + 12}px`,
      right: flip ? `${(canvas.clientWidth || WIDTH) - x + 12}px` : '',
    });
  };

  canvas.addEventListener('pointermove', event => {
    const { x, y } = pointerPosition(canvas, event, WIDTH, HEIGHT);
    const hit = hitTest(x, y);
    if (hit === hovered) return;
    hovered = hit;
    canvas.style.cursor = hit === undefined ? 'default' : 'pointer';
    showTooltip(hit);
    draw();
  }, { signal });
  canvas.addEventListener('pointerleave', () => {
    hovered = undefined;
    showTooltip(document.activeElement === canvas ? selected : undefined);
    draw();
  }, { signal });
  canvas.addEventListener('click', event => {
    const { x, y } = pointerPosition(canvas, event, WIDTH, HEIGHT);
    onSelect(hitTest(x, y) ?? selected);
  }, { signal });
  canvas.addEventListener('keydown', event => {
    const order = identities.order;
    const position = selected === undefined ? -1 : order.indexOf(selected);
    const identityStart = (from: number, direction: 1 | -1) => {
      // The first point of the next (or previous) identity in the sorted order.
      const current = from < 0 ? -1 : identities.ofPoint[order[from]];
      let p = from < 0 ? 0 : from;
      if (direction > 0) { while (p < n && identities.ofPoint[order[p]] === current) p++; return p < n ? p : from; }
      while (p > 0 && identities.ofPoint[order[p]] === current) p--;
      const target = identities.ofPoint[order[p]];
      while (p > 0 && identities.ofPoint[order[p - 1]] === target) p--;
      return p;
    };
    const moves: Record<string, () => number | undefined> = {
      ArrowRight: () => (position + 1) % n,
      ArrowDown: () => (position + 1) % n,
      ArrowLeft: () => (position <= 0 ? n - 1 : position - 1),
      ArrowUp: () => (position <= 0 ? n - 1 : position - 1),
      PageDown: () => identityStart(position, 1),
      PageUp: () => identityStart(position, -1),
      Home: () => 0,
      End: () => n - 1,
      Escape: () => undefined,
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const next = move();
    onSelect(next === undefined ? undefined : order[next]);
  }, { signal });
  canvas.addEventListener('blur', () => { if (hovered === undefined) tooltip.hidden = true; }, { signal });
  linesToggle.addEventListener('change', draw, { signal });
  list.addEventListener('change', () => onSelect(list.value === '' ? undefined : Number(list.value)), { signal });
  legend.onChange(draw);

  return {
    element: h('div', { class: 'convnet-emb-scatter-view' }, [
      h('div', { class: 'convnet-emb-scatter-wrap' }, [canvas, tooltip]),
      caption,
      legend.element,
      h('div', { class: 'convnet-emb-scatter-controls' }, [
        h('label', {}, [linesToggle, ' lines between accepted pairs', linesNote]),
        h('label', {}, ['Face: ', list]),
      ]),
    ]),
    setCoordinates(next, text) {
      coordinates = next;
      caption.textContent = text;
      layout();
      draw();
      if (document.activeElement === canvas && selected !== undefined) showTooltip(selected);
    },
    setSelected(index) {
      selected = index;
      list.value = index === undefined ? '' : String(index);
      if (hovered === undefined) showTooltip(document.activeElement === canvas ? index : undefined);
      draw();
    },
    setThreshold(value) {
      threshold = value;
      if (linesToggle.checked) draw();
    },
    redraw() {
      legend.redraw();
      draw();
    },
  };
}

/** A native <select> of every face, grouped by identity: a keyboard and screen-reader path to selection. */
function pointList(model: Model): HTMLSelectElement {
  const select = h('select', { class: 'convnet-emb-point-list', 'data-role': 'point-list' }, [h('option', { value: '' }, ['(none)'])]);
  let group: HTMLOptGroupElement | undefined;
  let current = -1;
  for (const i of model.identities.order) {
    const identity = model.identities.ofPoint[i];
    if (identity !== current) {
      current = identity;
      group = h('optgroup', { label: truncateText(model.identities.labels[identity], LABEL_CHARS) });
      select.append(group);
    }
    group!.append(h('option', { value: i }, [`${truncateText(model.names[i], LABEL_CHARS)} (#${i})`]));
  }
  return select;
}

interface Legend {
  element: HTMLElement;
  highlighted(): number | undefined;
  onChange(listener: () => void): void;
  redraw(): void;
}

/** Identities with their marker; pressing one highlights its points. */
function legendView(model: Model, theme: () => Theme, signal: AbortSignal): Legend {
  const { labels, ofPoint } = model.identities;
  const counts = new Array<number>(labels.length).fill(0);
  for (const identity of ofPoint) counts[identity]++;
  let highlighted: number | undefined;
  const listeners: Array<() => void> = [];
  const shown = Math.min(labels.length, LEGEND_MAX);
  const swatches: HTMLCanvasElement[] = [];
  const buttons = labels.slice(0, shown).map((label, k) => {
    const swatch = h('canvas', { class: 'convnet-emb-swatch', 'aria-hidden': 'true' });
    swatches.push(swatch);
    const button = h('button', {
      type: 'button', class: 'convnet-emb-legend-item', 'aria-pressed': 'false', 'data-identity': k, title: label,
    }, [swatch, `${truncateText(label, 24)} `, h('span', { class: 'convnet-muted' }, [`(${counts[k]})`])]);
    button.addEventListener('click', () => {
      highlighted = highlighted === k ? undefined : k;
      buttons.forEach((b, j) => b.setAttribute('aria-pressed', String(highlighted === j)));
      listeners.forEach(listener => listener());
    }, { signal });
    return button;
  });
  const redraw = () => {
    const colors = theme();
    swatches.forEach((swatch, k) => {
      const context = prepareCanvas(swatch, 12, 12);
      if (!context) return;
      const style = identityStyle(k, colors.dark);
      drawMarker(context, style.shape, 6, 6, 4.5, style.color, colors.background);
    });
  };
  redraw();
  const more = labels.length > shown ? h('span', { class: 'convnet-muted' }, [`… and ${labels.length - shown} more identities`]) : null;
  return {
    element: h('div', { class: 'convnet-emb-legend', role: 'group', 'aria-label': 'Identities (press to highlight)' },
      [...buttons, more]),
    highlighted: () => highlighted,
    onChange(listener) { listeners.push(listener); },
    redraw,
  };
}


function setIndex(element: HTMLElement, name: string, index: number | undefined): void {
  if (index === undefined) delete element.dataset[name];
  else element.dataset[name] = String(index);
}
