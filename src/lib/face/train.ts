// Training an encoder with the triplet loss: each step samples P identities x K images ("PK batches", Hermans
// et al. 2017), embeds them, mines triplets on those embeddings (all / batch-hard / semi-hard) and takes one Adam
// step on the mean triplet loss. Stops cleanly between steps on an AbortSignal, keeping the weights trained so far.
import type { Scalar, Tensor2D, Tensor3D, Tensor4D, Variable } from '@tensorflow/tfjs';
import { seededRandom as random } from '../ops/random';
import { tf } from '../tf';
import { mineTriplets, tripletLoss, type MiningStrategy } from './triplet';
import { check, shapeOf } from './types';
import { kernelSignal } from '../ops/kernel';

/** What trainEncoder trains: its variables, and a synchronous differentiable forward pass. */
export interface TrainableModel {
  readonly variables: Variable[];
  /** [n, h, w, c] → [n, dim] */
  predict(x: Tensor4D): Tensor2D;
}

/** Labelled images: a batch [n, h, w, c] or a list of [h, w, c] images of one shape, and one label per image. */
export interface TripletDataset {
  images: Tensor4D | Tensor3D[];
  labels: ArrayLike<number>;
}

export interface TrainProgress {
  /** 1-based step number over the whole run. */
  step: number;
  /** 1-based epoch. */
  epoch: number;
  /** The mean triplet loss of the mined triplets before this step's update (0 when none were mined). */
  loss: number;
  /** Mined triplets with a positive loss (d(a,p) - d(a,n) + alpha > 0). */
  activeTriplets: number;
}

export interface TrainEncoderOptions {
  model: TrainableModel;
  dataset: TripletDataset;
  /** Triplet mining (see mineTriplets); default 'hard' (batch hard). */
  strategy?: MiningStrategy;
  /** Triplet margin; default 0.2. */
  alpha?: number;
  /** Default 5. An epoch is ceil(images / (batchIdentities * imagesPerIdentity)) steps. */
  epochs?: number;
  /** P: identities per batch (default 8, fewer if the data has fewer). */
  batchIdentities?: number;
  /** K: images per identity per batch (default 4, fewer for identities with fewer images). */
  imagesPerIdentity?: number;
  /** Adam's learning rate; default 1e-3. */
  learningRate?: number;
  /** Seed of the batch sampling; default 0. */
  seed?: number;
  /** Called after each step; awaited if it returns a promise. */
  onProgress?: (entry: TrainProgress) => void | Promise<void>;
  /** Stops between steps; default: the running notebook cell's signal. */
  signal?: AbortSignal;
}

export interface TrainResult {
  history: TrainProgress[];
  /** true when the signal stopped training before the last epoch ended. */
  stopped: boolean;
}

function shuffled<T>(items: T[], rand: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const positiveInteger = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0;

/**
 * Trains `model` with the triplet loss (reduction 'mean') and Adam over `model.variables`.
 * @returns the loss history per step, and whether the signal stopped it
 */
export async function trainEncoder(options: TrainEncoderOptions): Promise<TrainResult> {
  const fn = 'trainEncoder';
  check(options != null && typeof options === 'object', () => `${fn}: expected an options object { model, dataset, ... }; got ${typeof options}`);
  const { model, dataset } = options;
  const strategy = options.strategy ?? 'hard';
  const alpha = options.alpha ?? 0.2;
  const epochs = options.epochs ?? 5;
  const P = options.batchIdentities ?? 8;
  const K = options.imagesPerIdentity ?? 4;
  const learningRate = options.learningRate ?? 1e-3;
  const seed = options.seed ?? 0;
  const signal = options.signal ?? kernelSignal();

  check(model != null && typeof model.predict === 'function' && Array.isArray(model.variables),
    () => `${fn}: model must have variables (tf.Variable[]) and predict(x); got ${model === null ? 'null' : typeof model}`);
  check(model.variables.length > 0 && model.variables.every(v => v instanceof tf.Variable && !v.isDisposed),
    () => `${fn}: model.variables must be a non-empty list of live tf.Variables`);
  check(dataset != null && typeof dataset === 'object', () => `${fn}: dataset must be { images, labels }; got ${typeof dataset}`);
  const { images, labels } = dataset;
  const list = Array.isArray(images);
  if (list) {
    check(images.length > 0, () => `${fn}: dataset.images is an empty list`);
    images.forEach((t, i) => check(t instanceof tf.Tensor && !t.isDisposed && t.rank === 3 && t.shape.join() === images[0].shape.join(),
      () => `${fn}: dataset.images[${i}] must be a live [h, w, c] tensor of the same shape as dataset.images[0] ${shapeOf(images[0])}; got ${shapeOf(t)}`));
  } else {
    check(images instanceof tf.Tensor && !images.isDisposed && images.rank === 4,
      () => `${fn}: dataset.images must be a [n, h, w, c] tensor or a list of [h, w, c] tensors; got shape ${shapeOf(images as Tensor4D)}`);
  }
  const n = list ? images.length : (images as Tensor4D).shape[0];
  check(labels != null && typeof labels.length === 'number', () => `${fn}: dataset.labels must be an array of numbers; got ${typeof labels}`);
  check(labels.length === n, () => `${fn}: dataset.labels must have one label per image, got ${labels.length} for ${n} images`);
  for (let i = 0; i < n; i++) check(typeof labels[i] === 'number' && Number.isFinite(labels[i]), () => `${fn}: dataset.labels[${i}] must be a finite number; got ${String(labels[i])}`);
  check(strategy === 'all' || strategy === 'hard' || strategy === 'semi-hard', () => `${fn}: strategy must be 'all', 'hard' or 'semi-hard'; got ${JSON.stringify(strategy)}`);
  check(typeof alpha === 'number' && Number.isFinite(alpha) && alpha >= 0, () => `${fn}: alpha must be a finite number >= 0; got ${alpha}`);
  check(positiveInteger(epochs), () => `${fn}: epochs must be a positive integer; got ${epochs}`);
  check(positiveInteger(P) && P >= 2, () => `${fn}: batchIdentities must be an integer >= 2; got ${P}`);
  check(positiveInteger(K) && K >= 2, () => `${fn}: imagesPerIdentity must be an integer >= 2; got ${K}`);
  check(typeof learningRate === 'number' && Number.isFinite(learningRate) && learningRate > 0, () => `${fn}: learningRate must be a positive number; got ${learningRate}`);
  check(typeof seed === 'number' && Number.isFinite(seed), () => `${fn}: seed must be a finite number; got ${seed}`);
  check(options.onProgress === undefined || typeof options.onProgress === 'function', () => `${fn}: onProgress must be a function; got ${typeof options.onProgress}`);

  // Identities that can give an anchor-positive pair; at least two of them are needed for a negative.
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (!byLabel.has(l)) byLabel.set(l, []);
    byLabel.get(l)!.push(i);
  }
  const usable = [...byLabel.keys()].filter(l => byLabel.get(l)!.length >= 2);
  check(usable.length >= 2 && byLabel.size >= 2,
    () => `${fn}: dataset needs at least 2 identities with 2 or more images each; got ${usable.length} of ${byLabel.size} identities`);
  const perBatch = Math.min(P, usable.length);
  const stepsPerEpoch = Math.max(1, Math.ceil(n / (P * K)));

  const all = list ? tf.stack(images) as Tensor4D : images as Tensor4D;
  const optimizer = tf.train.adam(learningRate);
  const rand = random(seed);
  const history: TrainProgress[] = [];
  let stopped = false;
  try {
    let step = 0;
    training:
    for (let epoch = 1; epoch <= epochs; epoch++) {
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (signal?.aborted) { stopped = true; break training; }
        const ids = shuffled(usable, rand).slice(0, perBatch);
        const index: number[] = [], batchLabels: number[] = [];
        for (const id of ids) {
          for (const i of shuffled(byLabel.get(id)!, rand).slice(0, K)) { index.push(i); batchLabels.push(id); }
        }
        const batch = tf.tidy(() => tf.gather(all, index));
        let loss = 0, active = 0;
        try {
          // Mine on this step's embeddings (reading them is async), then recompute them inside minimize for the gradient.
          const embeddings = tf.tidy(() => model.predict(batch));
          let triplets;
          try { triplets = await mineTriplets(embeddings, batchLabels, { strategy, margin: alpha }); } finally { embeddings.dispose(); }
          for (let t = 0; t < triplets.count; t++) {
            if (triplets.positiveDistance[t] - triplets.negativeDistance[t] + alpha > 0) active++;
          }
          if (triplets.count > 0) {
            const { anchor, positive, negative } = triplets;
            const cost = tf.tidy(() => optimizer.minimize(() => {
              const e = model.predict(batch);
              return tripletLoss(tf.gather(e, anchor), tf.gather(e, positive), tf.gather(e, negative), alpha, { reduction: 'mean' }) as Scalar;
            }, true, model.variables) as Scalar);
            try { loss = (await cost.data())[0]; } finally { cost.dispose(); }
          }
        } finally {
          batch.dispose();
        }
        step++;
        const entry: TrainProgress = { step, epoch, loss, activeTriplets: active };
        history.push(entry);
        if (options.onProgress) await options.onProgress(entry);
      }
    }
  } finally {
    optimizer.dispose();
    if (list) all.dispose();
  }
  return { history, stopped };
}
