// Style transfer (src/lib/style/{optimizers,transfer,progress}.ts): L-BFGS on functions with known minima;
// transfer with a tiny seeded network (costs fall with Adam, SGD and L-BFGS; the returned image is the best one
// seen, re-scored here; an AbortSignal stops it keeping that image; named errors; no tensors left behind);
// the live-progress payload (shape, throttling, frames, thinning). With the shipped ResNet-50 and the shared
// research images: the check that the style cost falls at least 10x in 100 iterations at 128 px.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf, ready } from '../../src/lib/tf';
import {
  contentCost, layerStyleCost, lbfgsDirection, minimizeLbfgs, PRESET_NAMES, PRESETS, StyleArgumentError, StyleProgressReporter, styleObjective, transfer,
  type StyleLossPoint, type StyleProgressPayload, type TransferOptions,
} from '../../src/lib/style';
import { STYLE_PROGRESS_MIME } from '../../src/protocol/mime';
import { lcg } from './faceTestKit';
import { checkNoTensorLeaks } from './libraryTestKit';
import { run as runCell, startKernel } from './kernelHarness';
import type { KernelClient } from '../../src/kernel/client';
import { patternImage, tinyNet, type TinyNet } from './styleTestKit';

// ---- L-BFGS ---------------------------------------------------------------------------------------------

describe('L-BFGS (minimizeLbfgs)', function () {
  it('finds the minimum (1, 1) of the Rosenbrock function from (−1.2, 1)', async () => {
    const rosenbrock = (x: Float64Array) => ({
      f: 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2,
      g: Float64Array.from([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)]),
    });
    const r = await minimizeLbfgs(rosenbrock, [-1.2, 1], { iterations: 200 });
    assert.ok(Math.abs(r.x[0] - 1) < 1e-6 && Math.abs(r.x[1] - 1) < 1e-6, `x = ${Array.from(r.x)} after ${r.iterations} iterations`);
    assert.ok(r.f < 1e-12, `f = ${r.f}`);
    assert.ok(r.iterations < 100, `took ${r.iterations} iterations`);
  });

  it('solves an ill-conditioned 40-dimensional quadratic ½xᵀAx − bᵀx (condition 1e3) to A⁻¹b', async () => {
    const n = 40;
    const d = Array.from({ length: n }, (_, i) => 10 ** (3 * i / (n - 1))); // eigenvalues 1 … 1e3
    const b = lcg(n, 5);
    // A = Q·diag(d)·Qᵀ with Q a product of Householder reflections, so A is not diagonal.
    const v = lcg(n, 6); const vv = v.reduce((s, x) => s + x * x, 0);
    const Q = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - 2 * v[i] * v[j] / vv));
    const A = Q.map((qi) => Q.map((qj) => qi.reduce((s, q, k) => s + q * d[k] * qj[k], 0)));
    const quad = (x: Float64Array) => {
      const Ax = A.map(row => row.reduce((s, a, j) => s + a * x[j], 0));
      return { f: 0.5 * Ax.reduce((s, v2, i) => s + v2 * x[i], 0) - b.reduce((s, bi, i) => s + bi * x[i], 0), g: Float64Array.from(Ax.map((v2, i) => v2 - b[i])) };
    };
    // The exact solution: x* = Q·diag(1/d)·Qᵀ·b (Q is symmetric and orthogonal).
    const Qb = Q.map(row => row.reduce((s, q, j) => s + q * b[j], 0));
    const xStar = Q.map(row => row.reduce((s, q, k) => s + q * Qb[k] / d[k], 0));
    // Armijo backtracking alone is slower than a Wolfe search here (measured: ~250 iterations): the bound is loose.
    const r = await minimizeLbfgs(quad, new Array(n).fill(0), { iterations: 600, gradientTolerance: 1e-9 });
    const err = Math.max(...xStar.map((x, i) => Math.abs(r.x[i] - x)));
    assert.ok(err < 1e-6, `max |x − x*| = ${err} after ${r.iterations} iterations`);
    assert.ok(r.iterations < 500, `${r.iterations} iterations`);
  });

  it('the two-loop recursion satisfies the secant condition H·y = s for the newest pair', () => {
    const s = [Float64Array.from([1, 2, -1]), Float64Array.from([0.5, -1, 2])];
    const y = [Float64Array.from([2, 3, -1]), Float64Array.from([1, -1.5, 3])];
    const d = lbfgsDirection(y[1], s, y); // d = −H·y
    d.forEach((v, i) => assert.ok(Math.abs(-v - s[1][i]) < 1e-12, `H·y = ${Array.from(d, x => -x)}, s = ${Array.from(s[1])}`));
  });
});

// ---- transfer with a tiny network -----------------------------------------------------------------------

/** J of `image` ([h, w, 3] in 0..1) by the tiny net, recomputed from the costs (course normalisation). */
async function scoreImage(net: TinyNet, image: Tensor3D, content: Tensor3D, style: Tensor3D, alpha: number, beta: number): Promise<number> {
  const j = tf.tidy(() => {
    const batch = (x: Tensor3D) => tf.mul(tf.expandDims(x, 0), 255) as Tensor4D;
    const layers = ['c1', 'c2', 'c3'];
    const g = net.activations(batch(image), layers), c = net.activations(batch(content), ['c3']), s = net.activations(batch(style), layers);
    let js = tf.scalar(0);
    for (const [l, w] of net.defaultStyleLayers) js = tf.add(js, tf.mul(layerStyleCost(s[l], g[l]), w));
    return tf.add(tf.mul(contentCost(c.c3, g.c3), alpha), tf.mul(js, beta));
  });
  try { return (await j.data())[0]; } finally { j.dispose(); }
}

describe('style.transfer with a tiny network', function () {
  this.timeout(120_000);
  let net: TinyNet, content: Tensor3D, style: Tensor3D;
  before(async () => {
    await ready();
    net = tinyNet();
    content = patternImage(24, 32, 1);
    style = patternImage(24, 32, 2);
  });
  after(() => { net.dispose(); content.dispose(); style.dispose(); });
  checkNoTensorLeaks();

  const base = (): TransferOptions => ({ content, style, net, display: false, size: [24, 32] });

  it('styleObjective: J and its terms equal float64 costs of the same activations; its gradient is tf.grad of J', async () => {
    const batchOf = (image: Tensor3D) => tf.tidy(() => tf.mul(tf.expandDims(image, 0), 255) as Tensor4D);
    const [C, S, start] = [batchOf(content), batchOf(style), tf.tidy(() => batchOf(patternImage(24, 32, 3)))];
    const x = tf.variable(start);
    start.dispose();
    const layers: Array<[string, number]> = [['c1', 0.4], ['c2', 0.6]];
    const objective = styleObjective(net, C, S, { contentLayer: 'c3', styleLayers: layers, alpha: 10, beta: 40 });
    try {
      const { terms, grad } = objective.evaluateWithGradient(x);
      const got = Array.from(await terms.data());
      // float64: the course's costs written out here from the activations' values.
      const acts = (img: Tensor4D, names: string[]) => tf.tidy(() => net.activations(img, names));
      const [aC, aS, aG] = [acts(C, ['c3']), acts(S, ['c1', 'c2']), acts(x as unknown as Tensor4D, ['c1', 'c2', 'c3'])];
      const values = async (t: Tensor4D) => ({ v: Float64Array.from(await t.data()), shape: t.shape });
      const gram = ({ v, shape: [, h, w, c] }: { v: Float64Array; shape: number[] }) => {
        const g = new Float64Array(c * c);
        for (let p = 0; p < h * w; p++) for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) g[i * c + j] += v[p * c + i] * v[p * c + j];
        return g;
      };
      const jContent = ((a, b) => a.v.reduce((s, ai, i) => s + (ai - b.v[i]) ** 2, 0) / (4 * a.v.length))(await values(aC.c3), await values(aG.c3));
      const perLayer: number[] = [];
      for (const [l] of layers) {
        const [s, g] = [await values(aS[l]), await values(aG[l])];
        const [, h, w, c] = s.shape;
        const [gs, gg] = [gram(s), gram(g)];
        perLayer.push(gs.reduce((sum, v, i) => sum + (v - gg[i]) ** 2, 0) / (2 * h * w * c) ** 2);
      }
      const jStyle = perLayer.reduce((s, v, i) => s + layers[i][1] * v, 0);
      const want = [10 * jContent + 40 * jStyle, jContent, jStyle, 0, ...perLayer];
      want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-4 * Math.abs(w) + 1e-9, `term ${i}: ${got[i]} vs float64 ${w}`));
      const reference = tf.grad(img => objective.evaluate(img as Tensor4D).total)(x as unknown as Tensor4D);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(grad, reference))).dataSync()[0] / tf.max(tf.abs(reference)).dataSync()[0]);
      assert.ok(diff < 1e-5, `the gradient equals tf.grad of J (relative difference ${diff})`);
      tf.dispose([terms, grad, reference, ...Object.values(aC), ...Object.values(aS), ...Object.values(aG)]);
    } finally {
      objective.dispose();
      tf.dispose([C, S, x]);
    }
  });

  it('Adam (course TF1 settings): the style and total costs fall; the image is the best one seen, in 0..1', async () => {
    const r = await transfer({ ...base(), iterations: 40 });
    try {
      assert.equal(r.stopped, 'done');
      assert.deepEqual(r.image.shape, [24, 32, 3]);
      assert.equal(r.history.length, 41);
      assert.deepEqual(r.history.map(p => p.iteration), [...Array(41).keys()]);
      const first = r.history[0], last = r.history[40];
      assert.ok(last.total < first.total / 2, `J ${first.total} → ${last.total}`);
      assert.ok(last.style! < first.style! / 2, `J_style ${first.style} → ${last.style}`);
      // The settings are the course's, with the tiny net's own layers.
      assert.equal(r.settings.optimizer.kind, 'adam');
      assert.equal(r.settings.optimizer.learningRate, 2);
      assert.equal(r.settings.contentLayer, 'c3');
      for (const p of r.history) {
        assert.ok(Math.abs(p.total - (10 * p.content! + 40 * p.style!)) <= 1e-5 * p.total, `J = α·J_content + β·J_style at ${p.iteration}`);
        const weighted = net.defaultStyleLayers.reduce((s, [l, w]) => s + w * p.styleLayers![l], 0);
        assert.ok(Math.abs(weighted - p.style!) <= 1e-5 * p.style!, `J_style = Σ λ·J_style^[l] at ${p.iteration}`);
        assert.equal(p.tv, undefined);
      }
      const minTotal = Math.min(...r.history.map(p => p.total));
      assert.equal(r.history[r.bestIteration].total, minTotal);
      const pixels = await r.image.data();
      assert.ok(pixels.every(v => v >= 0 && v <= 1), 'pixels in 0..1');
      const rescored = await scoreImage(net, r.image, content, style, 10, 40);
      // The image came back through /255: allow float32 rounding of the pixels.
      assert.ok(Math.abs(rescored - minTotal) <= 1e-3 * minTotal, `re-scored J ${rescored} vs best ${minTotal}`);
      // In a notebook the result shows as its image.
      const bundle = await (r as unknown as Record<symbol, () => Promise<Record<string, string>>>)[Symbol.for('convnet.display')]();
      assert.deepEqual(pngSize(bundle['image/png']), [32, 24]);
      assert.match(bundle['text/plain'], new RegExp(`^Style transfer done: best image at iteration ${r.bestIteration}, J = `));
    } finally { r.image.dispose(); }
  });

  it('L-BFGS (PyTorch preset): every accepted iterate lowers the total cost', async () => {
    const r = await transfer({ ...base(), preset: 'pytorch', iterations: 12 });
    try {
      assert.equal(r.settings.optimizer.kind, 'lbfgs');
      assert.ok(r.history.length >= 5, `${r.history.length} iterates`);
      for (let i = 1; i < r.history.length; i++) assert.ok(r.history[i].total < r.history[i - 1].total, `J rose at ${i}: ${r.history.map(p => p.total)}`);
      assert.ok(r.history.at(-1)!.total < r.history[0].total / 3, `J ${r.history[0].total} → ${r.history.at(-1)!.total}`);
      assert.equal(r.bestIteration, r.history.at(-1)!.iteration);
    } finally { r.image.dispose(); }
  });

  it('SGD with decay (Keras preset, TV in the objective) runs and lowers the cost; the tv term is reported', async () => {
    const r = await transfer({ ...base(), preset: 'keras', iterations: 15, learningRate: 1e4 }); // the tiny net's gradients are small: lr 100 barely moves it
    try {
      assert.equal(r.settings.optimizer.kind, 'sgd');
      for (const p of r.history) {
        assert.equal(typeof p.tv, 'number');
        assert.ok(Math.abs(p.total - (2.5e-8 * p.content! + 1e-6 * p.style! + 1e-6 * p.tv!)) <= 1e-4 * p.total);
      }
      assert.ok(r.history.at(-1)!.total < r.history[0].total / 10, `J ${r.history.map(p => p.total)}`);
      assert.equal(r.settings.optimizer.learningRate, 1e4);
    } finally { r.image.dispose(); }
  });

  it('an AbortSignal stops it cleanly between iterations: "interrupted", the best image so far, nothing leaked', async () => {
    const controller = new AbortController();
    const tensorsBefore = tf.memory().numTensors;
    const r = await transfer({
      ...base(), iterations: 200, signal: controller.signal,
      onProgress: p => { if (p.iteration === 6) controller.abort(); },
    });
    try {
      assert.equal(r.stopped, 'interrupted');
      assert.equal(r.history.length, 7);
      const minTotal = Math.min(...r.history.map(p => p.total));
      assert.equal(r.history[r.bestIteration].total, minTotal);
      const rescored = await scoreImage(net, r.image, content, style, 10, 40);
      assert.ok(Math.abs(rescored - minTotal) <= 1e-3 * minTotal, `re-scored J ${rescored} vs best ${minTotal}`);
      assert.equal(tf.memory().numTensors, tensorsBefore + 1, 'only the returned image remains');
    } finally { r.image.dispose(); }
  });

  it("stops on the notebook cell's signal (globalThis[Symbol.for('convnet.kernel')].signal) when none is given", async () => {
    const key = Symbol.for('convnet.kernel');
    const g = globalThis as Record<symbol, unknown>;
    const saved = g[key];
    const controller = new AbortController();
    controller.abort();
    g[key] = { signal: controller.signal };
    try {
      const r = await transfer({ ...base(), iterations: 50, init: 'content' });
      assert.equal(r.stopped, 'interrupted');
      assert.equal(r.history.length, 0);
      // Nothing was evaluated: the start image (here the content) comes back.
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(r.image, content))));
      assert.ok((await diff.data())[0] < 1e-6);
      tf.dispose([diff, r.image]);
    } finally { g[key] = saved; }
  });

  it('init: content starts at C, noise ignores C, noise+content mixes them (seeded)', async () => {
    const run = (init: 'content' | 'noise' | 'noise+content', seed = 0) => transfer({ ...base(), iterations: 0, init, seed });
    const [a, b, c, c2] = [await run('content'), await run('noise'), await run('noise+content'), await run('noise+content', 0)];
    const J = (r: typeof a) => r.history[0].content!;
    assert.ok(J(a) < 1e-6, `J_content at C = ${J(a)}`);
    assert.ok(J(b) > J(c) && J(c) > J(a), `J_content: noise ${J(b)} > mix ${J(c)} > content ${J(a)}`);
    assert.equal(J(c), J(c2), 'same seed, same start');
    tf.dispose([a.image, b.image, c.image, c2.image]);
  });

  it('bad inputs get named errors', async () => {
    const cases: Array<[Partial<TransferOptions>, RegExp]> = [
      [{ contentLayer: 'conv4_2x' }, /transfer: contentLayer 'conv4_2x' is not a layer of tiny; its layers are c1, c2, c3/],
      [{ styleLayers: [['c1', 1], ['nope', 1]] }, /transfer: styleLayers 'nope' is not a layer of tiny/],
      [{ content: tf.zeros([10]) as never }, /transfer: content must be an image \[h, w, 3\] or \[1, h, w, 3\].*got \[10\]/],
      [{ style: tf.zeros([8, 8, 5]) as never }, /transfer: style must be an image .*got \[8, 8, 5\]/],
      [{ content: tf.fill([8, 8, 3], 200) as never }, /transfer: content must have values in 0\.\.1 .*divide a 0\.\.255 image by 255/],
      [{ content: tf.zeros([8, 8, 3], 'int32') as never }, /transfer: content must be float32/],
      [{ preset: 'tf3' as never }, /transfer: preset must be one of course-tf1, course-tf2, keras, pytorch/],
      [{ optimizer: 'rmsprop' as never }, /transfer: optimizer must be 'adam', 'lbfgs' or 'sgd'/],
      [{ iterations: -1 }, /transfer: iterations must be a whole number >= 0/],
      [{ net: {} as never }, /transfer: net must be a FeatureNet/],
      [{ size: [0, 4] }, /transfer: size must be a whole number >= 1/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(transfer({ ...base(), iterations: 2, ...options }), (e: Error) => e instanceof StyleArgumentError && message.test(e.message), String(message));
      for (const v of Object.values(options)) if (v instanceof tf.Tensor) v.dispose();
    }
  });
});

// ---- presets on VGG-19 ---------------------------------------------------------------------------------

describe('presets on VGG-19 (random weights in memory)', function () {
  this.timeout(120_000);
  checkNoTensorLeaks();

  it("every preset names VGG-19 layers, and transfer uses them (Keras' blockB_convC accepted)", async () => {
    const { VGG19_LAYERS, VGG19_KERNEL_SHAPES, loadFeatureNet } = await import('../../src/lib/style/featureNets');
    for (const preset of PRESET_NAMES) {
      const p = PRESETS[preset];
      for (const l of [p.contentLayer, ...p.styleLayers.map(([name]) => name)]) assert.ok(VGG19_LAYERS.includes(l), `${preset}: ${l}`);
    }
    await ready();
    const weights = Object.fromEntries(Object.entries(VGG19_KERNEL_SHAPES).map(([name, shape], i) => [name, {
      kernel: tf.randomNormal(shape.slice(), 0, Math.sqrt(2 / (9 * shape[2])), 'float32', i), bias: tf.zeros([shape[3]]),
    }]));
    const net = await loadFeatureNet({ name: 'vgg19', weights: weights as never });
    for (const w of Object.values(weights)) tf.dispose([w.kernel, w.bias]);
    const content = patternImage(16, 16, 5), style = patternImage(16, 16, 6);
    try {
      for (const preset of PRESET_NAMES) {
        const r = await transfer({ content, style, net, preset, size: 32, iterations: 1, display: false });
        assert.equal(r.settings.contentLayer, PRESETS[preset].contentLayer);
        assert.deepEqual(r.settings.styleLayers, PRESETS[preset].styleLayers);
        assert.equal(r.history.length, 2);
        r.image.dispose();
      }
      const r = await transfer({ content, style, net, contentLayer: 'block5_conv4', styleLayers: [['block1_conv1', 1]], size: 16, iterations: 0, display: false });
      assert.equal(r.settings.contentLayer, 'conv5_4');
      assert.deepEqual(r.settings.styleLayers, [['conv1_1', 1]]);
      r.image.dispose();
    } finally { net.dispose(); content.dispose(); style.dispose(); }
  });
});

// ---- live progress --------------------------------------------------------------------------------------

/** Width and height from a base64 PNG's IHDR. */
function pngSize(base64: string): [number, number] {
  const bytes = Buffer.from(base64, 'base64');
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

/** Asserts that `p` is a StyleProgressPayload (every field's type) with images at most `maxSide`. */
function assertPayload(p: StyleProgressPayload, maxSide: number): void {
  assert.equal(p.version, 1);
  assert.ok(['running', 'done', 'interrupted', 'error'].includes(p.status));
  assert.ok(Number.isInteger(p.iteration) && Number.isInteger(p.iterations));
  const image = (img: StyleProgressPayload['current']) => {
    const [w, h] = pngSize(img.png);
    assert.deepEqual([w, h], [img.width, img.height]);
    assert.ok(Math.max(w, h) <= maxSide, `image ${w}x${h}`);
  };
  image(p.current);
  if (p.content) image(p.content);
  if (p.style) image(p.style);
  for (const f of p.frames) { assert.ok(Number.isInteger(f.iteration)); image(f.image); }
  for (const l of p.losses) {
    assert.ok(typeof l.total === 'number' && typeof l.elapsed === 'number' && Number.isInteger(l.iteration));
    if (l.styleLayers) for (const v of Object.values(l.styleLayers)) assert.equal(typeof v, 'number');
  }
  if (p.settings) for (const v of Object.values(p.settings)) assert.ok(typeof v === 'string' || typeof v === 'number');
  if (p.speed !== undefined) assert.ok(p.speed > 0);
}

/** A display stand-in that records what it was asked to show (bundles as the kernel would build them). */
function recordingDisplay() {
  const calls: Array<{ kind: 'display' | 'update'; id: string; bundle: Record<string, unknown> }> = [];
  const bundleOf = (v: unknown) => (v as Record<symbol, () => Record<string, unknown>>)[Symbol.for('convnet.display')]();
  const display = Object.assign((value: unknown, options?: { id?: string }) => { calls.push({ kind: 'display', id: options!.id!, bundle: bundleOf(value) }); },
    { update: (id: string, value: unknown) => { calls.push({ kind: 'update', id, bundle: bundleOf(value) }); } });
  return { display, calls };
}

describe('style progress display', function () {
  this.timeout(120_000);
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  it('throttles updates (≤ 4/s by default), keeps ≤ maxFrames frames and thins the losses', async () => {
    const { display, calls } = recordingDisplay();
    let clock = 0;
    const iterations = 3000;
    const reporter = new StyleProgressReporter(display, { iterations }, { maxFrames: 40, maxPoints: 1000 }, () => clock);
    const image = tf.fill([300, 200, 3], 0.5) as Tensor3D;
    for (let i = 0; i <= iterations; i++) {
      clock = i * 10; // 100 iterations per second
      const point: StyleLossPoint = { iteration: i, total: 1000 / (i + 1), elapsed: clock / 1000 };
      await reporter.record(point, () => image);
    }
    await reporter.finish('done', image);
    image.dispose();
    assert.equal(calls[0].kind, 'display');
    assert.ok(calls.slice(1).every(c => c.kind === 'update' && c.id === calls[0].id));
    // 30 s of run at ≤ 4/s, plus the first and the last
    assert.ok(calls.length <= 30 * 4 + 2 && calls.length >= 30 * 4 - 2, `${calls.length} sends`);
    const last = calls.at(-1)!.bundle[STYLE_PROGRESS_MIME] as StyleProgressPayload;
    assertPayload(last, 256);
    assert.equal(last.status, 'done');
    assert.equal(last.current.height, 256);
    assert.equal(last.current.width, 171);
    assert.ok(last.frames.length <= 40 && last.frames.length >= 38, `${last.frames.length} frames`);
    assert.equal(last.losses.length, 1000);
    assert.equal(last.losses[0].iteration, 0);
    assert.equal(last.losses.at(-1)!.iteration, iterations);
    assert.equal(typeof calls.at(-1)!.bundle['image/png'], 'string');
  });

  it('transfer({display}) sends conforming payloads, first running then done with the best image', async () => {
    const net = tinyNet(), content = patternImage(16, 16, 3), style = patternImage(16, 16, 4);
    const { display, calls } = recordingDisplay();
    const r = await transfer({ content, style, net, iterations: 10, display });
    try {
      assert.ok(calls.length >= 2);
      const payloads = calls.map(c => c.bundle[STYLE_PROGRESS_MIME] as StyleProgressPayload);
      payloads.forEach(p => assertPayload(p, 256));
      assert.equal(payloads[0].status, 'running');
      const last = payloads.at(-1)!;
      assert.equal(last.status, 'done');
      assert.equal(last.losses.length, 11);
      assert.deepEqual(last.losses.map(l => l.total), r.history.map(h => h.total));
      assert.ok(last.settings && last.settings.optimizer === 'adam lr 2');
      assert.deepEqual([last.content!.width, last.style!.width, last.current.width], [16, 16, 16]);
    } finally { r.image.dispose(); net.dispose(); content.dispose(); style.dispose(); }
  });
});

// ---- in a real notebook kernel ---------------------------------------------------------------------------

describe('style.transfer in the notebook kernel (dist/kernel.js)', function () {
  this.timeout(120_000);
  let kernel: KernelClient;
  before(function () {
    if (!fs.existsSync(path.resolve(__dirname, '../../dist/kernel.js'))) { console.log('      (skipped: run npm run build first)'); this.skip(); }
    kernel = startKernel();
  });
  after(async () => { await kernel?.shutdown(); });

  const setup = [
    "import { tf, style } from 'convnet';",
    'const k1 = tf.randomNormal([3, 3, 3, 6], 0, 0.3, "float32", 1), k2 = tf.randomNormal([3, 3, 6, 8], 0, 0.2, "float32", 2);',
    "const net = { name: 'vgg19', layers: ['a', 'b'], defaultContentLayer: 'b', defaultStyleLayers: [['a', 0.5], ['b', 0.5]],",
    '  activations: (x, layers) => tf.tidy(() => { const a = tf.relu(tf.conv2d(tf.div(x, 255), k1, 1, "same")); const out = {};',
    '    if (layers.includes("a")) out.a = a; if (layers.includes("b")) out.b = tf.relu(tf.conv2d(a, k2, 1, "same")); return out; }),',
    '  dispose: () => tf.dispose([k1, k2]) } as any;',
    'const C = tf.randomUniform([16, 16, 3], 0, 1, "float32", 3), S = tf.randomUniform([16, 16, 3], 0, 1, "float32", 4);',
    'const before = tf.memory().numTensors;',
  ].join('\n');

  it('shows live progress by itself (display + updates of the style-progress payload), then the result', async () => {
    assert.equal((await runCell(kernel, setup)).outcome.status, 'ok');
    const r = await runCell(kernel, 'const r = await style.transfer({ content: C, style: S, net, iterations: 20 });\nr.stopped', 'Cell 2');
    assert.equal(r.outcome.status, 'ok', JSON.stringify(r.outputs.filter(o => o.type === 'error')));
    assert.equal(r.result, "'done'");
    const shown = r.outputs.filter(o => o.type === 'display' || o.type === 'update') as Array<{ type: string; data: Record<string, unknown>; displayId?: string }>;
    assert.equal(shown[0].type, 'display');
    assert.ok(shown.length >= 2 && shown.every(o => o.displayId === shown[0].displayId));
    const payloads = shown.map(o => o.data[STYLE_PROGRESS_MIME] as StyleProgressPayload);
    payloads.forEach(p => assertPayload(p, 256));
    assert.equal(payloads.at(-1)!.status, 'done');
    assert.equal(payloads.at(-1)!.losses.length, 21);
    assert.equal(typeof shown.at(-1)!.data['image/png'], 'string');
  });

  it('an interrupt stops it cleanly: the run returns "interrupted" with its best image, no tensors left behind', async () => {
    const pending = runCell(kernel, 'var r2: any; await style.transfer({ content: C, style: S, net, iterations: 1000000 }).then(x => { r2 = x; });', 'Cell 3');
    await new Promise(res => setTimeout(res, 2000));
    kernel.interrupt();
    const r = await pending;
    assert.equal(r.outcome.status, 'interrupted');
    const after = await runCell(kernel, 'await sleep(300);\nr.image.dispose();\n[r2.stopped, r2.history.length > 1, r2.image.shape.join("x"), tf.memory().numTensors - before]', 'Cell 4');
    assert.equal(after.result, "[ 'interrupted', true, '16x16x3', 1 ]");
  });
});

// ---- the pretrained network -----------------------------------------------------------------------------

const IMAGES = path.resolve(__dirname, '../../../shared/data/images');

describe('style.transfer with the shipped ResNet-50 (issue check)', function () {
  this.timeout(1_200_000);
  checkNoTensorLeaks();

  // With the PyTorch tutorial's reference settings (L-BFGS, β/α = 1e6). With the course-TF1 settings
  // (Adam, α 10, β 40) on this network J_style falls about 6x in 100 iterations (measured; docs/style.md):
  // α/β was tuned for VGG-19's activation scale, and conv3_block4 is both the content and a style layer.
  it('the style cost falls at least 10x over 100 iterations at 128 px (PyTorch preset)', async function () {
    const contentPath = path.join(IMAGES, 'content/chelsea.png'), stylePath = path.join(IMAGES, 'style/scream.jpg');
    if (!fs.existsSync(contentPath) || !fs.existsSync(stylePath)) {
      console.log(`      (skipped: research images not found at ${IMAGES})`);
      this.skip();
    }
    await ready();
    const { loadFeatureNet } = await import('../../src/lib/style/featureNets');
    const net = await loadFeatureNet({ name: 'resnet50' });
    try {
      const started = performance.now();
      const r = await transfer({ content: contentPath, style: stylePath, net, preset: 'pytorch', size: 128, iterations: 100, display: false });
      const seconds = (performance.now() - started) / 1000;
      try {
        const first = r.history[0].style!, last = r.history.at(-1)!.style!;
        console.log(`      ${net.name}, L-BFGS, on ${tf.getBackend()}: ${seconds.toFixed(1)} s for 100 iterations at 128 px `
          + `(${(seconds / 100).toFixed(2)} s/iteration); J_style ${first.toPrecision(4)} → ${last.toPrecision(4)} (${(first / last).toFixed(1)}x)`);
        assert.equal(r.history.length, 101);
        assert.ok(last * 10 <= first, `J_style fell ${first / last}x`);
      } finally { r.image.dispose(); }
    } finally { net.dispose(); }
  });
});
