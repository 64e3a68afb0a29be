// SiameseClassifier (src/lib/face/siamese.ts): the pair features by hand, and the fitted logistic regression
// checked by its optimality condition (the gradient of the penalised log-loss, computed here in float64 from the
// definitions, is 0 at the answer), held-out accuracy, determinism and named errors.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'cpu';
import * as assert from 'node:assert/strict';
import type { Tensor2D } from '@tensorflow/tfjs';
import { tf, ready } from '../../src/lib/tf';
import { FaceArgumentError, pairFeatures, SiameseClassifier, type PairFeatureKind } from '../../src/lib/face';
import { lcg } from './faceTestKit';
import { checkNoTensorLeaks } from './libraryTestKit';

/** The features, written independently of the library. */
function features64(a: number[], b: number[], kind: PairFeatureKind): number[] {
  const abs = a.map((v, k) => Math.abs(v - b[k]));
  const chi = a.map((v, k) => (Math.abs(v) + Math.abs(b[k]) === 0 ? 0 : (v - b[k]) ** 2 / (Math.abs(v) + Math.abs(b[k]))));
  return kind === 'abs' ? abs : kind === 'chi2' ? chi : [...abs, ...chi];
}

/** Pairs from 6 identities with overlapping clusters in 8-d; float32-exact values. */
function makePairs(count: number, seed: number): { left: number[][]; right: number[][]; same: number[] } {
  const dim = 8;
  const centres = Array.from({ length: 6 }, (_, i) => lcg(dim, 100 + i));
  const noise = lcg(count * 2 * dim, seed);
  const pick = lcg(count * 2, seed + 1);
  const left: number[][] = [], right: number[][] = [], same: number[] = [];
  for (let i = 0; i < count; i++) {
    const id1 = Math.floor((pick[2 * i] + 1) * 3);
    const isSame = i % 2 === 0;
    const id2 = isSame ? id1 : (id1 + 1 + Math.floor((pick[2 * i + 1] + 1) * 2.5)) % 6;
    left.push(centres[id1].map((c, k) => Math.fround(c + 0.35 * noise[(2 * i) * dim + k])));
    right.push(centres[id2].map((c, k) => Math.fround(c + 0.35 * noise[(2 * i + 1) * dim + k])));
    same.push(isSame ? 1 : 0);
  }
  return { left, right, same };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('SiameseClassifier', () => {
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  it('computes abs, chi-squared and concatenated pair features', () => {
    const a = [0.5, -1, 0, 2], b = [1.5, 1, 0, 2];
    assert.deepEqual(Array.from(pairFeatures(a, b, 'abs')), [1, 2, 0, 0]);
    // (0.5 - 1.5)² / (0.5 + 1.5) = 0.5; (-1 - 1)² / (1 + 1) = 2; 0/0 -> 0; 0 / 4 = 0
    assert.deepEqual(Array.from(pairFeatures(a, b, 'chi2')), [0.5, 2, 0, 0]);
    assert.deepEqual(Array.from(pairFeatures(a, b, 'concat')), [1, 2, 0, 0, 0.5, 2, 0, 0]);
  });

  for (const kind of ['abs', 'chi2', 'concat'] as const) {
    it(`'${kind}': fit reaches the float64 optimum, predicts it, and generalises`, async () => {
      const train = makePairs(240, 7), test = makePairs(120, 99);
      const [l, r] = [tf.tensor2d(train.left), tf.tensor2d(train.right)];
      const clf = new SiameseClassifier({ features: kind, l2: 1e-2 });
      const fit = await clf.fit([l, r], train.same.map(v => v === 1));
      assert.ok(fit.converged, `converged in ${fit.iterations} iterations`);
      const w = Array.from(clf.weights!), b = clf.bias;
      // Gradient of mean log-loss + l2/2 |w|² at (w, b), in float64 from the definitions.
      const X = train.left.map((a, i) => features64(a, train.right[i], kind));
      const g = new Array(w.length + 1).fill(0);
      X.forEach((x, i) => {
        const p = sigmoid(b + x.reduce((s, v, k) => s + v * w[k], 0));
        x.forEach((v, k) => (g[k] += ((p - train.same[i]) * v) / X.length));
        g[w.length] += (p - train.same[i]) / X.length;
      });
      w.forEach((v, k) => (g[k] += 1e-2 * v));
      const gmax = Math.max(...g.map(Math.abs));
      assert.ok(gmax < 1e-7, `gradient at the fitted weights is ${gmax}`);

      const [tl, tr] = [tf.tensor2d(test.left), tf.tensor2d(test.right)];
      const probs = await clf.predict([tl, tr]);
      let correct = 0;
      test.left.forEach((a, i) => {
        const ref = sigmoid(b + features64(a, test.right[i], kind).reduce((s, v, k) => s + v * w[k], 0));
        assert.ok(Math.abs(probs[i] - ref) < 1e-12, `probability ${i}`);
        if ((probs[i] > 0.5) === (test.same[i] === 1)) correct++;
      });
      assert.ok(correct / 120 > 0.85, `held-out accuracy ${correct / 120}`);

      // Deterministic: the same data give the same weights, to the bit.
      const again = new SiameseClassifier({ features: kind, l2: 1e-2 });
      const labels = tf.tensor1d(train.same, 'int32');
      await again.fit([l, r], labels);
      assert.deepEqual(again.weights, clf.weights);
      assert.equal(again.bias, clf.bias);

      // One pair as two [dim] tensors; JSON round trip.
      const [one1, one2] = [tf.tensor1d(test.left[0]), tf.tensor1d(test.right[0])];
      assert.deepEqual(Array.from(await clf.predict([one1, one2])), [probs[0]]);
      const copy = SiameseClassifier.fromJSON(JSON.parse(JSON.stringify(clf.toJSON())));
      assert.deepEqual(await copy.predict([tl, tr]), probs);
      tf.dispose([l, r, tl, tr, labels, one1, one2]);
    });
  }

  it('names the problem with bad arguments', async () => {
    const a = tf.zeros([4, 3]) as Tensor2D, b = tf.zeros([5, 3]) as Tensor2D, c = tf.zeros([4, 2]) as Tensor2D;
    assert.throws(() => new SiameseClassifier({ features: 'l1' as 'abs' }), (e: Error) => e instanceof FaceArgumentError && /SiameseClassifier: options.features must be 'abs', 'chi2' or 'concat'; got "l1"/.test(e.message));
    assert.throws(() => new SiameseClassifier({ l2: 0 }), /SiameseClassifier: options.l2 must be a finite number > 0/);
    const clf = new SiameseClassifier();
    await assert.rejects(clf.predict([a, a]), /SiameseClassifier.predict: the classifier is not fitted yet/);
    await assert.rejects(clf.fit([a, b], [1, 0, 1, 0]), /SiameseClassifier.fit: pairs must be \[left, right\] with the same shape, \[n, dim\] \(or \[dim\] for one pair\); got \[4, 3\] and \[5, 3\]/);
    await assert.rejects(clf.fit([a, a], [1, 0, 1]), /SiameseClassifier.fit: labels must have one entry per pair: 4 pairs, 3 labels/);
    await assert.rejects(clf.fit([a, a], [1, 1, 1, 1]), /SiameseClassifier.fit: labels must include both same \(1\) and different \(0\) pairs; got 4 of 4 same/);
    await assert.rejects(clf.fit([a, a], [1, 0, 2, 0]), /SiameseClassifier.fit: labels must be 0\/1 or false\/true; label 2 is 2/);
    const x = tf.tensor2d([[0, 1, 0], [1, 0, 0], [0, 0, 1], [1, 1, 1]]);
    await clf.fit([x, a], [1, 0, 1, 0]);
    await assert.rejects(clf.predict([c, c]), /SiameseClassifier.predict: embeddings must have 3 components, as in fit; got 2/);
    tf.dispose([a, b, c, x]);
  });
});
