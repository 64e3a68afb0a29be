// Verification as a binary classification of pairs (the course, after DeepFace / Taigman et al. 2014):
// y = sigmoid(sum_k w_k * feature_k(f(xi), f(xj)) + b), with feature_k = |f(xi)_k - f(xj)_k| ('abs') or the
// chi-squared term (f(xi)_k - f(xj)_k)² / (f(xi)_k + f(xj)_k) ('chi2'). Trained by Newton's method (IRLS) in
// float64 JS with an L2 penalty on w: the objective is convex, so the answer does not depend on a seed, a
// learning rate or the backend.
import { tf } from '../tf';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { check, shapeOf } from './types';

/**
 * 'abs': |a - b| per component (dim features); 'chi2': (a - b)² / (|a| + |b|) per component, 0 where both are
 * 0 (DeepFace's chi-squared, whose features are >= 0; the absolute values keep it >= 0 for any embedding);
 * 'concat': both, [abs, chi2] (2 * dim features).
 */
export type PairFeatureKind = 'abs' | 'chi2' | 'concat';

/** Two aligned batches of embeddings: pair i is (left[i], right[i]). [n, dim] each, or [dim] for one pair. */
export type EmbeddingPairs = readonly [Tensor2D, Tensor2D] | readonly [Tensor1D, Tensor1D];

export interface SiameseOptions {
  features?: PairFeatureKind;
  /** L2 penalty lambda on w (not on b), on the mean log-loss: loss + lambda/2 ||w||². Default 1e-3. */
  l2?: number;
  /** Newton steps at most. Default 100. */
  maxIterations?: number;
  /** Stop when every component of the gradient of the penalised loss is below this in size. Default 1e-10. */
  tolerance?: number;
}

export interface FitResult {
  iterations: number;
  converged: boolean;
  /** Final mean log-loss (without the penalty). */
  loss: number;
}

/** The features of one pair, in float64. */
export function pairFeatures(a: ArrayLike<number>, b: ArrayLike<number>, kind: PairFeatureKind): Float64Array {
  const dim = a.length;
  const out = new Float64Array(kind === 'concat' ? 2 * dim : dim);
  const chiAt = kind === 'chi2' ? 0 : dim;
  for (let k = 0; k < dim; k++) {
    const diff = a[k] - b[k];
    if (kind !== 'chi2') out[k] = Math.abs(diff);
    if (kind !== 'abs') {
      const denominator = Math.abs(a[k]) + Math.abs(b[k]);
      out[chiAt + k] = denominator > 0 ? (diff * diff) / denominator : 0;
    }
  }
  return out;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** log(1 + e^z) without overflow. */
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** Solves A x = b for a symmetric positive definite A (row-major n x n) by Cholesky. */
function choleskySolve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error('SiameseClassifier.fit: the Hessian is not positive definite (increase options.l2)');
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

async function readPairs(pairs: EmbeddingPairs, fn: string): Promise<{ left: Float32Array; right: Float32Array; n: number; dim: number }> {
  check(Array.isArray(pairs) && pairs.length === 2, () => `${fn}: pairs must be [left, right], two [n, dim] tensors`);
  const [left, right] = pairs;
  check(left instanceof tf.Tensor && right instanceof tf.Tensor && (left.rank === 1 || left.rank === 2) && left.rank === right.rank
    && left.shape.every((s, i) => s === right.shape[i]),
  () => `${fn}: pairs must be [left, right] with the same shape, [n, dim] (or [dim] for one pair); got ${shapeOf(left)} and ${shapeOf(right)}`);
  const n = left.rank === 2 ? left.shape[0] : 1;
  const dim = left.shape[left.rank - 1];
  return { left: await left.data() as Float32Array, right: await right.data() as Float32Array, n, dim };
}

/** Logistic regression on pair features: is a pair of embeddings the same person? */
export class SiameseClassifier {
  readonly features: PairFeatureKind;
  readonly l2: number;
  private readonly maxIterations: number;
  private readonly tolerance: number;
  /** Learned weights (null before fit). */
  weights: Float64Array | null = null;
  bias = 0;
  /** Embedding length it was fitted on. */
  dim = 0;

  constructor(options: SiameseOptions = {}) {
    const fn = 'SiameseClassifier';
    this.features = options.features ?? 'abs';
    check(['abs', 'chi2', 'concat'].includes(this.features), () => `${fn}: options.features must be 'abs', 'chi2' or 'concat'; got ${JSON.stringify(options.features)}`);
    this.l2 = options.l2 ?? 1e-3;
    check(Number.isFinite(this.l2) && this.l2 > 0, () => `${fn}: options.l2 must be a finite number > 0; got ${options.l2}`);
    this.maxIterations = options.maxIterations ?? 100;
    check(Number.isInteger(this.maxIterations) && this.maxIterations >= 1, () => `${fn}: options.maxIterations must be a whole number >= 1; got ${options.maxIterations}`);
    this.tolerance = options.tolerance ?? 1e-10;
    check(Number.isFinite(this.tolerance) && this.tolerance >= 0, () => `${fn}: options.tolerance must be a finite number >= 0; got ${options.tolerance}`);
  }

  private design(left: Float32Array, right: Float32Array, n: number, dim: number): Float64Array[] {
    const rows: Float64Array[] = [];
    for (let i = 0; i < n; i++) rows.push(pairFeatures(left.subarray(i * dim, (i + 1) * dim), right.subarray(i * dim, (i + 1) * dim), this.features));
    return rows;
  }

  /**
   * Fits w and b by Newton's method with a backtracking line search.
   * @param pairs [left, right], each [n, dim]
   * @param labels n labels: 1 / true for the same person, 0 / false for different people (both must occur)
   */
  async fit(pairs: EmbeddingPairs, labels: ArrayLike<number | boolean> | Tensor1D): Promise<FitResult> {
    const fn = 'SiameseClassifier.fit';
    const { left, right, n, dim } = await readPairs(pairs, fn);
    let y: ArrayLike<number | boolean>;
    if (labels instanceof tf.Tensor) {
      check(labels.rank === 1, () => `${fn}: labels must be [n]; got shape ${shapeOf(labels)}`);
      y = await labels.data() as ArrayLike<number>;
    } else {
      y = labels;
    }
    check(y && y.length === n, () => `${fn}: labels must have one entry per pair: ${n} pairs, ${y?.length} labels`);
    const t = Float64Array.from({ length: n }, (_, i) => {
      const v = Number(y[i]);
      check(v === 0 || v === 1, () => `${fn}: labels must be 0/1 or false/true; label ${i} is ${JSON.stringify(y[i])}`);
      return v;
    });
    const positives = t.reduce((s, v) => s + v, 0);
    check(positives > 0 && positives < n, () => `${fn}: labels must include both same (1) and different (0) pairs; got ${positives} of ${n} same`);

    const X = this.design(left, right, n, dim);
    const p = X[0].length; // features; the bias is parameter p
    const P = p + 1;
    const theta = new Float64Array(P);
    const lambda = this.l2;
    const objective = (th: Float64Array): number => {
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let z = th[p];
        for (let k = 0; k < p; k++) z += X[i][k] * th[k];
        loss += softplus(z) - t[i] * z; // -[t log s(z) + (1-t) log(1 - s(z))]
      }
      let penalty = 0;
      for (let k = 0; k < p; k++) penalty += th[k] * th[k];
      return loss / n + (lambda / 2) * penalty;
    };

    let iterations = 0, converged = false;
    let current = objective(theta);
    while (iterations < this.maxIterations) {
      iterations++;
      const g = new Float64Array(P), H = new Float64Array(P * P);
      for (let i = 0; i < n; i++) {
        const xi = X[i];
        let z = theta[p];
        for (let k = 0; k < p; k++) z += xi[k] * theta[k];
        const s = sigmoid(z), r = (s - t[i]) / n, w = (s * (1 - s)) / n;
        for (let a = 0; a < P; a++) {
          const xa = a < p ? xi[a] : 1;
          g[a] += r * xa;
          const wa = w * xa;
          for (let b = 0; b <= a; b++) H[a * P + b] += wa * (b < p ? xi[b] : 1);
        }
      }
      for (let a = 0; a < P; a++) for (let b = 0; b < a; b++) H[b * P + a] = H[a * P + b];
      for (let k = 0; k < p; k++) { g[k] += lambda * theta[k]; H[k * P + k] += lambda; }
      H[p * P + p] += 1e-12; // keeps the bias direction definite when every pair is classified with certainty
      const step = choleskySolve(H, g, P);
      const decrement = step.reduce((s, v, k) => s + v * g[k], 0) / 2;
      if (g.every(v => Math.abs(v) < this.tolerance)) { converged = true; break; }
      // Backtracking (Armijo) keeps every step a descent step, which plain Newton does not guarantee.
      let scale = 1, next = theta, value = current;
      for (let halvings = 0; halvings < 50; halvings++, scale /= 2) {
        next = theta.map((v, k) => v - scale * step[k]);
        value = objective(next);
        if (value <= current - 0.25 * scale * 2 * decrement) break;
      }
      if (!(value < current)) { converged = true; break; } // no further progress in float64
      theta.set(next);
      current = value;
    }
    this.weights = theta.slice(0, p);
    this.bias = theta[p];
    this.dim = dim;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let z = this.bias;
      for (let k = 0; k < p; k++) z += X[i][k] * this.weights[k];
      loss += softplus(z) - t[i] * z;
    }
    return { iterations, converged, loss: loss / n };
  }

  /**
   * P(same person) per pair.
   * @param pair [left, right], each [n, dim] (or [dim] for one pair)
   * @returns n probabilities
   */
  async predict(pair: EmbeddingPairs): Promise<Float64Array> {
    const fn = 'SiameseClassifier.predict';
    check(this.weights, () => `${fn}: the classifier is not fitted yet; call fit(pairs, labels) first`);
    const { left, right, n, dim } = await readPairs(pair, fn);
    check(dim === this.dim, () => `${fn}: embeddings must have ${this.dim} components, as in fit; got ${dim}`);
    const w = this.weights;
    return Float64Array.from(this.design(left, right, n, dim), x => {
      let z = this.bias;
      for (let k = 0; k < x.length; k++) z += x[k] * w[k];
      return sigmoid(z);
    });
  }

  toJSON(): { features: PairFeatureKind; l2: number; dim: number; weights: number[]; bias: number } {
    check(this.weights, () => 'SiameseClassifier.toJSON: the classifier is not fitted yet');
    return { features: this.features, l2: this.l2, dim: this.dim, weights: Array.from(this.weights), bias: this.bias };
  }

  static fromJSON(json: { features: PairFeatureKind; l2: number; dim: number; weights: number[]; bias: number }): SiameseClassifier {
    const c = new SiameseClassifier({ features: json.features, l2: json.l2 });
    const expected = json.features === 'concat' ? 2 * json.dim : json.dim;
    check(Array.isArray(json.weights) && json.weights.length === expected && Number.isFinite(json.bias),
      () => `SiameseClassifier.fromJSON: weights must have ${expected} numbers and bias must be finite`);
    c.weights = Float64Array.from(json.weights);
    c.bias = json.bias;
    c.dim = json.dim;
    return c;
  }
}
