// `convnet.activations`: what ConvNets learn (Zeiler & Fergus). Receptive fields from layer geometry, the
// top-activating patches of each unit over a stream of images, a crop data set from a few photos, and the view.
export { ActivationsArgumentError } from './errors';
export type { LayerGeometry, HasGeometry, MaybeGeometry, Padding } from './geometry';
export { receptiveField, fieldBox, clipBox, unitField, type UnitField, type ReceptiveField, type ReceptiveFieldOptions, type Box } from './receptiveField';
export { TopK, ranksAbove, type Ranked } from './topK';
export {
  topPatches, DEFAULT_UNITS, type ActivationNet, type ImageSource, type Patch, type UnitPatches, type LayerPatches, type SourceImage,
  type TopPatchesOptions, type TopPatchesProgress, type TopPatchesResult, type UnitSelection,
} from './topPatches';
export { patchesView, patchImage, PatchesView, type PatchesViewOptions } from './view';
export { fromLayersModel, type LayersModelNetOptions } from './layersModel';
export * as dataset from './dataset';
