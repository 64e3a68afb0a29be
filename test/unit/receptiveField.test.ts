// Receptive fields: the analytic recurrences against an empirical probe. Each tiny network is built from tf ops
// with all-positive weights and inputs (so no gradient cancels); the gradient of one output unit w.r.t. the input
// is nonzero exactly on the pixels that unit sees, and its bounding box must equal the analytic box clipped to the
// image. Covers stride, dilation, 'same' / 'valid' / numeric padding, pooling, odd sizes, 2-D and 1-D.
import * as assert from 'node:assert/strict';
import type { Tensor, Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { ready, tf } from '../../src/lib/tf';
import { ActivationsArgumentError, clipBox, fieldBox, receptiveField, unitField, type LayerGeometry } from '../../src/lib/activations';
import { checkNoTensorLeaks } from './libraryTestKit';

type Pad = 'same' | 'valid' | number;
interface Op { kind: 'conv' | 'avgpool'; k: number; s: number; d: number; pad: Pad }

const geometryOf = (ops: readonly Op[]): LayerGeometry[] =>
  ops.map((o, i) => ({ name: `${o.kind}${i}`, kernel: o.k, stride: o.s, dilation: o.d, padding: o.pad }));

const CHANNELS = 2;

// TF.js has no gradient for dilated convolutions, so the probe
// builds the dilated kernel itself: (k - 1) * d + 1 taps a side, weights on every d-th tap, zeros between.
function dilatedFilter(k: number, d: number, inChannels: number, rank: 1 | 2): Tensor {
  const span = (k - 1) * d + 1;
  const taps = Array.from({ length: span }, (_, i) => (i % d === 0 ? 0.5 : 0));
  if (rank === 1) return tf.tidy(() => tf.tile(tf.reshape(tf.tensor1d(taps), [span, 1, 1]), [1, inChannels, CHANNELS]));
  return tf.tidy(() => tf.tile(tf.reshape(tf.outerProduct(tf.tensor1d(taps), tf.tensor1d(taps)), [span, span, 1, 1]), [1, 1, inChannels, CHANNELS]));
}

function net2d(ops: readonly Op[], x: Tensor4D): Tensor4D {
  let y = x;
  for (const o of ops) {
    if (o.kind === 'conv') y = tf.conv2d(y, dilatedFilter(o.k, o.d, y.shape[3], 2) as Tensor4D, o.s, o.pad);
    else y = tf.avgPool(y, o.k, o.s, o.pad as 'same' | 'valid' | number);
  }
  return y;
}

function net1d(ops: readonly Op[], x: Tensor3D): Tensor3D {
  let y = x;
  for (const o of ops) {
    if (o.kind === 'conv') {
      // TF.js conv1d pads the dummy height axis too when given a number, so numeric padding is done by hand.
      const padded = typeof o.pad === 'number' ? tf.pad(y, [[0, 0], [o.pad, o.pad], [0, 0]]) : y;
      y = tf.conv1d(padded, dilatedFilter(o.k, o.d, y.shape[2], 1) as Tensor3D, o.s, typeof o.pad === 'number' ? 'valid' : o.pad);
    }
    else {
      const [n, l, c] = y.shape;
      y = tf.reshape(tf.avgPool(tf.reshape(y, [n, 1, l, c]) as Tensor4D, [1, o.k], [1, o.s], o.pad as 'same' | 'valid' | number), [n, -1, c]);
    }
  }
  return y;
}

/** Bounding box [top, left, height, width] of the pixels where the gradient is nonzero. */
function support(grad: Float32Array | Int32Array | Uint8Array, height: number, width: number, channels: number): number[] {
  let top = Infinity, left = Infinity, bottom = -1, right = -1;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) {
    if (grad[(y * width + x) * channels + c] > 0) { top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x); }
  }
  // A unit whose field lies wholly in the padding sees no pixel: an empty box, as clipBox gives.
  return bottom < 0 ? [0, 0, 0, 0] : [top, left, bottom - top + 1, right - left + 1];
}

function probe2d(ops: readonly Op[], height: number, width: number, position: [number, number]): number[] {
  const grad = tf.tidy(() => {
    const unit = (x: Tensor) => tf.sum(tf.slice(net2d(ops, x as Tensor4D), [0, position[0], position[1], 0], [1, 1, 1, 1]));
    return tf.grad(unit)(tf.ones([1, height, width, 1]));
  });
  const values = grad.dataSync() as Float32Array;
  grad.dispose();
  return support(values, height, width, 1);
}

function probe1d(ops: readonly Op[], length: number, position: number): number[] {
  const grad = tf.tidy(() => {
    const unit = (x: Tensor) => tf.sum(tf.slice(net1d(ops, x as Tensor3D), [0, position, 0], [1, 1, 1]));
    return tf.grad(unit)(tf.ones([1, length, 1]));
  });
  const values = grad.dataSync() as Float32Array;
  grad.dispose();
  const [, left, , width] = support(values, 1, length, 1);
  return [left, width];
}

/** A different generator from anything under test. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
}

function randomOps(rand: () => number): Op[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
    const kind = rand() < 0.3 ? 'avgpool' : 'conv';
    const d = kind === 'conv' && rand() < 0.3 ? 2 : 1;
    // TF.js convolutions take either a stride or a dilation above 1, not both.
    const s = d > 1 ? 1 : pick([1, 1, 2, 3]);
    const k = kind === 'avgpool' ? pick([2, 3]) : pick([1, 2, 3, 4]);
    const pad: Pad = pick<Pad>(['same', 'valid', 0, 1, 2]);
    return { kind, k, s, d, pad: kind === 'avgpool' && typeof pad === 'number' ? pick<Pad>(['same', 'valid']) : pad };
  });
}

describe('activations.receptiveField', () => {
  before(async () => {
    process.env.CONVNET_BACKEND = 'cpu';
    await ready();
  });
  checkNoTensorLeaks();

  it('gives the textbook numbers: two 3x3 convs see 5x5, VGG-16 conv5_3 sees 196 px with a 16 px stride', () => {
    const two = receptiveField([{ name: 'a', kernel: 3, padding: 'same' }, { name: 'b', kernel: 3, padding: 'same' }]);
    assert.deepEqual(two, { size: [5, 5], stride: [1, 1], offset: [-2, -2] });
    const vgg: LayerGeometry[] = [];
    [2, 2, 3, 3, 3].forEach((convs, block) => {
      for (let i = 0; i < convs; i++) vgg.push({ name: `conv${block + 1}_${i + 1}`, kernel: 3, padding: 1 });
      vgg.push({ name: `pool${block + 1}`, kernel: 2, stride: 2 });
    });
    const conv53 = receptiveField(vgg, 'conv5_3', { inputSize: [224, 224] });
    assert.deepEqual(conv53.size, [196, 196]);
    assert.deepEqual(conv53.stride, [16, 16]);
    assert.deepEqual(conv53.outputSize, [14, 14]);
    assert.deepEqual(receptiveField(vgg, 'pool5').size, [212, 212]);
  });

  it("puts TF 'same' padding's odd pixel at the end (pad before = floor(total / 2)), depending on the input size", () => {
    const layer: LayerGeometry[] = [{ name: 'c', kernel: 4, stride: 2, padding: 'same' }];
    // 8 px: out 4, total = 3*2 + 4 - 8 = 2 -> 1 before; 9 px: out 5, total = 4*2 + 4 - 9 = 3 -> 1 before.
    assert.deepEqual(receptiveField(layer, undefined, { inputSize: [8, 8] }).offset, [-1, -1]);
    assert.deepEqual(receptiveField(layer, undefined, { inputSize: [7, 7] }).offset, [-1, -1]);
    assert.deepEqual(receptiveField([{ name: 'c', kernel: 3, stride: 2, padding: 'same' }], undefined, { inputSize: [7, 7] }).offset, [-1, -1]);
    assert.deepEqual(receptiveField([{ name: 'c', kernel: 3, stride: 2, padding: 'same' }], undefined, { inputSize: [8, 8] }).offset, [0, 0]);
    for (const size of [7, 8]) {
      for (const k of [3, 4]) {
        const ops: Op[] = [{ kind: 'conv', k, s: 2, d: 1, pad: 'same' }];
        const field = receptiveField(geometryOf(ops), undefined, { inputSize: [size, size] });
        const expected = clipBox(fieldBox(field, [0, 0]), size, size).box;
        assert.deepEqual(probe2d(ops, size, size, [0, 0]), [expected.top, expected.left, expected.height, expected.width], `k ${k}, size ${size}`);
      }
    }
  });

  it('equals the gradient probe of 2-D nets (stride, dilation, same/valid/numeric padding, pooling), borders included', () => {
    const rand = lcg(7);
    let checked = 0;
    for (let trial = 0; trial < 40; trial++) {
      const ops = randomOps(rand);
      const height = 9 + Math.floor(rand() * 10), width = 9 + Math.floor(rand() * 10);
      let field;
      try {
        field = receptiveField(geometryOf(ops), undefined, { inputSize: [height, width] });
      } catch (error) {
        assert.ok(error instanceof ActivationsArgumentError && /too small/.test(error.message));
        continue;
      }
      const [oh, ow] = field.outputSize!;
      const actual = tf.tidy(() => net2d(ops, tf.ones([1, height, width, 1])).shape);
      assert.deepEqual(actual.slice(1, 3), [oh, ow], `output size of ${JSON.stringify(ops)} on ${height}x${width}`);
      const positions: Array<[number, number]> = [[0, 0], [oh - 1, ow - 1], [0, ow - 1], [Math.floor(oh / 2), Math.floor(ow / 2)]];
      for (const position of positions) {
        const { crop } = unitField(geometryOf(ops), position, [height, width]);
        assert.deepEqual(probe2d(ops, height, width, position), [crop.top, crop.left, crop.height, crop.width],
          `${JSON.stringify(ops)} on ${height}x${width}, unit ${position}`);
        // What the unit sees lies inside its analytic field clipped to the image.
        const outer = clipBox(fieldBox(field, position), height, width).box;
        if (crop.height > 0) assert.ok(crop.top >= outer.top && crop.left >= outer.left && crop.top + crop.height <= outer.top + outer.height && crop.left + crop.width <= outer.left + outer.width);
        checked++;
      }
    }
    assert.ok(checked > 80, `only ${checked} positions probed`);
  });

  it('equals the gradient probe of 1-D nets (conv1d with stride and dilation, 1-D pooling)', () => {
    const rand = lcg(11);
    let checked = 0;
    for (let trial = 0; trial < 30; trial++) {
      const ops = randomOps(rand);
      const length = 10 + Math.floor(rand() * 20);
      let field;
      try {
        field = receptiveField(geometryOf(ops), undefined, { inputSize: length });
      } catch { continue; }
      assert.equal(field.size.length, 1);
      const [out] = field.outputSize!;
      assert.equal(tf.tidy(() => net1d(ops, tf.ones([1, length, 1])).shape[1]), out, `output length of ${JSON.stringify(ops)} on ${length}`);
      for (const position of [0, out - 1, Math.floor(out / 2)]) {
        const { crop } = unitField(geometryOf(ops), [position], [length]);
        assert.deepEqual(probe1d(ops, length, position), [crop.left, crop.width], `${JSON.stringify(ops)} on ${length}, unit ${position}`);
        checked++;
      }
    }
    assert.ok(checked > 40, `only ${checked} positions probed`);
  });

  it('equals the probe exactly, unclipped, for a unit far from every border', () => {
    const rand = lcg(3);
    for (let trial = 0; trial < 12; trial++) {
      const ops = randomOps(rand);
      const size = 72;
      const field = receptiveField(geometryOf(ops), undefined, { inputSize: [size, size] });
      const middle: [number, number] = [Math.floor(field.outputSize![0] / 2), Math.floor(field.outputSize![1] / 2)];
      const box = fieldBox(field, middle);
      assert.ok(box.top >= 0 && box.top + box.height <= size, 'the middle unit is away from the border');
      assert.deepEqual(probe2d(ops, size, size, middle), [box.top, box.left, box.height, box.width], JSON.stringify(ops));
      assert.equal(unitField(geometryOf(ops), middle, [size, size]).clipped, false);
    }
  });

  it('handles per-axis kernels and strides', () => {
    const f = receptiveField([{ name: 'a', kernel: [3, 1], stride: [1, 2] }, { name: 'b', kernel: [1, 5], dilation: [1, 2] }]);
    // rows: 3, stride 1; cols: 1 + (9 - 1) * 2 = 17, stride 2.
    assert.deepEqual(f, { size: [3, 17], stride: [1, 2], offset: [0, 0] });
  });

  it('takes the geometry from a network with geometry(layer)', () => {
    const net = { geometry: (layer: string) => (layer === 'deep' ? geometryOf([{ kind: 'conv', k: 3, s: 2, d: 1, pad: 'valid' }, { kind: 'conv', k: 3, s: 1, d: 1, pad: 'valid' }]) : []) };
    assert.deepEqual(receptiveField(net, 'deep'), { size: [7, 7], stride: [2, 2], offset: [0, 0] });
  });

  it('names the argument that is wrong', () => {
    const bad = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: Error) => e instanceof ActivationsArgumentError && pattern.test(e.message));
    bad(() => receptiveField({} as never, 'x'), /receptiveField: source must be a network with a geometry\(layer\) method/);
    bad(() => receptiveField([{ name: 'a', kernel: 0 }]), /geometry\[0\] \('a'\)\.kernel must be a positive integer/);
    bad(() => receptiveField([{ name: 'a', kernel: 3, padding: 'full' as never }]), /geometry\[0\] \('a'\)\.padding must be 'same', 'valid'/);
    bad(() => receptiveField([{ name: 'a', kernel: 3 }], 'b'), /layer 'b' is not in the geometry list; its layers are 'a'/);
    bad(() => receptiveField([{ name: 'a', kernel: 5 }], undefined, { inputSize: [3, 3] }), /input \[3,3\] is too small: nothing is left after layer 'a'/);
    bad(() => receptiveField([{ name: 'a', kernel: [3, 3] }], undefined, { inputSize: 9 }), /inputSize must have 2 entries/);
  });
});
