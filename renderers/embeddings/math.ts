// Geometry of a set of embeddings, in float64 and without the DOM (unit-tested in plain Node):
// pairwise distances, verification at a threshold, the ROC curve, nearest neighbours, triplet classes.

/** Euclidean distance ||a - b||. */
export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** The N x N matrix of Euclidean distances, row-major; exactly symmetric with a zero diagonal. */
export function pairwiseDistances(vectors: ReadonlyArray<ArrayLike<number>>): Float64Array {
  const n = vectors.length;
  const distances = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = euclidean(vectors[i], vectors[j]);
      distances[i * n + j] = d;
      distances[j * n + i] = d;
    }
  }
  return distances;
}

/** Largest entry of a distance matrix (0 for one point). */
export function maxDistance(distances: Float64Array): number {
  let max = 0;
  for (const d of distances) if (d > max) max = d;
  return max;
}

export interface Identities {
  /** Distinct labels, sorted, so colours do not depend on the order of the points. */
  labels: string[];
  /** Index into `labels` for each point. */
  ofPoint: Int32Array;
  /** Point indices sorted by identity, then by position (stable): the heatmap's row order. */
  order: Int32Array;
}

export function identitiesOf(labels: readonly string[]): Identities {
  const distinct = [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(distinct.map((label, k) => [label, k]));
  const ofPoint = Int32Array.from(labels, label => index.get(label)!);
  const order = Int32Array.from(labels.map((_, i) => i).sort((a, b) => ofPoint[a] - ofPoint[b] || a - b));
  return { labels: distinct, ofPoint, order };
}

export interface Verification {
  threshold: number;
  /** Pairs i < j; a pair is accepted ("same person") when its distance < threshold. */
  pairs: number;
  positives: number;
  negatives: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  accepted: number;
  /** (TP + TN) / pairs; NaN without pairs. */
  accuracy: number;
  /** TP / positives; NaN without positive pairs. */
  tpr: number;
  /** FP / negatives; NaN without negative pairs. */
  fpr: number;
}

export interface RocCurve {
  /** Points from (0, 0) to (1, 1), one per distinct distance: accepting pairs with distance <= d. */
  fpr: Float64Array;
  tpr: Float64Array;
  /** Area under the curve; ties between a positive and a negative pair count one half. NaN when a class is empty. */
  auc: number;
}

/**
 * All pairs i < j sorted by distance, with running counts, so verification at any threshold is a
 * binary search: the slider stays live for thousands of points.
 */
export class PairTable {
  readonly count: number;
  readonly positives: number;
  readonly negatives: number;
  /** Sorted pair distances, and the two points of each pair (first < second). */
  readonly distances: Float64Array;
  readonly first: Uint32Array;
  readonly second: Uint32Array;
  /** samePrefix[k] = number of same-identity pairs among the k closest. */
  private readonly samePrefix: Int32Array;

  constructor(distanceMatrix: Float64Array, identity: ArrayLike<number>) {
    const n = identity.length;
    const count = (n * (n - 1)) / 2;
    const keys = new Float64Array(count);
    const same = new Uint8Array(count);
    const order = new Uint32Array(count);
    const firstOf = new Uint32Array(count);
    const secondOf = new Uint32Array(count);
    let p = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++, p++) {
        keys[p] = distanceMatrix[i * n + j];
        same[p] = identity[i] === identity[j] ? 1 : 0;
        firstOf[p] = i;
        secondOf[p] = j;
        order[p] = p;
      }
    }
    order.sort((a, b) => keys[a] - keys[b] || a - b);
    this.distances = new Float64Array(count);
    this.first = new Uint32Array(count);
    this.second = new Uint32Array(count);
    this.samePrefix = new Int32Array(count + 1);
    for (let k = 0; k < count; k++) {
      this.distances[k] = keys[order[k]];
      this.first[k] = firstOf[order[k]];
      this.second[k] = secondOf[order[k]];
      this.samePrefix[k + 1] = this.samePrefix[k] + same[order[k]];
    }
    this.count = count;
    this.positives = this.samePrefix[count];
    this.negatives = count - this.positives;
  }

  /** Number of pairs with distance < threshold. */
  acceptedCount(threshold: number): number {
    let lo = 0, hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.distances[mid] < threshold) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  verify(threshold: number): Verification {
    const accepted = this.acceptedCount(threshold);
    const tp = this.samePrefix[accepted];
    const fp = accepted - tp;
    const fn = this.positives - tp;
    const tn = this.negatives - fp;
    return {
      threshold, pairs: this.count, positives: this.positives, negatives: this.negatives,
      truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn, accepted,
      accuracy: this.count > 0 ? (tp + tn) / this.count : NaN,
      tpr: this.positives > 0 ? tp / this.positives : NaN,
      fpr: this.negatives > 0 ? fp / this.negatives : NaN,
    };
  }

  roc(): RocCurve {
    const fpr = new Float64Array(this.count + 2);
    const tpr = new Float64Array(this.count + 2);
    let points = 1;
    let auc = 0;
    let previousFp = 0, previousTp = 0;
    for (let k = 0; k < this.count;) {
      // All pairs at one distance enter together: the curve moves diagonally across ties.
      let end = k + 1;
      while (end < this.count && this.distances[end] === this.distances[k]) end++;
      const tp = this.samePrefix[end];
      const fp = end - tp;
      auc += (fp - previousFp) * (tp + previousTp) / 2;
      fpr[points] = this.negatives > 0 ? fp / this.negatives : 0;
      tpr[points] = this.positives > 0 ? tp / this.positives : 0;
      points++;
      previousFp = fp;
      previousTp = tp;
      k = end;
    }
    if (fpr[points - 1] !== 1 || tpr[points - 1] !== 1) { fpr[points] = 1; tpr[points] = 1; points++; }
    const valid = this.positives > 0 && this.negatives > 0;
    return {
      fpr: fpr.slice(0, points), tpr: tpr.slice(0, points),
      auc: valid ? auc / (this.positives * this.negatives) : NaN,
    };
  }
}

export interface Neighbour { index: number; distance: number }

/** The `k` points closest to point `i` (itself excluded), nearest first; ties by index. */
export function nearestNeighbours(distances: Float64Array, n: number, i: number, k: number): Neighbour[] {
  const all: Neighbour[] = [];
  for (let j = 0; j < n; j++) if (j !== i) all.push({ index: j, distance: distances[i * n + j] });
  all.sort((a, b) => a.distance - b.distance || a.index - b.index);
  return all.slice(0, Math.max(0, k));
}

export type TripletClass = 'easy' | 'semi-hard' | 'hard';

/** FaceNet's classes: hard d(a,n) <= d(a,p); semi-hard d(a,p) < d(a,n) <= d(a,p) + margin; easy beyond. */
export function classifyTriplet(anchorPositive: number, anchorNegative: number, margin: number): TripletClass {
  if (anchorNegative <= anchorPositive) return 'hard';
  if (anchorNegative <= anchorPositive + margin) return 'semi-hard';
  return 'easy';
}

export interface TripletResult {
  anchor: number;
  positive: number;
  negative: number;
  /** d(a,p) and d(a,n), squared when the payload asks for squared distances. */
  anchorPositive: number;
  anchorNegative: number;
  /** max(d(a,p) - d(a,n) + margin, 0): the triplet's loss term. */
  loss: number;
  kind: TripletClass;
}

export function evaluateTriplets(distances: Float64Array, n: number,
  triplets: ReadonlyArray<{ anchor: number; positive: number; negative: number }>, margin: number, squared: boolean): TripletResult[] {
  return triplets.map(({ anchor, positive, negative }) => {
    const dp = distances[anchor * n + positive];
    const dn = distances[anchor * n + negative];
    const anchorPositive = squared ? dp * dp : dp;
    const anchorNegative = squared ? dn * dn : dn;
    return {
      anchor, positive, negative, anchorPositive, anchorNegative,
      loss: Math.max(anchorPositive - anchorNegative + margin, 0),
      kind: classifyTriplet(anchorPositive, anchorNegative, margin),
    };
  });
}

export function countTriplets(results: readonly TripletResult[]): Record<TripletClass, number> {
  const counts: Record<TripletClass, number> = { easy: 0, 'semi-hard': 0, hard: 0 };
  for (const r of results) counts[r.kind]++;
  return counts;
}
