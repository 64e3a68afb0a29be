// The costs of neural style transfer (Gatys et al. 2015) with the normalisations of the deep-learning course
// (CNN week 4): J_content, the Gram matrix, J_style per layer and over layers, J = α·J_content + β·J_style,
// and a total-variation regulariser. All synchronous, differentiable tensor code (tf.grad works through it).
import type { Scalar, Tensor, Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { check, shapeOf } from './errors';

/** Layer weights λ^[l]: a list of [layer, weight] pairs (the course's STYLE_LAYERS) or { layer: weight }. */
export type LayerWeights = ReadonlyArray<readonly [string, number]> | Readonly<Record<string, number>>;

/** How totalVariation sums the neighbour differences. */
export type TotalVariationKind = 'l1' | 'keras';

const isTensor = (t: unknown): t is Tensor => t instanceof tf.Tensor;

function checkActivation(fn: string, arg: string, a: unknown): asserts a is Tensor4D {
  check(isTensor(a) && !a.isDisposed, () => `${fn}: ${arg} must be a live tf.Tensor [1, nH, nW, nC]; got ${shapeOf(a)}`);
  check(a.rank === 4 && a.shape[0] === 1,
    () => `${fn}: ${arg} must be the activations of one image, shape [1, nH, nW, nC]; got ${shapeOf(a)}`);
  check(a.dtype === 'float32', () => `${fn}: ${arg} must be float32; got ${a.dtype}`);
}

function checkPair(fn: string, a: unknown, b: unknown, names: [string, string]): asserts a is Tensor4D {
  checkActivation(fn, names[0], a);
  checkActivation(fn, names[1], b);
  check(a.shape.every((d, i) => d === (b as Tensor4D).shape[i]),
    () => `${fn}: ${names[0]} and ${names[1]} must have the same shape; got ${shapeOf(a)} and ${shapeOf(b)}`);
}

/**
 * J_content(C, G) = 1/(4·nH·nW·nC) · Σ (a(C) − a(G))², on one layer.
 * @param aC activations of the content image, [1, nH, nW, nC]
 * @param aG activations of the generated image, same shape
 */
export function contentCost(aC: Tensor4D, aG: Tensor4D): Scalar {
  checkPair('contentCost', aC, aG, ['aC', 'aG']);
  const [, nH, nW, nC] = aC.shape;
  return tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(aC, aG)), 4 * nH * nW * nC) as Scalar);
}

/**
 * Unrolls activations as the course does: [1, nH, nW, nC] → A = [nC, nH·nW], row c holding channel c in
 * row-major pixel order (reshape to [nH·nW, nC], then transpose; reshaping straight to [nC, nH·nW] would
 * mix channels and pixels).
 */
export function unrollActivations(a: Tensor4D): Tensor2D {
  checkActivation('unrollActivations', 'a', a);
  const [, nH, nW, nC] = a.shape;
  return tf.tidy(() => tf.transpose(tf.reshape(a, [nH * nW, nC])) as Tensor2D);
}

/**
 * The Gram matrix G_gram = A·Aᵀ: entry (i, j) is the correlation of channels i and j over the pixels.
 * @param A [nC, nH·nW] (see unrollActivations)
 * @returns [nC, nC]
 */
export function gramMatrix(A: Tensor2D): Tensor2D {
  check(isTensor(A) && !A.isDisposed && A.rank === 2,
    () => `gramMatrix: A must be a live [nC, nH·nW] tensor (unrolled activations); got ${shapeOf(A)}`);
  check(A.dtype === 'float32', () => `gramMatrix: A must be float32; got ${A.dtype}`);
  return gramOfRows(A);
}

/**
 * The Gram matrix straight from activations [1, nH, nW, nC]: the same G = A·Aᵀ as
 * gramMatrix(unrollActivations(a)), computed as Xᵀ·X with X = [nH·nW, nC] (a reshape, no transpose copy).
 */
export function activationGram(a: Tensor4D): Tensor2D {
  checkActivation('activationGram', 'a', a);
  const [, nH, nW, nC] = a.shape;
  return tf.tidy(() => gramOfColumns(tf.reshape(a, [nH * nW, nC]) as Tensor2D));
}

// G = A·Aᵀ has the gradient dA = (dG + dGᵀ)·A: one product, where automatic differentiation of matMul(A, Aᵀ)
// computes two (one per operand) and adds them. The style cost's gradient is mostly these products.
type GradInput = Tensor | ((tensors: Tensor[]) => void); // what tf.customGrad passes: the inputs, then `save`

const gramOfRows = tf.customGrad((...args: GradInput[]) => {
  const [A, save] = args as [Tensor, (tensors: Tensor[]) => void];
  save([A]);
  return {
    value: tf.matMul(A as Tensor2D, A as Tensor2D, false, true),
    gradFunc: (dG: Tensor, [saved]: Tensor[]) => tf.matMul(tf.add(dG, tf.transpose(dG)) as Tensor2D, saved as Tensor2D),
  };
}) as (A: Tensor2D) => Tensor2D;

// G = Xᵀ·X (X = Aᵀ): dX = X·(dG + dGᵀ).
const gramOfColumns = tf.customGrad((...args: GradInput[]) => {
  const [X, save] = args as [Tensor, (tensors: Tensor[]) => void];
  save([X]);
  return {
    value: tf.matMul(X as Tensor2D, X as Tensor2D, true, false),
    gradFunc: (dG: Tensor, [saved]: Tensor[]) => tf.matMul(saved as Tensor2D, tf.add(dG, tf.transpose(dG)) as Tensor2D),
  };
}) as (X: Tensor2D) => Tensor2D;

/**
 * J_style^[l](S, G) = 1/(2·nH·nW·nC)² · Σ_ij (G_gram(S) − G_gram(G))²_ij on one layer.
 * @param aS activations of the style image, [1, nH, nW, nC]
 * @param aG activations of the generated image, same shape
 */
export function layerStyleCost(aS: Tensor4D, aG: Tensor4D): Scalar {
  checkPair('layerStyleCost', aS, aG, ['aS', 'aG']);
  return tf.tidy(() => layerStyleCostFromGram(activationGram(aS), aG));
}

/**
 * layerStyleCost with the style image's Gram matrix computed beforehand: the style image does not change
 * during a transfer, so its Grams are computed once, not every iteration.
 * @param gS gramMatrix(unrollActivations(aS)), [nC, nC]
 * @param aG activations of the generated image, [1, nH, nW, nC]
 */
export function layerStyleCostFromGram(gS: Tensor2D, aG: Tensor4D): Scalar {
  checkActivation('layerStyleCostFromGram', 'aG', aG);
  const [, nH, nW, nC] = aG.shape;
  check(isTensor(gS) && !gS.isDisposed && gS.rank === 2 && gS.shape[0] === nC && gS.shape[1] === nC,
    () => `layerStyleCostFromGram: gS must be the style Gram matrix [${nC}, ${nC}] for aG ${shapeOf(aG)}; got ${shapeOf(gS)}`);
  return tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(gS, activationGram(aG))), (2 * nH * nW * nC) ** 2) as Scalar);
}

/** [layer, weight] pairs of `weights`, checked; `fn` names the caller in errors. */
export function layerWeightPairs(weights: LayerWeights, fn: string): Array<[string, number]> {
  check(weights != null && typeof weights === 'object',
    () => `${fn}: layerWeights must be [[layer, weight], …] or { layer: weight }; got ${weights === null ? 'null' : typeof weights}`);
  const pairs: Array<[string, number]> = Array.isArray(weights)
    ? weights.map((p, i) => {
      check(Array.isArray(p) && p.length === 2 && typeof p[0] === 'string',
        () => `${fn}: layerWeights[${i}] must be a [layer, weight] pair; got ${JSON.stringify(p)}`);
      return [p[0], p[1]] as [string, number];
    })
    : Object.entries(weights as Record<string, number>);
  check(pairs.length > 0, () => `${fn}: layerWeights names no layer`);
  for (const [layer, w] of pairs) {
    check(typeof w === 'number' && Number.isFinite(w), () => `${fn}: the weight of layer '${layer}' must be a finite number; got ${String(w)}`);
  }
  return pairs;
}

/**
 * J_style(S, G) = Σ_l λ^[l] · J_style^[l](S, G).
 * @param styleActs activations of the style image by layer name, each [1, nH, nW, nC]
 * @param genActs activations of the generated image by layer name, the same shapes
 * @param layerWeights λ^[l] per layer: [[layer, weight], …] or { layer: weight }
 */
export function styleCost(styleActs: Readonly<Record<string, Tensor4D>>, genActs: Readonly<Record<string, Tensor4D>>,
  layerWeights: LayerWeights): Scalar {
  const fn = 'styleCost';
  check(styleActs != null && typeof styleActs === 'object', () => `${fn}: styleActs must be { layer: activations }; got ${typeof styleActs}`);
  check(genActs != null && typeof genActs === 'object', () => `${fn}: genActs must be { layer: activations }; got ${typeof genActs}`);
  const pairs = layerWeightPairs(layerWeights, fn);
  for (const [layer] of pairs) {
    check(layer in styleActs, () => `${fn}: styleActs has no layer '${layer}'; it has ${Object.keys(styleActs).join(', ') || 'none'}`);
    check(layer in genActs, () => `${fn}: genActs has no layer '${layer}'; it has ${Object.keys(genActs).join(', ') || 'none'}`);
  }
  return tf.tidy(() => {
    let total: Scalar = tf.scalar(0);
    for (const [layer, weight] of pairs) total = tf.add(total, tf.mul(weight, layerStyleCost(styleActs[layer], genActs[layer])));
    return total;
  });
}

/**
 * J = α·J_content + β·J_style (the course's defaults α = 10, β = 40). Numbers give a number, tensors a Scalar.
 */
export function totalCost(jContent: number, jStyle: number, alpha?: number, beta?: number): number;
export function totalCost(jContent: Scalar | number, jStyle: Scalar | number, alpha?: number, beta?: number): Scalar;
export function totalCost(jContent: Scalar | number, jStyle: Scalar | number, alpha = 10, beta = 40): Scalar | number {
  const fn = 'totalCost';
  for (const [name, v] of [['jContent', jContent], ['jStyle', jStyle]] as const) {
    check(typeof v === 'number' || (isTensor(v) && !v.isDisposed && v.size === 1),
      () => `${fn}: ${name} must be a number or a scalar tensor; got ${typeof v === 'object' ? shapeOf(v) : typeof v}`);
  }
  check(typeof alpha === 'number' && Number.isFinite(alpha), () => `${fn}: alpha must be a finite number; got ${alpha}`);
  check(typeof beta === 'number' && Number.isFinite(beta), () => `${fn}: beta must be a finite number; got ${beta}`);
  if (typeof jContent === 'number' && typeof jStyle === 'number') return alpha * jContent + beta * jStyle;
  return tf.tidy(() => tf.reshape(tf.add(tf.mul(alpha, jContent), tf.mul(beta, jStyle)), []) as Scalar);
}

/**
 * Total variation of an image, summed over the batch and channels:
 * - 'l1' (default; tf.image.total_variation): Σ |x[i+1,j] − x[i,j]| + Σ |x[i,j+1] − x[i,j]|;
 * - 'keras' (keras.io's neural style transfer example): Σ over i < h−1, j < w−1 of
 *   ((x[i,j] − x[i+1,j])² + (x[i,j] − x[i,j+1])²)^1.25.
 * @param image [h, w, c] or [n, h, w, c]
 */
export function totalVariation(image: Tensor3D | Tensor4D, kind: TotalVariationKind = 'l1'): Scalar {
  const fn = 'totalVariation';
  check(isTensor(image) && !image.isDisposed && (image.rank === 3 || image.rank === 4),
    () => `${fn}: image must be a live [h, w, c] or [n, h, w, c] tensor; got ${shapeOf(image)}`);
  check(image.dtype === 'float32', () => `${fn}: image must be float32; got ${image.dtype}`);
  check(kind === 'l1' || kind === 'keras', () => `${fn}: kind must be 'l1' or 'keras'; got ${JSON.stringify(kind)}`);
  return tf.tidy(() => {
    const x = (image.rank === 3 ? tf.expandDims(image, 0) : image) as Tensor4D;
    const [, h, w, c] = x.shape;
    if (kind === 'l1') {
      const down = h > 1 ? tf.sum(tf.abs(tf.sub(tf.slice(x, [0, 1, 0, 0], [-1, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [-1, h - 1, w, c])))) : tf.scalar(0);
      const right = w > 1 ? tf.sum(tf.abs(tf.sub(tf.slice(x, [0, 0, 1, 0], [-1, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [-1, h, w - 1, c])))) : tf.scalar(0);
      return tf.add(down, right) as Scalar;
    }
    if (h < 2 || w < 2) return tf.scalar(0);
    const corner = tf.slice(x, [0, 0, 0, 0], [-1, h - 1, w - 1, c]);
    const a = tf.squaredDifference(corner, tf.slice(x, [0, 1, 0, 0], [-1, h - 1, w - 1, c]));
    const b = tf.squaredDifference(corner, tf.slice(x, [0, 0, 1, 0], [-1, h - 1, w - 1, c]));
    return tf.sum(tf.pow(tf.add(a, b), 1.25)) as Scalar;
  });
}
