// Shared by the style tests: a tiny deterministic FeatureNet (three seeded 3x3 conv + relu layers, the second
// followed by 2x2 average pooling) that honours the FeatureNet contract (0..255 input, named layers, unknown
// names rejected, differentiable plain ops), and small seeded images.
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../../src/lib/tf';
import type { FeatureNet, FeatureNetName } from '../../src/lib/style/types';
import { lcg } from './faceTestKit';

export const TINY_LAYERS = ['c1', 'c2', 'c3'] as const;
const CHANNELS = [3, 6, 8, 10];

export interface TinyNet extends FeatureNet { readonly calls: number }

/** Three conv layers, He-scaled seeded weights; input scaled to about −1..1 first. */
export function tinyNet(seed = 11): TinyNet {
  const kernels = [0, 1, 2].map(i => tf.tensor4d(
    lcg(9 * CHANNELS[i] * CHANNELS[i + 1], seed + i).map(v => v * Math.sqrt(6 / (9 * CHANNELS[i]))), [3, 3, CHANNELS[i], CHANNELS[i + 1]]));
  const biases = [0, 1, 2].map(i => tf.tensor1d(lcg(CHANNELS[i + 1], seed + 10 + i).map(v => 0.1 * v)));
  let calls = 0;
  return {
    name: 'tiny' as FeatureNetName,
    layers: TINY_LAYERS,
    defaultContentLayer: 'c3',
    defaultStyleLayers: [['c1', 0.4], ['c2', 0.3], ['c3', 0.3]],
    get calls() { return calls; },
    activations(images: Tensor4D, layers: readonly string[]): Record<string, Tensor4D> {
      for (const l of layers) {
        if (!TINY_LAYERS.includes(l as typeof TINY_LAYERS[number])) throw new Error(`tinyNet: unknown layer '${l}'; valid: ${TINY_LAYERS.join(', ')}`);
      }
      calls++;
      const deepest = Math.max(...layers.map(l => TINY_LAYERS.indexOf(l as typeof TINY_LAYERS[number])));
      return tf.tidy(() => {
        const out: Record<string, Tensor4D> = {};
        let x: Tensor4D = tf.sub(tf.div(images, 127.5), 1);
        for (let i = 0; i <= deepest; i++) {
          x = tf.relu(tf.add(tf.conv2d(x, kernels[i], 1, 'same'), biases[i])) as Tensor4D;
          if (layers.includes(TINY_LAYERS[i])) out[TINY_LAYERS[i]] = x;
          if (i === 1) x = tf.avgPool(x, 2, 2, 'valid');
        }
        return out;
      });
    },
    dispose() { for (const t of [...kernels, ...biases]) t.dispose(); },
  };
}

/** A smooth seeded RGB image [h, w, 3] in 0..1: a sum of gratings per channel. */
export function patternImage(h: number, w: number, seed: number): Tensor3D {
  const p = lcg(18, seed);
  const values = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        const k = 6 * c;
        const v = Math.sin(p[k] * 1.5 * x + p[k + 1] * 1.5 * y + 3 * p[k + 2]) + Math.sin(p[k + 3] * 0.7 * x - p[k + 4] * 0.9 * y + 3 * p[k + 5]);
        values[(y * w + x) * 3 + c] = 0.5 + 0.24 * v;
      }
    }
  }
  return tf.tensor3d(values, [h, w, 3]);
}
