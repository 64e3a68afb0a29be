// The pairwise distance matrix as a heatmap: rows and columns sorted by identity, identity blocks
// outlined, the pairs accepted at the current threshold overlaid. Past MAX_CELLS points per side, cells
// are blocks of points (mean distance; the overlay's strength is the accepted fraction).
import { h } from '../shared/dom';
import { truncateText } from '../shared/escape';
import { formatCompact } from '../shared/format';
import { pointerPosition, prepareCanvas, type Theme } from '../shared/canvas';
import type { Model } from './model';
import { ramp } from './palette';

export const MAX_CELLS = 256;
const SIDE = 320;
const OVERLAY = [255, 48, 48];
/** How far an accepted cell's colour moves towards OVERLAY: enough to see, not enough to hide the distance. */
const OVERLAY_STRENGTH = 0.6;
const LABEL_CHARS = 32;

export interface HeatmapView {
  element: HTMLElement;
  setThreshold(threshold: number): void;
  redraw(): void;
}

export function heatmapView(model: Model, theme: () => Theme, signal: AbortSignal): HeatmapView {
  const { n, identities, distances, names, payload } = model;
  const cells = Math.min(n, MAX_CELLS);
  // Cell c covers sorted positions [start[c], start[c + 1]).
  const start = Int32Array.from({ length: cells + 1 }, (_, c) => Math.floor((c * n) / cells));
  const order = identities.order;
  const mean = new Float64Array(cells * cells);
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      let sum = 0;
      for (let a = start[r]; a < start[r + 1]; a++) for (let b = start[c]; b < start[c + 1]; b++) sum += distances[order[a] * n + order[b]];
      mean[r * cells + c] = sum / ((start[r + 1] - start[r]) * (start[c + 1] - start[c]));
    }
  }
  const scaleMax = model.maxDistance > 0 ? model.maxDistance : 1;
  const base = new Uint8Array(cells * cells * 3);
  for (let cell = 0; cell < cells * cells; cell++) base.set(ramp(mean[cell] / scaleMax), cell * 3);

  const canvas = h('canvas', {
    class: 'convnet-emb-heatmap', 'data-role': 'heatmap', tabindex: 0, role: 'img', 'data-cells': cells,
    'aria-label': `Pairwise distances of ${n} faces sorted by identity; arrow keys move a cursor that reads the pair and its distance`,
  });
  const overlayToggle = h('input', { type: 'checkbox', checked: true, 'data-role': 'heatmap-accepted' });
  const readout = h('div', { class: 'convnet-emb-readout', 'aria-live': 'polite' }, ['Hover or focus the matrix to read a pair']);
  const scale = h('canvas', { class: 'convnet-emb-ramp', 'aria-hidden': 'true' });
  let threshold = payload.threshold;
  let cursor: { row: number; col: number } | undefined;

  const image = new ImageData(cells, cells);
  // The cells are painted at one pixel each, then scaled up without smoothing.
  const bitmap = document.createElement('canvas');
  bitmap.width = cells;
  bitmap.height = cells;
  // Repainting the cells costs O(N²) (the accepted fractions); only the threshold and the overlay toggle change them.
  let painted = false;
  const paint = () => {
    painted = true;
    const data = image.data;
    for (let r = 0; r < cells; r++) {
      for (let c = 0; c < cells; c++) {
        const p = (r * cells + c) * 4;
        const q = (r * cells + c) * 3;
        const red = base[q], green = base[q + 1], blue = base[q + 2];
        const accepted = overlayToggle.checked ? acceptedFraction(r, c) : 0;
        data[p] = red + (OVERLAY[0] - red) * accepted * OVERLAY_STRENGTH;
        data[p + 1] = green + (OVERLAY[1] - green) * accepted * OVERLAY_STRENGTH;
        data[p + 2] = blue + (OVERLAY[2] - blue) * accepted * OVERLAY_STRENGTH;
        data[p + 3] = 255;
      }
    }
  };
  const acceptedFraction = (r: number, c: number) => {
    let accepted = 0, total = 0;
    for (let a = start[r]; a < start[r + 1]; a++) {
      for (let b = start[c]; b < start[c + 1]; b++) {
        if (order[a] === order[b]) continue;
        total++;
        if (distances[order[a] * n + order[b]] < threshold) accepted++;
      }
    }
    return total > 0 ? accepted / total : 0;
  };

  const draw = () => {
    const colors = theme();
    const context = prepareCanvas(canvas, SIDE, SIDE);
    if (!context) return;
    if (!painted) {
      paint();
      bitmap.getContext('2d')?.putImageData(image, 0, 0);
    }
    context.imageSmoothingEnabled = false;
    context.drawImage(bitmap, 0, 0, SIDE, SIDE);
    // Identity blocks on the diagonal: same-person pairs lie inside them.
    const cellSize = SIDE / n;
    context.lineWidth = 1;
    context.strokeStyle = colors.foreground;
    let from = 0;
    for (let p = 1; p <= n; p++) {
      if (p === n || identities.ofPoint[order[p]] !== identities.ofPoint[order[from]]) {
        context.strokeRect(from * cellSize + 0.5, from * cellSize + 0.5, Math.max((p - from) * cellSize - 1, 1), Math.max((p - from) * cellSize - 1, 1));
        from = p;
      }
    }
    if (cursor) {
      const size = SIDE / cells;
      context.strokeStyle = colors.focus;
      context.lineWidth = 2;
      context.strokeRect(cursor.col * size, cursor.row * size, Math.max(size, 3), Math.max(size, 3));
    }
    canvas.dataset.threshold = String(threshold);
    drawRamp(colors);
  };

  const drawRamp = (colors: Theme) => {
    const context = prepareCanvas(scale, SIDE, 22);
    if (!context) return;
    for (let x = 0; x < SIDE; x++) {
      const [r, g, b] = ramp(x / (SIDE - 1));
      context.fillStyle = `rgb(${r}, ${g}, ${b})`;
      context.fillRect(x, 0, 1.5, 8);
    }
    if (threshold <= scaleMax) {
      context.fillStyle = `rgb(${OVERLAY.join(', ')})`;
      context.fillRect(Math.min(SIDE - 2, (threshold / scaleMax) * SIDE), 0, 2, 10);
    }
    context.fillStyle = colors.muted;
    context.font = '10px sans-serif';
    context.textBaseline = 'top';
    context.fillText('0', 0, 11);
    const maxText = formatCompact(scaleMax);
    context.fillText(maxText, SIDE - context.measureText(maxText).width, 11);
    const middle = 'distance (red: accepted at the threshold)';
    context.fillText(middle, (SIDE - context.measureText(middle).width) / 2, 11);
  };

  const describeCell = (row: number, col: number) => {
    const rows = [start[row], start[row + 1]], cols = [start[col], start[col + 1]];
    if (rows[1] - rows[0] === 1 && cols[1] - cols[0] === 1) {
      const a = order[rows[0]], b = order[cols[0]];
      const d = distances[a * n + b];
      if (a === b) return `${truncateText(names[a], LABEL_CHARS)} with itself`;
      const same = identities.ofPoint[a] === identities.ofPoint[b];
      return `${truncateText(names[a], LABEL_CHARS)} (${truncateText(payload.points[a].label, LABEL_CHARS)}) – `
        + `${truncateText(names[b], LABEL_CHARS)} (${truncateText(payload.points[b].label, LABEL_CHARS)}): distance ${formatCompact(d)}, `
        + `${same ? 'same identity' : 'different identities'}, ${d < threshold ? 'accepted' : 'rejected'} at ${formatCompact(threshold)}`;
    }
    const labelsOf = (range: number[]) => {
      const first = payload.points[order[range[0]]].label, last = payload.points[order[range[1] - 1]].label;
      return truncateText(first === last ? first : `${first} … ${last}`, LABEL_CHARS);
    };
    return `faces ${rows[0] + 1}–${rows[1]} (${labelsOf(rows)}) × faces ${cols[0] + 1}–${cols[1]} (${labelsOf(cols)}): `
      + `mean distance ${formatCompact(mean[row * cells + col])}, ${Math.round(100 * acceptedFraction(row, col))}% accepted`;
  };
  const moveTo = (row: number, col: number) => {
    cursor = { row: clamp(row, cells), col: clamp(col, cells) };
    readout.textContent = describeCell(cursor.row, cursor.col);
    draw();
  };

  canvas.addEventListener('pointermove', event => {
    const { x, y } = pointerPosition(canvas, event, SIDE, SIDE);
    const row = clamp(Math.floor((y / SIDE) * cells), cells), col = clamp(Math.floor((x / SIDE) * cells), cells);
    if (cursor?.row !== row || cursor?.col !== col) moveTo(row, col);
  }, { signal });
  canvas.addEventListener('focus', () => moveTo(cursor?.row ?? 0, cursor?.col ?? Math.min(1, cells - 1)), { signal });
  canvas.addEventListener('keydown', event => {
    const { row, col } = cursor ?? { row: 0, col: 0 };
    const step = event.shiftKey ? 10 : 1;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [row, col - step], ArrowRight: [row, col + step], ArrowUp: [row - step, col], ArrowDown: [row + step, col],
      Home: [0, 0], End: [cells - 1, cells - 1],
    };
    const target = moves[event.key];
    if (!target) return;
    event.preventDefault();
    moveTo(target[0], target[1]);
  }, { signal });
  overlayToggle.addEventListener('change', () => { painted = false; draw(); }, { signal });

  draw();
  const note = cells < n ? h('div', { class: 'convnet-muted' }, [`${n} faces shown as ${cells} × ${cells} blocks (mean distance per block)`]) : null;
  return {
    element: h('div', { class: 'convnet-emb-heatmap-view' }, [
      canvas, scale, note,
      h('label', {}, [overlayToggle, ' mark accepted pairs']),
      readout,
    ]),
    setThreshold(value) {
      threshold = value;
      painted = false;
      draw();
      if (cursor) readout.textContent = describeCell(cursor.row, cursor.col);
    },
    redraw: draw,
  };
}

function clamp(v: number, size: number): number {
  return Math.max(0, Math.min(size - 1, v));
}
