// evaluatePairs, bestThreshold and rocCurve (src/lib/face/evaluate.ts) against brute-force float64
// computations written here: every candidate threshold tried, AUC as the Mann-Whitney statistic.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'cpu';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { tf, ready } from '../../src/lib/tf';
import type { Tensor3D } from '@tensorflow/tfjs';
import { bestThreshold, evaluatePairs, FaceArgumentError, rocCurve, type LabelledPair } from '../../src/lib/face';
import * as images from '../../src/lib/images';
import { ProjectionEncoder, batchOf, lcg } from './faceTestKit';
import { checkNoTensorLeaks, ORL, skipWithoutOrl } from './libraryTestKit';


/** Accuracy of "same iff d < t" for every t in a dense candidate set; the best accuracy. */
function bruteBestAccuracy(d: number[], same: boolean[]): number {
  const sorted = [...new Set(d)].sort((a, b) => a - b);
  const candidates = [sorted[0] - 1, ...sorted.map((v, i) => (i + 1 < sorted.length ? (v + sorted[i + 1]) / 2 : v + 1))];
  let best = 0;
  for (const t of candidates) best = Math.max(best, d.filter((v, i) => (v < t) === same[i]).length / d.length);
  return best;
}

/** P(d_same < d_diff) + P(equal) / 2 over all (same, different) pairs of pairs. */
function mannWhitneyAuc(d: number[], same: boolean[]): number {
  let wins = 0, total = 0;
  d.forEach((ds, i) => {
    if (!same[i]) return;
    d.forEach((dd, j) => {
      if (same[j]) return;
      total++;
      wins += ds < dd ? 1 : ds === dd ? 0.5 : 0;
    });
  });
  return wins / total;
}

/** 40 people x 3 noisy 6-d embeddings; LFW-like pairs in blocks (same then different within each block). */
function syntheticSet(): { embeddings: number[][]; pairs: LabelledPair[] } {
  const centres = Array.from({ length: 40 }, (_, i) => lcg(6, 500 + i));
  const noise = lcg(120 * 6, 9);
  const embeddings = Array.from({ length: 120 }, (_, i) => centres[Math.floor(i / 3)].map((c, k) => Math.fround(c + 0.45 * noise[i * 6 + k])));
  const pairs: LabelledPair[] = [];
  for (let block = 0; block < 10; block++) {
    for (let q = 0; q < 4; q++) { const p = block * 4 + q; pairs.push([3 * p, 3 * p + 1 + (q % 2), true]); }
    for (let q = 0; q < 4; q++) { const p = block * 4 + q; pairs.push([3 * p + 2, 3 * ((p + 7) % 40), false]); }
  }
  return { embeddings, pairs };
}

const dist64 = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0));

describe('evaluatePairs', () => {
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  it('bestThreshold finds the best accuracy a brute force finds, with ties', () => {
    for (let trial = 0; trial < 20; trial++) {
      const d = lcg(30, trial).map(v => Math.round((v + 1) * 5) / 5); // few distinct values: ties
      const same = lcg(30, 100 + trial).map((v, i) => v + (1 - d[i]) * 0.6 > 0);
      const { threshold, accuracy } = bestThreshold(d, same);
      assert.equal(accuracy, bruteBestAccuracy(d, same), `trial ${trial}`);
      assert.equal(d.filter((v, i) => (v < threshold) === same[i]).length / 30, accuracy, 'the threshold gives that accuracy');
    }
  });

  it('rocCurve: AUC equals the Mann-Whitney statistic; the curve runs from (0,0) to (1,1)', () => {
    for (let trial = 0; trial < 10; trial++) {
      const d = lcg(40, 50 + trial).map(v => Math.round((v + 1) * 8) / 8);
      const same = lcg(40, 70 + trial).map((v, i) => v - d[i] + 1 > 0);
      const roc = rocCurve(d, same);
      assert.ok(Math.abs(roc.auc - mannWhitneyAuc(d, same)) < 1e-12, `trial ${trial}`);
      assert.deepEqual([roc.fpr[0], roc.tpr[0], roc.fpr.at(-1), roc.tpr.at(-1)], [0, 0, 1, 1]);
      for (let i = 1; i < roc.fpr.length; i++) assert.ok(roc.fpr[i] >= roc.fpr[i - 1] && roc.tpr[i] >= roc.tpr[i - 1]);
    }
  });

  it('a hand-worked case: 1-d embeddings, 2 folds', async () => {
    // distances: pairs 0-3 -> 0.5 (same), 2 (same), 1 (diff), 3 (diff); pairs 4-7 -> 0.25 (same), 1.5 (diff), 4 (diff), 1 (same)
    const e = tf.tensor2d([[0], [0.5], [2], [1], [4], [0.25], [1.5], [5]]);
    const pairs: LabelledPair[] = [[0, 1, true], [0, 2, true], [0, 3, false], [3, 4, false], [0, 5, true], [0, 6, false], [0, 4, false], [4, 7, true]];
    const r = await evaluatePairs(e, pairs, { folds: 2 });
    // Fold 0 is tested with a threshold from fold 1: sorted 0.25s 1s 1.5d 4d -> best "d < 1.25" (accuracy 1).
    // On fold 0: 0.5s ok, 2s wrong, 1d wrong (1 < 1.25), 3d ok -> 0.5.
    // Fold 1 from fold 0: sorted 0.5s 1d 2s 3d -> best 3/4 at 0.75 (smallest of the ties 0.75 and 2.5).
    // On fold 1: 0.25s ok, 1.5d ok, 4d ok, 1s wrong -> 0.75.
    assert.deepEqual(r.folds, [{ threshold: 1.25, accuracy: 0.5, size: 4 }, { threshold: 0.75, accuracy: 0.75, size: 4 }]);
    assert.equal(r.accuracy, 0.625);
    assert.equal(r.accuracyStd, 0.125);
    assert.ok(Math.abs(r.standardError - Math.sqrt(0.125 ** 2 * 2) / Math.sqrt(2)) < 1e-15);
    assert.deepEqual(Array.from(r.distances), [0.5, 2, 1, 3, 0.25, 1.5, 4, 1]);
    // AUC: same {0.5, 2, 0.25, 1} vs diff {1, 3, 1.5, 4}: 16 comparisons, losses: 2 > 1.5 and 2 > 1 -> 2, tie 1 = 1 -> 0.5.
    assert.equal(r.auc, (16 - 2 - 0.5) / 16);
    e.dispose();
  });

  it('10 folds on a synthetic set match a brute-force re-run of the protocol', async () => {
    const { embeddings, pairs } = syntheticSet();
    const e = tf.tensor2d(embeddings);
    const r = await evaluatePairs(e, pairs);
    e.dispose();
    const d = pairs.map(([i, j]) => dist64(embeddings[i], embeddings[j]));
    const same = pairs.map(p => p[2]);
    d.forEach((v, i) => assert.ok(Math.abs(r.distances[i] - v) < 1e-12));
    assert.equal(r.folds.length, 10);
    const accs: number[] = [];
    for (let f = 0; f < 10; f++) {
      const test = [...Array(8).keys()].map(k => f * 8 + k);
      const trainIdx = d.map((_, i) => i).filter(i => !test.includes(i));
      const trainBest = bruteBestAccuracy(trainIdx.map(i => d[i]), trainIdx.map(i => same[i]));
      const t = r.folds[f].threshold;
      assert.equal(trainIdx.filter(i => (d[i] < t) === same[i]).length / trainIdx.length, trainBest, `fold ${f}: threshold is best on the other folds`);
      const acc = test.filter(i => (d[i] < t) === same[i]).length / 8;
      assert.equal(r.folds[f].accuracy, acc);
      accs.push(acc);
    }
    const mean = accs.reduce((s, v) => s + v, 0) / 10;
    assert.ok(Math.abs(r.accuracy - mean) < 1e-15);
    assert.ok(r.accuracy > 0.8, `synthetic clusters are mostly separable; got ${r.accuracy}`);
    assert.ok(Math.abs(r.auc - mannWhitneyAuc(d, same)) < 1e-12);
  });

  it('encodes images with options.encoder and gives what the embeddings give', async () => {
    const encoder = new ProjectionEncoder(16);
    try {
      const pics = Array.from({ length: 12 }, (_, i) => tf.tensor3d(lcg(16 * 16, 300 + (i % 4)).map((v, k) => v + 0.3 * lcg(1, k * 7 + i)[0]), [16, 16, 1]));
      const pairs: LabelledPair[] = [];
      for (let i = 0; i < 12; i++) for (let j = i + 1; j < 12; j++) pairs.push([i, j, i % 4 === j % 4]);
      const fromImages = await evaluatePairs(pics, pairs, { encoder, folds: 5 });
      const e = await encoder.encode(pics);
      const fromEmbeddings = await evaluatePairs(e, pairs, { folds: 5 });
      assert.deepEqual(fromImages, fromEmbeddings);
      const batch = tf.stack(pics) as tf.Tensor4D;
      assert.deepEqual(await evaluatePairs(batch, pairs, { encoder, folds: 5 }), fromEmbeddings);
      tf.dispose([...pics, e, batch]);
    } finally {
      encoder.dispose();
    }
  });

  it('evaluates ORL pairs (LFW-style folds) with a projection encoder', async function () {
    skipWithoutOrl(this);
    const encoder = new ProjectionEncoder(32);
    try {
      const faces: Tensor3D[] = [];
      for (let s = 1; s <= 10; s++) for (const i of [1, 5, 9]) faces.push(await images.load(path.join(ORL, `s${s}`, `${i}.pgm`)));
      const pairs: LabelledPair[] = [];
      for (let s = 0; s < 10; s++) {
        pairs.push([3 * s, 3 * s + 1, true], [3 * s + 1, 3 * s + 2, true], [3 * s, 3 * ((s + 1) % 10) + 2, false], [3 * s + 2, 3 * ((s + 3) % 10), false]);
      }
      const r = await evaluatePairs(faces, pairs, { encoder });
      tf.dispose(faces);
      assert.ok(r.auc > 0.6, `ORL with 8x8 thumbnails separates better than chance; AUC ${r.auc}`);
      assert.ok(r.accuracy >= 0 && r.accuracy <= 1 && r.folds.every(f => f.size === 4));
    } finally {
      encoder.dispose();
    }
  });

  it('names what is wrong with its arguments', async () => {
    const e = tf.zeros([4, 3]) as tf.Tensor2D;
    const ok: LabelledPair[] = [[0, 1, true], [2, 3, false], [0, 2, false], [1, 3, true]];
    await assert.rejects(evaluatePairs(e, [[0, 4, true], [0, 1, false]], { folds: 2 }), (err: Error) => err instanceof FaceArgumentError && /evaluatePairs: pair 0 must be \[i, j, same\] with whole i, j in 0..3 and same a boolean; got \[0,4,true\]/.test(err.message));
    await assert.rejects(evaluatePairs(e, [[0, 1, true], [0, 2, true]], { folds: 2 }), /evaluatePairs: pairs must include both same and different pairs; got 2 same of 2/);
    await assert.rejects(evaluatePairs(e, ok), /evaluatePairs: options.folds must be a whole number from 2 to the number of pairs \(4\); got 10 \(the default\)/);
    await assert.rejects(evaluatePairs(e, ok, { folds: 1 }), /options.folds must be a whole number from 2/);
    await assert.rejects(evaluatePairs(e, []), /evaluatePairs: pairs must be a non-empty array/);
    const imgs = tf.zeros([4, 8, 8, 1]) as tf.Tensor4D;
    await assert.rejects(evaluatePairs(imgs, ok, { folds: 2 }), /evaluatePairs: options.encoder is needed to evaluate images/);
    const r1 = tf.zeros([4]);
    await assert.rejects(evaluatePairs(r1 as never, ok, { folds: 2 }), /evaluatePairs: embeddingsOrImages must be \[n, dim\] embeddings, an \[n, h, w, c\] batch or a list of \[h, w, c\] images; got shape \[4\]/);
    tf.dispose([e, imgs, r1]);
  });
});
