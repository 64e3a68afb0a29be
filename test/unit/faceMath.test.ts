// Distances, the triplet loss and triplet mining (src/lib/face/{distances,triplet}.ts) against float64
// computations written here from the definitions.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'cpu';
import * as assert from 'node:assert/strict';
import { tf, ready } from '../../src/lib/tf';
import { FaceArgumentError, mineTriplets, pairwiseDistances, pairwiseSquaredDistances, rowSquaredDistances, tripletLoss } from '../../src/lib/face';
import { lcg } from './faceTestKit';
import { checkNoTensorLeaks } from './libraryTestKit';

/** Rows of float32-representable numbers (what the tensor holds), so the reference sees the same inputs. */
function matrix(n: number, dim: number, seed: number, scale = 1, offset = 0): number[][] {
  const v = lcg(n * dim, seed).map(x => Math.fround(offset + scale * x));
  return Array.from({ length: n }, (_, i) => v.slice(i * dim, (i + 1) * dim));
}

const sqDist64 = (a: number[], b: number[]) => a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0);

function tripletLoss64(A: number[][], P: number[][], N: number[][], alpha: number): number[] {
  return A.map((a, i) => Math.max(sqDist64(a, P[i]) - sqDist64(a, N[i]) + alpha, 0));
}

interface Ref { a: number[]; p: number[]; n: number[] }

/** The three strategies, by brute force over the float64 distance matrix. */
function mine64(E: number[][], labels: number[], strategy: 'all' | 'hard' | 'semi-hard', margin: number, squared = true, onlyActive = false): Ref {
  const n = E.length;
  const D = E.map(a => E.map(b => (squared ? sqDist64(a, b) : Math.sqrt(sqDist64(a, b)))));
  const out: Ref = { a: [], p: [], n: [] };
  for (let a = 0; a < n; a++) {
    const pos = [...Array(n).keys()].filter(j => j !== a && labels[j] === labels[a]);
    const neg = [...Array(n).keys()].filter(j => labels[j] !== labels[a]);
    if (strategy === 'hard') {
      if (!pos.length || !neg.length) continue;
      const p = pos.reduce((best, j) => (D[a][j] > D[a][best] ? j : best));
      const m = neg.reduce((best, j) => (D[a][j] < D[a][best] ? j : best));
      out.a.push(a); out.p.push(p); out.n.push(m);
      continue;
    }
    for (const p of pos) {
      if (strategy === 'all') {
        for (const m of neg) if (!onlyActive || D[a][p] - D[a][m] + margin > 0) { out.a.push(a); out.p.push(p); out.n.push(m); }
      } else {
        const semi = neg.filter(m => D[a][m] > D[a][p] && D[a][m] < D[a][p] + margin);
        if (!semi.length) continue;
        out.a.push(a); out.p.push(p); out.n.push(semi.reduce((best, j) => (D[a][j] < D[a][best] ? j : best)));
      }
    }
  }
  return out;
}

describe('face maths', () => {
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  describe('pairwise distances', () => {
    for (const [label, scale, offset] of [['centred data', 1, 0], ['data far from the origin (cancellation)', 0.01, 30]] as const) {
      it(`match float64 for ${label}, are >= 0 and have a zero diagonal`, async () => {
        const E = matrix(9, 16, 42, scale, offset);
        const t = tf.tensor2d(E);
        const sq = pairwiseSquaredDistances(t), eu = pairwiseDistances(t);
        const [s, e] = [await sq.data(), await eu.data()];
        tf.dispose([t, sq, eu]);
        for (let i = 0; i < 9; i++) {
          assert.equal(s[i * 9 + i], 0); assert.equal(e[i * 9 + i], 0);
          for (let j = 0; j < 9; j++) {
            const ref = sqDist64(E[i], E[j]);
            // float32 relative accuracy on the spread of the data (centring removes the offset's effect).
            const tol = 1e-5 * 16 * (2 * scale) ** 2 + 1e-6 * ref;
            assert.ok(s[i * 9 + j] >= 0 && Math.abs(s[i * 9 + j] - ref) <= tol, `squared [${i},${j}]: ${s[i * 9 + j]} vs ${ref}`);
            if (i !== j) assert.ok(Math.abs(e[i * 9 + j] - Math.sqrt(ref)) <= 1e-4 * Math.sqrt(ref), `euclidean [${i},${j}]: ${e[i * 9 + j]} vs ${Math.sqrt(ref)}`);
          }
        }
      });
    }

    it('give duplicate rows distance exactly 0 and a finite gradient there', async () => {
      const x = tf.tensor2d([[1, 2, 3], [1, 2, 3], [0, 0, 1]]);
      const d = pairwiseDistances(x);
      const v = await d.data();
      assert.equal(v[1], 0); assert.equal(v[3], 0);
      const g = tf.grad((e: tf.Tensor) => tf.sum(pairwiseDistances(e as tf.Tensor2D)))(x);
      assert.ok((await g.data()).every(Number.isFinite), 'gradient is finite');
      tf.dispose([x, d, g]);
    });

    it('rowSquaredDistances matches float64 and checks shapes', async () => {
      const A = matrix(4, 5, 1), B = matrix(4, 5, 2);
      const [a, b] = [tf.tensor2d(A), tf.tensor2d(B)];
      const r = rowSquaredDistances(a, b);
      (await r.data()).forEach((v, i) => assert.ok(Math.abs(v - sqDist64(A[i], B[i])) < 1e-5));
      const c = tf.zeros([3, 5]) as tf.Tensor2D;
      assert.throws(() => rowSquaredDistances(a, c), /rowSquaredDistances: a and b must both be \[n, dim\] with the same shape; got \[4, 5\] and \[3, 5\]/);
      const r1 = tf.zeros([3]);
      assert.throws(() => pairwiseDistances(r1 as never), /pairwiseDistances: embeddings must be a \[n, dim\] tensor; got shape \[3\]/);
      tf.dispose([a, b, r, c, r1]);
    });
  });

  describe('tripletLoss', () => {
    it('is the course\'s sum of hinges (and the mean with reduction: mean), in float64 terms', async () => {
      const [A, P, N] = [matrix(6, 8, 11, 0.5), matrix(6, 8, 12, 0.5), matrix(6, 8, 13, 0.5)];
      const [a, p, n] = [tf.tensor2d(A), tf.tensor2d(P), tf.tensor2d(N)];
      for (const alpha of [0, 0.2, 1.5]) {
        const ref = tripletLoss64(A, P, N, alpha);
        assert.ok(ref.some(v => v === 0) || alpha > 1, 'the case includes inactive triplets');
        const sum = tripletLoss(a, p, n, alpha);
        const mean = tripletLoss(a, p, n, alpha, { reduction: 'mean' });
        const refSum = ref.reduce((s, v) => s + v, 0);
        assert.ok(Math.abs((await sum.data())[0] - refSum) < 1e-5 * (1 + refSum), `alpha ${alpha}: sum`);
        assert.ok(Math.abs((await mean.data())[0] - refSum / 6) < 1e-5 * (1 + refSum), `alpha ${alpha}: mean`);
        assert.equal(sum.rank, 0);
        tf.dispose([sum, mean]);
      }
      const def = tripletLoss(a, p, n);
      const refDefault = tripletLoss64(A, P, N, 0.2).reduce((s, v) => s + v, 0);
      assert.ok(Math.abs((await def.data())[0] - refDefault) < 1e-5 * (1 + refDefault), 'alpha defaults to 0.2, reduction to sum');
      tf.dispose([a, p, n, def]);
    });

    it('matches the course notebook\'s check value (seeded normal inputs are not portable, so a hand case)', async () => {
      // a = (0,0), p = (1,0): |a-p|² = 1; n = (0,2): |a-n|² = 4 -> max(1 - 4 + 0.2, 0) = 0;
      // second row: p = (2,0) (4), n = (1,0) (1) -> 4 - 1 + 0.2 = 3.2. Sum 3.2.
      const a = tf.tensor2d([[0, 0], [0, 0]]), p = tf.tensor2d([[1, 0], [2, 0]]), n = tf.tensor2d([[0, 2], [1, 0]]);
      const l = tripletLoss(a, p, n);
      assert.ok(Math.abs((await l.data())[0] - 3.2) < 1e-6);
      tf.dispose([a, p, n, l]);
    });

    it('has the float64 gradient: 2(n - p) for the anchor of each active triplet', async () => {
      const [A, P, N] = [matrix(5, 4, 21), matrix(5, 4, 22), matrix(5, 4, 23)];
      const [a, p, n] = [tf.tensor2d(A), tf.tensor2d(P), tf.tensor2d(N)];
      const g = tf.grad((x: tf.Tensor) => tripletLoss(x as tf.Tensor2D, p, n, 0.5))(a);
      const gv = await g.data();
      const active = tripletLoss64(A, P, N, 0.5).map(v => v > 0);
      A.forEach((row, i) => row.forEach((_, k) => {
        const ref = active[i] ? 2 * (N[i][k] - P[i][k]) : 0;
        assert.ok(Math.abs(gv[i * 4 + k] - ref) < 1e-5, `grad [${i},${k}]`);
      }));
      tf.dispose([a, p, n, g]);
    });

    it('names the argument and the shapes when they are wrong', () => {
      const a = tf.zeros([3, 4]) as tf.Tensor2D, b = tf.zeros([2, 4]) as tf.Tensor2D, c = tf.zeros([3, 5]) as tf.Tensor2D, r1 = tf.zeros([4]);
      assert.throws(() => tripletLoss(r1 as never, a, a), (e: Error) => e instanceof FaceArgumentError && /tripletLoss: anchor must be a \[batch, dim\] tensor; got shape \[4\]/.test(e.message));
      assert.throws(() => tripletLoss(a, b, a), /tripletLoss: anchor and positive must have the same shape \[batch, dim\]; got \[3, 4\] and \[2, 4\]/);
      assert.throws(() => tripletLoss(a, a, c), /tripletLoss: anchor and negative must have the same shape/);
      assert.throws(() => tripletLoss(a, a, a, -1), /tripletLoss: alpha must be a finite number >= 0; got -1/);
      assert.throws(() => tripletLoss(a, a, a, 0.2, { reduction: 'max' as 'sum' }), /tripletLoss: options.reduction must be 'sum' or 'mean'/);
      tf.dispose([a, b, c, r1]);
    });
  });

  describe('mineTriplets', () => {
    // 4 identities x 4 images, clustered but overlapping, so every strategy has work to do.
    const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
    const centres = matrix(4, 6, 77, 0.6);
    const noise = matrix(16, 6, 78, 0.5);
    const E = noise.map((row, i) => row.map((v, k) => Math.fround(v + centres[labels[i]][k])));

    const cases: [string, Parameters<typeof mine64>[2], number, boolean, boolean][] = [
      ['all', 'all', 0.2, true, false], ['all (only active)', 'all', 0.5, true, true], ['hard', 'hard', 0.2, true, false],
      ['semi-hard', 'semi-hard', 0.5, true, false], ['semi-hard (Euclidean)', 'semi-hard', 0.3, false, false], ['hard (Euclidean)', 'hard', 0.2, false, false],
    ];
    for (const [name, strategy, margin, squared, onlyActive] of cases) {
      it(`'${name}' picks the triplets a float64 brute force picks`, async () => {
        const ref = mine64(E, labels, strategy, margin, squared, onlyActive);
        assert.ok(ref.a.length > 0, 'the case has triplets');
        const t = tf.tensor2d(E);
        const got = await mineTriplets(t, labels, { strategy, margin, squared, onlyActive });
        t.dispose();
        assert.equal(got.count, ref.a.length);
        assert.deepEqual(Array.from(got.anchor), ref.a);
        assert.deepEqual(Array.from(got.positive), ref.p);
        assert.deepEqual(Array.from(got.negative), ref.n);
        for (let i = 0; i < got.count; i++) {
          const dp = sqDist64(E[ref.a[i]], E[ref.p[i]]), dn = sqDist64(E[ref.a[i]], E[ref.n[i]]);
          assert.ok(Math.abs(got.positiveDistance[i] - (squared ? dp : Math.sqrt(dp))) < 1e-4);
          assert.ok(Math.abs(got.negativeDistance[i] - (squared ? dn : Math.sqrt(dn))) < 1e-4);
        }
      });
    }

    it('takes labels as strings or a tensor, defaults to semi-hard with margin 0.2, and feeds tripletLoss', async () => {
      const t = tf.tensor2d(E);
      const lt = tf.tensor1d(labels, 'int32');
      const a = await mineTriplets(t, labels.map(l => `person ${l}`));
      const b = await mineTriplets(t, lt);
      const ref = mine64(E, labels, 'semi-hard', 0.2);
      assert.deepEqual(Array.from(a.negative), ref.n);
      assert.deepEqual(Array.from(b.negative), ref.n);
      const hard = await mineTriplets(t, labels, { strategy: 'hard' });
      const loss = tf.tidy(() => tripletLoss(tf.gather(t, hard.anchor), tf.gather(t, hard.positive), tf.gather(t, hard.negative)));
      const refLoss = hard.positiveDistance.reduce((s, dp, i) => s + Math.max(dp - hard.negativeDistance[i] + 0.2, 0), 0);
      assert.ok(Math.abs((await loss.data())[0] - refLoss) < 1e-4);
      tf.dispose([t, lt, loss]);
    });

    it('rejects mismatched labels, bad options and wrong ranks by name', async () => {
      const t = tf.tensor2d(E);
      const r3 = tf.zeros([2, 2, 2]);
      await assert.rejects(mineTriplets(t, labels.slice(1)), /mineTriplets: labels must have one entry per embedding: 16 embeddings \(shape \[16, 6\]\), 15 labels/);
      await assert.rejects(mineTriplets(r3 as never, [0, 1]), /mineTriplets: embeddings must be a \[n, dim\] tensor; got shape \[2, 2, 2\]/);
      await assert.rejects(mineTriplets(t, labels, { strategy: 'easy' as 'all' }), /mineTriplets: options.strategy must be 'all', 'hard' or 'semi-hard'/);
      await assert.rejects(mineTriplets(t, labels, { margin: -0.1 }), /mineTriplets: options.margin must be a finite number >= 0/);
      const none = await mineTriplets(t, new Array(16).fill(7), { strategy: 'hard' });
      assert.equal(none.count, 0, 'one identity: no negatives, no triplets');
      tf.dispose([t, r3]);
    });
  });
});
