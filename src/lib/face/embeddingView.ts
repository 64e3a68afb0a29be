// `face.embeddingView`: embeddings with their identities as an interactive output. The renderer
// (renderers/embeddings) gets the raw vectors and draws projections, distances and triplets itself; front ends
// without it get a PNG drawn here in plain JS: a PCA scatter coloured by identity and the distance heatmap.
import type { Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { toPng } from '../images';
import { canvasToPng, categoryColour, createCanvas, drawText, fillCircle, fillRect, fitText, strokeRect, textWidth, viridis, type Canvas, type Rgb } from '../images/plot';
import type { EmbeddingPoint, EmbeddingTriplet, EmbeddingsPayload, ProjectionMethod } from '../../protocol/embeddings';
import { DISPLAY_SYMBOL_KEY, EMBEDDINGS_MIME } from '../../protocol/mime';
import { DLIB_MATCH_THRESHOLD } from './encoder';
import type { Triplets } from './triplet';
import { check, shapeOf } from './types';

export interface EmbeddingViewOptions {
  /** One image per point, [h, w, c] each or an [n, h, w, c] batch, values 0..1 or 0..255 (told by the maximum);
   *  shown downscaled to at most 48 pixels a side. */
  thumbnails?: Tensor3D[] | Tensor4D;
  /** What to call each point (e.g. file names); default `label #i`. */
  names?: string[];
  /** Starting verification threshold (match when distance < threshold). Default `DLIB_MATCH_THRESHOLD` (0.6),
   *  the pretrained encoder's scale; the course's own encoder uses 0.7. */
  threshold?: number;
  title?: string;
  /** Projection shown first: 'pca' (default), 'umap' or 'tsne'. */
  projection?: ProjectionMethod;
  /** A triplet batch to show: a list of {anchor, positive, negative} indices or `face.mineTriplets`'s result. */
  triplets?: readonly EmbeddingTriplet[] | Triplets;
  /** Triplet margin alpha for classifying triplets as easy / semi-hard / hard. Default 0.2. */
  margin?: number;
  /** Whether triplets are judged on squared distances, as the loss does. Default true. */
  squaredTriplets?: boolean;
  /** Seed of the stochastic projections (UMAP, t-SNE). Default 0. */
  seed?: number;
}

/** Largest side of a thumbnail in the payload. */
export const THUMBNAIL_SIDE = 48;
/** Size of the PNG fallback. */
export const FALLBACK_WIDTH = 640;
export const FALLBACK_HEIGHT = 320;

/** What `embeddingView` returns: shown by the kernel through its `Symbol.for('convnet.display')` method. */
export class EmbeddingView {
  constructor(readonly payload: EmbeddingsPayload, private readonly pngBase64: string) {}

  /** `text/plain`: n points, dim, identities, threshold. */
  summary(): string {
    const labels = distinctLabels(this.payload.points.map(p => p.label));
    const shown = labels.length > 8 ? `${labels.slice(0, 8).join(', ')}, …` : labels.join(', ');
    const triplets = this.payload.triplets ? `, ${this.payload.triplets.length} triplets` : '';
    return `EmbeddingView${this.payload.title ? ` '${this.payload.title}'` : ''}: ${this.payload.points.length} points of dim ${this.payload.dim}, `
      + `${labels.length} identities (${shown}), threshold ${this.payload.threshold}${triplets}`;
  }

  [Symbol.for(DISPLAY_SYMBOL_KEY)](): Record<string, unknown> {
    return { [EMBEDDINGS_MIME]: this.payload, 'image/png': this.pngBase64, 'text/plain': this.summary() };
  }
}

/**
 * An interactive view of face embeddings: projections coloured by identity, the distance matrix,
 * verification at a threshold, nearest neighbours and (optionally) a triplet batch. Make it the last
 * expression of a cell: `await face.embeddingView(emb, labels, { thumbnails })`.
 * The tensors are read, not kept or disposed.
 * @param embeddings [n, dim] tensor or n arrays of dim finite numbers
 * @param labels n identity labels
 */
export async function embeddingView(embeddings: Tensor2D | readonly (readonly number[])[], labels: readonly string[], options: EmbeddingViewOptions = {}): Promise<EmbeddingView> {
  const fn = 'embeddingView';
  const { rows, dim } = await readEmbeddings(embeddings, fn);
  const n = rows.length;
  check(Array.isArray(labels) && labels.length === n && labels.every(l => typeof l === 'string'),
    () => `${fn}: labels must be ${n} strings, one per embedding; got ${Array.isArray(labels) ? `${labels.length} entries${labels.every(l => typeof l === 'string') ? '' : ' (not all strings)'}` : typeof labels}`);
  check(options != null && typeof options === 'object', () => `${fn}: options must be an object; got ${typeof options}`);
  const { names, title, projection, seed } = options;
  check(names === undefined || (Array.isArray(names) && names.length === n && names.every(s => typeof s === 'string')),
    () => `${fn}: options.names must be ${n} strings; got ${Array.isArray(names) ? `${names.length} entries` : typeof names}`);
  const threshold = options.threshold ?? DLIB_MATCH_THRESHOLD;
  check(typeof threshold === 'number' && Number.isFinite(threshold) && threshold >= 0, () => `${fn}: options.threshold must be a finite number >= 0; got ${threshold}`);
  check(title === undefined || typeof title === 'string', () => `${fn}: options.title must be a string; got ${typeof title}`);
  check(projection === undefined || projection === 'pca' || projection === 'umap' || projection === 'tsne',
    () => `${fn}: options.projection must be 'pca', 'umap' or 'tsne'; got ${JSON.stringify(projection)}`);
  check(seed === undefined || (typeof seed === 'number' && Number.isFinite(seed)), () => `${fn}: options.seed must be a finite number; got ${seed}`);
  const margin = options.margin ?? 0.2;
  check(typeof margin === 'number' && Number.isFinite(margin) && margin >= 0, () => `${fn}: options.margin must be a finite number >= 0; got ${margin}`);
  check(options.squaredTriplets === undefined || typeof options.squaredTriplets === 'boolean', () => `${fn}: options.squaredTriplets must be a boolean; got ${typeof options.squaredTriplets}`);
  const triplets = options.triplets === undefined ? undefined : readTriplets(options.triplets, labels, fn);
  const thumbnails = options.thumbnails === undefined ? undefined : await readThumbnails(options.thumbnails, n, fn);

  const points: EmbeddingPoint[] = rows.map((row, i) => ({
    label: labels[i],
    ...(names ? { name: names[i] } : {}),
    vector: Array.from(row, shortestFloat32),
    ...(thumbnails ? { thumbnail: thumbnails[i] } : {}),
  }));
  const payload: EmbeddingsPayload = {
    version: 1,
    ...(title !== undefined ? { title } : {}),
    dim, points, metric: 'euclidean', threshold,
    projection: projection ?? 'pca',
    seed: seed ?? 0,
    ...(triplets ? { triplets, margin, squaredTriplets: options.squaredTriplets ?? true } : {}),
  };
  const png = canvasToPng(drawFallback(rows, labels, threshold, title)).toString('base64');
  return new EmbeddingView(payload, png);
}

async function readEmbeddings(embeddings: Tensor2D | readonly (readonly number[])[], fn: string): Promise<{ rows: Float64Array[]; dim: number }> {
  let rows: Float64Array[];
  if (embeddings instanceof tf.Tensor) {
    check(embeddings.rank === 2 && !embeddings.isDisposed, () => `${fn}: embeddings must be a live [n, dim] tensor; got shape ${shapeOf(embeddings)}${embeddings.isDisposed ? ' (disposed)' : ''}`);
    const [n, dim] = embeddings.shape;
    check(n >= 1 && dim >= 1, () => `${fn}: embeddings must have at least one row and one column; got shape ${shapeOf(embeddings)}`);
    const flat = await embeddings.data();
    rows = Array.from({ length: n }, (_, i) => Float64Array.from(flat.subarray(i * dim, (i + 1) * dim) as Float32Array));
  } else {
    check(Array.isArray(embeddings) && embeddings.length > 0 && embeddings.every(r => Array.isArray(r) || ArrayBuffer.isView(r)),
      () => `${fn}: embeddings must be a [n, dim] tensor or a non-empty array of number arrays; got ${Array.isArray(embeddings) ? 'an empty array or non-arrays' : typeof embeddings}`);
    const list = embeddings as readonly ArrayLike<number>[];
    const dim = list[0].length;
    list.forEach((r, i) => check(r.length === dim && dim >= 1,
      () => `${fn}: embeddings rows must all have the same length >= 1: row 0 has ${dim}, row ${i} has ${r.length}`));
    rows = list.map(r => Float64Array.from(r));
  }
  rows.forEach((r, i) => {
    const bad = r.findIndex(v => !Number.isFinite(v));
    check(bad < 0, () => `${fn}: embeddings must be finite; row ${i} has ${r[bad]} at column ${bad}`);
  });
  return { rows, dim: rows[0].length };
}

function readTriplets(triplets: readonly EmbeddingTriplet[] | Triplets, labels: readonly string[], fn: string): EmbeddingTriplet[] {
  let list: EmbeddingTriplet[];
  const mined = triplets as Triplets;
  if (!Array.isArray(triplets) && mined && mined.anchor && mined.positive && mined.negative && typeof mined.count === 'number') {
    list = Array.from({ length: mined.count }, (_, t) => ({ anchor: mined.anchor[t], positive: mined.positive[t], negative: mined.negative[t] }));
  } else {
    check(Array.isArray(triplets), () => `${fn}: options.triplets must be a list of {anchor, positive, negative} or face.mineTriplets's result`);
    list = (triplets as readonly EmbeddingTriplet[]).map(t => ({ anchor: t?.anchor, positive: t?.positive, negative: t?.negative }));
  }
  const n = labels.length;
  list.forEach((t, i) => {
    const ok = [t.anchor, t.positive, t.negative].every(v => Number.isInteger(v) && v >= 0 && v < n);
    check(ok, () => `${fn}: options.triplets[${i}] must hold whole indices in 0..${n - 1}; got ${JSON.stringify(t)}`);
    check(labels[t.positive] === labels[t.anchor] && t.positive !== t.anchor,
      () => `${fn}: options.triplets[${i}]: the positive (${t.positive}, '${labels[t.positive]}') must be another image of the anchor's identity (${t.anchor}, '${labels[t.anchor]}')`);
    check(labels[t.negative] !== labels[t.anchor],
      () => `${fn}: options.triplets[${i}]: the negative (${t.negative}) must be another identity than the anchor's ('${labels[t.anchor]}')`);
  });
  return list;
}

/** Base64 PNG thumbnails (≤ THUMBNAIL_SIDE a side) of n images. */
async function readThumbnails(thumbnails: Tensor3D[] | Tensor4D, n: number, fn: string): Promise<string[]> {
  const list = Array.isArray(thumbnails);
  const count = list ? thumbnails.length : thumbnails instanceof tf.Tensor && thumbnails.rank === 4 ? thumbnails.shape[0] : -1;
  check(count === n, () => `${fn}: options.thumbnails must be ${n} images (a list of [h, w, c] tensors or an [n, h, w, c] batch); got ${list ? `a list of ${count}` : `shape ${shapeOf(thumbnails as Tensor4D)}`}`);
  if (list) {
    thumbnails.forEach((t, i) => check(t instanceof tf.Tensor && !t.isDisposed && t.rank === 3 && [1, 3, 4].includes(t.shape[2]),
      () => `${fn}: options.thumbnails[${i}] must be a live [h, w, 1|3|4] tensor; got shape ${shapeOf(t)}`));
  } else {
    check(!thumbnails.isDisposed && [1, 3, 4].includes(thumbnails.shape[3]), () => `${fn}: options.thumbnails must be a live [n, h, w, 1|3|4] batch; got shape ${shapeOf(thumbnails)}`);
  }
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const small = tf.tidy(() => {
      const image = (list ? thumbnails[i] : tf.squeeze(tf.slice(thumbnails, [i, 0, 0, 0], [1, -1, -1, -1]), [0])) as Tensor3D;
      const [h, w] = image.shape;
      const shrink = Math.min(1, THUMBNAIL_SIDE / Math.max(h, w));
      const size: [number, number] = [Math.max(1, Math.round(h * shrink)), Math.max(1, Math.round(w * shrink))];
      const resized = shrink < 1 ? tf.image.resizeBilinear(image.toFloat(), size, false, true) : image.toFloat();
      return resized;
    });
    try {
      const maxT = tf.tidy(() => tf.max(small));
      const max = (await maxT.data())[0];
      maxT.dispose();
      // 0..255 images are told from 0..1 ones by their maximum; toPng reads floats as 0..1.
      const unit = max > 1 ? tf.tidy(() => tf.div(small, 255)) as Tensor3D : small;
      try { out.push((await toPng(unit)).toString('base64')); } finally { if (unit !== small) unit.dispose(); }
    } finally {
      small.dispose();
    }
  }
  return out;
}

/** The shortest decimal that reads back as the same float32, which keeps the payload small. */
function shortestFloat32(v: number): number {
  const f = Math.fround(v);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function distinctLabels(labels: readonly string[]): string[] {
  return [...new Set(labels)];
}

/**
 * The first two principal components of the rows, in float64: the coordinates of each centred row on them.
 * Power iteration on X^T X (never formed), with deflation; a component's sign makes its largest-magnitude
 * coordinate positive, so the picture does not flip between runs.
 * @returns n [pc1, pc2] pairs (0 where the data has no variance left)
 */
export function pcaProject(rows: readonly ArrayLike<number>[]): Array<[number, number]> {
  const n = rows.length, d = rows[0]?.length ?? 0;
  const mean = new Float64Array(d);
  for (const r of rows) for (let k = 0; k < d; k++) mean[k] += r[k] / n;
  const X = rows.map(r => Float64Array.from({ length: d }, (_, k) => r[k] - mean[k]));
  const coords = X.map(() => [0, 0] as [number, number]);
  const components: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    // Start from a fixed, generic vector, orthogonal to the components found.
    let v = Float64Array.from({ length: d }, (_, k) => 1 + 0.37 * Math.sin(1.3 * k + c));
    const project = (u: Float64Array) => {
      for (const w of components) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += u[k] * w[k];
        for (let k = 0; k < d; k++) u[k] -= dot * w[k];
      }
    };
    let norm = 0;
    for (let iter = 0; iter < 500; iter++) {
      project(v);
      const next = new Float64Array(d);
      for (const x of X) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += x[k] * v[k];
        for (let k = 0; k < d; k++) next[k] += dot * x[k];
      }
      project(next);
      norm = Math.hypot(...next);
      if (!(norm > 1e-300)) break;
      for (let k = 0; k < d; k++) next[k] /= norm;
      let change = 0;
      for (let k = 0; k < d; k++) change = Math.max(change, Math.abs(next[k] - v[k]));
      v = next;
      if (change < 1e-12) break;
    }
    if (!(norm > 1e-300)) break;
    components.push(v);
    const proj = X.map(x => { let dot = 0; for (let k = 0; k < d; k++) dot += x[k] * v[k]; return dot; });
    const big = proj.reduce((best, p) => (Math.abs(p) > Math.abs(best) ? p : best), 0);
    const sign = big < 0 ? -1 : 1;
    proj.forEach((p, i) => { coords[i][c] = sign * p; });
  }
  return coords;
}

/** Euclidean distances between all rows, float64. */
function distanceMatrix(rows: readonly Float64Array[]): Float64Array {
  const n = rows.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < rows[i].length; k++) { const t = rows[i][k] - rows[j][k]; s += t * t; }
      out[i * n + j] = out[j * n + i] = Math.sqrt(s);
    }
  }
  return out;
}

const INK: Rgb = [40, 40, 40];
const FAINT: Rgb = [200, 200, 200];
const WHITE: Rgb = [255, 255, 255];

/** The scatter panel's plotting area within the 640x320 fallback (left half). */
export const SCATTER_BOX = { x: 12, y: 24, width: 296, height: 284 } as const;
/** The heatmap's area (right half). */
export const HEATMAP_BOX = { x: 340, y: 24, width: 284, height: 284 } as const;

/** The PNG fallback: PCA scatter coloured by identity with a legend (left), distance heatmap (right). */
function drawFallback(rows: Float64Array[], labels: readonly string[], threshold: number, title?: string): Canvas {
  const canvas = createCanvas(FALLBACK_WIDTH, FALLBACK_HEIGHT);
  const identities = distinctLabels(labels);
  const colourOf = new Map(identities.map((l, i) => [l, categoryColour(i)]));
  const n = rows.length;

  // Left: PCA scatter.
  drawText(canvas, SCATTER_BOX.x, 8, fitText(`PCA ${title ? '- ' + title : ''}`, 72), INK, 1);
  const box = SCATTER_BOX;
  strokeRect(canvas, box.x, box.y, box.width, box.height, FAINT);
  const coords = pcaProject(rows);
  const span = (k: 0 | 1) => {
    let lo = Infinity, hi = -Infinity;
    for (const c of coords) { lo = Math.min(lo, c[k]); hi = Math.max(hi, c[k]); }
    return { lo, range: hi - lo };
  };
  const sx = span(0), sy = span(1);
  // One scale for both axes, so distances in the picture are not stretched.
  const pad = 12;
  const scale = Math.min((box.width - 2 * pad) / (sx.range || 1), (box.height - 2 * pad) / (sy.range || 1));
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const midX = sx.lo + sx.range / 2, midY = sy.lo + sy.range / 2;
  const radius = n > 200 ? 2.5 : 4;
  coords.forEach((c, i) => {
    const x = cx + (c[0] - midX) * scale, y = cy - (c[1] - midY) * scale;
    fillCircle(canvas, x, y, radius, colourOf.get(labels[i])!, WHITE);
  });

  // Legend: top-left corner of the scatter, up to 12 identities.
  const shown = identities.slice(0, 12);
  const legendLines = shown.map(l => fitText(l, 18)).concat(identities.length > shown.length ? [`+${identities.length - shown.length} more`] : []);
  const legendWidth = Math.max(...legendLines.map(l => textWidth(l))) + 14;
  fillRect(canvas, box.x + 2, box.y + 2, legendWidth + 4, legendLines.length * 8 + 4, [248, 248, 248]);
  legendLines.forEach((line, i) => {
    const y = box.y + 4 + i * 8;
    if (i < shown.length) fillRect(canvas, box.x + 4, y, 6, 6, colourOf.get(shown[i])!);
    drawText(canvas, box.x + 14, y + 1, line, INK);
  });

  // Right: distances, rows and columns grouped by identity, identity colours along the edges.
  const order = identities.flatMap(l => labels.map((m, i) => (m === l ? i : -1)).filter(i => i >= 0));
  const D = distanceMatrix(rows);
  let max = 0;
  for (const v of D) max = Math.max(max, v);
  const hb = HEATMAP_BOX;
  drawText(canvas, hb.x - 8, 8, fitText(`distances 0 to ${max.toPrecision(3)}, below ${threshold} framed`, 72), INK, 1);
  const inner = { x: hb.x, y: hb.y, size: hb.width - 8 };
  const cell = inner.size / n;
  for (let a = 0; a < n; a++) {
    const i = order[a];
    fillRect(canvas, inner.x - 6, inner.y + a * cell, 4, Math.max(1, cell), colourOf.get(labels[i])!);
    fillRect(canvas, inner.x + a * cell, inner.y + inner.size + 2, Math.max(1, cell), 4, colourOf.get(labels[i])!);
    for (let b = 0; b < n; b++) {
      const j = order[b];
      const d = D[i * n + j];
      const x0 = Math.floor(inner.x + b * cell), y0 = Math.floor(inner.y + a * cell);
      const x1 = Math.floor(inner.x + (b + 1) * cell), y1 = Math.floor(inner.y + (a + 1) * cell);
      fillRect(canvas, x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0), viridis(max > 0 ? d / max : 0));
      // Pairs that match at the threshold get a white frame when the cells are big enough to show one.
      if (i !== j && d < threshold && x1 - x0 >= 5) strokeRect(canvas, x0, y0, x1 - x0, y1 - y0, WHITE);
    }
  }
  return canvas;
}
