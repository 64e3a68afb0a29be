// End to end: the two training workloads' gradients on wasm (with the training kernels) against the
// cpu backend and, for a few coordinates, against central finite differences of the same loss
// computed in float64 (float64Reference.ts), on small versions of the nets:
//  - style transfer: the gradient of a Gatys-style loss (content + Gram-matrix style terms of a small
//    VGG-like net) w.r.t. the pixels;
//  - triplet training: the gradient of a batch-hard triplet loss w.r.t. every weight of a small conv
//    encoder with training-mode batch norm.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { initWasmBackend } from '../../src/lib/backends/wasm';
import * as ref from './float64Reference';

const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
type Backend = 'cpu' | 'wasm';
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

// wasm and cpu both compute in float32 with sums of <1000 terms chained through a dozen layers:
// they agree to ~1e-6 of the largest gradient; 1e-4 leaves room for the batch-norm divisions.
const BACKEND_RTOL = 1e-4;
// finite differences (float64, h = 1e-4 relative) are accurate to ~1e-7; the float32 gradient to
// ~1e-5 of the largest component: 1e-3 of it is a clear pass/fail line.
const FD_RTOL = 1e-3;

function assertClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol: number): void {
  let scale = 0, worst = 0, at = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= worst)) { worst = e; at = i; }
  }
  assert.ok(scale > 0, `${name}: gradient is zero`);
  assert.ok(worst <= rtol * scale, `${name}: off by ${worst.toExponential(2)} at ${at} (${got[at]} vs ${want[at]}), max |g| ${scale.toExponential(2)}`);
}

/** Central differences of a float64 loss at a few coordinates of `x`. */
function finiteDifferences(loss: (x: Float64Array) => number, x: Float32Array, coords: number[]): number[] {
  return coords.map(i => {
    const h = 1e-4 * Math.max(1, Math.abs(x[i]));
    const p = Float64Array.from(x), m = Float64Array.from(x);
    p[i] += h;
    m[i] -= h;
    return (loss(p) - loss(m)) / (2 * h);
  });
}

const relu64 = (v: Float64Array) => v.map(z => (z > 0 ? z : 0));

describe('wasm training gradients, end to end', () => {
  before(async function () {
    this.timeout(60000);
    await initWasmBackend(tf, wasm, { wasmDir });
  });

  let tensorsBefore = 0;
  beforeEach(() => { tensorsBefore = tf.memory().numTensors; });
  afterEach(function () {
    if (this.currentTest?.state === 'passed') assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
  });

  describe('style-transfer gradient (w.r.t. the pixels)', () => {
    // conv1 3->6, conv2 6->6 (style), avg pool 2x2, conv3 6->8 (style + content); 'same', relu
    const S = 16;
    const layers = [[3, 3, 3, 6], [3, 3, 6, 6], [3, 3, 6, 8]];
    const weights = layers.map((s, i) => ref.randomValues(size(s), 500 + i, -0.5, 0.5));
    const biases = layers.map((s, i) => ref.randomValues(s[3], 510 + i, -0.1, 0.1));
    const image = ref.randomValues(S * S * 3, 520, 0, 1);
    const styleImage = ref.randomValues(S * S * 3, 521, 0, 1);
    const STYLE_WEIGHT = 100;

    function features(t: typeof tf, x: tf.Tensor4D, ws: tf.Tensor4D[], bs: tf.Tensor1D[]) {
      const c1 = t.relu(t.add(t.conv2d(x, ws[0], 1, 'same'), bs[0])) as tf.Tensor4D;
      const c2 = t.relu(t.add(t.conv2d(c1, ws[1], 1, 'same'), bs[1])) as tf.Tensor4D;
      const c3 = t.relu(t.add(t.conv2d(t.avgPool(c2, 2, 2, 'valid'), ws[2], 1, 'same'), bs[2])) as tf.Tensor4D;
      return [c2, c3];
    }
    function gram(t: typeof tf, f: tf.Tensor4D) {
      const [, h, w, c] = f.shape;
      const F = t.reshape(f, [h * w, c]);
      return t.div(t.matMul(F, F, true, false), h * w * c);
    }

    async function gradientOn(backend: Backend): Promise<Float32Array> {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const ws = weights.map((w, i) => tf.tensor4d(w, layers[i] as [number, number, number, number]));
        const bs = biases.map(b => tf.tensor1d(b));
        const targets = features(tf, tf.tensor4d(styleImage, [1, S, S, 3]), ws, bs);
        const styleGrams = targets.map(f => gram(tf, f));
        const content = targets[1];
        const loss = (x: tf.Tensor) => {
          const f = features(tf, x as tf.Tensor4D, ws, bs);
          let l = tf.mean(tf.squaredDifference(f[1], content));
          f.forEach((fi, i) => { l = tf.add(l, tf.mul(STYLE_WEIGHT, tf.mean(tf.squaredDifference(gram(tf, fi), styleGrams[i])))); });
          return l as tf.Scalar;
        };
        return tf.grad(loss)(tf.tensor4d(image, [1, S, S, 3])).dataSync() as Float32Array;
      });
    }

    // the same loss in float64
    function features64(x: ArrayLike<number>): [Float64Array, Float64Array] {
      const conv = (v: ArrayLike<number>, s: number[], i: number) => {
        const y = ref.conv(v, s, weights[i], layers[i], { pad: 'same' }).values;
        const c = layers[i][3];
        return relu64(y.map((z, k) => z + biases[i][k % c]));
      };
      const c1 = conv(x, [1, S, S, 3], 0);
      const c2 = conv(c1, [1, S, S, 6], 1);
      const p = ref.avgPool(c2, [1, S, S, 6], { filter: [2, 2], strides: [2, 2], pad: 'valid' }).values;
      const c3 = conv(p, [1, S / 2, S / 2, 6], 2);
      return [c2, c3];
    }
    const gram64 = (f: Float64Array, hw: number, c: number) => ref.matmul(f, [hw, c], f, [hw, c], true, false).values.map(v => v / (hw * c));
    const dims = [[S * S, 6], [(S / 2) * (S / 2), 8]];
    const targets64 = features64(styleImage);
    const grams64 = targets64.map((f, i) => gram64(f, dims[i][0], dims[i][1]));
    const mse = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;
    const loss64 = (x: Float64Array) => {
      const f = features64(x);
      let l = mse(f[1], targets64[1]);
      f.forEach((fi, i) => { l += STYLE_WEIGHT * mse(gram64(fi, dims[i][0], dims[i][1]), grams64[i]); });
      return l;
    };

    it('wasm equals cpu, and finite differences in float64', async function () {
      this.timeout(60000);
      const gw = await gradientOn('wasm');
      const gc = await gradientOn('cpu');
      assertClose('wasm vs cpu', gw, gc, BACKEND_RTOL);
      const coords = [0, 100, 257, 400, 511, 700, S * S * 3 - 1];
      const fd = finiteDifferences(loss64, image, coords);
      const scale = Math.max(...Array.from(gw, Math.abs));
      coords.forEach((c, k) => assert.ok(Math.abs(gw[c] - fd[k]) <= FD_RTOL * scale, `pixel ${c}: wasm ${gw[c]} vs finite difference ${fd[k]} (max |g| ${scale})`));
    });
  });

  describe('triplet-loss gradient (w.r.t. the encoder weights)', () => {
    // conv 3->6 stride 2 + BN + relu + max pool 2x2, conv 6->8 + BN + relu, mean over H,W, dense 8->5,
    // L2 normalisation; batch 8 = 4 identities x 2; batch-hard loss, margin 0.2
    const B = 8, S = 12, EPS = 1e-3, MARGIN = 0.2;
    const labels = [0, 0, 1, 1, 2, 2, 3, 3];
    const shapes = { w1: [3, 3, 3, 6], g1: [6], b1: [6], w2: [3, 3, 6, 8], g2: [8], b2: [8], dw: [8, 5], db: [5] };
    const names = Object.keys(shapes) as (keyof typeof shapes)[];
    const init: Record<string, Float32Array> = {};
    names.forEach((n, i) => {
      const s = shapes[n];
      init[n] = n.startsWith('g') ? ref.randomValues(size(s), 600 + i, 0.8, 1.2) : n.startsWith('b') || n === 'db' ? ref.randomValues(size(s), 600 + i, -0.1, 0.1) : ref.randomValues(size(s), 600 + i, -0.6, 0.6);
    });
    const images = ref.randomValues(B * S * S * 3, 650, 0, 1);

    async function gradientsOn(backend: Backend): Promise<Record<string, Float32Array>> {
      await tf.setBackend(backend);
      const vars: Record<string, tf.Variable> = {};
      names.forEach(n => { vars[n] = tf.tidy(() => tf.variable(tf.tensor(init[n], shapes[n]))); });
      try {
        return tf.tidy(() => {
          const x = tf.tensor4d(images, [B, S, S, 3]);
          const lab = tf.tensor1d(labels, 'int32');
          const bn = (h: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => {
            const { mean, variance } = tf.moments(h, [0, 1, 2]);
            return tf.relu(tf.batchNorm(h, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, EPS)) as tf.Tensor4D;
          };
          const loss = () => {
            let h: tf.Tensor4D = bn(tf.conv2d(x, vars.w1 as tf.Tensor4D, 2, 'same'), vars.g1, vars.b1);
            h = tf.maxPool(h, 2, 2, 'valid');
            h = bn(tf.conv2d(h, vars.w2 as tf.Tensor4D, 1, 'same'), vars.g2, vars.b2);
            const e = tf.add(tf.matMul(tf.mean(h, [1, 2]), vars.dw as tf.Tensor2D), vars.db);
            const emb = tf.div(e, tf.sqrt(tf.add(tf.sum(tf.square(e), 1, true), 1e-10)));
            const sq = tf.sum(tf.square(emb), 1, true);
            const d2 = tf.relu(tf.add(tf.sub(sq, tf.mul(2, tf.matMul(emb, emb, false, true))), tf.transpose(sq)));
            const d = tf.sqrt(tf.add(d2, 1e-12));
            const same = tf.cast(tf.equal(tf.expandDims(lab, 1), tf.expandDims(lab, 0)), 'float32');
            const hardPos = tf.max(tf.mul(d, tf.sub(same, tf.eye(B))), 1);
            const hardNeg = tf.min(tf.add(d, tf.mul(same, 1e6)), 1);
            return tf.mean(tf.relu(tf.add(tf.sub(hardPos, hardNeg), MARGIN))) as tf.Scalar;
          };
          const { grads } = tf.variableGrads(loss, names.map(n => vars[n]));
          const out: Record<string, Float32Array> = {};
          names.forEach(n => { out[n] = grads[vars[n].name].dataSync() as Float32Array; });
          return out;
        });
      } finally {
        names.forEach(n => vars[n].dispose());
      }
    }

    // the same loss in float64
    function bn64(h: Float64Array, c: number, g: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
      const n = h.length / c, mean = new Float64Array(c), v = new Float64Array(c);
      h.forEach((z, i) => { mean[i % c] += z / n; });
      h.forEach((z, i) => { v[i % c] += (z - mean[i % c]) ** 2 / n; });
      return relu64(h.map((z, i) => ((z - mean[i % c]) / Math.sqrt(v[i % c] + EPS)) * g[i % c] + b[i % c]));
    }
    function loss64(p: Record<string, ArrayLike<number>>): number {
      let h = bn64(ref.conv(images, [B, S, S, 3], p.w1, shapes.w1, { strides: [2, 2], pad: 'same' }).values, 6, p.g1, p.b1);
      h = ref.maxPool(h, [B, S / 2, S / 2, 6], { filter: [2, 2], strides: [2, 2], pad: 'valid' }).values;
      const s2 = S / 4;
      h = bn64(ref.conv(h, [B, s2, s2, 6], p.w2, shapes.w2, { pad: 'same' }).values, 8, p.g2, p.b2);
      const pooled = ref.reduceSum(h, [B, s2, s2, 8], [1, 2], true).values;
      const e = ref.matmul(pooled, [B, 8], p.dw, shapes.dw).values.map((v, i) => v + p.db[i % 5]);
      const emb = e.map((v, i) => { const r = Math.floor(i / 5) * 5; let q = 0; for (let k = 0; k < 5; k++) q += e[r + k] ** 2; return v / Math.sqrt(q + 1e-10); });
      const dist = (a: number, b: number) => { let q = 0; for (let k = 0; k < 5; k++) q += (emb[a * 5 + k] - emb[b * 5 + k]) ** 2; return Math.sqrt(Math.max(q, 0) + 1e-12); };
      let total = 0;
      for (let a = 0; a < B; a++) {
        let pos = 0, neg = Infinity;
        for (let o = 0; o < B; o++) {
          if (o === a) continue;
          if (labels[o] === labels[a]) pos = Math.max(pos, dist(a, o)); else neg = Math.min(neg, dist(a, o));
        }
        total += Math.max(0, pos - neg + MARGIN);
      }
      return total / B;
    }

    it('wasm equals cpu for every weight, and finite differences in float64', async function () {
      this.timeout(60000);
      const gw = await gradientsOn('wasm');
      const gc = await gradientsOn('cpu');
      for (const n of names) assertClose(`d loss / d ${n}: wasm vs cpu`, gw[n], gc[n], BACKEND_RTOL);
      assert.ok(loss64(init) > 0, 'the loss must be active (some triplet violates the margin) for a useful check');
      for (const n of ['w1', 'g1', 'w2', 'b2', 'dw'] as const) {
        const coords = [0, Math.floor(init[n].length / 2), init[n].length - 1];
        const fd = finiteDifferences(v => loss64({ ...init, [n]: v }), init[n], coords);
        const scale = Math.max(...Array.from(gw[n], Math.abs));
        coords.forEach((c, k) => assert.ok(Math.abs(gw[n][c] - fd[k]) <= FD_RTOL * scale, `${n}[${c}]: wasm ${gw[n][c]} vs finite difference ${fd[k]} (max |g| ${scale})`));
      }
    });
  });
});
