// loadFeatureNet: the one entry point style transfer uses to get a network.
import * as fs from 'node:fs';
import type { FeatureNet, FeatureNetName } from '../types';
import { loadResNet50 } from './resnet50';
import { isHdf5Path, readKerasH5Vgg19 } from './kerasH5';
import { isMatFilePath, readMatConvNetVgg19 } from './matConvNet';
import { readKerasVgg19Weights, Vgg19Features, type Vgg19Weights } from './vgg19';
import { layersModelJsonPath } from './weightFiles';

export interface LoadFeatureNetOptions {
  /** 'resnet50' (shipped with the extension, works offline) or 'vgg19' (the course's network; bring its weights). */
  name: FeatureNetName;
  /**
   * resnet50: a folder written by scripts/derive-resnet50.mjs (default: the shipped models/resnet50-style).
   * vgg19 (required): the course's weight files as they are — Keras' vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5
   * (TF2 assignment; any .h5/.keras of a keras.applications.VGG19) or MatConvNet's imagenet-vgg-verydeep-19.mat
   * (TF1 assignment) — a Keras VGG19 converted to TF.js (its folder or model.json; layer names block1_conv1 …),
   * or the weights in memory keyed 'conv1_1' … 'conv5_4', each `{kernel: [3,3,in,out], bias: [out]}`.
   */
  weights?: string | Vgg19Weights;
  /** vgg19 only: 'max' (default) or 'avg' pooling between blocks. */
  pooling?: 'max' | 'avg';
  /** vgg19 only: channel order of the first kernel, 'bgr' (Keras, Caffe; the default) or 'rgb' (MatConvNet; the
   *  default for a .mat file). */
  channelOrder?: 'bgr' | 'rgb';
}

export const VGG19_WEIGHTS_HELP =
  'VGG-19 weights are not shipped with the extension. The course\'s files load as they are: ' +
  'loadFeatureNet({name: "vgg19", weights: "path/to/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"}) (Keras, the TF2 assignment) ' +
  'or weights: "path/to/imagenet-vgg-verydeep-19.mat" (MatConvNet, the TF1 assignment). Or convert Keras\' ImageNet weights in Python: ' +
  '`m = tf.keras.applications.VGG19(weights="imagenet", include_top=False); m.save("vgg19.h5")`, then ' +
  '`tensorflowjs_converter --input_format keras vgg19.h5 vgg19_tfjs/` (pip install tensorflowjs; ' +
  '--quantize_float16 halves the 80 MB), and call loadFeatureNet({name: "vgg19", weights: "path/to/vgg19_tfjs"}). ' +
  "Or pass the weights in memory, keyed conv1_1 … conv5_4. The shipped network is loadFeatureNet({name: 'resnet50'}), which needs no download.";

/** A pretrained feature network for style transfer (see FeatureNet). The caller disposes it. */
export async function loadFeatureNet(options: LoadFeatureNetOptions): Promise<FeatureNet> {
  if (!options || typeof options !== 'object') throw new Error("loadFeatureNet: options must be an object such as {name: 'resnet50'}");
  const { name, weights } = options;
  switch (name) {
    case 'resnet50': {
      for (const key of ['pooling', 'channelOrder'] as const) {
        if (options[key] !== undefined) throw new Error(`loadFeatureNet: '${key}' is a vgg19 option; resnet50 has no such choice`);
      }
      if (weights !== undefined && typeof weights !== 'string') throw new Error('loadFeatureNet: resnet50 weights must be a folder path (manifest.json + weights.bin)');
      return loadResNet50(weights);
    }
    case 'vgg19': {
      if (weights === undefined) throw new Error(`loadFeatureNet: vgg19 needs weights. ${VGG19_WEIGHTS_HELP}`);
      const vggOptions = { pooling: options.pooling, channelOrder: options.channelOrder };
      if (typeof weights === 'string' && /\.keras$/i.test(weights)) {
        throw new Error(`loadFeatureNet: ${weights} is a Keras 3 archive (a zip); unzip it and pass its model.weights.h5`);
      }
      if (typeof weights === 'string' && isHdf5Path(weights)) {
        return new Vgg19Features(await readKerasH5Vgg19(weights), vggOptions);
      }
      if (typeof weights === 'string' && isMatFilePath(weights)) {
        return new Vgg19Features(readMatConvNetVgg19(weights), { ...vggOptions, channelOrder: options.channelOrder ?? 'rgb' });
      }
      if (typeof weights === 'string') {
        if (!fs.existsSync(layersModelJsonPath(weights))) throw new Error(`loadFeatureNet: no model.json at ${layersModelJsonPath(weights)}. ${VGG19_WEIGHTS_HELP}`);
        return new Vgg19Features(await readKerasVgg19Weights(weights), vggOptions);
      }
      return new Vgg19Features(weights, vggOptions);
    }
    default:
      throw new Error(`loadFeatureNet: unknown network '${String(name)}'; choose 'resnet50' (shipped) or 'vgg19' (bring its weights)`);
  }
}
