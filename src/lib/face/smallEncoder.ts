// A small trainable face encoder for the course's training exercises: conv(3x3) + relu + 2x2 max-pool blocks,
// then a dense layer to `dim` and L2 normalisation. Its weights are plain tf.Variables initialised from a seed,
// so the same seed gives the same network; `predict` is synchronous and differentiable (for trainEncoder).
import type { Tensor, Tensor2D, Tensor3D, Tensor4D, Variable } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { check, shapeOf, type FaceEncoder } from './types';

export interface SmallEncoderOptions {
  /** Side of the square input (default 32); must be divisible by 2^(number of conv blocks). */
  inputSize?: number;
  /** 1 (grey, default) or 3 (RGB). */
  channels?: 1 | 3;
  /** Embedding length (default 64). */
  dim?: number;
  /** Filters of the conv blocks, one 2x2 pool each (default [8, 16, 32]). */
  filters?: number[];
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
}

/** A FaceEncoder whose weights can be trained. */
export interface TrainableFaceEncoder extends FaceEncoder {
  readonly channels: number;
  readonly variables: Variable[];
  /**
   * The network, synchronous and differentiable: call it inside tf.tidy / optimizer.minimize.
   * @param x [n, inputSize, inputSize, channels], pixel values 0..255
   * @returns [n, dim], each row of length 1
   */
  predict(x: Tensor4D): Tensor2D;
}


/**
 * Builds a small seeded conv net encoder: [n, s, s, c] (0..255) → [n, dim] unit vectors.
 * Dispose it with `dispose()`.
 */
export function smallEncoder(options: SmallEncoderOptions = {}): TrainableFaceEncoder {
  const fn = 'smallEncoder';
  const inputSize = options.inputSize ?? 32;
  const channels = options.channels ?? 1;
  const dim = options.dim ?? 64;
  const seed = options.seed ?? 0;
  const filters = options.filters ?? [8, 16, 32];
  check(Array.isArray(filters) && filters.length > 0 && filters.every(f => Number.isInteger(f) && f > 0),
    () => `${fn}: filters must be a non-empty list of positive integers; got ${JSON.stringify(filters)}`);
  const scale = 2 ** filters.length;
  check(Number.isInteger(inputSize) && inputSize > 0 && inputSize % scale === 0, () => `${fn}: inputSize must be a positive multiple of ${scale}; got ${inputSize}`);
  check(channels === 1 || channels === 3, () => `${fn}: channels must be 1 or 3; got ${channels}`);
  check(Number.isInteger(dim) && dim > 0, () => `${fn}: dim must be a positive integer; got ${dim}`);
  check(typeof seed === 'number' && Number.isFinite(seed), () => `${fn}: seed must be a finite number; got ${seed}`);

  // He initialisation; each tensor gets its own seed derived from `seed` so the whole net is reproducible.
  const variables: Variable[] = [];
  const convs: { w: Variable; b: Variable }[] = [];
  let inC: number = channels;
  filters.forEach((outC, i) => {
    const w = tf.tidy(() => tf.variable(tf.randomNormal([3, 3, inC, outC], 0, Math.sqrt(2 / (9 * inC)), 'float32', seed * 101 + i + 1), true));
    const b = tf.tidy(() => tf.variable(tf.zeros([outC]), true));
    convs.push({ w, b });
    variables.push(w, b);
    inC = outC;
  });
  const flat = (inputSize / scale) * (inputSize / scale) * inC;
  const denseW = tf.tidy(() => tf.variable(tf.randomNormal([flat, dim], 0, Math.sqrt(1 / flat), 'float32', seed * 101 + 50), true));
  const denseB = tf.tidy(() => tf.variable(tf.zeros([dim]), true));
  variables.push(denseW, denseB);
  let disposed = false;
  const alive = (where: string) => check(!disposed, () => `${where}: this encoder has been disposed`);

  const predict = (x: Tensor4D): Tensor2D => {
    alive('predict');
    check(x instanceof tf.Tensor && x.rank === 4 && x.shape[1] === inputSize && x.shape[2] === inputSize && x.shape[3] === channels,
      () => `predict: x must be [n, ${inputSize}, ${inputSize}, ${channels}]; got shape ${shapeOf(x)}`);
    return tf.tidy(() => {
      let h: Tensor4D = tf.div(x.toFloat(), 255);
      for (const { w, b } of convs) {
        h = tf.relu(tf.add(tf.conv2d(h, w as unknown as Tensor4D, 1, 'same'), b)) as Tensor4D;
        h = tf.maxPool(h, 2, 2, 'valid');
      }
      const e = tf.add(tf.matMul(tf.reshape(h, [x.shape[0], flat]) as Tensor2D, denseW as unknown as Tensor2D), denseB);
      const norm = tf.sqrt(tf.add(tf.sum(tf.square(e), 1, true), 1e-12));
      return tf.div(e, norm) as Tensor2D;
    });
  };

  const toBatch = (images: Tensor3D | Tensor4D | Tensor3D[]): Tensor4D => {
    const list = Array.isArray(images);
    if (list) check(images.length > 0, () => 'encode: the list of images is empty');
    const items: Tensor[] = list ? images : [images];
    items.forEach((t, i) => {
      const where = list ? `encode: images[${i}]` : 'encode: images';
      check(t instanceof tf.Tensor && !t.isDisposed, () => `${where} must be a live tf.Tensor`);
      check(t.rank === 3 || (!list && t.rank === 4), () => `${where} must be [h, w, c]${list ? '' : ' or [n, h, w, c]'}; got shape ${shapeOf(t)}`);
      const c = t.shape[t.rank - 1];
      check(c === 1 || c === 3, () => `${where} must have 1 or 3 channels; got shape ${shapeOf(t)}`);
    });
    return tf.tidy(() => {
      const resized = items.map(t => {
        let b = (t.rank === 3 ? tf.expandDims(t, 0) : t).toFloat() as Tensor4D;
        if (b.shape[3] === 3 && channels === 1) b = tf.mean(b, 3, true) as Tensor4D;
        if (b.shape[3] === 1 && channels === 3) b = tf.tile(b, [1, 1, 1, 3]);
        if (b.shape[1] !== inputSize || b.shape[2] !== inputSize) b = tf.image.resizeBilinear(b, [inputSize, inputSize]);
        return b;
      });
      return (resized.length === 1 ? resized[0] : tf.concat(resized, 0)) as Tensor4D;
    });
  };

  return {
    inputSize, dim, channels, variables, predict,
    async encode(images, encodeOptions = {}) {
      alive('encode');
      check((encodeOptions.align ?? 'none') === 'none', () => `encode: this encoder cannot detect faces; options.align must be 'none', got ${JSON.stringify(encodeOptions.align)}`);
      const batch = toBatch(images);
      try { return predict(batch); } finally { batch.dispose(); }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const v of variables) v.dispose();
    },
  };
}
