// The triplet loss of FaceNet (Schroff et al. 2015) as the course defines it, and the choice of triplets
// from a batch: all valid ones, the hardest per anchor ("batch hard", Hermans et al. 2017, "In Defense of the
// Triplet Loss") or semi-hard ones (FaceNet section 3.2).
import { tf } from '../tf';
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { pairwiseDistances } from './distances';
import { check, shapeOf } from './types';

export interface TripletLossOptions {
  /** 'sum' over the batch (the course's definition, the default) or 'mean'. */
  reduction?: 'sum' | 'mean';
}

/**
 * sum_i max(||f(A_i) - f(P_i)||² - ||f(A_i) - f(N_i)||² + alpha, 0) (or its mean over i).
 * Differentiable: use it inside tf.grad / optimizer.minimize.
 * @param anchor [batch, dim]
 * @param positive [batch, dim], the same person as the anchor
 * @param negative [batch, dim], another person
 * @param alpha the margin, >= 0
 * @returns a scalar
 */
export function tripletLoss(anchor: Tensor2D, positive: Tensor2D, negative: Tensor2D, alpha = 0.2, options: TripletLossOptions = {}): Scalar {
  const fn = 'tripletLoss';
  const args = { anchor, positive, negative };
  for (const [name, t] of Object.entries(args)) {
    check(t instanceof tf.Tensor && t.rank === 2, () => `${fn}: ${name} must be a [batch, dim] tensor; got shape ${shapeOf(t)}`);
  }
  check(positive.shape[0] === anchor.shape[0] && positive.shape[1] === anchor.shape[1],
    () => `${fn}: anchor and positive must have the same shape [batch, dim]; got ${shapeOf(anchor)} and ${shapeOf(positive)}`);
  check(negative.shape[0] === anchor.shape[0] && negative.shape[1] === anchor.shape[1],
    () => `${fn}: anchor and negative must have the same shape [batch, dim]; got ${shapeOf(anchor)} and ${shapeOf(negative)}`);
  check(typeof alpha === 'number' && Number.isFinite(alpha) && alpha >= 0, () => `${fn}: alpha must be a finite number >= 0; got ${alpha}`);
  const reduction = options.reduction ?? 'sum';
  check(reduction === 'sum' || reduction === 'mean', () => `${fn}: options.reduction must be 'sum' or 'mean'; got ${JSON.stringify(reduction)}`);
  check(reduction === 'sum' || anchor.shape[0] > 0, () => `${fn}: the mean over an empty batch is undefined; got anchor ${shapeOf(anchor)}`);
  return tf.tidy(() => {
    const posDist = tf.sum(tf.square(tf.sub(anchor, positive)), 1);
    const negDist = tf.sum(tf.square(tf.sub(anchor, negative)), 1);
    const basic = tf.add(tf.sub(posDist, negDist), alpha);
    const losses = tf.maximum(basic, 0);
    return (reduction === 'sum' ? tf.sum(losses) : tf.mean(losses)) as Scalar;
  });
}

export type MiningStrategy = 'all' | 'hard' | 'semi-hard';

export interface MineOptions {
  /**
   * 'all': every valid (a, p, n); 'hard': per anchor, its farthest positive and nearest negative;
   * 'semi-hard': per anchor-positive pair, the nearest negative with d(a,p) < d(a,n) < d(a,p) + margin
   * (pairs without one are left out). Default 'semi-hard'.
   */
  strategy?: MiningStrategy;
  /** The triplet margin alpha, in the units of the distance used. Default 0.2. */
  margin?: number;
  /** Squared Euclidean distances (as in the loss; the default) or plain Euclidean ones. */
  squared?: boolean;
  /** With 'all': keep only triplets with a positive loss d(a,p) - d(a,n) + margin > 0. Default false. */
  onlyActive?: boolean;
}

/** Triplets as indices into the batch, with the distances that chose them. */
export interface Triplets {
  anchor: Int32Array;
  positive: Int32Array;
  negative: Int32Array;
  /** d(anchor, positive) per triplet (squared unless `squared: false`). */
  positiveDistance: Float32Array;
  /** d(anchor, negative) per triplet. */
  negativeDistance: Float32Array;
  count: number;
}

/**
 * Chooses triplets from a batch of embeddings and their labels, from the pairwise distance matrix. Ties go
 * to the lowest index; triplets come ordered by anchor, then positive, then negative.
 * Use them with tf.gather(embeddings, triplets.anchor) etc. and tripletLoss.
 * @param embeddings [n, dim]
 * @param labels n identity labels (numbers or strings), or an [n] tensor
 */
export async function mineTriplets(embeddings: Tensor2D, labels: ArrayLike<number | string> | Tensor1D, options: MineOptions = {}): Promise<Triplets> {
  const fn = 'mineTriplets';
  check(embeddings instanceof tf.Tensor && embeddings.rank === 2, () => `${fn}: embeddings must be a [n, dim] tensor; got shape ${shapeOf(embeddings)}`);
  const n = embeddings.shape[0];
  const strategy = options.strategy ?? 'semi-hard';
  check(strategy === 'all' || strategy === 'hard' || strategy === 'semi-hard', () => `${fn}: options.strategy must be 'all', 'hard' or 'semi-hard'; got ${JSON.stringify(strategy)}`);
  const margin = options.margin ?? 0.2;
  check(typeof margin === 'number' && Number.isFinite(margin) && margin >= 0, () => `${fn}: options.margin must be a finite number >= 0; got ${margin}`);
  let labelList: ArrayLike<number | string>;
  if (labels instanceof tf.Tensor) {
    check(labels.rank === 1, () => `${fn}: labels must be [n] (one per embedding); got shape ${shapeOf(labels)}`);
    labelList = await labels.data() as ArrayLike<number>;
  } else {
    check(labels != null && typeof labels.length === 'number', () => `${fn}: labels must be an array or an [n] tensor; got ${typeof labels}`);
    labelList = labels;
  }
  check(labelList.length === n, () => `${fn}: labels must have one entry per embedding: ${n} embeddings (shape ${shapeOf(embeddings)}), ${labelList.length} labels`);

  const dist = pairwiseDistances(embeddings, { squared: options.squared ?? true });
  const d = await dist.data() as Float32Array;
  dist.dispose();

  const out = { a: [] as number[], p: [] as number[], n: [] as number[], dp: [] as number[], dn: [] as number[] };
  const push = (a: number, p: number, neg: number) => {
    out.a.push(a); out.p.push(p); out.n.push(neg); out.dp.push(d[a * n + p]); out.dn.push(d[a * n + neg]);
  };
  const same = (i: number, j: number) => labelList[i] === labelList[j];

  for (let a = 0; a < n; a++) {
    if (strategy === 'hard') {
      let p = -1, neg = -1;
      for (let j = 0; j < n; j++) {
        if (j === a) continue;
        if (same(a, j)) { if (p < 0 || d[a * n + j] > d[a * n + p]) p = j; }
        else if (neg < 0 || d[a * n + j] < d[a * n + neg]) neg = j;
      }
      if (p >= 0 && neg >= 0) push(a, p, neg);
      continue;
    }
    for (let p = 0; p < n; p++) {
      if (p === a || !same(a, p)) continue;
      const dap = d[a * n + p];
      let chosen = -1;
      for (let j = 0; j < n; j++) {
        if (same(a, j)) continue;
        const dan = d[a * n + j];
        if (strategy === 'all') {
          if (!options.onlyActive || dap - dan + margin > 0) push(a, p, j);
        } else if (dan > dap && dan < dap + margin && (chosen < 0 || dan < d[a * n + chosen])) {
          chosen = j;
        }
      }
      if (chosen >= 0) push(a, p, chosen);
    }
  }
  return {
    anchor: Int32Array.from(out.a), positive: Int32Array.from(out.p), negative: Int32Array.from(out.n),
    positiveDistance: Float32Array.from(out.dp), negativeDistance: Float32Array.from(out.dn), count: out.a.length,
  };
}
