// The function style transfer minimises, J(G) = α·J_content + β·Σ λ^[l]·J_style^[l] (+ tv·TV(G)), with what
// never changes between iterations computed once: a(C) on the content layer and the Gram matrices of a(S).
// transfer() builds one per run; benchmarks build the same to time one iteration of it.
import type { Scalar, Tensor1D, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { activationGram, contentCost, layerStyleCostFromGram, totalVariation, type TotalVariationKind } from './costs';
import { contentNormalization, styleNormalization, type CostNormalization } from './presets';
import type { FeatureNet } from './types';

export interface StyleObjectiveSettings {
  contentLayer: string;
  /** λ^[l] per style layer. */
  styleLayers: ReadonlyArray<readonly [string, number]>;
  alpha: number;
  beta: number;
  /** Weight of total variation; 0 (default) leaves it out. */
  tvWeight?: number;
  tvKind?: TotalVariationKind;
  /** Whose normalisation of the costs (the course's by default). */
  normalization?: CostNormalization;
  /** Factor from the optimisation scale to the network's 0..255 (255 when images are 0..1); default 1. */
  toNet?: number;
}

export interface StyleObjective {
  /** J and its terms [J, J_content, J_style, TV, J_style^[l]…] of x ([1, h, w, 3] on the optimisation scale). */
  evaluate(x: Tensor4D): { total: Scalar; terms: Tensor1D };
  /** The terms at the variable's value and ∇J with respect to it; both yours to dispose. */
  evaluateWithGradient(x: Variable): { terms: Tensor1D; grad: Tensor4D };
  /** The style layers in the order of the per-layer terms. */
  readonly styleLayers: ReadonlyArray<readonly [string, number]>;
  /** a(C) on the content layer (for inspection; freed by dispose). */
  readonly contentTarget: Tensor4D;
  /** Frees the targets and the style Grams. */
  dispose(): void;
}

/**
 * Builds J for the content image C and the style image S ([1, h, w, 3] each, on the optimisation scale; the
 * same size as the images J will be evaluated on). C and S stay the caller's.
 */
export function styleObjective(net: FeatureNet, C: Tensor4D, S: Tensor4D, settings: StyleObjectiveSettings): StyleObjective {
  const { contentLayer, styleLayers, alpha, beta, tvWeight = 0, tvKind = 'l1', normalization = 'course', toNet = 1 } = settings;
  const toNetScale = (x: Tensor4D): Tensor4D => (toNet === 1 ? x : tf.mul(x, toNet) as Tensor4D);
  const styleNames = [...new Set(styleLayers.map(([l]) => l))];
  const contentTarget = tf.tidy(() => net.activations(toNetScale(C), [contentLayer])[contentLayer]);
  const styleGrams: Record<string, Tensor2D> = {};
  const styleShapes: Record<string, number[]> = {};
  try {
    tf.tidy(() => {
      const acts = net.activations(toNetScale(S), styleNames);
      for (const l of styleNames) {
        styleShapes[l] = acts[l].shape;
        styleGrams[l] = tf.keep(activationGram(acts[l]));
      }
    });
  } catch (e) {
    contentTarget.dispose();
    tf.dispose(Object.values(styleGrams));
    throw e;
  }
  const imagePixels = C.shape[1] * C.shape[2];
  const contentFactor = contentNormalization(normalization, contentTarget.shape);
  const styleFactors = styleLayers.map(([l]) => styleNormalization(normalization, styleShapes[l], imagePixels));
  const layers = [...new Set([contentLayer, ...styleNames])];

  const evaluate = (x: Tensor4D): { total: Scalar; terms: Tensor1D } => {
    const acts = net.activations(toNetScale(x), layers);
    const jContent = tf.mul(contentCost(contentTarget, acts[contentLayer]), contentFactor) as Scalar;
    const perLayer = styleLayers.map(([l], i) => tf.mul(layerStyleCostFromGram(styleGrams[l], acts[l]), styleFactors[i]) as Scalar);
    let jStyle: Scalar = tf.scalar(0);
    styleLayers.forEach(([, weight], i) => { jStyle = tf.add(jStyle, tf.mul(perLayer[i], weight)); });
    const tv = tvWeight !== 0 ? totalVariation(x, tvKind) : tf.scalar(0);
    const total = tf.addN([tf.mul(jContent, alpha), tf.mul(jStyle, beta), tf.mul(tv, tvWeight)]) as Scalar;
    return { total, terms: tf.stack([total, jContent, jStyle, tv, ...perLayer]) as Tensor1D };
  };

  return {
    evaluate,
    evaluateWithGradient(x: Variable) {
      let terms: Tensor1D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const o = evaluate(x as unknown as Tensor4D);
        terms = tf.keep(o.terms);
        return o.total;
      }, [x]);
      value.dispose();
      return { terms: terms!, grad: grads[x.name] as Tensor4D };
    },
    styleLayers,
    contentTarget,
    dispose() {
      contentTarget.dispose();
      tf.dispose(Object.values(styleGrams));
    },
  };
}
