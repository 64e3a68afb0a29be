// Where each triplet of a batch falls against the margin: easy, semi-hard or hard (FaceNet's classes),
// as counts, a number line of d(a,n) - d(a,p) with 0 and the margin marked, and a list per triplet.
import { h } from '../shared/dom';
import { truncateText } from '../shared/escape';
import { formatCompact } from '../shared/format';
import { prepareCanvas, type Theme } from '../shared/canvas';
import { countTriplets, evaluateTriplets, type TripletClass, type TripletResult } from './math';
import type { Model } from './model';
import { DEFAULT_MARGIN } from './payload';
import { identityStyle } from './palette';
import { thumbnail } from './thumbnail';

const WIDTH = 520;
const HEIGHT = 90;
const MAX_LISTED = 100;
const LABEL_CHARS = 24;
const CLASS_NAMES: Record<TripletClass, string> = { easy: 'easy', 'semi-hard': 'semi-hard', hard: 'hard' };

export interface TripletsView {
  element: HTMLElement;
  redraw(): void;
}

export function tripletsView(model: Model, theme: () => Theme): TripletsView {
  const { payload, names, identities, n } = model;
  const margin = payload.margin ?? DEFAULT_MARGIN;
  const squared = payload.squaredTriplets ?? true;
  const results = evaluateTriplets(model.distances, n, payload.triplets ?? [], margin, squared);
  const counts = countTriplets(results);
  const distanceName = squared ? 'd²' : 'd';

  const canvas = h('canvas', {
    class: 'convnet-emb-numberline', 'data-role': 'triplet-line', role: 'img',
    'aria-label': `${distanceName}(a,n) − ${distanceName}(a,p) for ${results.length} triplets against 0 and the margin ${margin}`,
  });
  const draw = () => drawNumberLine(canvas, results, margin, `${distanceName}(a,n) − ${distanceName}(a,p)`, theme());

  const badge = (kind: TripletClass, count: number) =>
    h('span', { class: `convnet-emb-badge convnet-emb-${kind}`, 'data-kind': kind }, [`${CLASS_NAMES[kind]}: ${count}`]);
  const dark = () => theme().dark;
  const face = (index: number, role: string) => h('span', { class: 'convnet-emb-triplet-face', title: `${role}: ${names[index]} (${payload.points[index].label})` }, [
    thumbnail(payload.points[index], names[index], 32, identityStyle(identities.ofPoint[index], dark()).color),
    h('span', { class: 'convnet-muted' }, [`${role} ${truncateText(names[index], LABEL_CHARS)}`]),
  ]);
  const rows = results.slice(0, MAX_LISTED).map((r, i) => h('li', { class: `convnet-emb-triplet convnet-emb-${r.kind}`, 'data-kind': r.kind }, [
    h('span', { class: 'convnet-emb-triplet-index convnet-muted' }, [`${i}`]),
    face(r.anchor, 'A'), face(r.positive, 'P'), face(r.negative, 'N'),
    h('span', { class: 'convnet-emb-triplet-numbers' }, [
      `${distanceName}(a,p) ${formatCompact(r.anchorPositive)} · ${distanceName}(a,n) ${formatCompact(r.anchorNegative)} · `
      + `gap ${formatCompact(r.anchorNegative - r.anchorPositive)} · loss ${formatCompact(r.loss)}`,
    ]),
    h('span', { class: `convnet-emb-badge convnet-emb-${r.kind}` }, [CLASS_NAMES[r.kind]]),
  ]));

  const element = h('section', {
    class: 'convnet-emb-triplets', 'data-role': 'triplets', 'aria-label': 'Triplets against the margin',
    'data-easy': counts.easy, 'data-semi-hard': counts['semi-hard'], 'data-hard': counts.hard, 'data-margin': margin,
  }, [
    h('h3', {}, [`Triplets (${results.length}) against the margin α = ${formatCompact(margin)}${squared ? ', squared distances' : ''}`]),
    h('div', { class: 'convnet-emb-badges' }, [badge('easy', counts.easy), badge('semi-hard', counts['semi-hard']), badge('hard', counts.hard)]),
    h('div', { class: 'convnet-muted' }, [
      `hard: ${distanceName}(a,n) ≤ ${distanceName}(a,p); semi-hard: ${distanceName}(a,p) < ${distanceName}(a,n) ≤ ${distanceName}(a,p) + α; easy: beyond the margin (zero loss)`,
    ]),
    results.length > 0 ? canvas : null,
    results.length > 0 ? h('ol', { class: 'convnet-emb-triplet-list' }, rows) : h('div', { class: 'convnet-muted' }, ['The batch is empty.']),
    results.length > MAX_LISTED ? h('div', { class: 'convnet-muted' }, [`… ${results.length - MAX_LISTED} more triplets (counted above, not listed)`]) : null,
  ]);
  if (results.length > 0) draw();
  return { element, redraw: () => { if (results.length > 0) draw(); } };
}

function drawNumberLine(canvas: HTMLCanvasElement, results: readonly TripletResult[], margin: number, axisName: string, colors: Theme): void {
  const context = prepareCanvas(canvas, WIDTH, HEIGHT);
  if (!context) return;
  const gaps = results.map(r => r.anchorNegative - r.anchorPositive);
  let low = gaps.reduce((a, b) => Math.min(a, b), 0), high = gaps.reduce((a, b) => Math.max(a, b), margin);
  const pad = (high - low) * 0.06 || 1;
  low -= pad; high += pad;
  const left = 10, right = WIDTH - 10, axis = HEIGHT - 26;
  const x = (value: number) => left + ((value - low) / (high - low)) * (right - left);
  const kindColor: Record<TripletClass, string> = { hard: colors.error, 'semi-hard': colors.warning, easy: colors.success };
  // Shaded regions for the three classes.
  const regions: Array<[number, number, TripletClass]> = [[low, 0, 'hard'], [0, margin, 'semi-hard'], [margin, high, 'easy']];
  for (const [from, to, kind] of regions) {
    context.globalAlpha = 0.12;
    context.fillStyle = kindColor[kind];
    context.fillRect(x(from), 4, Math.max(0, x(to) - x(from)), axis - 4);
  }
  context.globalAlpha = 1;
  context.strokeStyle = colors.muted;
  context.lineWidth = 1;
  context.beginPath(); context.moveTo(left, axis); context.lineTo(right, axis); context.stroke();
  context.fillStyle = colors.muted;
  context.font = '10px sans-serif';
  context.textBaseline = 'top';
  for (const [value, text] of [[0, '0'], [margin, `α = ${formatCompact(margin)}`]] as Array<[number, string]>) {
    context.beginPath(); context.moveTo(x(value), 4); context.lineTo(x(value), axis + 4); context.stroke();
    context.fillText(text, x(value) - context.measureText(text).width / 2, axis + 6);
  }
  context.fillText(axisName, right - context.measureText(axisName).width, axis + 16);
  results.forEach((r, i) => {
    // A fixed jitter by index so overlapping triplets stay visible and the picture is stable.
    const jitter = ((i * 0.618034) % 1) * (axis - 16) + 8;
    context.beginPath();
    context.arc(x(gaps[i]), jitter, 3, 0, 2 * Math.PI);
    context.fillStyle = kindColor[r.kind];
    context.fill();
  });
}
