// The layer geometry the feature networks describe (FeatureNet.geometry, used by convnet.activations): the
// feature-map sizes it predicts against the real forward passes (64, 128 and an odd 45x57 image), the receptive
// fields against hand-derived values, and the field of single units of the shipped ResNet-50 against the support
// of the unit's gradient w.r.t. the image.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import type { Tensor4D } from '@tensorflow/tfjs';
import { tf, ready } from '../../src/lib/tf';
import type { FeatureNet } from '../../src/lib/style/types';
import { loadFeatureNet, VGG19_KERNEL_SHAPES, VGG19_LAYERS } from '../../src/lib/style/featureNets';
import { receptiveField, topPatches, unitField, type Box } from '../../src/lib/activations';
import { checkNoTensorLeaks } from './libraryTestKit';

const SIZES: ReadonlyArray<readonly [number, number]> = [[64, 64], [128, 128], [45, 57]];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A seeded RGB image [1, h, w, 3], values 0..255. */
function randomImage(h: number, w: number, seed: number): Tensor4D {
  const rand = lcg(seed);
  return tf.tensor4d(Float32Array.from({ length: h * w * 3 }, () => Math.round(rand() * 255)), [1, h, w, 3]);
}

/** Bounding box of the pixels where any channel of `grad` ([h, w, c] values) is nonzero, and how many there are. */
function support(grad: Float32Array, height: number, width: number, channels: number): { box: Box; pixels: number } {
  let top = Infinity, left = Infinity, bottom = -1, right = -1, pixels = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    let any = false;
    for (let c = 0; c < channels; c++) if (grad[(y * width + x) * channels + c] !== 0) any = true;
    if (!any) continue;
    pixels++;
    top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x);
  }
  return { box: { top, left, height: bottom - top + 1, width: right - left + 1 }, pixels };
}

const inside = (inner: Box, outer: Box) => inner.top >= outer.top && inner.left >= outer.left
  && inner.top + inner.height <= outer.top + outer.height && inner.left + inner.width <= outer.left + outer.width;

/** The channel of `layer` most active at `position` of `image`, and its value. */
async function mostActiveChannel(net: FeatureNet, image: Tensor4D, layer: string, [y, x]: readonly number[]): Promise<{ channel: number; value: number }> {
  const acts = net.activations(image, [layer]);
  const column = tf.slice(acts[layer], [0, y, x, 0], [1, 1, 1, -1]);
  const values = await column.data();
  tf.dispose([column, ...Object.values(acts)]);
  let channel = 0;
  values.forEach((v, c) => { if (v > values[channel]) channel = c; });
  return { channel, value: values[channel] };
}

/** The gradient of one unit ([y, x, channel] of `layer`) w.r.t. the image, as [h, w, 3] values. */
async function unitGradient(net: FeatureNet, image: Tensor4D, layer: string, [y, x]: readonly number[], channel: number): Promise<Float32Array> {
  const grad = tf.tidy(() => tf.grad(input => {
    const acts = net.activations(input as Tensor4D, [layer]);
    return tf.sum(tf.slice(acts[layer], [0, y, x, channel], [1, 1, 1, 1]));
  })(image));
  const values = (await grad.data()) as Float32Array;
  grad.dispose();
  return values;
}

describe('feature-network geometry (receptive fields of VGG-19 and ResNet-50)', function () {
  this.timeout(300000);
  checkNoTensorLeaks();
  before(async () => { await ready(); });

  describe('ResNet-50 shipped in models/resnet50-style', () => {
    let resnet: FeatureNet;
    before(async () => { resnet = await loadFeatureNet({ name: 'resnet50' }); });
    after(() => resnet.dispose());

    for (const [h, w] of SIZES) {
      it(`predicts every layer's feature-map size at ${h}x${w}`, async () => {
        const image = randomImage(h, w, h * w);
        const acts = resnet.activations(image, resnet.layers);
        for (const layer of resnet.layers) {
          const field = receptiveField(resnet as Required<FeatureNet>, layer, { inputSize: [h, w] });
          assert.deepEqual(field.outputSize, acts[layer].shape.slice(1, 3), layer);
        }
        tf.dispose([image, ...Object.values(acts)]);
      });
    }

    it('has the fields of the Keras ResNet-50 (derived by hand)', () => {
      // conv1: 7, jump 2, pad 3. pool1 3x3/2 pad 1: 7 + 2*2 = 11, jump 4, offset -3 - 2 = -5. Each 3x3 of
      // stage 2 adds 2*4 = 8 (19, 27, 35). conv3_block1's 1x1/2 makes the jump 8, its 3x3 adds 16 (51), and
      // each further block 16 (67, 83, 99). conv4_block1: jump 16, + 32 = 131. Offsets: 3x3 'same' pads 1 per
      // side, i.e. -jump each.
      const expected: Record<string, [size: number, stride: number, offset: number]> = {
        conv1: [7, 2, -3], conv2_block1: [19, 4, -9], conv2_block3: [35, 4, -17], conv3_block1: [51, 8, -25],
        conv3_block4: [99, 8, -49], conv4_block1: [131, 16, -65],
      };
      for (const [layer, [size, stride, offset]] of Object.entries(expected)) {
        const field = receptiveField(resnet as Required<FeatureNet>, layer, { inputSize: [224, 224] });
        assert.deepEqual([field.size, field.stride, field.offset], [[size, size], [stride, stride], [offset, offset]], layer);
      }
    });

    it('names each block\'s output in its path, so a path can be cut at any block; rejects unknown layers', () => {
      const path = resnet.geometry!('conv4_block1');
      assert.deepEqual(path.slice(0, 5).map(g => g.name), ['conv1', 'pool1', 'conv2_block1/1_conv', 'conv2_block1/2_conv', 'conv2_block1']);
      assert.deepEqual(receptiveField(path, 'conv2_block3', { inputSize: [45, 57] }),
        receptiveField(resnet as Required<FeatureNet>, 'conv2_block3', { inputSize: [45, 57] }));
      assert.throws(() => resnet.geometry!('conv5_block1'), /resnet50\.geometry: unknown resnet50 layer 'conv5_block1'; valid layers: conv1, conv2_block1/);
    });

    it('gives a conv1 unit exactly the field its gradient covers (middle and clipped corner)', async () => {
      // With one 7x7 convolution between the image and the unit, the gradient of an active unit is its kernel:
      // nonzero over the whole field (less the part in padding).
      const image = randomImage(32, 32, 11);
      const path = resnet.geometry!('conv1');
      for (const position of [[8, 8], [0, 0], [15, 15]]) {
        const { channel, value } = await mostActiveChannel(resnet, image, 'conv1', position);
        assert.ok(value > 0, `conv1 ${position} has an active channel`);
        const grad = await unitGradient(resnet, image, 'conv1', position, channel);
        const field = unitField(path, position, [32, 32]);
        assert.deepEqual(support(grad, 32, 32, 3).box, field.crop, `conv1 ${position}`);
      }
      image.dispose();
    });

    it('keeps the gradient of deeper units inside their field, and it fills most of it', async () => {
      // Through ReLUs some paths are switched off, so the support may be smaller than the field, never larger
      // (on these seeded images it happens to be exactly the field: 19x19 and a clipped 26x34).
      const [h, w] = [45, 57];
      const image = randomImage(h, w, 5);
      for (const [layer, position] of [['conv2_block1', [5, 7]], ['conv3_block1', [0, 6]]] as const) {
        const { channel, value } = await mostActiveChannel(resnet, image, layer, position);
        assert.ok(value > 0, `${layer} ${position} has an active channel`);
        const grad = await unitGradient(resnet, image, layer, position, channel);
        const field = unitField(resnet.geometry!(layer), position, [h, w]);
        const seen = support(grad, h, w, 3);
        assert.ok(seen.pixels > 0, `${layer}: the gradient is not all zero`);
        assert.ok(inside(seen.box, field.crop), `${layer} ${position}: support ${JSON.stringify(seen.box)} lies in ${JSON.stringify(field.crop)}`);
        assert.ok(seen.box.height >= 0.75 * field.crop.height && seen.box.width >= 0.75 * field.crop.width,
          `${layer} ${position}: support ${JSON.stringify(seen.box)} spans most of ${JSON.stringify(field.crop)}`);
      }
      image.dispose();
    });

    it('lets topPatches take the network as it is (its geometry agrees with the activations on an odd size)', async () => {
      const images = tf.tidy(() => tf.concat([randomImage(45, 57, 1), randomImage(45, 57, 2), randomImage(45, 57, 3)]));
      const result = await topPatches(resnet, { layers: ['conv1', 'conv3_block4'], images, units: [0, 1], k: 2, sourceThumbnailSide: 0 });
      assert.deepEqual(result.layers.map(l => l.featureShape), [[23, 29, 64], [6, 8, 512]]);
      assert.deepEqual(result.layers[1].receptiveField.size, [99, 99]);
      images.dispose();
    });
  });

  describe('VGG-19 (zero weights: only shapes matter here)', () => {
    let vgg: FeatureNet;
    before(async () => {
      const weights = Object.fromEntries(VGG19_LAYERS.map(l => {
        const shape = VGG19_KERNEL_SHAPES[l];
        return [l, { kernel: new Float32Array(shape.reduce((a, b) => a * b, 1)), bias: new Float32Array(shape[3]) }];
      }));
      vgg = await loadFeatureNet({ name: 'vgg19', weights });
    });
    after(() => vgg.dispose());

    for (const [h, w] of SIZES) {
      it(`predicts every layer's feature-map size at ${h}x${w}`, async () => {
        const image = randomImage(h, w, 1);
        const acts = vgg.activations(image, VGG19_LAYERS);
        for (const layer of VGG19_LAYERS) {
          assert.deepEqual(receptiveField(vgg as Required<FeatureNet>, layer, { inputSize: [h, w] }).outputSize, acts[layer].shape.slice(1, 3), layer);
        }
        tf.dispose([image, ...Object.values(acts)]);
      });
    }

    it('has the fields of VGG-19 (derived by hand)', () => {
      // Each 3x3 adds 2 * jump; each 2x2/2 pool adds 1 * jump and doubles it. Block 1: 3, 5. Pool: 6, jump 2;
      // block 2: 10, 14. Pool: 16, jump 4; block 3: 24 … 48. Pool: 52, jump 8; block 4: 68 … 116. Pool: 124,
      // jump 16; block 5: 156 … 252.
      const expected: Record<string, [number, number]> = {
        conv1_1: [3, 1], conv1_2: [5, 1], conv2_2: [14, 2], conv3_4: [48, 4], conv4_2: [84, 8], conv4_4: [116, 8], conv5_1: [156, 16], conv5_4: [252, 16],
      };
      for (const [layer, [size, stride]] of Object.entries(expected)) {
        const field = receptiveField(vgg as Required<FeatureNet>, layer);
        assert.deepEqual([field.size, field.stride], [[size, size], [stride, stride]], layer);
      }
      assert.deepEqual(vgg.geometry!('conv2_1').map(g => g.name), ['conv1_1', 'conv1_2', 'pool1', 'conv2_1']);
      assert.throws(() => vgg.geometry!('conv6_1'), /vgg19\.geometry: unknown vgg19 layer 'conv6_1'; valid layers: conv1_1/);
    });
  });
});
