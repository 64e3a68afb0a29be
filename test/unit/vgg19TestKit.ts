// Shared by the weight-file tests (matFile, kerasH5): seeded full-size VGG-19 weights, and the check that a
// network loaded from a file is VGG-19 with those weights and the expected input channel order.
import * as assert from 'node:assert/strict';
import type { Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../../src/lib/tf';
import { Vgg19Features, VGG19_KERNEL_SHAPES, VGG19_LAYERS } from '../../src/lib/style/featureNets/vgg19';
import type { FeatureNet } from '../../src/lib/style/types';

export type Vgg19Arrays = Record<string, { kernel: Float32Array; bias: Float32Array }>;

/** Seeded VGG-19 weights, kernels [3, 3, in, out] row-major; small values keep activations finite through 16 layers. */
export function seededVgg19Weights(seed: number): Vgg19Arrays {
  let state = seed;
  const next = () => { state = (state * 1103515245 + 12345) % 2147483648; return state / 2147483648 - 0.5; };
  const out: Vgg19Arrays = {};
  for (const layer of VGG19_LAYERS) {
    const [kh, kw, cin, cout] = VGG19_KERNEL_SHAPES[layer];
    const scale = Math.sqrt(6 / (kh * kw * cin));
    out[layer] = { kernel: new Float32Array(kh * kw * cin * cout).map(() => next() * scale), bias: new Float32Array(cout).map(() => 0.1 * next()) };
  }
  return out;
}

/** `fromFile`'s activations equal VGG-19 built in memory from `weights` with channel order `order`, and differ
 *  from the other order (so the order is really checked). `fromFile` stays the caller's. */
export async function assertSameVgg19(fromFile: FeatureNet, weights: Vgg19Arrays, order: 'rgb' | 'bgr', what: string, imageSeed: number): Promise<void> {
  const expected = new Vgg19Features(weights, { channelOrder: order });
  const other = new Vgg19Features(weights, { channelOrder: order === 'rgb' ? 'bgr' : 'rgb' });
  const image = tf.tidy(() => tf.mul(tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', imageSeed), 255) as Tensor4D);
  try {
    const probe = ['conv1_1', 'conv3_2', 'conv5_4'];
    const values = async (net: FeatureNet) => {
      const acts = net.activations(image, probe);
      const out = await Promise.all(probe.map(l => acts[l].data()));
      tf.dispose(Object.values(acts));
      return out.map(a => Array.from(a));
    };
    const [got, want, swapped] = [await values(fromFile), await values(expected), await values(other)];
    probe.forEach((l, i) => assert.deepEqual(got[i], want[i], `${l}: the ${what} network is VGG-19 with these weights, ${order.toUpperCase()} input`));
    assert.notDeepEqual(got[0], swapped[0], `reading the kernels as ${order === 'rgb' ? 'BGR' : 'RGB'} would give other activations: the order is checked`);
  } finally {
    image.dispose(); expected.dispose(); other.dispose();
  }
}
