// Your own ConvNet (a tf.LayersModel built with tf.sequential or tf.model) as a network topPatches and
// receptiveField take: named activations of its image-shaped layers, and the geometry of the path to each read
// from the layers' configs. What did the network I trained learn?
import type { LayersModel, SymbolicTensor, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { check } from './errors';
import type { LayerGeometry } from './geometry';
import type { ActivationNet } from './topPatches';

export interface LayersModelNetOptions {
  /**
   * Multiplies the images (0..255, the convention topPatches and the FeatureNets use) before the model sees them:
   * 1/255 for a model trained on images in 0..1 (what `images.load` gives). Default 1.
   */
  inputScale?: number;
}

const FN = 'fromLayersModel';
const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);
const POOLINGS = new Set(['MaxPooling2D', 'AveragePooling2D']);
const MERGES = new Set(['Add', 'Concatenate', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Subtract', 'Dot']);

type Config = Record<string, unknown>;
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[v.length > 1 ? 1 : 0])] : [Number(v), Number(v)]);

/** The model's image-shaped layers ([batch, h, w, channels] outputs) as an ActivationNet with geometry. */
export function fromLayersModel(model: LayersModel, options: LayersModelNetOptions = {}): ActivationNet & { readonly layers: readonly string[]; geometry(layer: string): LayerGeometry[] } {
  check(model != null && typeof model === 'object' && Array.isArray((model as LayersModel).layers) && Array.isArray((model as LayersModel).inputs),
    () => `${FN}: model must be a tf.LayersModel (tf.sequential or tf.model); got ${model === null ? 'null' : typeof model}`);
  const inputScale = options.inputScale ?? 1;
  check(typeof inputScale === 'number' && Number.isFinite(inputScale) && inputScale > 0, () => `${FN}: inputScale must be a positive number; got ${String(inputScale)}`);
  check(model.inputs.length === 1 && model.inputs[0].shape.length === 4,
    () => `${FN}: the model must take one image batch [n, h, w, channels]; its inputs are ${model.inputs.map(i => `[${i.shape.map(d => d ?? 'n')}]`).join(', ')}`);
  const inputChannels = model.inputs[0].shape[3];
  const layers = model.layers.filter(l => {
    let shape: unknown;
    try { shape = l.outputShape; } catch { return false; } // a layer shared between branches has no single shape
    return Array.isArray(shape) && shape.length === 4 && !Array.isArray(shape[0]) && l.getClassName() !== 'InputLayer';
  }).map(l => l.name);
  const submodels = new Map<string, LayersModel>();
  const known = (layer: string) => check(layers.includes(layer),
    () => `${FN}: the model has no image-shaped layer '${layer}'; it has ${layers.join(', ') || 'none'}`);

  return {
    layers,
    activations(images: Tensor4D, wanted: readonly string[]): Record<string, Tensor4D> {
      wanted.forEach(known);
      const key = wanted.join('\n');
      let sub = submodels.get(key);
      if (!sub) {
        sub = tf.model({ inputs: model.inputs, outputs: wanted.map(l => model.getLayer(l).output as SymbolicTensor) });
        submodels.set(key, sub);
      }
      const net = sub;
      return tf.tidy(() => {
        let x: Tensor = inputScale === 1 ? images : tf.mul(images, inputScale);
        // RGB crops into a grey model: their mean, as images.load({channels: 1}) would give.
        if (inputChannels === 1 && images.shape[3] === 3) x = tf.mean(x, 3, true);
        const out = net.predict(x as Tensor4D);
        const list = Array.isArray(out) ? out : [out];
        return Object.fromEntries(wanted.map((l, i) => [l, list[i] as Tensor4D]));
      });
    },
    geometry(layer: string): LayerGeometry[] {
      known(layer);
      const path: LayerGeometry[] = [];
      for (const l of model.layers) {
        const kind = l.getClassName();
        check(!MERGES.has(kind), () => `${FN}: the path to '${layer}' meets ${kind} layer '${l.name}': a model with branches has no single ` +
          "geometry; pass topPatches' geometry option (or receptiveField a LayerGeometry list) for the branch you mean");
        const config = l.getConfig() as Config;
        if (CONVOLUTIONS.has(kind)) {
          path.push({ name: l.name, kernel: pair(config.kernelSize), stride: pair(config.strides), dilation: pair(config.dilationRate ?? 1),
            padding: config.padding === 'same' ? 'same' : 'valid' });
        } else if (POOLINGS.has(kind)) {
          path.push({ name: l.name, kernel: pair(config.poolSize), stride: pair(config.strides ?? config.poolSize), padding: config.padding === 'same' ? 'same' : 'valid' });
        } else if (kind === 'ZeroPadding2D') {
          const p = config.padding as number | number[] | number[][];
          const axes = Array.isArray(p) && Array.isArray(p[0]) ? (p as number[][]).map(a => [a[0], a[1]] as [number, number])
            : pair(p).map(v => [v, v] as [number, number]);
          path.push({ name: l.name, kernel: 1, padding: axes });
        } else if (kind === 'UpSampling2D' || kind === 'Conv2DTranspose') {
          check(false, () => `${FN}: '${l.name}' (${kind}) enlarges the image: receptive fields through it are not defined here`);
        }
        if (l.name === layer) break;
      }
      return path;
    },
  };
}
