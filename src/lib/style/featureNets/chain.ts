// What both networks share: a chain of named layers, each computed from the previous one's output, run up
// to the deepest layer asked for, with the argument checks of FeatureNet.activations.
import type { Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../../tf';
import type { FeatureNetName } from '../types';

export interface ChainLayer {
  name: string;
  /** The layer's output from the previous named layer's output (the preprocessed image for the first). */
  run(previous: Tensor4D): Tensor4D;
  /** Smallest input side for which this layer still has at least one pixel (pooling with 'valid' padding). */
  minInput: number;
}

/** RGB 0..255 minus the ImageNet mean: both networks were trained on this (their first kernel is reordered to
 *  RGB at load time where the weights expect Caffe's BGR). */
export const IMAGENET_MEAN_RGB = [123.68, 116.779, 103.939];

export function checkLayers(fn: string, net: FeatureNetName, valid: readonly string[], layers: readonly string[]): void {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new Error(`${fn}: layers must be a non-empty array of ${net} layer names (${valid.join(', ')})`);
  }
  const unknown = layers.filter(l => !valid.includes(l));
  if (unknown.length) {
    throw new Error(`${fn}: unknown ${net} layer${unknown.length > 1 ? 's' : ''} ${unknown.map(l => `'${String(l)}'`).join(', ')}; valid layers: ${valid.join(', ')}`);
  }
}

export function checkImages(fn: string, images: Tensor): void {
  if (!(images instanceof tf.Tensor)) throw new Error(`${fn}: images must be a tf.Tensor4D [n, h, w, 3], got ${Object.prototype.toString.call(images)}`);
  if (images.isDisposed) throw new Error(`${fn}: images has been disposed`);
  if (images.rank !== 4 || images.shape[3] !== 3 || images.shape.some(d => d < 1)) {
    throw new Error(`${fn}: images must be a Tensor4D [n, h, w, 3] (RGB, 0..255), got shape [${images.shape}]`);
  }
}

/** Runs `chain` on `images` (checked) and returns the requested layers' outputs; the caller owns them. */
export function runChain(net: FeatureNetName, chain: readonly ChainLayer[], preprocess: (x: Tensor4D) => Tensor4D,
  images: Tensor4D, layers: readonly string[]): Record<string, Tensor4D> {
  const fn = `${net}.activations`;
  checkImages(fn, images);
  checkLayers(fn, net, chain.map(l => l.name), layers);
  const wanted = new Set(layers);
  const last = Math.max(...layers.map(l => chain.findIndex(c => c.name === l)));
  const [, h, w] = images.shape;
  const needed = chain[last].minInput;
  if (h < needed || w < needed) {
    throw new Error(`${fn}: layer '${chain[last].name}' needs images of at least ${needed}x${needed} pixels, got ${h}x${w}`);
  }
  return tf.tidy(() => {
    const out: Record<string, Tensor4D> = {};
    let x = preprocess(images.dtype === 'float32' ? images : tf.cast(images, 'float32'));
    for (let i = 0; i <= last; i++) {
      x = chain[i].run(x);
      if (wanted.has(chain[i].name)) out[chain[i].name] = x;
    }
    return out;
  });
}

/** Subtracts the ImageNet mean (RGB order); differentiable, a plain broadcast subtraction. */
export function subtractMean(mean: Tensor1D, x: Tensor4D): Tensor4D {
  return tf.sub(x, mean);
}

/** conv2d + bias (plain ops: their gradients w.r.t. the input are the wasm backend's fast kernels). */
export function convBias(x: Tensor4D, kernel: Tensor4D, bias: Tensor1D, stride: 1 | 2, padding: 'same' | 'valid'): Tensor4D {
  return tf.add(tf.conv2d(x, kernel, stride, padding), bias);
}
