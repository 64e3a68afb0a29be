// The embeddings renderer's pure modules (no DOM): PCA, distances, verification, ROC/AUC, nearest
// neighbours, triplet classes, payload validation and the seeded projections. Every number is checked
// against an independent float64 computation written here, or a hand-worked case.
import * as assert from 'assert';
import {
  classifyTriplet, countTriplets, evaluateTriplets, identitiesOf, nearestNeighbours, pairwiseDistances, PairTable,
} from '../../renderers/embeddings/math';
import { buildModel } from '../../renderers/embeddings/model';
import { parseEmbeddingsPayload } from '../../renderers/embeddings/payload';
import { jacobiEigen, pca, topEigenpairs } from '../../renderers/embeddings/pca';
import { alignAxes, createStepper, exactNeighbours, MAX_POINTS_TSNE, pcaProjection, runInChunks, seededRandom } from '../../renderers/embeddings/projection';
// activate.ts types its arguments with the DOM (the renderers' own tsconfig); loaded untyped here, where the
// Node typecheck has no DOM library.
interface RenderHandle { ready: Promise<void>; dispose(): void; state?(): unknown }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { redrawingRenderer } = require('../../renderers/shared/activate') as {
  redrawingRenderer: (what: string, render: (element: unknown, data: unknown, signal: AbortSignal, previous?: unknown) => RenderHandle,
    renderError: (element: unknown, message: string) => void) => (context: unknown) => unknown;
};

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected}, got ${actual}`);

/** Deterministic test data (a different generator from the one under test). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function distancesOf(points: number[][]): number[][] {
  return points.map(a => points.map(b => Math.hypot(...a.map((v, k) => v - b[k]))));
}

/** The 2-D points (x, y) of row-major coordinates. */
const rows2 = (c: Float64Array) => Array.from({ length: c.length / 2 }, (_, i) => [c[2 * i], c[2 * i + 1]]);

/** Q diag(values) Q^T for the Householder reflection Q = I - 2 w w^T / (w^T w): a symmetric matrix with known eigenpairs. */
function withEigenvalues(values: number[], w: number[]): { matrix: Float64Array; vectors: number[][] } {
  const m = values.length;
  const ww = w.reduce((s, x) => s + x * x, 0);
  const q = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0) - (2 * w[i] * w[j]) / ww));
  const matrix = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let sum = 0;
    for (let k = 0; k < m; k++) sum += q[i][k] * values[k] * q[j][k];
    matrix[i * m + j] = sum;
  }
  // Column k of Q is the eigenvector of values[k].
  return { matrix, vectors: values.map((_, k) => q.map(row => row[k])) };
}

describe('embeddings renderer: PCA', () => {
  it('matches the closed-form eigen-decomposition of a 2x2 covariance', () => {
    const random = lcg(3);
    const points = Array.from({ length: 40 }, () => {
      const s = random() * 4 - 2, t = random() - 0.5;
      return [1 + 0.8 * s - 0.6 * t, -2 + 0.6 * s + 0.8 * t];
    });
    const n = points.length;
    const mean = [0, 1].map(k => points.reduce((s, p) => s + p[k], 0) / n);
    const cov = (i: number, j: number) => points.reduce((s, p) => s + (p[i] - mean[i]) * (p[j] - mean[j]), 0) / (n - 1);
    const a = cov(0, 0), b = cov(0, 1), d = cov(1, 1);
    const root = Math.sqrt(((a - d) / 2) ** 2 + b * b);
    const lambda1 = (a + d) / 2 + root, lambda2 = (a + d) / 2 - root;
    const result = pca(points);
    close(result.variances[0], lambda1, 1e-12, 'first variance');
    close(result.variances[1], lambda2, 1e-12, 'second variance');
    close(result.explained[0] + result.explained[1], 1, 1e-12, 'explained sum');
    // The first axis is the eigenvector (b, lambda1 - a), normalised; scores agree up to sign.
    const norm = Math.hypot(b, lambda1 - a);
    const axis = [b / norm, (lambda1 - a) / norm];
    const scores = points.map(p => (p[0] - mean[0]) * axis[0] + (p[1] - mean[1]) * axis[1]);
    const sign = Math.sign(scores[0] * result.coordinates[0]);
    scores.forEach((s, i) => close(result.coordinates[2 * i], sign * s, 1e-10, `PC1 score of point ${i}`));
  });

  it('orders the axes by variance, and each coordinate column has that variance', () => {
    const random = lcg(11);
    const points = Array.from({ length: 60 }, () => [random() * 0.5, random() * 3, random() * 1.5, random() * 0.1]);
    const result = pca(points);
    assert.ok(result.variances[0] >= result.variances[1], 'variances in decreasing order');
    for (let c = 0; c < 2; c++) {
      const column = Array.from({ length: points.length }, (_, i) => result.coordinates[2 * i + c]);
      const mean = column.reduce((s, v) => s + v, 0) / column.length;
      close(mean, 0, 1e-12, `mean of PC${c + 1}`);
      const variance = column.reduce((s, v) => s + (v - mean) ** 2, 0) / (column.length - 1);
      close(variance, result.variances[c], 1e-10, `variance of PC${c + 1}`);
    }
    // The widest input axis (index 1, spread 3) dominates the first component.
    assert.ok(result.explained[0] > 0.6, `PC1 explains ${result.explained[0]}`);
  });

  it('keeps every pairwise distance of points on a plane in 3-D (covariance path)', () => {
    const random = lcg(5);
    const u = [1 / Math.sqrt(2), 1 / Math.sqrt(2), 0], v = [1 / Math.sqrt(3), -1 / Math.sqrt(3), 1 / Math.sqrt(3)];
    const points = Array.from({ length: 25 }, () => {
      const s = random() * 10, t = random() * 2;
      return [0, 1, 2].map(k => 5 + s * u[k] + t * v[k]);
    });
    const result = pca(points);
    close(result.explained[0] + result.explained[1], 1, 1e-10, 'two axes explain everything');
    const before = distancesOf(points), after = distancesOf(rows2(result.coordinates));
    before.forEach((row, i) => row.forEach((d, j) => close(after[i][j], d, 1e-9, `distance ${i}-${j}`)));
  });

  it('keeps every pairwise distance of 10 points on a plane in 128-D (Gram path, N < dim)', () => {
    const random = lcg(17);
    const dim = 128;
    const u = Array.from({ length: dim }, () => random() - 0.5), v = Array.from({ length: dim }, () => random() - 0.5);
    const points = Array.from({ length: 10 }, () => {
      const s = random() * 3, t = random();
      return u.map((_, k) => s * u[k] + t * v[k] + 0.25);
    });
    const result = pca(points);
    const before = distancesOf(points), after = distancesOf(rows2(result.coordinates));
    before.forEach((row, i) => row.forEach((d, j) => close(after[i][j], d, 1e-9, `distance ${i}-${j}`)));
  });

  it('Jacobi finds the eigenpairs of a 3x3 matrix built from known ones', () => {
    const { matrix, vectors } = withEigenvalues([2, 7, 0.5], [1, -2, 0.5]);
    const result = jacobiEigen(matrix, 3);
    [7, 2, 0.5].forEach((value, k) => close(result.values[k], value, 1e-12, `eigenvalue ${k}`));
    const expected = [vectors[1], vectors[0], vectors[2]];
    expected.forEach((vector, k) => {
      const dot = vector.reduce((s, x, i) => s + x * result.vectors[k][i], 0);
      close(Math.abs(dot), 1, 1e-12, `eigenvector ${k}`);
    });
  });

  it('block power iteration finds the top two eigenpairs of a 60x60 matrix, also with a repeated eigenvalue', () => {
    const w = Array.from({ length: 60 }, (_, i) => Math.sin(i + 1));
    const values = Array.from({ length: 60 }, (_, i) => (i === 0 ? 10 : i === 1 ? 6 : 3 / (i + 1)));
    const { matrix, vectors } = withEigenvalues(values, w);
    const top = topEigenpairs(matrix, 60, 2);
    close(top.values[0], 10, 1e-9, 'first eigenvalue');
    close(top.values[1], 6, 1e-9, 'second eigenvalue');
    [0, 1].forEach(k => close(Math.abs(vectors[k].reduce((s, x, i) => s + x * top.vectors[k][i], 0)), 1, 1e-9, `eigenvector ${k}`));

    const repeated = withEigenvalues(values.map((v, i) => (i < 2 ? 5 : v)), w);
    const pair = topEigenpairs(repeated.matrix, 60, 2);
    close(pair.values[0], 5, 1e-9, 'repeated eigenvalue 1');
    close(pair.values[1], 5, 1e-9, 'repeated eigenvalue 2');
    // Any basis of the eigenspace will do: both vectors must lie in span(q0, q1).
    for (const found of pair.vectors) {
      const inSpan = [0, 1].reduce((s, k) => s + repeated.vectors[k].reduce((t, x, i) => t + x * found[i], 0) ** 2, 0);
      close(inSpan, 1, 1e-9, 'vector in the eigenspace');
    }
  });

  it('puts identical vectors and a single point at the origin', () => {
    const same = pca([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    assert.deepStrictEqual(Array.from(same.coordinates), [0, 0, 0, 0, 0, 0]);
    assert.ok(same.explained.every(Number.isNaN));
    assert.deepStrictEqual(Array.from(pca([[4, 5]]).coordinates), [0, 0]);
  });
});

describe('embeddings renderer: distances, verification, ROC', () => {
  // A hand-worked set: a, b one identity; c, d another. Distances: ab 1, cd 2, ac 3, bc sqrt(13), ad 5, bd sqrt(29).
  const points = [[0, 0], [1, 0], [0, 3], [0, 5]];
  const labels = ['ann', 'ann', 'bob', 'bob'];
  const matrix = pairwiseDistances(points);
  const table = new PairTable(matrix, identitiesOf(labels).ofPoint);

  it('computes Euclidean distances, symmetric with a zero diagonal', () => {
    const expected = [[0, 1, 3, 5], [1, 0, Math.sqrt(10), Math.sqrt(26)], [3, Math.sqrt(10), 0, 2], [5, Math.sqrt(26), 2, 0]];
    expected.forEach((row, i) => row.forEach((d, j) => close(matrix[i * 4 + j], d, 1e-15, `d(${i},${j})`)));
  });

  it('counts accepted pairs, accuracy, TPR and FPR at hand-worked thresholds (accept when distance < threshold)', () => {
    // Pairs sorted: ab 1 (same), cd 2 (same), ac 3, bc 3.16, ad 5, bd 5.10 (all different).
    const cases: Array<[number, { tp: number; fp: number; tn: number; fn: number }]> = [
      [0.5, { tp: 0, fp: 0, tn: 4, fn: 2 }],
      [1, { tp: 0, fp: 0, tn: 4, fn: 2 }], // strict: a distance equal to the threshold is rejected
      [1.5, { tp: 1, fp: 0, tn: 4, fn: 1 }],
      [2.5, { tp: 2, fp: 0, tn: 4, fn: 0 }],
      [3.1, { tp: 2, fp: 1, tn: 3, fn: 0 }],
      [10, { tp: 2, fp: 4, tn: 0, fn: 0 }],
    ];
    for (const [threshold, expected] of cases) {
      const v = table.verify(threshold);
      assert.deepStrictEqual({ tp: v.truePositives, fp: v.falsePositives, tn: v.trueNegatives, fn: v.falseNegatives }, expected, `threshold ${threshold}`);
      assert.strictEqual(v.accepted, expected.tp + expected.fp);
      assert.strictEqual(v.pairs, 6);
      close(v.accuracy, (expected.tp + expected.tn) / 6, 1e-15, `accuracy at ${threshold}`);
      close(v.tpr, expected.tp / 2, 1e-15, `TPR at ${threshold}`);
      close(v.fpr, expected.fp / 4, 1e-15, `FPR at ${threshold}`);
    }
  });

  it('agrees with a brute-force count over all pairs of random data', () => {
    const random = lcg(23);
    const vectors = Array.from({ length: 30 }, () => [random(), random(), random()]);
    const ids = vectors.map((_, i) => i % 4);
    const d = pairwiseDistances(vectors);
    const t = new PairTable(d, ids);
    for (const threshold of [0, 0.2, 0.4, 0.6, 0.9, 2]) {
      let tp = 0, fp = 0, tn = 0, fn = 0;
      for (let i = 0; i < 30; i++) for (let j = i + 1; j < 30; j++) {
        const accepted = Math.hypot(...vectors[i].map((x, k) => x - vectors[j][k])) < threshold;
        const same = ids[i] === ids[j];
        if (accepted && same) tp++; else if (accepted) fp++; else if (same) fn++; else tn++;
      }
      const v = t.verify(threshold);
      assert.deepStrictEqual([v.truePositives, v.falsePositives, v.trueNegatives, v.falseNegatives], [tp, fp, tn, fn], `threshold ${threshold}`);
    }
  });

  it('gives AUC 1 for perfectly separated pairs and 0 when the order is reversed', () => {
    assert.strictEqual(table.roc().auc, 1);
    // Identities on the diagonals of a unit square: same-identity pairs (sqrt 2) are farther than every other pair (1).
    const reversed = new PairTable(pairwiseDistances([[0, 0], [1, 1], [1, 0], [0, 1]]), [0, 0, 1, 1]);
    assert.strictEqual(reversed.roc().auc, 0);
  });

  it('computes the AUC of random data as the Mann-Whitney statistic (ties one half), near 0.5', () => {
    const random = lcg(99);
    const vectors = Array.from({ length: 80 }, () => [random(), random()]);
    const ids = vectors.map(() => Math.floor(random() * 5));
    const d = pairwiseDistances(vectors);
    const positives: number[] = [], negatives: number[] = [];
    for (let i = 0; i < 80; i++) for (let j = i + 1; j < 80; j++) (ids[i] === ids[j] ? positives : negatives).push(d[i * 80 + j]);
    let wins = 0;
    for (const p of positives) for (const q of negatives) wins += p < q ? 1 : p === q ? 0.5 : 0;
    const roc = new PairTable(d, ids).roc();
    close(roc.auc, wins / (positives.length * negatives.length), 1e-12, 'AUC');
    close(roc.auc, 0.5, 0.08, 'AUC of unrelated labels');
    assert.deepStrictEqual([roc.fpr[0], roc.tpr[0], roc.fpr[roc.fpr.length - 1], roc.tpr[roc.tpr.length - 1]], [0, 0, 1, 1]);
    for (let k = 1; k < roc.fpr.length; k++) assert.ok(roc.fpr[k] >= roc.fpr[k - 1] && roc.tpr[k] >= roc.tpr[k - 1], 'monotone');
  });

  it('gives AUC 0.5 when every pair is tied (identical vectors), and NaN with one identity', () => {
    const tied = new PairTable(pairwiseDistances([[1, 1], [1, 1], [1, 1], [1, 1]]), [0, 0, 1, 1]);
    assert.strictEqual(tied.roc().auc, 0.5);
    assert.strictEqual(tied.verify(0).accepted, 0);
    assert.strictEqual(tied.verify(1e-9).accepted, 6);
    const single = new PairTable(pairwiseDistances([[0], [1], [2]]), [0, 0, 0]);
    assert.ok(Number.isNaN(single.roc().auc));
    assert.ok(Number.isNaN(single.verify(1.5).fpr));
    close(single.verify(1.5).tpr, 2 / 3, 1e-15, 'TPR with one identity');
  });

  it('handles one point: no pairs, accuracy NaN', () => {
    const one = new PairTable(pairwiseDistances([[1, 2]]), [0]);
    const v = one.verify(1);
    assert.strictEqual(v.pairs, 0);
    assert.ok(Number.isNaN(v.accuracy));
  });
});

describe('embeddings renderer: nearest neighbours and triplets', () => {
  it('lists the k nearest other points, nearest first, ties by index', () => {
    const vectors = [[0], [2], [-1], [1], [-2], [5]];
    const d = pairwiseDistances(vectors);
    const found = nearestNeighbours(d, 6, 0, 5);
    assert.deepStrictEqual(found.map(f => f.index), [2, 3, 1, 4, 5]);
    assert.deepStrictEqual(found.map(f => f.distance), [1, 1, 2, 2, 5]);
    assert.deepStrictEqual(nearestNeighbours(d, 6, 5, 10).map(f => f.index), [1, 3, 0, 2, 4]);
    assert.deepStrictEqual(nearestNeighbours(pairwiseDistances([[3]]), 1, 0, 5), []);
  });

  it('classifies triplets at the boundaries of the margin', () => {
    const margin = 0.2;
    assert.strictEqual(classifyTriplet(1, 0.9, margin), 'hard');
    assert.strictEqual(classifyTriplet(1, 1, margin), 'hard'); // d(a,n) = d(a,p): hard
    assert.strictEqual(classifyTriplet(1, 1.0000001, margin), 'semi-hard');
    assert.strictEqual(classifyTriplet(1, 1.2, margin), 'semi-hard'); // d(a,n) = d(a,p) + margin: still semi-hard
    assert.strictEqual(classifyTriplet(1, 1.2000001, margin), 'easy');
    assert.strictEqual(classifyTriplet(0.5, 0.5, 0), 'hard');
    assert.strictEqual(classifyTriplet(0.5, 0.6, 0), 'easy');
  });

  it('evaluates a batch on squared or plain distances', () => {
    // a = 0, p = 1, n = 1.1: plain gap 0.1 (semi-hard at margin 0.2); squared gap 0.21 (easy).
    const d = pairwiseDistances([[0], [1], [1.1], [0.5]]);
    const triplets = [{ anchor: 0, positive: 1, negative: 2 }, { anchor: 0, positive: 1, negative: 3 }];
    const plain = evaluateTriplets(d, 4, triplets, 0.2, false);
    assert.deepStrictEqual(plain.map(r => r.kind), ['semi-hard', 'hard']);
    close(plain[0].loss, 1 - 1.1 + 0.2, 1e-12, 'plain loss');
    const squared = evaluateTriplets(d, 4, triplets, 0.2, true);
    assert.deepStrictEqual(squared.map(r => r.kind), ['easy', 'hard']);
    close(squared[0].anchorNegative, 1.21, 1e-12, 'squared d(a,n)');
    close(squared[1].loss, 1 - 0.25 + 0.2, 1e-12, 'squared loss');
    assert.deepStrictEqual(countTriplets(squared), { easy: 1, 'semi-hard': 0, hard: 1 });
  });
});

describe('embeddings renderer: payload validation', () => {
  const valid = () => ({
    version: 1, dim: 2, metric: 'euclidean', threshold: 1,
    points: [{ label: 'a', vector: [0, 1] }, { label: 'a', vector: [1, 1] }, { label: 'b', vector: [3, 3], name: '<script>"x"</script> 😀' }],
  });
  const rejects = (change: (p: any) => void, pattern: RegExp) => {
    const payload = valid();
    change(payload);
    assert.throws(() => parseEmbeddingsPayload(payload), (error: Error) => {
      assert.match(error.message, /^Not an embeddings output: /);
      assert.match(error.message, pattern);
      return true;
    });
  };

  it('accepts a valid payload, odd strings as they are, and fills in defaults', () => {
    const parsed = parseEmbeddingsPayload({ ...valid(), metric: undefined });
    assert.strictEqual(parsed.metric, 'euclidean');
    assert.strictEqual(parsed.points[2].name, '<script>"x"</script> 😀');
    const model = buildModel(parsed, pairwiseDistances(parsed.points.map(p => p.vector)));
    assert.deepStrictEqual(model.names, ['a #0', 'a #1', '<script>"x"</script> 😀']);
    assert.strictEqual(model.range[0], 0);
    close(model.range[1], Math.sqrt(3 * 3 + 2 * 2), 1e-15, 'slider maximum: the farthest pair, (0, 1) and (3, 3)');
  });

  it('names the field that is wrong', () => {
    assert.throws(() => parseEmbeddingsPayload(null), /expected an object, got null/);
    rejects(p => { p.version = 2; }, /version must be 1, got 2/);
    rejects(p => { delete p.threshold; }, /threshold must be a finite number >= 0, got nothing/);
    rejects(p => { p.points[1] = 'x'; }, /points\[1\] must be an object, got the string "x"/);
    rejects(p => { p.dim = 0; }, /dim must be a whole number >= 1, got 0/);
    rejects(p => { p.points = []; }, /points must be a non-empty array/);
    rejects(p => { p.points[1].vector = [1]; }, /points\[1\]\.vector must have dim = 2 numbers, got 1/);
    rejects(p => { p.points[0].vector[1] = 'NaN'; }, /points\[0\]\.vector\[1\] must be a finite number, got the string "NaN"/);
    rejects(p => { p.points[2].label = 7; }, /points\[2\]\.label must be a string, got 7/);
    rejects(p => { p.points[0].thumbnail = '"><img src=x onerror=alert(1)>'; }, /points\[0\]\.thumbnail must be base64 PNG data/);
    rejects(p => { p.metric = 'cosine'; }, /metric must be 'euclidean'/);
    rejects(p => { p.threshold = -1; }, /threshold must be a finite number >= 0, got -1/);
    rejects(p => { p.thresholdRange = [2, 1]; }, /thresholdRange must be \[low, high\]/);
    rejects(p => { p.projection = 'mds'; }, /projection must be one of pca, umap, tsne/);
    rejects(p => { p.triplets = [{ anchor: 0, positive: 1, negative: 3 }]; }, /triplets\[0\]\.negative must be a point index in 0\.\.2, got 3/);
    rejects(p => { p.triplets = [{ anchor: 0, positive: 2, negative: 1 }]; }, /triplets\[0\]\.positive must have the anchor's label/);
    rejects(p => { p.margin = -0.1; }, /margin must be a finite number >= 0/);
  });
});

describe('embeddings renderer: seeded projections', () => {
  const random = lcg(42);
  const vectors = Array.from({ length: 24 }, (_, i) => Array.from({ length: 8 }, () => random() + (i % 3) * 2));

  it('seededRandom repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(7), b = seededRandom(7), c = seededRandom(8);
    const first = Array.from({ length: 100 }, a);
    assert.deepStrictEqual(first, Array.from({ length: 100 }, b));
    assert.notDeepStrictEqual(first, Array.from({ length: 100 }, c));
    assert.ok(first.every(x => x >= 0 && x < 1));
  });

  for (const method of ['umap', 'tsne'] as const) {
    it(`${method} gives the same picture for the same seed and another for another seed`, async () => {
      const run = async (seed: number) => {
        const stepper = createStepper(method, vectors, seed);
        let yields = 0;
        const progress: number[] = [];
        const finished = await runInChunks(stepper, {
          yieldToPage: async () => { yields++; }, budgetMs: 1, onProgress: done => progress.push(done),
        });
        assert.ok(finished);
        assert.strictEqual(stepper.stepsDone, stepper.totalSteps);
        assert.ok(progress.every((p, k) => k === 0 || p > progress[k - 1]), 'progress increases');
        assert.ok(yields >= 1, 'yielded to the page between chunks');
        return Array.from(stepper.coordinates());
      };
      const first = await run(1);
      assert.ok(first.every(Number.isFinite));
      assert.deepStrictEqual(await run(1), first);
      assert.notDeepStrictEqual(await run(2), first);
    });
  }

  it('exact neighbours for UMAP list each point itself first, then the nearest by brute force', () => {
    const d = pairwiseDistances(vectors);
    const knn = exactNeighbours(d, vectors.length, 5);
    vectors.forEach((v, i) => {
      const brute = vectors.map((w, j) => ({ j, d: Math.hypot(...v.map((x, k) => x - w[k])) }))
        .filter(e => e.j !== i).sort((a, b) => a.d - b.d || a.j - b.j).slice(0, 4);
      assert.deepStrictEqual(knn.indices[i], [i, ...brute.map(e => e.j)], `neighbours of ${i}`);
      knn.distances[i].forEach((x, k) => close(x, k === 0 ? 0 : brute[k - 1].d, 1e-12, `distance ${i},${k}`));
    });
  });

  it('UMAP on the precomputed distances keeps three separated clusters apart, the same way for a seed', () => {
    const d = pairwiseDistances(vectors);
    const run = () => {
      const stepper = createStepper('umap', vectors, 3, d);
      while (stepper.step());
      return rows2(stepper.coordinates());
    };
    const layout = run();
    assert.deepStrictEqual(run(), layout);
    let within = 0, withinCount = 0, between = 0, betweenCount = 0;
    const shown = distancesOf(layout);
    for (let i = 0; i < vectors.length; i++) for (let j = i + 1; j < vectors.length; j++) {
      if (i % 3 === j % 3) { within += shown[i][j]; withinCount++; } else { between += shown[i][j]; betweenCount++; }
    }
    assert.ok(within / withinCount < 0.5 * (between / betweenCount), `within ${within / withinCount}, between ${between / betweenCount}`);
  });

  it('t-SNE from the precomputed distances follows the same path as from the vectors', () => {
    const fromVectors = createStepper('tsne', vectors, 5);
    const fromDistances = createStepper('tsne', vectors, 5, pairwiseDistances(vectors));
    for (let k = 0; k < 20; k++) { fromVectors.step(); fromDistances.step(); }
    const a = fromVectors.coordinates(), b = fromDistances.coordinates();
    a.forEach((x, i) => close(b[i], x, 1e-6 * Math.max(1, Math.abs(x)), `coordinate ${i}`));
  });

  it('stops when aborted, and refuses sets too small for a neighbourhood', async () => {
    const controller = new AbortController();
    const stepper = createStepper('tsne', vectors, 1);
    const finished = await runInChunks(stepper, {
      yieldToPage: async () => controller.abort(), budgetMs: 0, signal: controller.signal,
    });
    assert.strictEqual(finished, false);
    assert.ok(stepper.stepsDone < stepper.totalSteps);
    assert.throws(() => createStepper('umap', vectors.slice(0, 3), 1), /UMAP needs at least 4 points; this set has 3/);
    const many = Array.from({ length: MAX_POINTS_TSNE + 1 }, (_, i) => [i]);
    assert.throws(() => createStepper('tsne', many, 1), /t-SNE is limited to 1000 points here/);
  });
});

describe('embeddings renderer: an output redrawn with new data (display.update while a cell runs)', () => {
  it('PCA keeps its orientation from one update to the next (each axis is only fixed up to its sign)', () => {
    // Points on a tilted line plus a little spread; the "update" moves them slightly and mirrors them, which
    // leaves PCA's axes free to come out either way.
    const before = Array.from({ length: 12 }, (_, i) => [i, 0.5 * i + Math.sin(i), Math.cos(3 * i)]);
    const after = before.map(([x, y, z], i) => [-(x + 0.05 * Math.sin(7 * i)), -y, z]);
    const first = pcaProjection(before).coordinates;
    const raw = pcaProjection(after).coordinates;
    const aligned = alignAxes(Float64Array.from(raw), first);
    for (let axis = 0; axis < 2; axis++) {
      let agreement = 0;
      for (let i = axis; i < aligned.length; i += 2) agreement += aligned[i] * first[i];
      assert.ok(agreement > 0, `axis ${axis} points the same way as before`);
      for (let i = axis; i < aligned.length; i += 2) assert.equal(Math.abs(aligned[i]), Math.abs(raw[i]), 'only signs change');
    }
    assert.deepEqual(Array.from(alignAxes(Float64Array.from(raw), undefined)), Array.from(raw), 'nothing to align with: unchanged');
    assert.deepEqual(Array.from(alignAxes(Float64Array.from(raw), new Float64Array(4))), Array.from(raw), 'other points: unchanged');
  });

  it("a renderer gets the state of the view it replaces for the same output id, and only for that id", () => {
    const calls: Array<{ data: unknown; previous: unknown }> = [];
    let made = 0;
    const activate = redrawingRenderer('a test output', (_element, data, _signal, previous): RenderHandle => {
      calls.push({ data, previous });
      const mine = { view: ++made };
      return { ready: Promise.resolve(), dispose: () => undefined, state: () => mine };
    }, () => undefined);
    const renderer = activate({} as never) as { renderOutputItem(item: unknown, element: unknown, signal: AbortSignal): unknown };
    const item = (id: string, value: number) => ({ id, json: () => ({ value }) });
    const signal = new AbortController().signal;
    renderer.renderOutputItem(item('a', 1), {}, signal);
    renderer.renderOutputItem(item('a', 2), {}, signal);
    renderer.renderOutputItem(item('b', 3), {}, signal);
    assert.deepEqual(calls, [
      { data: { value: 1 }, previous: undefined },
      { data: { value: 2 }, previous: { view: 1 } },
      { data: { value: 3 }, previous: undefined },
    ]);
  });
});
