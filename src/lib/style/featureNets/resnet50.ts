// ResNet-50 (He et al. 2015, the Keras ImageNet weights) as a style-transfer feature network: the stem and the
// first bottleneck stages, batch norm folded into the convolutions (scripts/derive-resnet50.mjs), weights shipped
// in models/resnet50-style/ as float16. The forward pass is plain conv2d + bias + relu, pad + maxPool, add, so
// tf.grad w.r.t. the image works on every backend and uses the wasm backend's fast gradient kernels.
// Layer names follow tf.keras' later ResNet50 ('conv2_block1' = Keras 2.2's res2a). See docs/style-nets.md.
import type { Tensor1D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../../tf';
import type { LayerGeometry } from '../../activations/geometry';
import type { FeatureNet } from '../types';
import { checkLayers, convBias, IMAGENET_MEAN_RGB, runChain, subtractMean, type ChainLayer } from './chain';
import { readDerivedWeights, shippedModelDir, type NamedWeight } from './weightFiles';

/** Bottleneck blocks per stage in ResNet-50 (conv2_x … conv5_x); the shipped file keeps a prefix of them. */
const STAGES: ReadonlyArray<readonly [stage: number, blocks: number]> = [[2, 3], [3, 4], [4, 6], [5, 3]];

/** Every layer ResNet-50 has, in forward order; a weights file provides a prefix of it. */
export const RESNET50_ALL_LAYERS: readonly string[] = ['conv1', ...STAGES.flatMap(([s, n]) => Array.from({ length: n }, (_, b) => `conv${s}_block${b + 1}`))];

export const RESNET50_SHIPPED_DIR = 'resnet50-style';

/** Content: the last block at 1/8 resolution, the scale of VGG-19's conv4_2 (also 1/8), deep enough to
 *  describe objects and layout rather than pixels. */
export const RESNET50_DEFAULT_CONTENT_LAYER = 'conv3_block4';

/** Style: the output of the stem and of each stage, one per resolution (1/2, 1/4, 1/8, 1/16), as the course's
 *  conv1_1 … conv5_1 take one layer per VGG block; equal weights as in the course. The stage outputs (not the
 *  blocks inside a stage) are where ResNet's features are complete at that scale. */
export const RESNET50_DEFAULT_STYLE_LAYERS: ReadonlyArray<readonly [string, number]> = [
  ['conv1', 0.25], ['conv2_block3', 0.25], ['conv3_block4', 0.25], ['conv4_block1', 0.25],
];

type Conv = { kernel: Tensor4D; bias: Tensor1D };

/** x[:, ::2, ::2, :] from pad, reshape and slice (all with gradients; tfjs has none for stridedSlice). */
export function everyOtherPixel(x: Tensor4D): Tensor4D {
  const [n, h, w, c] = x.shape;
  const padded = h % 2 || w % 2 ? tf.pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]) : x;
  const rows = (h + (h % 2)) / 2, cols = (w + (w % 2)) / 2;
  // [n, 2·rows, 2·cols, c] viewed as [n·rows, 2, cols, 2·c]: row parity on axis 1, column parity in the channel halves.
  const pairs = tf.reshape(padded, [n * rows, 2, cols, 2 * c]);
  return tf.reshape(tf.slice(pairs, [0, 0, 0, 0], [n * rows, 1, cols, c]), [n, rows, cols, c]);
}

function bottleneck(x: Tensor4D, convs: Record<string, Conv>, stride: 1 | 2): Tensor4D {
  // Keras ResNet50 v1: the stride sits on the first 1x1 conv and on the projection shortcut. A 1x1 conv with
  // stride 2 ('valid') is a 1x1 conv of every other pixel; written so, its input gradient is a stride-1
  // convolution plus a pad. On wasm the strided one's input gradient computes 4 phases, 3 of them all zero:
  // 210-280 ms per call at 256 px, most of the backward pass (docs/style-nets.md).
  const input = stride === 2 ? everyOtherPixel(x) : x;
  let branch = tf.relu(convBias(input, convs['1_conv'].kernel, convs['1_conv'].bias, 1, 'valid')) as Tensor4D;
  branch = tf.relu(convBias(branch, convs['2_conv'].kernel, convs['2_conv'].bias, 1, 'same')) as Tensor4D;
  branch = convBias(branch, convs['3_conv'].kernel, convs['3_conv'].bias, 1, 'valid');
  const shortcut = convs['0_conv'] ? convBias(input, convs['0_conv'].kernel, convs['0_conv'].bias, 1, 'valid') : x;
  return tf.relu(tf.add(branch, shortcut)) as Tensor4D;
}

export class ResNet50Features implements FeatureNet {
  readonly name = 'resnet50' as const;
  readonly layers: readonly string[];
  readonly defaultContentLayer: string;
  readonly defaultStyleLayers: ReadonlyArray<readonly [string, number]>;
  private readonly tensors: Array<Tensor1D | Tensor4D> = [];
  private readonly chain: ChainLayer[] = [];
  private mean!: Tensor1D;
  private disposed = false;

  /** `weights`: folded conv weights by name ('conv1/kernel', 'conv2_block1/0_conv/bias', …), Keras layout
   *  (kernels [h, w, in, out]), the first kernel's input channels in BGR order as Keras trained it. */
  constructor(weights: ReadonlyMap<string, NamedWeight>) {
    const conv = (prefix: string): Conv | undefined => {
      const k = weights.get(`${prefix}/kernel`), b = weights.get(`${prefix}/bias`);
      if (!k || !b) return undefined;
      if (k.shape.length !== 4 || b.shape.length !== 1 || b.shape[0] !== k.shape[3]) {
        throw new Error(`loadFeatureNet: resnet50 weights ${prefix} have kernel [${k.shape}] and bias [${b.shape}]; expected [h, w, in, out] and [out]`);
      }
      const kernel = tf.tensor4d(k.values, k.shape as [number, number, number, number]);
      const bias = tf.tensor1d(b.values);
      this.tensors.push(kernel, bias);
      return { kernel, bias };
    };
    try {
      const stem = conv('conv1');
      if (!stem || stem.kernel.shape.join() !== '7,7,3,64') throw new Error('loadFeatureNet: resnet50 weights lack conv1 [7,7,3,64]; is this a derived ResNet-50 folder?');
      // Keras' ResNet-50 reads BGR; reversing conv1's input channels once makes it read RGB.
      const rgbStem = tf.reverse(stem.kernel, 2) as Tensor4D;
      this.tensors.push(rgbStem);
      this.mean = tf.tensor1d(IMAGENET_MEAN_RGB);
      this.tensors.push(this.mean);

      this.chain.push({
        name: 'conv1', minInput: 1,
        // Keras pads by 3 (ZeroPadding2D) and convolves 'valid': not the same as 'same' for stride 2.
        run: x => tf.relu(convBias(tf.pad(x, [[0, 0], [3, 3], [3, 3], [0, 0]]), rgbStem, stem.bias, 2, 'valid')) as Tensor4D,
      });
      stages: for (const [stage, blocks] of STAGES) {
        for (let b = 1; b <= blocks; b++) {
          const name = `conv${stage}_block${b}`;
          const convs: Record<string, Conv> = {};
          for (const part of ['0_conv', '1_conv', '2_conv', '3_conv']) {
            const c = conv(`${name}/${part}`);
            if (c) convs[part] = c;
          }
          if (!convs['1_conv']) break stages; // the file ends here
          for (const part of ['2_conv', '3_conv', ...(b === 1 ? ['0_conv'] : [])]) {
            if (!convs[part]) throw new Error(`loadFeatureNet: resnet50 weights have ${name}/1_conv but not ${name}/${part}`);
          }
          const stride: 1 | 2 = b === 1 && stage > 2 ? 2 : 1;
          const pool = b === 1 && stage === 2;
          this.chain.push({
            name, minInput: 1,
            run: x => {
              // Stem max pool, Keras style: zero padding 1 then 3x3/2 'valid' (zeros never win after a relu).
              const input = pool ? tf.maxPool(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, 'valid') as Tensor4D : x;
              return bottleneck(input, convs, stride);
            },
          });
        }
      }
    } catch (e) {
      for (const t of this.tensors) t.dispose();
      throw e;
    }
    this.layers = this.chain.map(l => l.name);
    const has = (l: string) => this.layers.includes(l);
    this.defaultContentLayer = has(RESNET50_DEFAULT_CONTENT_LAYER) ? RESNET50_DEFAULT_CONTENT_LAYER : this.layers[this.layers.length - 1];
    const style = RESNET50_DEFAULT_STYLE_LAYERS.filter(([l]) => has(l));
    this.defaultStyleLayers = style.map(([l]) => [l, 1 / style.length] as const);
  }

  activations(images: Tensor4D, layers: readonly string[]): Record<string, Tensor4D> {
    if (this.disposed) throw new Error('resnet50.activations: this network has been disposed');
    return runChain(this.name, this.chain, x => subtractMean(this.mean, x), images, layers);
  }

  /** The path to `layer` as the forward pass runs it: the stem (Keras' ZeroPadding2D(3) + 7x7/2 'valid'), the
   *  stem max pool (ZeroPadding2D(1) + 3x3/2 'valid') before conv2_block1, then each block's main branch:
   *  1x1 (stride 2 in the first block of stages 3-5: run as a 1x1 of every other pixel, which is the same
   *  geometry), 3x3 'same', 1x1 (named after the block). The shortcut sees a subset of the main branch's field. */
  geometry(layer: string): LayerGeometry[] {
    checkLayers(`${this.name}.geometry`, this.name, this.layers, [layer]);
    const path: LayerGeometry[] = [{ name: 'conv1', kernel: 7, stride: 2, padding: 3 }];
    for (const name of this.layers.slice(1, this.layers.indexOf(layer) + 1)) {
      const [, stage, block] = /^conv(\d)_block(\d)$/.exec(name)!.map(Number);
      if (stage === 2 && block === 1) path.push({ name: 'pool1', kernel: 3, stride: 2, padding: 1 });
      path.push(
        { name: `${name}/1_conv`, kernel: 1, stride: block === 1 && stage > 2 ? 2 : 1 },
        { name: `${name}/2_conv`, kernel: 3, padding: 'same' },
        // The block's output (3_conv + shortcut + relu) carries the block's name, so a path can be cut at any
        // block: receptiveField(path, 'conv2_block3').
        { name, kernel: 1 });
    }
    return path;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tensors) t.dispose();
  }
}

/** ResNet-50 from a derived folder (manifest.json + weights.bin); default: the one shipped in models/. */
export async function loadResNet50(dir: string = shippedModelDir(RESNET50_SHIPPED_DIR)): Promise<ResNet50Features> {
  const { manifest, weights } = await readDerivedWeights(dir);
  if (manifest.network !== 'resnet50') throw new Error(`loadFeatureNet: ${dir} holds '${manifest.network}' weights, not resnet50`);
  return new ResNet50Features(weights);
}
