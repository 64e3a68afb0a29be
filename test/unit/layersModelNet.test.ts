// activations.fromLayersModel: a learner's own tf.LayersModel as a network for topPatches and receptiveField.
// Activations are checked against the model's layers applied one by one (an independent path through the same
// weights), geometry against receptive fields worked out by hand, and topPatches against a brute-force search.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import type { LayersModel, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { ready, tf } from '../../src/lib/tf';
import { ActivationsArgumentError, fromLayersModel, receptiveField, topPatches } from '../../src/lib/activations';
import { checkNoTensorLeaks } from './libraryTestKit';

/** conv 3x3 'same' (8) → max pool 2 → conv 3x3 stride 2 'valid' (16) → relu → conv 3x3 dilation 2 'same' (4) → dense. */
function smallCnn(channels: number): LayersModel {
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ name: 'c1', inputShape: [24, 24, channels], filters: 8, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    tf.layers.maxPooling2d({ name: 'p1', poolSize: 2 }),
    tf.layers.conv2d({ name: 'c2', filters: 16, kernelSize: 3, strides: 2, padding: 'valid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    tf.layers.activation({ name: 'r2', activation: 'relu' }),
    tf.layers.conv2d({ name: 'c3', filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    tf.layers.flatten({ name: 'flat' }),
    tf.layers.dense({ name: 'out', units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
  ] });
  return model;
}

describe('activations.fromLayersModel (your own ConvNet)', function () {
  this.timeout(60000);
  before(() => ready());
  checkNoTensorLeaks();

  it("lists the image-shaped layers, and gives their activations as the model's layers applied one by one do", async () => {
    const model = smallCnn(3);
    const net = fromLayersModel(model, { inputScale: 1 / 255 });
    assert.deepEqual(net.layers, ['c1', 'p1', 'c2', 'r2', 'c3']);
    const images = tf.tidy(() => tf.mul(tf.randomUniform([2, 24, 24, 3], 0, 1, 'float32', 9), 255) as Tensor4D);
    const acts = net.activations(images, ['c2', 'c3']);
    const want = tf.tidy(() => {
      let x: Tensor = tf.div(images, 255);
      const out: Record<string, Tensor> = {};
      for (const layer of model.layers) {
        if (layer.name === 'flat') break;
        x = layer.apply(x) as Tensor;
        out[layer.name] = x;
      }
      return { c2: out.c2, c3: out.c3 };
    });
    for (const l of ['c2', 'c3'] as const) {
      assert.deepEqual(acts[l].shape, want[l].shape, `${l} shape`);
      const [a, b] = [await acts[l].data(), await want[l].data()];
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      assert.ok(worst < 1e-5, `${l}: off by ${worst}`);
    }
    tf.dispose([images, ...Object.values(acts), want.c2, want.c3]);
    model.dispose();
  });

  it('reads the geometry from the layer configs: receptive fields as worked out by hand', () => {
    const model = smallCnn(3);
    const net = fromLayersModel(model);
    // c1: size 3, jump 1; p1 (2/2): 3 + 1 = 4, jump 2; c2 (3, stride 2): 4 + 2·2 = 8, jump 4;
    // c3 (3, dilation 2, effective 5): 8 + 4·4 = 24, jump 4.
    const field = (layer: string) => receptiveField(net, layer, { inputSize: [24, 24] });
    assert.deepEqual([field('c1').size, field('c1').stride], [[3, 3], [1, 1]]);
    assert.deepEqual([field('p1').size, field('p1').stride], [[4, 4], [2, 2]]);
    assert.deepEqual([field('c2').size, field('c2').stride], [[8, 8], [4, 4]]);
    assert.deepEqual([field('r2').size, field('r2').stride], [[8, 8], [4, 4]], 'relu moves no pixels');
    assert.deepEqual([field('c3').size, field('c3').stride], [[24, 24], [4, 4]]);
    assert.deepEqual(field('c3').outputSize, [5, 5], 'the feature map size the model really has');
    model.dispose();
  });

  it('topPatches on it finds what a brute-force search finds (a grey model fed RGB crops)', async () => {
    const model = smallCnn(1);
    const net = fromLayersModel(model, { inputScale: 1 / 255 });
    const images = tf.tidy(() => tf.mul(tf.randomUniform([12, 24, 24, 3], 0, 1, 'float32', 21), 255) as Tensor4D);
    const result = await topPatches(net, { layers: ['c2'], images, units: [0, 5], k: 3, batchSize: 5 });
    // Brute force: every image's strongest activation of each unit, from the same activations.
    const acts = net.activations(images, ['c2']);
    const values = await acts.c2.data();
    const [, h, w, c] = acts.c2.shape;
    tf.dispose(Object.values(acts));
    for (const unit of [0, 5]) {
      const best = Array.from({ length: 12 }, (_, i) => {
        let m = -Infinity;
        for (let p = 0; p < h * w; p++) m = Math.max(m, values[(i * h * w + p) * c + unit]);
        return { image: i, value: m };
      }).sort((a, b) => b.value - a.value).slice(0, 3);
      const got = result.layers[0].units.find(u => u.unit === unit)!.patches;
      assert.deepEqual(got.map(p => p.image), best.map(b => b.image), `unit ${unit}: the same images`);
      got.forEach((p, i) => assert.ok(Math.abs(p.value - best[i].value) < 1e-5, `unit ${unit}: value ${p.value} vs ${best[i].value}`));
    }
    images.dispose();
    model.dispose();
  });

  it('bad input and models without a single geometry get named errors', () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const a = tf.layers.conv2d({ name: 'a', filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ name: 'b', filters: 4, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const top = tf.layers.conv2d({ name: 'top', filters: 4, kernelSize: 3 }).apply(sum) as tf.SymbolicTensor;
    const branchy = tf.model({ inputs: input, outputs: top });
    const net = fromLayersModel(branchy);
    const named = (re: RegExp) => (e: Error) => e instanceof ActivationsArgumentError && re.test(e.message);
    assert.throws(() => net.geometry('top'), named(/the path to 'top' meets Add layer 'sum': a model with branches has no single geometry/));
    assert.throws(() => tf.tidy(() => { net.activations(tf.zeros([1, 16, 16, 3]) as Tensor4D, ['nope']); }), named(/no image-shaped layer 'nope'; it has a, b, sum, top/));
    assert.throws(() => fromLayersModel({} as LayersModel), named(/model must be a tf\.LayersModel/));
    assert.throws(() => fromLayersModel(branchy, { inputScale: 0 }), named(/inputScale must be a positive number; got 0/));
    branchy.dispose();
  });
});
