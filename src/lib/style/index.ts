// convnet.style: neural style transfer as the course teaches it — the costs, their optimisation on the pixels,
// reference presets, and live progress in the notebook.
export {
  activationGram, contentCost, gramMatrix, layerStyleCost, layerStyleCostFromGram, styleCost, totalCost, totalVariation, unrollActivations, layerWeightPairs,
  type LayerWeights, type TotalVariationKind,
} from './costs';
export { StyleArgumentError } from './errors';
export {
  minimizeLbfgs, lbfgsStart, lbfgsIterate, lbfgsDirection, sgdLearningRate,
  type OptimizerName, type OptimizerSettings, type AdamSettings, type SgdSettings, type LbfgsSettings, type Evaluate, type LbfgsState, type LbfgsResult,
} from './optimizers';
export {
  PRESETS, PRESET_NAMES, contentNormalization, styleNormalization,
  type PresetName, type StylePreset, type PixelScale, type InitKind, type CostNormalization,
} from './presets';
export {
  StyleProgressReporter, progressImage, progressValue, thinPoints, kernelDisplay, DEFAULT_PROGRESS_LIMITS,
  type DisplayLike, type ProgressLimits,
} from './progress';
export { styleObjective, type StyleObjective, type StyleObjectiveSettings } from './objective';
export { transfer, toRgbImage, type TransferOptions, type TransferResult, type ResolvedTransferSettings, type StyleImageInput } from './transfer';
export type { FeatureNet, FeatureNetName } from './types';
export type { StyleProgressPayload, StyleLossPoint, StyleProgressFrame, StyleProgressImage } from '../../protocol/styleProgress';
export { loadFeatureNet, VGG19_WEIGHTS_HELP, type LoadFeatureNetOptions } from './featureNets';
