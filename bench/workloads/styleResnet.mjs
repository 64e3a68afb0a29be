// Style-transfer iteration with the course library's shipped ResNet-50 (issue #5): what one Adam iteration of
// `convnet.style.transfer` does with the 'course-tf1' preset on `loadFeatureNet({ name: 'resnet50' })`:
// forward of the generated image G (0..255 RGB) through the network to the default layers (content
// conv3_block4; style conv1, conv2_block3, conv3_block4, conv4_block1 at 0.25 each), J = 10·J_content + 40·J_style
// with the course's normalisations (style.contentCost, style.styleCost, style.totalCost), ∂J/∂G by
// tf.variableGrads, one Adam step (lr 2, 0.9, 0.999, eps 1e-8: the preset's), pixels clipped to 0..255.
// The objective is the library's own (style.styleObjective, what transfer builds per run): a(C) on the content
// layer and the Grams of a(S) computed once at set-up, J and ∂J/∂G evaluated per iteration. Inputs are seeded
// (workloads/seeded.mjs): C and S uniform 0..255, G = 0.4·C + 0.6·(ImageNet mean + U(-20, 20)) clipped, the
// preset's 'noise+content' start with a seeded noise stream.
// The PyTorch peer (torch/workloads.py, setup_style_resnet) reads the same float16 weight file.
import { Skipped } from './face.mjs';
import { uniform } from './seeded.mjs';

export const PRESET = 'course-tf1';
export const ALPHA = 10;
export const BETA = 40;
export const ADAM = { lr: 2.0, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
export const NOISE = { ratio: 0.6, amplitude: 20, center: [123.68, 116.779, 103.939] };
export const SEEDS = { content: 61, style: 62, noise: 63 };

export const name = 'styleResnet';
export const describe = 'style-transfer iteration with the shipped ResNet-50 (convnet.style costs, variableGrads, Adam lr 2, clip)';

/** Sizes: the style workload's (--style-sizes; full 128 and 256, quick 32). */
export function variants(o) {
  return o.styleSizes.map(size => ({ id: `styleResnet-${size}`, workload: name, cfg: { size }, label: `style ResNet-50 ${size}px` }));
}

/** The shipped network up to conv4_block1 (models/resnet50-style): [name, side divisor, kh, cin, cout] per conv. */
function resnetConvs() {
  const convs = [['conv1', 2, 7, 3, 64]];
  const stages = [[2, 3, 64, 256, 4], [3, 4, 128, 512, 8], [4, 1, 256, 1024, 16]]; // stage, blocks, width, out, divisor
  let cin = 64;
  for (const [stage, blocks, width, out, div] of stages) {
    for (let b = 1; b <= blocks; b++) {
      const block = `conv${stage}_block${b}`;
      if (b === 1) convs.push([`${block}/0_conv`, div, 1, cin, out]);
      convs.push([`${block}/1_conv`, div, 1, cin, width], [`${block}/2_conv`, div, 3, width, width], [`${block}/3_conv`, div, 1, width, out]);
      cin = out;
    }
  }
  return convs;
}

/** Side of a layer at 1/divisor resolution: every stride-2 stage (conv1, the stem pool, the every-other-pixel
 *  1x1s) maps n to ceil(n / 2). */
function sideAt(size, divisor) {
  let s = size;
  for (let d = 1; d < divisor; d *= 2) s = Math.ceil(s / 2);
  return s;
}

export const STYLE_LAYER_SHAPES = [['conv1', 2, 64], ['conv2_block3', 4, 256], ['conv3_block4', 8, 512], ['conv4_block1', 16, 1024]];

/** FLOPs of one iteration: conv forward F (2·Ho·Wo·kh·kw·cin·cout per conv), conv backward w.r.t. inputs (F
 *  again: the gradient goes down to the pixels, through conv1), and per style layer g = 2·nH·nW·nC² for the
 *  Gram of a(G) and g for its backward (dA = (dG + dGᵀ)·A, one product; the Grams of a(S) are computed once,
 *  at set-up). Elementwise ops, pooling, the costs' sums and Adam are not counted. */
export function flops({ size }) {
  let conv = 0;
  for (const [, div, k, cin, cout] of resnetConvs()) { const s = sideAt(size, div); conv += 2 * s * s * k * k * cin * cout; }
  let gram = 0;
  for (const [, div, c] of STYLE_LAYER_SHAPES) { const s = sideAt(size, div); gram += 2 * s * s * c * c; }
  return { total: 2 * conv + 2 * gram, convForward: conv, convBackwardInput: conv, gramForward: gram, gramBackward: gram };
}

/** C, S and the start image G, [size·size·3] RGB 0..255 each (NHWC order), computed in float64 and rounded
 *  once to float32 so the peer reproduces them bit for bit. */
export function seededImages(size) {
  const n = size * size * 3;
  const content = uniform(n, SEEDS.content, 0, 255);
  const style = uniform(n, SEEDS.style, 0, 255);
  const noise = uniform(n, SEEDS.noise, -NOISE.amplitude, NOISE.amplitude);
  const start = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const g = (1 - NOISE.ratio) * content[i] + NOISE.ratio * (noise[i] + NOISE.center[i % 3]);
    start[i] = Math.min(255, Math.max(0, g));
  }
  return { content, style, start };
}

/** Throws when the library's preset no longer matches the constants the peer uses. */
function checkPreset(style) {
  const p = style.PRESETS?.[PRESET];
  const o = p?.optimizer;
  const same = p && p.alpha === ALPHA && p.beta === BETA && p.scale === 'byte' && p.normalization === 'course'
    && o.kind === 'adam' && o.learningRate === ADAM.lr && (o.beta1 ?? 0.9) === ADAM.beta1 && (o.beta2 ?? 0.999) === ADAM.beta2
    && (o.epsilon ?? 1e-8) === ADAM.eps && p.tvWeight === 0 && p.noiseRatio === NOISE.ratio && p.noiseAmplitude === NOISE.amplitude;
  if (!same) throw new Error(`styleResnet: the library's '${PRESET}' preset changed (${JSON.stringify(p && { alpha: p.alpha, beta: p.beta, optimizer: o, tv: p.tvWeight })}); update bench/workloads/styleResnet.mjs and its torch peer`);
}

export async function setup(tf, { size }, lib) {
  const style = lib?.style;
  if (!style) throw new Skipped('stock TF.js has no course library (convnet.style, the shipped ResNet-50)');
  checkPreset(style);
  const net = await style.loadFeatureNet({ name: 'resnet50' });
  const contentLayer = net.defaultContentLayer;
  const styleLayers = net.defaultStyleLayers.map(([l, w]) => [l, w]);
  const imgs = seededImages(size);
  const shape = [1, size, size, 3];
  const owned = [];
  let G;
  let adam;
  let objective;
  try {
    const C = tf.tensor4d(imgs.content, shape), S = tf.tensor4d(imgs.style, shape);
    owned.push(C, S);
    objective = style.styleObjective(net, C, S, { contentLayer, styleLayers, alpha: ALPHA, beta: BETA, normalization: 'course' });
    const start = tf.tensor4d(imgs.start, shape);
    owned.push(start);
    G = tf.variable(start, true, `styleResnet-G-${size}-${Date.now()}`);
    adam = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);

    return {
      images: 1,
      info: { preset: PRESET, contentLayer, styleLayers, alpha: ALPHA, beta: BETA, adam: ADAM, weights: 'models/resnet50-style (float16)' },
      async step() {
        const { terms, grad } = objective.evaluateWithGradient(G);
        adam.applyGradients([{ name: G.name, tensor: grad }]);
        grad.dispose();
        tf.tidy(() => G.assign(tf.clipByValue(G, 0, 255)));
        const total = (await terms.data())[0];
        terms.dispose();
        await G.data(); // the update has landed (async backends)
        return total;
      },
      dispose() {
        adam.dispose();
        G.dispose();
        objective.dispose();
        tf.dispose(owned);
        net.dispose();
      },
    };
  } catch (e) {
    adam?.dispose();
    G?.dispose();
    objective?.dispose();
    tf.dispose(owned);
    net.dispose();
    throw e;
  }
}
