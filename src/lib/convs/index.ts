// 1-D, 2-D and 3-D convolutions: output-shape arithmetic with each axis's sum written out, an ECG pipeline of
// 1-D convolutions (filter, find beats, label them by a documented rule), synthetic CT-like volumes with a 3-D
// convolution by hand, and small 1-D / 3-D CNNs with one training loop.
export { ConvArgumentError } from './errors';
export { outputShape, type ConvSpec, type ConvPadding, type AxisPadding, type AxisArithmetic, type OutputShape, type ShapeLayout } from './shapes';
export {
  loadEcg, parseEcgCsv, ecgKernels, filterEcg, detectBeats, qrsLobeWidths, labelBeatsByRule, beatWindows,
  type EcgRecord, type EcgKernels, type EcgStages, type DetectBeatsOptions, type Beats, type BeatLabelRule, type LabelledBeats, type BeatWindowOptions,
} from './signal';
export { volumeDataset, syntheticVolume, conv3dByHand, sliceMontage, SHAPE_KINDS, type ShapeKind, type VolumeOptions, type VolumeDataset } from './volume';
export {
  cnn1d, cnn3d, trainClassifier, evaluateClassifier, predictClasses,
  type Cnn1dOptions, type Cnn3dOptions, type ClassifierProgress, type LabelledTensors, type TrainClassifierOptions, type ClassifierTrainResult, type Evaluation,
} from './models';
export { signalPlot, SignalPlot, type Trace, type SignalPlotOptions } from './plot';
