// Pairwise distances between embeddings. The Gram form ||a||² - 2a·b + ||b||² costs one matmul instead of an
// [n, n, d] difference tensor, but cancels badly when the points are far from the origin compared with their
// spread; centring the rows first (distances do not change) removes most of that, and clamping at 0 plus an
// exact zero diagonal removes what is left.
import { tf } from '../tf';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { check, shapeOf } from './types';

function checkEmbeddings(embeddings: Tensor2D, fn: string): void {
  check(embeddings instanceof tf.Tensor && embeddings.rank === 2, () => `${fn}: embeddings must be a [n, dim] tensor; got shape ${shapeOf(embeddings)}`);
}

/**
 * Squared Euclidean distances between all rows: out[i][j] = ||e_i - e_j||², >= 0, with out[i][i] = 0.
 * @param embeddings [n, dim]
 * @returns [n, n]
 */
export function pairwiseSquaredDistances(embeddings: Tensor2D): Tensor2D {
  checkEmbeddings(embeddings, 'pairwiseSquaredDistances');
  const n = embeddings.shape[0];
  return tf.tidy(() => {
    const x = embeddings.toFloat();
    const centred = n > 0 ? tf.sub(x, tf.mean(x, 0, true)) : x;
    const norms = tf.sum(tf.square(centred), 1);
    const gram = tf.matMul(centred, centred, false, true);
    const d = tf.add(tf.sub(norms.reshape([n, 1]), tf.mul(gram, 2)), norms.reshape([1, n]));
    const offDiagonal = tf.sub(1, tf.eye(n));
    return tf.mul(tf.relu(d), offDiagonal) as Tensor2D;
  });
}

/**
 * Euclidean distances between all rows: out[i][j] = ||e_i - e_j||. The gradient is 0 (not NaN) where a
 * distance is 0.
 * @param embeddings [n, dim]
 * @returns [n, n]
 */
export function pairwiseDistances(embeddings: Tensor2D, options: { squared?: boolean } = {}): Tensor2D {
  checkEmbeddings(embeddings, 'pairwiseDistances');
  if (options.squared) return pairwiseSquaredDistances(embeddings);
  return tf.tidy(() => safeSqrt(pairwiseSquaredDistances(embeddings)));
}

/** sqrt(x) for x >= 0, with gradient 0 (not sqrt's infinity, which turns into NaN in training) where x = 0. */
export function safeSqrt<T extends Tensor>(x: T): T {
  // Comparisons have no gradient in TF.js, so the masked sqrt gets its gradient written out.
  const op = tf.customGrad((...args) => {
    const input = args[0] as Tensor, save = args[1] as (ts: Tensor[]) => void;
    const positive = tf.greater(input, 0);
    const value = tf.where(positive, tf.sqrt(tf.where(positive, input, tf.onesLike(input))), tf.zerosLike(input));
    save([value]);
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [root] = saved;
        const nonZero = tf.greater(root, 0);
        return tf.where(nonZero, tf.div(dy, tf.mul(tf.where(nonZero, root, tf.onesLike(root)), 2)), tf.zerosLike(root));
      },
    };
  });
  return tf.tidy(() => op(x) as T);
}

/**
 * Row-by-row squared distances ||a_i - b_i||².
 * @param a [n, dim]
 * @param b [n, dim]
 * @returns [n]
 */
export function rowSquaredDistances(a: Tensor2D, b: Tensor2D): Tensor1D {
  check(a instanceof tf.Tensor && b instanceof tf.Tensor && a.rank === 2 && b.rank === 2 && a.shape[0] === b.shape[0] && a.shape[1] === b.shape[1],
    () => `rowSquaredDistances: a and b must both be [n, dim] with the same shape; got ${shapeOf(a)} and ${shapeOf(b)}`);
  return tf.tidy(() => tf.sum(tf.square(tf.sub(a, b)), 1) as Tensor1D);
}
