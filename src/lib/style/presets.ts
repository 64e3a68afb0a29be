// Reference settings of neural style transfer, as the course and two well-known examples run it. Layer names
// are this library's VGG-19 names (convB_C = Keras' blockB_convC = the C-th conv of block B). On a network
// other than VGG-19 a preset keeps its optimiser, weights and scales but takes the network's own default
// layers. What each source does and where we differ: docs/style.md.
import type { ImageSize } from '../images/resize';
import type { OptimizerSettings } from './optimizers';
import type { TotalVariationKind } from './costs';

export type PresetName = 'course-tf1' | 'course-tf2' | 'keras' | 'pytorch';

/** 'byte': the generated image is optimised on 0..255 (the net's scale); 'unit': on 0..1 (×255 before the net). */
export type PixelScale = 'byte' | 'unit';

/** How the generated image starts. */
export type InitKind = 'noise+content' | 'content' | 'noise';

/**
 * The cost normalisation a preset's weights were tuned for (N = nH·nW·nC, M = nH·nW of the layer, P = h·w of
 * the image, S = Σ of the squared differences):
 * - 'course': J_content = S/(4N), J_style^[l] = S_gram/(2N)²;
 * - 'keras':  J_content = S,      J_style^[l] = S_gram/(4·nC²·P²);
 * - 'pytorch': J_content = S/N (mse), J_style^[l] = mean over nC² of (gram/N)² differences = S_gram/(nC²·N²).
 */
export type CostNormalization = 'course' | 'keras' | 'pytorch';

export interface StylePreset {
  name: PresetName;
  /** One line: what it reproduces. */
  description: string;
  /** Where the settings come from. */
  source: string;
  scale: PixelScale;
  optimizer: OptimizerSettings;
  iterations: number;
  /** Default size of the generated image; absent: the content image's own size. */
  size?: ImageSize;
  init: InitKind;
  /** 'mix': G = (1 − r)·C + r·N with N = center + U(−amplitude, amplitude); 'add': G = C + U(−amplitude, amplitude). */
  noiseBlend: 'mix' | 'add';
  noiseRatio: number;
  /** On the preset's scale. */
  noiseAmplitude: number;
  /** Centre of 'mix' noise, per RGB channel, on the preset's scale. */
  noiseCenter: readonly [number, number, number];
  contentLayer: string;
  styleLayers: ReadonlyArray<readonly [string, number]>;
  alpha: number;
  beta: number;
  tvWeight: number;
  tvKind: TotalVariationKind;
  normalization: CostNormalization;
}

/** VGG's ImageNet mean (RGB, 0..255): the course's noise is centred there (it lives in mean-subtracted space). */
const IMAGENET_MEAN_RGB = [123.68, 116.779, 103.939] as const;
const BLOCK_FIRST_CONVS = ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'];

export const PRESETS: Readonly<Record<PresetName, StylePreset>> = {
  'course-tf1': {
    name: 'course-tf1',
    description: 'the course assignment, TF1 version: Adam lr 2 on 0..255 pixels, 200 iterations, 60% noise',
    source: 'deeplearning.ai CNN course week 4, "Art Generation with Neural Style Transfer" (TensorFlow 1 notebook, nst_utils.py CONFIG)',
    scale: 'byte',
    optimizer: { kind: 'adam', learningRate: 2.0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    iterations: 200,
    size: [300, 400],
    init: 'noise+content', noiseBlend: 'mix', noiseRatio: 0.6, noiseAmplitude: 20, noiseCenter: IMAGENET_MEAN_RGB,
    contentLayer: 'conv4_2',
    styleLayers: BLOCK_FIRST_CONVS.map(l => [l, 0.2] as const),
    alpha: 10, beta: 40, tvWeight: 0, tvKind: 'l1',
    normalization: 'course',
  },
  'course-tf2': {
    name: 'course-tf2',
    description: 'the course assignment, TF2 version: Adam lr 0.01 on 0..1 pixels, content + uniform noise ±0.25, clipped to 0..1',
    source: 'deeplearning.ai CNN course week 4, "Art Generation with Neural Style Transfer" (TensorFlow 2 notebook)',
    scale: 'unit',
    optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    iterations: 2501,
    size: 400,
    init: 'noise+content', noiseBlend: 'add', noiseRatio: 1, noiseAmplitude: 0.25, noiseCenter: [0.5, 0.5, 0.5],
    contentLayer: 'conv5_4',
    styleLayers: BLOCK_FIRST_CONVS.map(l => [l, 0.2] as const),
    alpha: 10, beta: 40, tvWeight: 0, tvKind: 'l1',
    normalization: 'course',
  },
  keras: {
    name: 'keras',
    description: "keras.io's neural style transfer example: SGD lr 100 decaying ×0.96 per 100 steps, from the content image",
    source: 'https://keras.io/examples/generative/neural_style_transfer/ (fchollet)',
    scale: 'byte',
    optimizer: { kind: 'sgd', learningRate: 100, decayRate: 0.96, decaySteps: 100 },
    iterations: 4000,
    init: 'content', noiseBlend: 'mix', noiseRatio: 0, noiseAmplitude: 20, noiseCenter: IMAGENET_MEAN_RGB,
    contentLayer: 'conv5_2',
    // style_weight / len(style_layers) per layer, with the 1e-6 in β.
    styleLayers: BLOCK_FIRST_CONVS.map(l => [l, 0.2] as const),
    alpha: 2.5e-8, beta: 1e-6, tvWeight: 1e-6, tvKind: 'keras',
    normalization: 'keras',
  },
  pytorch: {
    name: 'pytorch',
    description: 'the PyTorch tutorial: L-BFGS from the content image on 0..1 pixels, style weight 1e6, content weight 1',
    source: 'https://pytorch.org/tutorials/advanced/neural_style_tutorial.html',
    scale: 'unit',
    optimizer: { kind: 'lbfgs', learningRate: 1, history: 100 },
    iterations: 300,
    size: 128,
    init: 'content', noiseBlend: 'mix', noiseRatio: 0, noiseAmplitude: 0.5, noiseCenter: [0.5, 0.5, 0.5],
    // conv_4 and conv_1 … conv_5 of torchvision's vgg19.features: the 4th and the first five convolutions.
    contentLayer: 'conv2_2',
    styleLayers: [['conv1_1', 1], ['conv1_2', 1], ['conv2_1', 1], ['conv2_2', 1], ['conv3_1', 1]],
    alpha: 1, beta: 1e6, tvWeight: 0, tvKind: 'l1',
    normalization: 'pytorch',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Factor that turns the course's J_content into `normalization`'s, for activations [1, nH, nW, nC]. */
export function contentNormalization(normalization: CostNormalization, shape: readonly number[]): number {
  const [, nH, nW, nC] = shape;
  const N = nH * nW * nC;
  if (normalization === 'keras') return 4 * N;
  if (normalization === 'pytorch') return 4;
  return 1;
}

/** Factor that turns the course's J_style^[l] into `normalization`'s; `imagePixels` = h·w of the generated image. */
export function styleNormalization(normalization: CostNormalization, shape: readonly number[], imagePixels: number): number {
  const [, nH, nW, nC] = shape;
  if (normalization === 'keras') return ((nH * nW) / imagePixels) ** 2;
  if (normalization === 'pytorch') return 4 / (nC * nC);
  return 1;
}
