// Verification accuracy as LFW reports it: pairs split into k folds (contiguous, as in pairs.txt), the
// threshold for each fold chosen on the other k-1, accuracy measured on the held-out one; plus the ROC curve
// and its AUC over all pairs. Decision rule as in `verify`: "same" iff distance < threshold.
import { tf } from '../tf';
import type { Tensor2D } from '@tensorflow/tfjs';
import { check, shapeOf, type EncodeOptions, type FaceEncoder, type FaceImages, type LabelledPair } from './types';

export interface EvaluatePairsOptions extends EncodeOptions {
  /** Number of folds (LFW: 10). Default 10; at least 2 and at most the number of pairs. */
  folds?: number;
  /** Needed when images, not embeddings, are given. */
  encoder?: FaceEncoder;
}

export interface FoldResult {
  /** The threshold chosen on the other folds. */
  threshold: number;
  /** Accuracy on this fold with that threshold. */
  accuracy: number;
  /** Pairs in this fold. */
  size: number;
}

export interface PairEvaluation {
  /** Mean held-out accuracy over the folds. */
  accuracy: number;
  /** Population standard deviation of the fold accuracies (numpy's std, as FaceNet's LFW script prints). */
  accuracyStd: number;
  /** Standard error of the mean: sample standard deviation / sqrt(folds) (LFW's README). */
  standardError: number;
  folds: FoldResult[];
  /** The best threshold on all pairs together (for use after evaluation, not for reporting accuracy). */
  threshold: number;
  /** ROC: predicting "same" iff distance <= thresholds[i] gives (fpr[i], tpr[i]); starts at (0, 0), ends at (1, 1). */
  roc: { fpr: number[]; tpr: number[]; thresholds: number[] };
  /** Area under the ROC curve (ties count half). */
  auc: number;
  /** Euclidean distance of each pair, float64. */
  distances: Float64Array;
}

/** The threshold with the best accuracy on (distances, same) (the smallest such), "same" iff d < threshold. */
export function bestThreshold(distances: ArrayLike<number>, same: ArrayLike<boolean>): { threshold: number; accuracy: number } {
  const m = distances.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => distances[a] - distances[b]);
  let positives = 0;
  for (let i = 0; i < m; i++) if (same[i]) positives++;
  // Threshold below every distance: all predicted "different".
  let correct = m - positives;
  let best = { threshold: 0, accuracy: correct / m };
  for (let k = 0; k < m;) {
    const value = distances[order[k]];
    while (k < m && distances[order[k]] === value) {
      correct += same[order[k]] ? 1 : -1;
      k++;
    }
    if (correct / m > best.accuracy) {
      const threshold = k < m ? (value + distances[order[k]]) / 2 : value + 1;
      best = { threshold, accuracy: correct / m };
    }
  }
  return best;
}

/** ROC points and AUC for "same" iff distance <= t, over every distinct distance t. */
export function rocCurve(distances: ArrayLike<number>, same: ArrayLike<boolean>): { fpr: number[]; tpr: number[]; thresholds: number[]; auc: number } {
  const m = distances.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => distances[a] - distances[b]);
  let P = 0;
  for (let i = 0; i < m; i++) if (same[i]) P++;
  const N = m - P;
  const fpr = [0], tpr = [0], thresholds = [-Infinity];
  let tp = 0, fp = 0, auc = 0;
  for (let k = 0; k < m;) {
    const value = distances[order[k]];
    while (k < m && distances[order[k]] === value) {
      if (same[order[k]]) tp++; else fp++;
      k++;
    }
    const x = fp / N, y = tp / P;
    auc += (x - fpr[fpr.length - 1]) * (y + tpr[tpr.length - 1]) / 2;
    fpr.push(x); tpr.push(y); thresholds.push(value);
  }
  return { fpr, tpr, thresholds, auc };
}

/**
 * Evaluates verification on labelled pairs, as LFW's protocol does.
 * @param embeddingsOrImages [n, dim] embeddings, or images ([n, h, w, c] or a list of [h, w, c]) with options.encoder
 * @param pairs [i, j, same] with i, j indices into the n embeddings/images
 */
export async function evaluatePairs(embeddingsOrImages: Tensor2D | FaceImages, pairs: readonly LabelledPair[], options: EvaluatePairsOptions = {}): Promise<PairEvaluation> {
  const fn = 'evaluatePairs';
  const k = options.folds ?? 10;
  check(Array.isArray(pairs) && pairs.length > 0, () => `${fn}: pairs must be a non-empty array of [i, j, same]`);
  check(Number.isInteger(k) && k >= 2 && k <= pairs.length, () => `${fn}: options.folds must be a whole number from 2 to the number of pairs (${pairs.length}); got ${k}${options.folds === undefined ? ' (the default)' : ''}`);

  let flat: Float32Array, n: number, dim: number;
  if (embeddingsOrImages instanceof tf.Tensor && embeddingsOrImages.rank === 2) {
    [n, dim] = embeddingsOrImages.shape as [number, number];
    flat = await embeddingsOrImages.data() as Float32Array;
  } else {
    const isImages = embeddingsOrImages instanceof tf.Tensor ? embeddingsOrImages.rank === 4
      : Array.isArray(embeddingsOrImages) && embeddingsOrImages.length > 0 && embeddingsOrImages.every(t => t instanceof tf.Tensor && t.rank === 3);
    check(isImages, () => `${fn}: embeddingsOrImages must be [n, dim] embeddings, an [n, h, w, c] batch or a list of [h, w, c] images; got ${
      Array.isArray(embeddingsOrImages) ? `a list of ${embeddingsOrImages.length}` : `shape ${shapeOf(embeddingsOrImages as Tensor2D)}`}`);
    const encoder = options.encoder;
    check(encoder && typeof encoder.encode === 'function', () => `${fn}: options.encoder is needed to evaluate images (or pass [n, dim] embeddings)`);
    n = Array.isArray(embeddingsOrImages) ? embeddingsOrImages.length : (embeddingsOrImages as Tensor2D).shape[0];
    const out = await encoder.encode(embeddingsOrImages as FaceImages, options.align ? { align: options.align } : undefined);
    try {
      check(out.rank === 2 && out.shape[0] === n, () => `${fn}: the encoder returned shape ${shapeOf(out)}; expected [${n}, dim]`);
      dim = out.shape[1];
      flat = await out.data() as Float32Array;
    } finally {
      out.dispose();
    }
  }

  const m = pairs.length;
  const distances = new Float64Array(m);
  const same: boolean[] = [];
  pairs.forEach((pair, p) => {
    const [i, j, s] = pair ?? [];
    check(Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j >= 0 && i < n && j < n && typeof s === 'boolean',
      () => `${fn}: pair ${p} must be [i, j, same] with whole i, j in 0..${n - 1} and same a boolean; got ${JSON.stringify(pair)}`);
    let sum = 0;
    for (let c = 0; c < dim; c++) { const d = flat[i * dim + c] - flat[j * dim + c]; sum += d * d; }
    distances[p] = Math.sqrt(sum);
    same.push(s);
  });
  const positives = same.filter(Boolean).length;
  check(positives > 0 && positives < m, () => `${fn}: pairs must include both same and different pairs; got ${positives} same of ${m}`);

  const folds: FoldResult[] = [];
  for (let f = 0; f < k; f++) {
    const start = Math.floor((f * m) / k), end = Math.floor(((f + 1) * m) / k);
    const trainD: number[] = [], trainS: boolean[] = [];
    for (let p = 0; p < m; p++) if (p < start || p >= end) { trainD.push(distances[p]); trainS.push(same[p]); }
    const { threshold } = bestThreshold(trainD, trainS);
    let correct = 0;
    for (let p = start; p < end; p++) if ((distances[p] < threshold) === same[p]) correct++;
    folds.push({ threshold, accuracy: correct / (end - start), size: end - start });
  }
  const accs = folds.map(f => f.accuracy);
  const mean = accs.reduce((s, v) => s + v, 0) / k;
  const ss = accs.reduce((s, v) => s + (v - mean) ** 2, 0);
  const { auc, ...roc } = rocCurve(distances, same);
  return {
    accuracy: mean, accuracyStd: Math.sqrt(ss / k), standardError: Math.sqrt(ss / (k - 1)) / Math.sqrt(k),
    folds, threshold: bestThreshold(distances, same).threshold, roc, auc, distances,
  };
}
