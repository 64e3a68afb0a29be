// The contract between the feature networks (featureNets/, loaded by loadFeatureNet) and the style-transfer
// code (costs, transfer): a network maps an image batch to named activations, differentiably.
import type { Tensor4D } from '@tensorflow/tfjs';
import type { LayerGeometry } from '../activations/geometry';

export type FeatureNetName = 'resnet50' | 'vgg19';

export interface FeatureNet {
  readonly name: FeatureNetName;
  /** Every layer `activations` can return, in forward order (e.g. 'conv1_1' … 'conv5_4' for VGG-19). */
  readonly layers: readonly string[];
  /** The course's defaults for this network. */
  readonly defaultContentLayer: string;
  readonly defaultStyleLayers: ReadonlyArray<readonly [layer: string, weight: number]>;
  /**
   * Activations of the requested layers for `images`: float32 `[n, h, w, 3]` RGB in 0..255 (the course's
   * scale; the network subtracts its own mean / reorders channels inside). Differentiable w.r.t. `images`
   * (plain ops, so tf.grad works on every backend). Stops at the deepest requested layer. Unknown layer
   * names throw an error that lists the valid ones. The caller owns (and disposes) the returned tensors.
   */
  activations(images: Tensor4D, layers: readonly string[]): Record<string, Tensor4D>;
  /**
   * The convolutions and poolings from the input up to and including `layer`, in forward order, exactly as
   * `activations` runs them (kernel, stride, padding): what `convnet.activations.receptiveField` and
   * `topPatches` compute receptive fields from (docs/activations.md). For residual networks the path through
   * the main (bottleneck) branch, whose field contains the shortcut's. Unknown names throw the same error as
   * `activations`. Optional: a network without it can still be used with an explicit geometry list.
   */
  geometry?(layer: string): LayerGeometry[];
  /** Frees the weights. */
  dispose(): void;
}
