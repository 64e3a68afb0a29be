// convs.outputShape against the shapes tf.conv1d / conv2d / conv3d really produce, on a generated table of sizes,
// kernels, strides, dilations and paddings; the week's quiz case; named errors for bad inputs.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import type { Tensor } from '@tensorflow/tfjs';
import { ready, tf } from '../../src/lib/tf';
import { ConvArgumentError, outputShape } from '../../src/lib/convs';
import { checkNoTensorLeaks } from './libraryTestKit';

/** The course's formula, written independently: valid ⌊(n + p_b + p_a − f′)/s⌋ + 1, same ⌈n/s⌉. */
function expectedSize(n: number, f: number, s: number, d: number, padding: 'valid' | 'same' | [number, number]): number | null {
  const fEff = d * (f - 1) + 1;
  if (padding === 'same') return Math.ceil(n / s);
  const padded = n + (padding === 'valid' ? 0 : padding[0] + padding[1]);
  return fEff > padded ? null : Math.floor((padded - fEff) / s) + 1;
}

/** Shape of a real TF.js convolution on zeros: x [1, ...spatial, 2], 3 filters. */
function tfShape(spatial: number[], kernel: number[], strides: number[], dilation: number[], padding: 'valid' | 'same'): number[] {
  return tf.tidy(() => {
    const dims = spatial.length;
    const x = tf.zeros([1, ...spatial, 2]);
    const w = tf.zeros([...kernel, 2, 3]);
    let y: Tensor;
    if (dims === 1) y = tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, strides[0], padding, 'NWC', dilation[0]);
    else if (dims === 2) y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides as [number, number], padding, 'NHWC', dilation as [number, number]);
    else y = tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, strides as [number, number, number], padding, 'NDHWC', dilation as [number, number, number]);
    return y.shape;
  });
}

interface Case { spatial: number[]; kernel: number[]; strides: number[]; dilation: number[]; padding: 'valid' | 'same' }

function* product<T>(...lists: T[][]): Generator<T[]> {
  if (lists.length === 0) { yield []; return; }
  for (const head of lists[0]) for (const rest of product(...lists.slice(1))) yield [head, ...rest];
}

/** Every combination; TF requires strides 1 on axes with dilation > 1, so those mixes are left out. */
function table(sizes: number[][], kernels: number[][], strides: number[][], dilations: number[][]): Case[] {
  const cases: Case[] = [];
  for (const [spatial, kernel, s, d] of product<number[]>(sizes, kernels, strides, dilations)) {
    if (s.some(v => v > 1) && d.some(v => v > 1)) continue;
    for (const padding of ['valid', 'same'] as const) cases.push({ spatial, kernel, strides: s, dilation: d, padding });
  }
  return cases;
}

describe('convs.outputShape', function () {
  this.timeout(120_000);
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  const tables: Record<string, Case[]> = {
    '1-D': table([[1], [2], [5], [8], [13]], [[1], [2], [3], [4]], [[1], [2], [3]], [[1], [2]]),
    '2-D': table([[5, 8], [7, 4]], [[1, 3], [3, 3], [2, 4]], [[1, 1], [2, 2], [1, 3]], [[1, 1], [2, 1]]),
    '3-D': table([[4, 5, 6], [7, 3, 5]], [[3, 3, 3], [1, 2, 3]], [[1, 1, 1], [2, 2, 2], [1, 2, 3]], [[1, 1, 1], [2, 1, 1]]),
  };
  for (const [name, cases] of Object.entries(tables)) {
    it(`matches tf.conv${name[0]}d on every case of a ${cases.length}-case table (sizes × kernels × strides × dilations × valid/same)`, () => {
      let checked = 0, rejected = 0;
      for (const c of cases) {
        const expected = c.spatial.map((n, i) => expectedSize(n, c.kernel[i], c.strides[i], c.dilation[i], c.padding));
        const spec = { kernelSize: c.kernel, filters: 3, strides: c.strides, dilation: c.dilation, padding: c.padding };
        const label = JSON.stringify(c);
        if (expected.some(e => e === null)) {
          // A kernel larger than the input with 'valid' padding: no output, and a named error saying so.
          assert.throws(() => outputShape([1, ...c.spatial, 2], spec), (e: Error) => e instanceof ConvArgumentError && /larger than the input/.test(e.message), label);
          rejected++;
          continue;
        }
        const ours = outputShape([1, ...c.spatial, 2], spec);
        assert.deepEqual(ours.shape, [1, ...expected, 3], `formula: ${label}`);
        assert.deepEqual(ours.shape, tfShape(c.spatial, c.kernel, c.strides, c.dilation, c.padding), `tf: ${label}`);
        ours.axes.forEach((a, i) => assert.ok(a.formula.endsWith(`= ${expected[i]}`) || a.formula.includes(`= ${expected[i]} (`), a.formula));
        checked++;
      }
      assert.ok(checked > cases.length / 2, `most cases have an output (${checked} checked, ${rejected} rejected)`);
    });
  }

  it('explicit padding (p, or [before, after] per axis) equals tf.pad followed by a valid convolution', () => {
    const cases: Array<{ spatial: number[]; kernel: number[]; strides: number[]; padding: Array<number | [number, number]> }> = [
      { spatial: [7], kernel: [3], strides: [1], padding: [1] },
      { spatial: [7], kernel: [5], strides: [2], padding: [[2, 0]] },
      { spatial: [6, 5], kernel: [3, 3], strides: [2, 1], padding: [1, [0, 2]] },
      { spatial: [4, 5, 3], kernel: [3, 3, 3], strides: [1, 2, 1], padding: [1, 1, [2, 1]] },
    ];
    for (const c of cases) {
      const pairs = c.padding.map(p => (typeof p === 'number' ? [p, p] : p) as [number, number]);
      const viaPad = tfShape(c.spatial.map((n, i) => n + pairs[i][0] + pairs[i][1]), c.kernel, c.strides, c.spatial.map(() => 1), 'valid');
      const ours = outputShape([1, ...c.spatial, 2], { kernelSize: c.kernel, filters: 3, strides: c.strides, padding: c.padding });
      assert.deepEqual(ours.shape, viaPad, JSON.stringify(c));
      assert.deepEqual(ours.axes.map(a => a.p), pairs);
    }
    // One number pads every side of every axis.
    assert.deepEqual(outputShape([28, 28], { kernelSize: [5, 5], padding: 2 }).shape, [28, 28]);
  });

  it("reports TF's 'same' padding split (the odd pixel after) as the explicit padding that gives the same result", () => {
    const r = outputShape([8], { kernelSize: 4, strides: 3, padding: 'same', spatialDims: 1 });
    // out = ⌈8/3⌉ = 3; total padding = (3 − 1)·3 + 4 − 8 = 2 → 1 before, 1 after; n = 7, f = 4 → 3, 1 and 2.
    assert.deepEqual(r.shape, [3]);
    assert.deepEqual(r.axes[0].p, [1, 1]);
    assert.deepEqual(outputShape([7], { kernelSize: [4], padding: 'same' }).axes[0].p, [1, 2]);
    for (const [n, f, s] of [[8, 4, 3], [7, 4, 1], [9, 2, 2], [5, 5, 1]]) {
      const same = outputShape([1, n, 2], { kernelSize: [f], strides: [s], filters: 3, padding: 'same' });
      const asExplicit = outputShape([1, n, 2], { kernelSize: [f], strides: [s], filters: 3, padding: [same.axes[0].p] });
      assert.deepEqual(asExplicit.shape, same.shape, `n=${n} f=${f} s=${s}`);
    }
  });

  it("the quiz's case: 32×32×32×16 with 32 filters 3×3×3, no padding, stride 1 → 30×30×30×32, like tf.conv3d", () => {
    const r = outputShape([32, 32, 32, 16], { filters: 32, kernelSize: [3, 3, 3], padding: 'valid', strides: 1 });
    assert.deepEqual(r.shape, [30, 30, 30, 32]);
    assert.equal(r.layout, 'spatial+channels');
    assert.deepEqual(r.axes.map(a => a.formula), new Array(3).fill('⌊(32 + 2·0 − 3)/1⌋ + 1 = 30'));
    assert.deepEqual(r.params, { weights: 3 * 3 * 3 * 16 * 32, biases: 32, total: 13_856 });
    const y = tf.tidy(() => tf.conv3d(tf.zeros([1, 32, 32, 32, 16]) as tf.Tensor5D, tf.zeros([3, 3, 3, 16, 32]) as tf.Tensor5D, 1, 'valid'));
    assert.deepEqual(y.shape, [1, ...r.shape]);
    y.dispose();
    // The same with a scalar kernel size and spatialDims, and with the batch axis.
    assert.deepEqual(outputShape([32, 32, 32, 16], { filters: 32, kernelSize: 3, spatialDims: 3 }).shape, [30, 30, 30, 32]);
    assert.deepEqual(outputShape([4, 32, 32, 32, 16], { filters: 32, kernelSize: [3, 3, 3] }).shape, [4, 30, 30, 30, 32]);
  });

  it('counts the parameters as tf.layers does', () => {
    const cases = [
      { input: [20, 3], kernel: [5], filters: 7, layer: () => tf.layers.conv1d({ inputShape: [20, 3], filters: 7, kernelSize: 5 }) },
      { input: [12, 12, 3], kernel: [3, 5], filters: 4, layer: () => tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 4, kernelSize: [3, 5] }) },
      { input: [8, 8, 8, 2], kernel: [3, 3, 3], filters: 6, layer: () => tf.layers.conv3d({ inputShape: [8, 8, 8, 2], filters: 6, kernelSize: 3 }) },
    ];
    for (const c of cases) {
      const model = tf.sequential({ layers: [c.layer()] });
      try {
        assert.equal(outputShape(c.input, { kernelSize: c.kernel, filters: c.filters }).params?.total, model.countParams());
        assert.deepEqual([null, ...outputShape(c.input, { kernelSize: c.kernel, filters: c.filters }).shape], model.outputs[0].shape);
      } finally { model.dispose(); }
    }
  });

  it('writes the dilated kernel extent into the formula', () => {
    const r = outputShape([10], { kernelSize: [3], dilation: 3 });
    assert.equal(r.axes[0].fEffective, 7);
    assert.equal(r.axes[0].formula, 'f′ = 3·(3 − 1) + 1 = 7; ⌊(10 + 2·0 − 7)/1⌋ + 1 = 4');
    assert.match(outputShape([1, 10, 1], { kernelSize: [3], filters: 1 }).explanation, /output \[1, 8, 1\]/);
  });

  it('bad inputs get named errors that say what was expected', () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => outputShape([2, 2, 2], { kernelSize: [3, 3], filters: 1 }), /larger than the input \(2\) on spatial axis 0/],
      [() => outputShape([5, -1, 3], { kernelSize: [3, 3], filters: 1 }), /inputShape\[1\] must be a positive integer; got -1/],
      [() => outputShape([5, 5, 3], { kernelSize: [-3, 3], filters: 1 }), /kernelSize\[0\] must be a positive integer; got -3/],
      [() => outputShape([5, 5, 5, 5, 5, 3], { kernelSize: [3, 3], filters: 1 }), /inputShape of a 2-D convolution must be \[height, width\].*rank 6/],
      [() => outputShape([5], { kernelSize: [3, 3] }), /rank 1/],
      [() => outputShape([5, 5, 3], { kernelSize: [3, 3] }), /channel axis.*filters/],
      [() => outputShape([5, 5], { kernelSize: 3 }), /cannot tell 1-D, 2-D or 3-D/],
      [() => outputShape([5, 5], { kernelSize: [3, 3], strides: [1, 1, 1] }), /disagree on the number of spatial axes/],
      [() => outputShape([5, 5], { kernelSize: [3, 3], strides: 1.5 }), /strides must be a positive integer; got 1.5/],
      [() => outputShape([5, 5], { kernelSize: [3, 3], padding: -1 }), /padding must be 'valid', 'same', an integer >= 0/],
      [() => outputShape([5, 5], { kernelSize: [3, 3], padding: [1, [1, -2]] }), /padding\[1\] must be an integer >= 0 or \[before, after\]/],
      [() => outputShape([5, 5], { kernelSize: [3, 3], padding: 'full' as 'same' }), /padding must be/],
      [() => outputShape('32x32' as unknown as number[], { kernelSize: [3] }), /inputShape must be an array/],
    ];
    for (const [call, message] of bad) {
      assert.throws(call, (e: Error) => e instanceof ConvArgumentError && e.message.startsWith('outputShape: ') && message.test(e.message), String(message));
    }
  });
});
