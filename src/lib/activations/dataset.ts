// Many inputs from a few photos: crops on a regular grid, so a learner without a data set still gets thousands
// of images to stream through a network. Crops are exact copies of pixels (gathers, no interpolation).
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { check, isPositiveInteger, shapeOf } from './errors';

export interface PatchesOptions {
  /** Crop side, or [height, width]. */
  size: number | readonly [number, number];
  /** Step between crops, or [dy, dx]. Default: the size (crops side by side). */
  stride?: number | readonly [number, number];
  /** At most this many crops, spread evenly over all of them (every image keeps its share). */
  max?: number;
}

const isList = (v: unknown): v is readonly Tensor3D[] => Array.isArray(v);

const pair = (v: unknown, what: string, fn: string): [number, number] => {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : [];
  check(p.length === 2 && p.every(isPositiveInteger), () => `${fn}: options.${what} must be a positive integer or [height, width]; got ${JSON.stringify(v)}`);
  return [p[0], p[1]];
};

/** Top-left corners of the crops of one image: rows and columns. */
export function gridStarts(length: number, size: number, stride: number): number[] {
  const starts: number[] = [];
  for (let s = 0; s + size <= length; s += stride) starts.push(s);
  return starts;
}

/**
 * Crops of `size` every `stride` pixels from each image, in reading order (image by image, row by row).
 * Values are copied unchanged (give 0..255 images for a FeatureNet).
 * @param images [h, w, c], [n, h, w, c] or a list of [h, w, c] (sizes may differ); not disposed
 * @returns [m, size, size, c]; the caller disposes it
 */
export function patches(images: Tensor3D | Tensor4D | readonly Tensor3D[], options: PatchesOptions): Tensor4D {
  const fn = 'dataset.patches';
  const source = checkImages(images, fn);
  const shapes: number[][] = isList(source) ? source.map(t => t.shape) : source.rank === 3 ? [source.shape]
    : Array.from({ length: source.shape[0] }, () => source.shape.slice(1));
  check(options != null && typeof options === 'object', () => `${fn}: expected options { size, stride?, max? }; got ${typeof options}`);
  const [sh, sw] = pair(options.size, 'size', fn);
  const [dy, dx] = options.stride === undefined ? [sh, sw] : pair(options.stride, 'stride', fn);
  check(options.max === undefined || isPositiveInteger(options.max), () => `${fn}: options.max must be a positive integer; got ${JSON.stringify(options.max)}`);
  const channels = shapes[0][2];
  shapes.forEach((s, i) => check(s[2] === channels, () => `${fn}: every image must have ${channels} channels like image 0; image ${i} is [${s.join(', ')}]`));
  const grids = shapes.map(s => ({ rows: gridStarts(s[0], sh, dy), cols: gridStarts(s[1], sw, dx) }));
  const total = grids.reduce((sum, g) => sum + g.rows.length * g.cols.length, 0);
  check(total > 0, () => `${fn}: no ${sh} x ${sw} crop fits in images of ${shapes.map(s => `${s[0]} x ${s[1]}`).join(', ')}`);
  return tf.tidy(() => {
    const list: readonly Tensor3D[] = isList(source) ? source : source.rank === 3 ? [source as Tensor3D] : tf.unstack(source) as Tensor3D[];
    const parts = list.map((image, i) => {
      const { rows, cols } = grids[i];
      if (rows.length * cols.length === 0) return null;
      const rowIndex = rows.flatMap(r => Array.from({ length: sh }, (_, j) => r + j));
      const colIndex = cols.flatMap(c => Array.from({ length: sw }, (_, j) => c + j));
      const byRows = tf.reshape(tf.gather(image, rowIndex, 0), [rows.length, sh, image.shape[1], channels]);
      const both = tf.reshape(tf.gather(byRows, colIndex, 2), [rows.length, sh, cols.length, sw, channels]);
      return tf.reshape(tf.transpose(both, [0, 2, 1, 3, 4]), [rows.length * cols.length, sh, sw, channels]);
    }).filter((p): p is Tensor4D => p !== null);
    const all = parts.length === 1 ? parts[0] : tf.concat(parts, 0) as Tensor4D;
    if (options.max === undefined || options.max >= total) return all;
    const pick = Array.from({ length: options.max }, (_, i) => Math.floor(i * total / options.max!));
    return tf.gather(all, pick, 0) as Tensor4D;
  });
}

function checkImages(images: unknown, fn: string): readonly Tensor3D[] | Tensor3D | Tensor4D {
  const ok = (t: unknown, rank: number) => t instanceof tf.Tensor && !t.isDisposed && t.rank === rank && t.size > 0;
  if (Array.isArray(images)) {
    check(images.length > 0, () => `${fn}: images is an empty list`);
    images.forEach((t, i) => check(ok(t, 3), () => `${fn}: images[${i}] must be a live [h, w, c] tensor; got ${shapeOf(t)}`));
    return images;
  }
  check(ok(images, 3) || ok(images, 4), () => `${fn}: images must be [h, w, c], [n, h, w, c] or a list of [h, w, c] tensors; got ${shapeOf(images as Tensor3D)}`);
  return images as Tensor3D | Tensor4D;
}

/**
 * The same crops as `patches`, made `batchSize` at a time: an async iterable for `topPatches` that never holds
 * all crops at once. Each batch is [b, size, size, c]; topPatches disposes the batches it takes.
 */
export async function* patchBatches(images: Tensor3D | Tensor4D | readonly Tensor3D[], options: PatchesOptions & { batchSize?: number }): AsyncGenerator<Tensor4D> {
  const fn = 'dataset.patchBatches';
  const batchSize = options?.batchSize ?? 32;
  check(isPositiveInteger(batchSize), () => `${fn}: options.batchSize must be a positive integer; got ${JSON.stringify(options?.batchSize)}`);
  const source = checkImages(images, fn);
  const [sh, sw] = pair(options.size, 'size', fn);
  const [dy, dx] = options.stride === undefined ? [sh, sw] : pair(options.stride, 'stride', fn);
  const count = isList(source) ? source.length : source.rank === 3 ? 1 : source.shape[0];
  const corners: Array<[number, number, number]> = [];
  for (let i = 0; i < count; i++) {
    const shape = isList(source) ? source[i].shape : source.shape.slice(source.rank - 3);
    for (const r of gridStarts(shape[0], sh, dy)) for (const c of gridStarts(shape[1], sw, dx)) corners.push([i, r, c]);
  }
  check(corners.length > 0, () => `${fn}: no ${sh} x ${sw} crop fits in the images`);
  const limit = options.max === undefined ? corners.length : Math.min(options.max, corners.length);
  const chosen = Array.from({ length: limit }, (_, i) => corners[Math.floor(i * corners.length / limit)]);
  for (let start = 0; start < chosen.length; start += batchSize) {
    yield tf.tidy(() => tf.stack(chosen.slice(start, start + batchSize).map(([i, r, c]) => {
      if (isList(source)) return tf.slice(source[i], [r, c, 0], [sh, sw, -1]);
      const t = source as Tensor3D | Tensor4D;
      return t.rank === 3 ? tf.slice(t as Tensor3D, [r, c, 0], [sh, sw, -1]) : tf.reshape(tf.slice(t as Tensor4D, [i, r, c, 0], [1, sh, sw, -1]), [sh, sw, (t as Tensor4D).shape[3]]);
    })) as Tensor4D);
  }
}
