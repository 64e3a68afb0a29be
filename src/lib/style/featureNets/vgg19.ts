// VGG-19 (Simonyan & Zisserman 2014), the network of the course's neural style transfer (Gatys et al. 2015):
// 16 3x3 convolutions with ReLU in five blocks, 2x2 pooling between blocks, no classifier. Its weights are not
// shipped (none can be downloaded here, and the ImageNet VGG-19 is 80 MB even without the classifier): users
// who have them load them from a Keras model converted to TF.js, or hand them over in memory. The forward pass
// is plain conv2d + bias + relu + pool, differentiable w.r.t. the image on every backend. See docs/style-nets.md.
import type { Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../../tf';
import type { LayerGeometry } from '../../activations/geometry';
import type { FeatureNet } from '../types';
import { checkLayers, convBias, IMAGENET_MEAN_RGB, runChain, subtractMean, type ChainLayer } from './chain';
import { layersModelJsonPath, readLayersModelWeights } from './weightFiles';

/** Output channels of the convolutions, per block. */
const BLOCKS: readonly (readonly number[])[] = [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]];

/** 'conv1_1' … 'conv5_4', in forward order. */
export const VGG19_LAYERS: readonly string[] = BLOCKS.flatMap((block, b) => block.map((_, i) => `conv${b + 1}_${i + 1}`));

/** The kernel shape [3, 3, in, out] each layer must have. */
export const VGG19_KERNEL_SHAPES: Readonly<Record<string, readonly [number, number, number, number]>> = Object.fromEntries(
  BLOCKS.flatMap((block, b) => block.map((out, i) => {
    const inChannels = i > 0 ? block[i - 1] : b > 0 ? BLOCKS[b - 1][BLOCKS[b - 1].length - 1] : 3;
    return [`conv${b + 1}_${i + 1}`, [3, 3, inChannels, out] as const];
  })));

/** The course's (and Gatys et al.'s) choice. */
export const VGG19_DEFAULT_CONTENT_LAYER = 'conv4_2';
export const VGG19_DEFAULT_STYLE_LAYERS: ReadonlyArray<readonly [string, number]> = [
  ['conv1_1', 0.2], ['conv2_1', 0.2], ['conv3_1', 0.2], ['conv4_1', 0.2], ['conv5_1', 0.2],
];

/** One layer's weights in memory: kernel [3, 3, in, out] (a tensor, or its values in that layout), bias [out]. */
export interface Vgg19LayerWeights {
  kernel: Tensor4D | Float32Array;
  bias: Tensor1D | Float32Array;
}
/** VGG-19's weights in memory, keyed 'conv1_1' … 'conv5_4' (all sixteen). */
export type Vgg19Weights = Readonly<Record<string, Vgg19LayerWeights>>;

export interface Vgg19Options {
  /** 'max' (VGG, the course) or 'avg' (Gatys et al.: better gradient flow, slightly more appealing results). */
  pooling?: 'max' | 'avg';
  /** Channel order the first kernel expects. 'bgr' (default): Keras' VGG19 and the original Caffe weights;
   *  'rgb': MatConvNet's imagenet-vgg-verydeep-19 (the course's .mat). Both subtract the ImageNet mean. */
  channelOrder?: 'bgr' | 'rgb';
}

export class Vgg19Features implements FeatureNet {
  readonly name = 'vgg19' as const;
  readonly layers = VGG19_LAYERS;
  readonly defaultContentLayer = VGG19_DEFAULT_CONTENT_LAYER;
  readonly defaultStyleLayers = VGG19_DEFAULT_STYLE_LAYERS;
  readonly pooling: 'max' | 'avg';
  private readonly tensors: Tensor[] = [];
  private readonly chain: ChainLayer[];
  private readonly mean: Tensor1D;
  private disposed = false;

  /** Checks every layer's presence and shape (errors name the layer and the expected shape); copies the weights. */
  constructor(weights: Vgg19Weights, options: Vgg19Options = {}) {
    const pooling = options.pooling ?? 'max';
    const order = options.channelOrder ?? 'bgr';
    if (pooling !== 'max' && pooling !== 'avg') throw new Error(`loadFeatureNet: vgg19 pooling must be 'max' or 'avg', got '${String(pooling)}'`);
    if (order !== 'bgr' && order !== 'rgb') throw new Error(`loadFeatureNet: vgg19 channelOrder must be 'bgr' or 'rgb', got '${String(order)}'`);
    if (!weights || typeof weights !== 'object') throw new Error('loadFeatureNet: vgg19 weights must be a folder path or an object keyed conv1_1 … conv5_4');
    this.pooling = pooling;
    const missing = VGG19_LAYERS.filter(l => !weights[l]);
    if (missing.length) {
      throw new Error(`loadFeatureNet: the VGG-19 weights lack layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(expected kernels [3,3,in,out] and biases [out] for all of ${VGG19_LAYERS.join(', ')})`);
    }
    const extra = Object.keys(weights).filter(l => !VGG19_LAYERS.includes(l));
    if (extra.length) throw new Error(`loadFeatureNet: unknown VGG-19 layer${extra.length > 1 ? 's' : ''} ${extra.join(', ')} in the weights; valid: ${VGG19_LAYERS.join(', ')}`);
    try {
      const convs = VGG19_LAYERS.map(layer => this.layerTensors(layer, weights[layer]));
      // The network computes on RGB minus the mean; a BGR-trained first kernel gets its input channels reversed.
      if (order === 'bgr') {
        convs[0].kernel = tf.reverse(convs[0].kernel, 2);
        this.tensors.push(convs[0].kernel);
      }
      this.mean = tf.tensor1d(IMAGENET_MEAN_RGB);
      this.tensors.push(this.mean);
      this.chain = VGG19_LAYERS.map((name, i) => {
        const firstOfBlock = name.endsWith('_1') && i > 0;
        const block = Number(name[4]);
        return {
          name, minInput: 2 ** (block - 1),
          run: (x: Tensor4D) => {
            const input = firstOfBlock ? (pooling === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid')) as Tensor4D : x;
            return tf.relu(convBias(input, convs[i].kernel, convs[i].bias, 1, 'same')) as Tensor4D;
          },
        };
      });
    } catch (e) {
      for (const t of this.tensors) t.dispose();
      throw e;
    }
  }

  private layerTensors(layer: string, w: Vgg19LayerWeights): { kernel: Tensor4D; bias: Tensor1D } {
    const shape = VGG19_KERNEL_SHAPES[layer];
    const describe = (v: unknown) => v instanceof tf.Tensor ? `a tensor of shape [${v.shape}]`
      : v instanceof Float32Array ? `a Float32Array of ${v.length} values` : Object.prototype.toString.call(v);
    const size = shape.reduce((a, b) => a * b, 1);
    const { kernel, bias } = w;
    const kernelOk = kernel instanceof tf.Tensor ? !kernel.isDisposed && kernel.shape.join() === shape.join() : kernel instanceof Float32Array && kernel.length === size;
    if (!kernelOk) throw new Error(`loadFeatureNet: VGG-19 layer ${layer}: kernel must be [${shape}] (${size} values), got ${describe(kernel)}`);
    const biasOk = bias instanceof tf.Tensor ? !bias.isDisposed && bias.shape.join() === String(shape[3]) : bias instanceof Float32Array && bias.length === shape[3];
    if (!biasOk) throw new Error(`loadFeatureNet: VGG-19 layer ${layer}: bias must be [${shape[3]}], got ${describe(bias)}`);
    // Copies: the caller keeps (and may dispose) what it passed in.
    const copy = <T extends Tensor>(t: T) => tf.tidy(() => tf.clone(tf.cast(t, 'float32'))) as T;
    const k = kernel instanceof tf.Tensor ? copy(kernel) : tf.tensor4d(kernel, [...shape]);
    const b = bias instanceof tf.Tensor ? copy(bias) : tf.tensor1d(bias);
    this.tensors.push(k, b);
    return { kernel: k, bias: b };
  }

  activations(images: Tensor4D, layers: readonly string[]): Record<string, Tensor4D> {
    if (this.disposed) throw new Error('vgg19.activations: this network has been disposed');
    return runChain(this.name, this.chain, x => subtractMean(this.mean, x), images, layers);
  }

  /** The path to `layer` as the forward pass runs it: 3x3 'same' convolutions, and before the first
   *  convolution of blocks 2-5 a 2x2/2 'valid' pool (max or average: the same geometry). */
  geometry(layer: string): LayerGeometry[] {
    checkLayers(`${this.name}.geometry`, this.name, this.layers, [layer]);
    return vgg19Geometry(layer);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tensors) t.dispose();
  }
}

/** VGG-19's path to `layer` (one of VGG19_LAYERS), input first: pool<b-1> before conv<b>_1 for b > 1. */
export function vgg19Geometry(layer: string): LayerGeometry[] {
  const path: LayerGeometry[] = [];
  for (const name of VGG19_LAYERS.slice(0, VGG19_LAYERS.indexOf(layer) + 1)) {
    const block = Number(name[4]);
    if (block > 1 && name.endsWith('_1')) path.push({ name: `pool${block - 1}`, kernel: 2, stride: 2 });
    path.push({ name, kernel: 3, padding: 'same' });
  }
  return path;
}

/** The name keras.applications.VGG19 gives a layer: conv3_2 → block3_conv2. */
export function kerasVgg19Name(layer: string): string {
  return layer.replace(/^conv(\d)_(\d)$/, 'block$1_conv$2');
}

/** VGG-19 weights from a Keras VGG19 converted to TF.js (`where`: the folder or its model.json). Weight names are
 *  matched by their ending, 'block1_conv1/kernel', so prefixes such as 'vgg19/' of newer exports do not matter. */
export async function readKerasVgg19Weights(where: string): Promise<Record<string, { kernel: Float32Array; bias: Float32Array }>> {
  const file = layersModelJsonPath(where);
  const all = await readLayersModelWeights(where);
  const find = (want: string) => {
    const hits = [...all.keys()].filter(n => n === want || n.endsWith(`/${want}`));
    if (hits.length > 1) throw new Error(`loadFeatureNet: ${file} has several weights named like '${want}': ${hits.join(', ')}`);
    return hits.length ? all.get(hits[0]) : undefined;
  };
  const out: Record<string, { kernel: Float32Array; bias: Float32Array }> = {};
  const missing: string[] = [];
  for (const layer of VGG19_LAYERS) {
    const keras = kerasVgg19Name(layer);
    const kernel = find(`${keras}/kernel`), bias = find(`${keras}/bias`);
    if (!kernel || !bias) { missing.push(`${layer} (${keras}/${kernel ? 'bias' : 'kernel'})`); continue; }
    const shape = VGG19_KERNEL_SHAPES[layer];
    if (kernel.shape.join() !== shape.join() || bias.shape.join() !== String(shape[3])) {
      throw new Error(`loadFeatureNet: VGG-19 layer ${layer} (${keras} in ${file}): expected kernel [${shape}] and bias [${shape[3]}], ` +
        `got kernel [${kernel.shape}] and bias [${bias.shape}]`);
    }
    out[layer] = { kernel: kernel.values, bias: bias.values };
  }
  if (missing.length) {
    throw new Error(`loadFeatureNet: ${file} lacks VGG-19 layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
      'expected a keras.applications.VGG19 converted with tensorflowjs_converter (layer names block1_conv1 … block5_conv4)');
  }
  return out;
}
