// Two small classifiers made of tf.layers — a 1-D CNN for heartbeats and a 3-D CNN for volumes — and one training
// loop for both: seeded mini-batches, Adam on softmax cross-entropy, progress after every epoch, and a clean stop
// between steps on an AbortSignal (the running cell's by default), keeping the weights trained so far.
import type { LayersModel, Scalar, Sequential, Tensor, Variable } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { check, isPositiveInteger, shapeOf } from './errors';
import { seededRandom } from '../ops/random';
import { kernelSignal } from '../ops/kernel';

export interface Cnn1dOptions {
  /** Samples per input window. */
  length: number;
  /** Default 2. */
  classes?: number;
  /** Seed of the weight initialisation; default 0. */
  seed?: number;
}

/**
 * [n, length, 1] → class probabilities [n, classes]:
 * conv1d 8×7 → max-pool 3 → conv1d 16×5 → max-pool 3 → flatten → dense softmax. The beat is centred on its
 * R peak, so where a feature appears matters: flatten keeps that, unlike global pooling.
 */
export function cnn1d(options: Cnn1dOptions): Sequential {
  const { length } = options;
  const classes = options.classes ?? 2, seed = options.seed ?? 0;
  check(isPositiveInteger(length) && length >= 24, () => `cnn1d: length must be an integer >= 24 samples; got ${length}`);
  check(isPositiveInteger(classes) && classes >= 2, () => `cnn1d: classes must be an integer >= 2; got ${classes}`);
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 101 + k });
  return tf.sequential({
    name: 'cnn1d',
    layers: [
      tf.layers.conv1d({ inputShape: [length, 1], filters: 8, kernelSize: 7, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling1d({ poolSize: 3 }),
      tf.layers.conv1d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling1d({ poolSize: 3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
}

export interface Cnn3dOptions {
  /** Side of the cubic input volume (>= 10). */
  size: number;
  /** Default 3. */
  classes?: number;
  /** Seed of the weight initialisation; default 0. */
  seed?: number;
}

/**
 * [n, size, size, size, 1] → class probabilities [n, classes]:
 * conv3d 8×3³ → max-pool 2³ → conv3d 16×3³ → conv3d 16×3³ → max over all positions → dense softmax.
 */
export function cnn3d(options: Cnn3dOptions): Sequential {
  const { size } = options;
  const classes = options.classes ?? 3, seed = options.seed ?? 0;
  check(isPositiveInteger(size) && size >= 10, () => `cnn3d: size must be an integer >= 10 voxels; got ${size}`);
  check(isPositiveInteger(classes) && classes >= 2, () => `cnn3d: classes must be an integer >= 2; got ${classes}`);
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 101 + k });
  const finalSide = Math.floor((size - 2) / 2) - 4;
  return tf.sequential({
    name: 'cnn3d',
    layers: [
      tf.layers.conv3d({ inputShape: [size, size, size, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling3d({ poolSize: 2 }),
      tf.layers.conv3d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.conv3d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: init(4) }),
      // The largest response anywhere: where the shape sits should not matter.
      tf.layers.maxPooling3d({ poolSize: finalSide, strides: finalSide }),
      tf.layers.flatten(),
      tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}

export interface ClassifierProgress {
  /** 1-based epoch. */
  epoch: number;
  /** Steps taken so far. */
  step: number;
  /** Mean cross-entropy over this epoch's batches. */
  loss: number;
  /** Accuracy on the training batches of this epoch (measured before each batch's update). */
  trainAccuracy: number;
  /** Accuracy on `validation` after this epoch, when given. */
  validationAccuracy?: number;
  /** Seconds since training started. */
  seconds: number;
}

/** Inputs [n, ...] and one class index per input. */
export interface LabelledTensors {
  x: Tensor;
  labels: ArrayLike<number>;
}

export interface TrainClassifierOptions {
  model: LayersModel;
  train: LabelledTensors;
  validation?: LabelledTensors;
  /** Default 10. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Adam's learning rate; default 3e-3. */
  learningRate?: number;
  /** Seed of the batch order; default 0. */
  seed?: number;
  /** Called after each epoch; awaited if it returns a promise. */
  onProgress?: (entry: ClassifierProgress) => void | Promise<void>;
  /** Stops between steps; default: the running notebook cell's signal. */
  signal?: AbortSignal;
}

export interface ClassifierTrainResult {
  history: ClassifierProgress[];
  /** true when the signal stopped training early (the weights trained so far are kept). */
  stopped: boolean;
  seconds: number;
}

function checkLabelled(fn: string, name: string, data: LabelledTensors | undefined, model: LayersModel): number {
  check(data != null && data.x instanceof tf.Tensor && !data.x.isDisposed,
    () => `${fn}: ${name}.x must be a live tensor [n, ...]; got ${shapeOf(data?.x)}`);
  const inputShape = model.inputs[0].shape.slice(1);
  check(data.x.rank === inputShape.length + 1 && data.x.shape.slice(1).every((s, i) => inputShape[i] == null || inputShape[i] === s),
    () => `${fn}: ${name}.x must be [n, ${inputShape.join(', ')}] for this model; got ${shapeOf(data.x)}`);
  const n = data.x.shape[0];
  const classes = model.outputs[0].shape[1] as number;
  check(data.labels != null && data.labels.length === n, () => `${fn}: ${name}.labels must have one label per input (${n}); got ${data.labels?.length}`);
  for (let i = 0; i < n; i++) {
    check(Number.isInteger(data.labels[i]) && data.labels[i] >= 0 && data.labels[i] < classes,
      () => `${fn}: ${name}.labels[${i}] must be a class index in 0..${classes - 1}; got ${data.labels[i]}`);
  }
  return n;
}

/** Class predictions of `model` on x [n, ...], batch by batch. */
export async function predictClasses(model: LayersModel, x: Tensor, batchSize = 64): Promise<number[]> {
  check(model != null && typeof model.predict === 'function', () => 'predictClasses: model must be a tf.LayersModel');
  check(x instanceof tf.Tensor && !x.isDisposed && x.rank >= 2, () => `predictClasses: x must be a live tensor [n, ...]; got ${shapeOf(x)}`);
  const out: number[] = [];
  for (let start = 0; start < x.shape[0]; start += batchSize) {
    const size = Math.min(batchSize, x.shape[0] - start);
    const classes = tf.tidy(() => (model.predict(x.slice(start, size)) as Tensor).argMax(-1));
    try { out.push(...(await classes.data())); } finally { classes.dispose(); }
  }
  return out;
}

export interface Evaluation {
  accuracy: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  predictions: number[];
}

/** Accuracy and confusion matrix of `model` on labelled inputs. */
export async function evaluateClassifier(model: LayersModel, data: LabelledTensors): Promise<Evaluation> {
  const n = checkLabelled('evaluateClassifier', 'data', data, model);
  const classes = model.outputs[0].shape[1] as number;
  const predictions = await predictClasses(model, data.x);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let right = 0;
  for (let i = 0; i < n; i++) {
    confusion[data.labels[i]][predictions[i]]++;
    if (predictions[i] === data.labels[i]) right++;
  }
  return { accuracy: right / n, confusion, predictions };
}

/**
 * Trains a classifier (softmax outputs) with Adam on the mean cross-entropy, in seeded shuffled mini-batches.
 * Stops between steps when `signal` aborts, keeping the weights.
 */
export async function trainClassifier(options: TrainClassifierOptions): Promise<ClassifierTrainResult> {
  const fn = 'trainClassifier';
  check(options != null && typeof options === 'object', () => `${fn}: expected an options object { model, train, ... }; got ${typeof options}`);
  const { model, train, validation } = options;
  check(model != null && Array.isArray(model.inputs) && Array.isArray(model.outputs) && model.outputs[0].shape.length === 2,
    () => `${fn}: model must be a tf.LayersModel with a [n, classes] output (e.g. cnn1d or cnn3d)`);
  const epochs = options.epochs ?? 10, batchSize = options.batchSize ?? 32;
  const learningRate = options.learningRate ?? 3e-3, seed = options.seed ?? 0;
  check(isPositiveInteger(epochs), () => `${fn}: epochs must be a positive integer; got ${epochs}`);
  check(isPositiveInteger(batchSize), () => `${fn}: batchSize must be a positive integer; got ${batchSize}`);
  check(typeof learningRate === 'number' && learningRate > 0, () => `${fn}: learningRate must be a positive number; got ${learningRate}`);
  check(options.onProgress === undefined || typeof options.onProgress === 'function', () => `${fn}: onProgress must be a function; got ${typeof options.onProgress}`);
  const n = checkLabelled(fn, 'train', train, model);
  if (validation) checkLabelled(fn, 'validation', validation, model);
  const classes = model.outputs[0].shape[1] as number;
  const signal = options.signal ?? kernelSignal();

  const variables = model.trainableWeights.map(w => w.read() as Variable);
  const optimizer = tf.train.adam(learningRate);
  const rand = seededRandom(seed);
  const labels = Int32Array.from(train.labels as ArrayLike<number>);
  const started = Date.now();
  const history: ClassifierProgress[] = [];
  let stopped = false, step = 0;
  try {
    for (let epoch = 1; epoch <= epochs && !stopped; epoch++) {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
      let lossSum = 0, right = 0, seen = 0, batches = 0;
      for (let start = 0; start < n; start += batchSize) {
        if (signal?.aborted) { stopped = true; break; }
        const index = order.slice(start, start + batchSize);
        const batchLabels = Array.from(index, i => labels[i]);
        const [cost, predicted] = tf.tidy(() => {
          const xb = tf.gather(train.x, index);
          const yb = tf.oneHot(tf.tensor1d(batchLabels, 'int32'), classes);
          let guess: Tensor | undefined;
          const loss = optimizer.minimize(() => {
            const probabilities = model.apply(xb, { training: true }) as Tensor;
            guess = tf.keep(probabilities.argMax(-1));
            // Cross-entropy −Σ y·log p, averaged over the batch (p clipped away from 0 so log stays finite).
            return yb.mul(probabilities.clipByValue(1e-7, 1).log()).sum(-1).mean().neg() as Scalar;
          }, true, variables)!;
          return [loss, guess!];
        });
        try {
          lossSum += (await cost.data())[0];
          const p = await predicted.data();
          batchLabels.forEach((l, k) => { if (p[k] === l) right++; });
        } finally { tf.dispose([cost, predicted]); }
        seen += index.length; batches++; step++;
      }
      if (batches === 0) break;
      const entry: ClassifierProgress = { epoch, step, loss: lossSum / batches, trainAccuracy: right / seen, seconds: (Date.now() - started) / 1000 };
      if (validation) entry.validationAccuracy = (await evaluateClassifier(model, validation)).accuracy;
      history.push(entry);
      if (options.onProgress) await options.onProgress(entry);
    }
  } finally {
    optimizer.dispose();
  }
  return { history, stopped, seconds: (Date.now() - started) / 1000 };
}
