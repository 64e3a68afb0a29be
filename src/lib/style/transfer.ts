// Neural style transfer (Gatys et al. 2015, as the course teaches it): gradient descent on the pixels of a
// generated image G so that J(G) = α·J_content(C, G) + β·J_style(S, G) (+ tv·TV(G)) falls. The activations of
// C and S are computed once; each iteration evaluates J and its gradient, steps (Adam, SGD or L-BFGS), clips
// the pixels, and keeps the best image seen. Stops between iterations on an AbortSignal (default: the running
// cell's), returning the best image so far.
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Tensor1D, Tensor3D, Tensor4D, Variable } from '@tensorflow/tfjs';
import type { StyleLossPoint, StyleProgressImage } from '../../protocol/styleProgress';
import { DISPLAY_SYMBOL_KEY } from '../../protocol/mime';
import { load as loadImage, toPng } from '../images';
import { sizeOf, type ImageSize } from '../images/resize';
import { tf } from '../tf';
import { layerWeightPairs, type LayerWeights, type TotalVariationKind } from './costs';
import { styleObjective, type StyleObjective } from './objective';
import { check, shapeOf, StyleArgumentError } from './errors';
import {
  checkOptimizerSettings, lbfgsIterate, lbfgsStart, sgdLearningRate, type OptimizerName, type OptimizerSettings,
} from './optimizers';
import { PRESET_NAMES, PRESETS, type InitKind, type PixelScale, type PresetName, type StylePreset } from './presets';
import { kernelDisplay, progressImage, StyleProgressReporter, type DisplayLike, type ProgressLimits } from './progress';
import { loadFeatureNet, type LoadFeatureNetOptions } from './featureNets';
import type { FeatureNet, FeatureNetName } from './types';
import { kernelSignal } from '../ops/kernel';

/** An image: a path or encoded bytes (PNG, JPEG…), or an RGB tensor [h, w, 3] / [1, h, w, 3] with values in 0..1. */
export type StyleImageInput = Tensor3D | Tensor4D | string | Uint8Array | ArrayBuffer;

export interface TransferOptions {
  content: StyleImageInput;
  style: StyleImageInput;
  /** The feature network: one from loadFeatureNet (yours to dispose), or what to load for this run (freed at
   *  its end): a name or loadFeatureNet's options. Default 'resnet50' (shipped; VGG-19 needs its weights). */
  net?: FeatureNet | FeatureNetName | LoadFeatureNetOptions;
  /** Settings to start from; every option below overrides the preset's. Default 'course-tf1'. */
  preset?: PresetName | StylePreset;
  /** Size of the generated image (one number: a square; or [height, width]); the style image is resized to it.
   *  Default: the preset's size, else the content image's own. */
  size?: ImageSize;
  iterations?: number;
  /** A name (with the preset's settings when it is the preset's optimiser) or full settings. */
  optimizer?: OptimizerName | OptimizerSettings;
  learningRate?: number;
  init?: InitKind;
  /** Share of noise in 'noise+content' (how strong for an additive-noise preset). */
  noiseRatio?: number;
  /** Seed of the noise; default 0. */
  seed?: number;
  /** λ^[l] per style layer: [[layer, weight], …] or { layer: weight }. */
  styleLayers?: LayerWeights;
  contentLayer?: string;
  alpha?: number;
  beta?: number;
  /** Weight of total variation (0: not in the objective). */
  tvWeight?: number;
  tvKind?: TotalVariationKind;
  /** Called after each evaluated iteration, awaited. */
  onProgress?: (point: StyleLossPoint) => void | Promise<void>;
  /** Stops between iterations, keeping the best image; default: the running notebook cell's signal. */
  signal?: AbortSignal;
  /** Live progress in the notebook: default true inside the kernel; or a display function of your own. */
  display?: boolean | DisplayLike;
  /** Limits of the live progress: update rate, image sizes, saved frames (which stay in the saved notebook). */
  progressLimits?: Partial<ProgressLimits>;
}

/** The settings a run used, after the preset and the options were combined. */
export interface ResolvedTransferSettings {
  preset: string;
  net: string;
  backend: string;
  size: [number, number];
  scale: PixelScale;
  iterations: number;
  optimizer: OptimizerSettings;
  init: InitKind;
  noiseRatio: number;
  seed: number;
  contentLayer: string;
  styleLayers: Array<[string, number]>;
  alpha: number;
  beta: number;
  tvWeight: number;
  tvKind: TotalVariationKind;
  normalization: StylePreset['normalization'];
}

export interface TransferResult {
  /** The best generated image (lowest total cost seen), RGB [h, w, 3] with values in 0..1 (like images.load). Yours to dispose. */
  image: Tensor3D;
  /** Losses of every evaluated iterate: history[i] is the image after i updates (history[0] the initial image). */
  history: StyleLossPoint[];
  stopped: 'done' | 'interrupted';
  /** The `iteration` of the returned image. */
  bestIteration: number;
  settings: ResolvedTransferSettings;
}

const FN = 'transfer';

/** An image argument as a float32 [h, w, 3] tensor in 0..1 (a new tensor, the caller disposes it). */
export async function toRgbImage(input: StyleImageInput, arg: string, fn = FN): Promise<Tensor3D> {
  if (typeof input === 'string' || input instanceof Uint8Array || input instanceof ArrayBuffer) {
    return loadImage(input, { channels: 3 });
  }
  check(input instanceof tf.Tensor && !input.isDisposed,
    () => `${fn}: ${arg} must be an image path, encoded image bytes, or a live [h, w, 3] tensor in 0..1; got ${shapeOf(input)}`);
  const t = input as Tensor3D | Tensor4D;
  const rank3 = t.rank === 3 || (t.rank === 4 && t.shape[0] === 1);
  const channels = t.shape[t.rank - 1];
  check(rank3 && (channels === 1 || channels === 3 || channels === 4) && t.shape[t.rank - 2] >= 1 && t.shape[t.rank - 3] >= 1,
    () => `${fn}: ${arg} must be an image [h, w, 3] or [1, h, w, 3] (1 or 4 channels are converted); got ${shapeOf(t)}`);
  check(t.dtype === 'float32', () => `${fn}: ${arg} must be float32 with values in 0..1; got ${t.dtype} (use tf.div(image, 255))`);
  const range = tf.tidy(() => tf.stack([tf.min(t), tf.max(t)]));
  const [lo, hi] = await range.data();
  range.dispose();
  check(Number.isFinite(lo) && Number.isFinite(hi), () => `${fn}: ${arg} has NaN or infinite values`);
  check(lo >= -1e-3 && hi <= 1 + 1e-3,
    () => `${fn}: ${arg} must have values in 0..1 (as images.load gives); got ${lo}..${hi}${hi > 1 && hi <= 255 ? ' (divide a 0..255 image by 255)' : ''}`);
  return tf.tidy(() => {
    let img = (t.rank === 4 ? tf.squeeze(t, [0]) : t) as Tensor3D;
    if (channels === 1) img = tf.tile(img, [1, 1, 3]);
    if (channels === 4) img = tf.slice(img, [0, 0, 0], [-1, -1, 3]);
    return tf.clipByValue(img, 0, 1) as Tensor3D;
  });
}

/** `size` as [height, width], or a StyleArgumentError. */
function sizeArgument(size: ImageSize): [number, number] {
  try { return sizeOf(size, FN); } catch (e) { throw new StyleArgumentError((e as Error).message); }
}

/** A layer the network knows: the name itself, or Keras' blockB_convC for convB_C. */
function resolveLayer(net: FeatureNet, layer: unknown, arg: string): string {
  check(typeof layer === 'string', () => `${FN}: ${arg} must be a layer name (one of ${net.layers.join(', ')}); got ${JSON.stringify(layer)}`);
  if (net.layers.includes(layer)) return layer;
  const keras = /^block(\d+)_conv(\d+)$/.exec(layer);
  if (keras && net.layers.includes(`conv${keras[1]}_${keras[2]}`)) return `conv${keras[1]}_${keras[2]}`;
  throw new StyleArgumentError(`${FN}: ${arg} '${layer}' is not a layer of ${net.name}; its layers are ${net.layers.join(', ')}`);
}

function resolvePreset(preset: TransferOptions['preset']): StylePreset {
  if (preset === undefined) return PRESETS['course-tf1'];
  if (typeof preset === 'string') {
    check(preset in PRESETS, () => `${FN}: preset must be one of ${PRESET_NAMES.join(', ')}; got '${preset}'`);
    return PRESETS[preset as PresetName];
  }
  check(typeof preset === 'object' && preset !== null && 'optimizer' in preset && 'scale' in preset,
    () => `${FN}: preset must be a preset name (${PRESET_NAMES.join(', ')}) or a StylePreset object`);
  return preset;
}

function resolveOptimizer(option: TransferOptions['optimizer'], learningRate: number | undefined, preset: StylePreset): OptimizerSettings {
  let settings: OptimizerSettings;
  if (option === undefined || (typeof option === 'string' && option === preset.optimizer.kind)) settings = { ...preset.optimizer };
  else if (typeof option === 'string') {
    const unit = preset.scale === 'unit';
    if (option === 'adam') settings = { kind: 'adam', learningRate: unit ? 0.01 : 2 };
    else if (option === 'lbfgs') settings = { kind: 'lbfgs', learningRate: 1, history: 10 };
    else if (option === 'sgd') settings = { kind: 'sgd', learningRate: unit ? 100 / 255 ** 2 : 100 };
    else throw new StyleArgumentError(`${FN}: optimizer must be 'adam', 'lbfgs' or 'sgd'; got '${option}'`);
  } else settings = { ...option };
  if (learningRate !== undefined) settings.learningRate = learningRate;
  checkOptimizerSettings(settings, FN);
  return settings;
}

function finiteNumber(v: unknown, name: string, min = -Infinity): number {
  check(typeof v === 'number' && Number.isFinite(v) && v >= min, () => `${FN}: ${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}; got ${String(v)}`);
  return v;
}

function checkNet(net: unknown): asserts net is FeatureNet {
  const n = net as FeatureNet | null | undefined;
  check(n != null && typeof n === 'object' && typeof n.activations === 'function' && Array.isArray(n.layers),
    () => `${FN}: net must be a FeatureNet (from loadFeatureNet), 'resnet50', 'vgg19' or loadFeatureNet's options; got ${net === null ? 'null' : typeof net}`);
}

/** Runs style transfer; see TransferOptions. The tensors passed in are not disposed. */
export async function transfer(options: TransferOptions): Promise<TransferResult> {
  check(options != null && typeof options === 'object', () => `${FN}: expected an options object { content, style, net, ... }; got ${typeof options}`);
  const { net, owned: ownedNet } = await resolveNet(options.net);
  try {
    return await run(options, net);
  } finally {
    if (ownedNet) net.dispose();
  }
}

/** The network to use, and whether this run loaded it (and so frees it). */
async function resolveNet(option: TransferOptions['net']): Promise<{ net: FeatureNet; owned: boolean }> {
  if (option === undefined || typeof option === 'string') return { net: await loadFeatureNet({ name: option ?? 'resnet50' }), owned: true };
  if (typeof (option as FeatureNet).activations !== 'function' && typeof (option as LoadFeatureNetOptions).name === 'string') {
    return { net: await loadFeatureNet(option as LoadFeatureNetOptions), owned: true };
  }
  checkNet(option);
  return { net: option, owned: false };
}

async function run(options: TransferOptions, net: FeatureNet): Promise<TransferResult> {
  const preset = resolvePreset(options.preset);
  const iterations = options.iterations ?? preset.iterations;
  check(Number.isInteger(iterations) && iterations >= 0, () => `${FN}: iterations must be a whole number >= 0; got ${iterations}`);
  const optimizer = resolveOptimizer(options.optimizer, options.learningRate, preset);
  const init = options.init ?? preset.init;
  check(init === 'noise+content' || init === 'content' || init === 'noise', () => `${FN}: init must be 'noise+content', 'content' or 'noise'; got ${JSON.stringify(init)}`);
  const noiseRatio = finiteNumber(options.noiseRatio ?? preset.noiseRatio, 'noiseRatio', 0);
  check(preset.noiseBlend === 'add' || noiseRatio <= 1, () => `${FN}: noiseRatio must be in 0..1; got ${noiseRatio}`);
  const seed = finiteNumber(options.seed ?? 0, 'seed');
  const alpha = finiteNumber(options.alpha ?? preset.alpha, 'alpha');
  const beta = finiteNumber(options.beta ?? preset.beta, 'beta');
  const tvWeight = finiteNumber(options.tvWeight ?? preset.tvWeight, 'tvWeight');
  const tvKind = options.tvKind ?? preset.tvKind;
  check(tvKind === 'l1' || tvKind === 'keras', () => `${FN}: tvKind must be 'l1' or 'keras'; got ${JSON.stringify(tvKind)}`);
  check(options.onProgress === undefined || typeof options.onProgress === 'function', () => `${FN}: onProgress must be a function; got ${typeof options.onProgress}`);
  // A preset's VGG-19 layers on another network: that network's own defaults.
  const presetFits = net.layers.includes(preset.contentLayer) && preset.styleLayers.every(([l]) => net.layers.includes(l));
  const contentLayer = resolveLayer(net, options.contentLayer ?? (presetFits ? preset.contentLayer : net.defaultContentLayer), 'contentLayer');
  const styleLayers = layerWeightPairs(options.styleLayers ?? (presetFits ? preset.styleLayers : net.defaultStyleLayers), FN)
    .map(([l, w]) => [resolveLayer(net, l, 'styleLayers'), w] as [string, number]);
  const signal = options.signal ?? kernelSignal();
  const display = options.display === false ? undefined
    : typeof options.display === 'function' ? options.display : kernelDisplay();
  check(options.display === undefined || typeof options.display === 'boolean' || typeof options.display === 'function',
    () => `${FN}: display must be true, false or a display function; got ${typeof options.display}`);

  const scale = preset.scale;
  const top = scale === 'byte' ? 255 : 1;
  const toNet = scale === 'byte' ? 1 : 255;
  const owned: Array<{ dispose(): void }> = [];
  let objective: StyleObjective | undefined;
  let G: Variable | undefined;
  let best: { total: number; image: Tensor4D; iteration: number } | undefined;
  let reporter: StyleProgressReporter | undefined;
  try {
    const contentRaw = await toRgbImage(options.content, 'content');
    owned.push(contentRaw);
    const styleRaw = await toRgbImage(options.style, 'style');
    owned.push(styleRaw);
    const size = options.size !== undefined ? sizeArgument(options.size)
      : preset.size !== undefined && options.preset !== undefined ? sizeOf(preset.size, FN) : [contentRaw.shape[0], contentRaw.shape[1]] as [number, number];
    const [h, w] = size;
    // C and S on the optimisation scale, [1, h, w, 3].
    const [C, S] = [contentRaw, styleRaw].map(img => tf.tidy(() => {
      const sized = img.shape[0] === h && img.shape[1] === w ? img : tf.image.resizeBilinear(img, [h, w], false, true);
      return tf.mul(tf.clipByValue(tf.expandDims(sized, 0), 0, 1), top) as Tensor4D;
    }));
    owned.push(C, S);

    const settings: ResolvedTransferSettings = {
      preset: preset.name, net: net.name, backend: tf.getBackend(), size, scale, iterations, optimizer, init, noiseRatio, seed,
      contentLayer, styleLayers, alpha, beta, tvWeight, tvKind, normalization: preset.normalization,
    };

    // a(C) and the style Grams once, not every iteration.
    objective = styleObjective(net, C, S, { contentLayer, styleLayers, alpha, beta, tvWeight, tvKind, normalization: preset.normalization, toNet });

    const start = initialImage(C, init, preset, noiseRatio, seed, top);
    G = tf.variable(start, true); // a copy: the start tensor is ours to free
    start.dispose();
    const variable = G;
    const stepObjective = objective;
    /** J and ∇J at the variable's value: the terms and the gradient (both to dispose). */
    const evaluateWithGradient = () => stepObjective.evaluateWithGradient(variable);
    // Inside tidy: assign shares the new value's data, the tidy then frees the tensor that held it.
    const clipVariable = () => tf.tidy(() => variable.assign(tf.clipByValue(variable, 0, top)));

    const history: StyleLossPoint[] = [];
    const started = performance.now();
    const pointOf = (iteration: number, v: ArrayLike<number>): StyleLossPoint => {
      const styleLayersValues: Record<string, number> = {};
      styleLayers.forEach(([l], i) => { styleLayersValues[l] = v[4 + i]; });
      return {
        iteration, total: v[0], content: v[1], style: v[2], styleLayers: styleLayersValues,
        ...(tvWeight !== 0 ? { tv: v[3] } : {}), elapsed: (performance.now() - started) / 1000,
      };
    };
    /** Records the evaluated iterate `snapshot` (taken over: kept as the best or disposed). */
    const record = async (iteration: number, values: ArrayLike<number>, snapshot: Tensor4D) => {
      if (!Number.isFinite(values[0])) {
        snapshot.dispose();
        throw new Error(`${FN}: the cost became ${values[0]} at iteration ${iteration} (is the learning rate ${optimizer.learningRate} too high?)`);
      }
      const point = pointOf(iteration, values);
      history.push(point);
      let kept = false;
      try {
        if (!best || values[0] < best.total) {
          best?.image.dispose();
          best = { total: values[0], image: snapshot, iteration };
          kept = true;
        }
        if (options.onProgress) await options.onProgress(point);
        if (reporter) {
          let shown: Tensor3D | undefined; // made only when the reporter needs a picture
          const picture = () => (shown ??= tf.tidy(() => tf.div(tf.squeeze(snapshot, [0]), top) as Tensor3D));
          try { await reporter.record(point, picture, iteration === 0); } finally { shown?.dispose(); }
        }
      } finally {
        if (!kept) snapshot.dispose();
      }
    };

    if (display) {
      const [content, style] = [await unitPreview(C, top), await unitPreview(S, top)];
      reporter = new StyleProgressReporter(display, { iterations, settings: captionOf(settings), content, style }, options.progressLimits);
    }

    let stopped: TransferResult['stopped'] = 'done';
    /** Lets an interrupt (a message to this thread) arrive, then says whether to stop. */
    const shouldStop = async () => {
      if (signal?.aborted) return true;
      await nextMacrotask();
      return signal?.aborted === true;
    };

    if (optimizer.kind === 'lbfgs') {
      const shape = variable.shape;
      let lastX: Float64Array | undefined, lastValues: Float32Array | undefined;
      const evaluate = async (x: Float64Array) => {
        for (let i = 0; i < x.length; i++) x[i] = x[i] < 0 ? 0 : x[i] > top ? top : x[i];
        const xt = tf.tensor(Float32Array.from(x), shape);
        variable.assign(xt);
        xt.dispose();
        const { terms, grad } = evaluateWithGradient();
        try {
          const [values, g] = await Promise.all([terms.data() as Promise<Float32Array>, grad.data()]);
          lastX = x; lastValues = values;
          return { f: values[0], g: Float64Array.from(g) };
        } finally { terms.dispose(); grad.dispose(); }
      };
      const x0 = Float64Array.from(await variable.data());
      if (!(await shouldStop())) {
        const state = await lbfgsStart(x0, evaluate);
        await record(0, lastValues!, tf.clone(variable as unknown as Tensor4D));
        for (let t = 1; t <= iterations; t++) {
          if (await shouldStop()) { stopped = 'interrupted'; break; }
          await lbfgsIterate(state, evaluate, optimizer);
          if (state.converged) break; // no decrease along any direction tried: the best image is recorded
          if (state.x !== lastX) throw new Error(`${FN}: internal error: L-BFGS accepted a point it did not evaluate last`);
          await record(t, lastValues!, tf.clone(variable as unknown as Tensor4D));
        }
      } else stopped = 'interrupted';
    } else {
      const adam = optimizer.kind === 'adam' ? tf.train.adam(optimizer.learningRate, optimizer.beta1 ?? 0.9, optimizer.beta2 ?? 0.999, optimizer.epsilon ?? 1e-8) : undefined;
      if (adam) owned.push(adam);
      for (let t = 0; t <= iterations; t++) {
        if (await shouldStop()) { stopped = 'interrupted'; break; }
        // Shares the variable's data until the step below replaces it: no copy.
        const snapshot = tf.clone(variable as unknown as Tensor4D);
        let terms: Tensor1D;
        if (t < iterations) {
          const e = evaluateWithGradient();
          terms = e.terms;
          if (adam) adam.applyGradients([{ name: variable.name, tensor: e.grad }]);
          else tf.tidy(() => variable.assign(tf.sub(variable, tf.mul(e.grad, sgdLearningRate(optimizer as { kind: 'sgd'; learningRate: number }, t)))));
          e.grad.dispose();
          clipVariable();
        } else {
          terms = tf.tidy(() => stepObjective.evaluate(variable as unknown as Tensor4D).terms); // the final image: no step follows
        }
        let values: Float32Array;
        try { values = await terms.data() as Float32Array; } finally { terms.dispose(); }
        await record(t, values, snapshot);
      }
    }

    if (!best) best = { total: Infinity, image: tf.clone(variable as unknown as Tensor4D), iteration: 0 };
    const finalBest = best;
    const image = tf.tidy(() => tf.div(tf.squeeze(finalBest.image, [0]), top) as Tensor3D);
    finalBest.image.dispose();
    best = undefined;
    if (reporter) await reporter.finish(stopped, image);
    const result: TransferResult = { image, history, stopped, bestIteration: finalBest.iteration, settings };
    return withDisplay(result);
  } catch (e) {
    if (reporter) await reporter.finish('error', undefined, (e as Error).message).catch(() => undefined);
    throw e;
  } finally {
    best?.image.dispose();
    G?.dispose();
    objective?.dispose();
    for (const o of owned) o.dispose();
  }
}

/** The progress display's picture of an image [1, h, w, 3] on the optimisation scale. */
async function unitPreview(x: Tensor4D, top: number): Promise<StyleProgressImage> {
  const unit = tf.tidy(() => tf.squeeze(tf.div(x, top), [0]) as Tensor3D);
  try { return await progressImage(unit); } finally { unit.dispose(); }
}

/** The start image [1, h, w, 3] on the optimisation scale (0..top). */
function initialImage(C: Tensor4D, init: InitKind, preset: StylePreset, ratio: number, seed: number, top: number): Tensor4D {
  return tf.tidy(() => {
    if (init === 'content') return C.clone();
    const a = preset.noiseAmplitude;
    const uniform = tf.randomUniform(C.shape, -a, a, 'float32', seed);
    const noise = tf.add(uniform, tf.tensor1d(preset.noiseCenter.slice()));
    let g: Tensor4D;
    if (init === 'noise') g = noise as Tensor4D;
    else if (preset.noiseBlend === 'add') g = tf.add(C, tf.mul(uniform, ratio));
    else g = tf.add(tf.mul(C, 1 - ratio), tf.mul(noise, ratio));
    return tf.clipByValue(g, 0, top);
  });
}

/** The settings as the progress display's caption. */
function captionOf(s: ResolvedTransferSettings): Record<string, string | number> {
  return {
    preset: s.preset, network: s.net, backend: s.backend, size: `${s.size[0]}×${s.size[1]}`,
    optimizer: `${s.optimizer.kind} lr ${s.optimizer.learningRate ?? 1}`, iterations: s.iterations, init: s.init,
    'content layer': s.contentLayer, 'style layers': s.styleLayers.map(([l, w]) => `${l}·${w}`).join(' '),
    α: s.alpha, β: s.beta, ...(s.tvWeight !== 0 ? { tv: s.tvWeight } : {}),
  };
}

/** The result shows as its image in a notebook. */
function withDisplay(result: TransferResult): TransferResult {
  Object.defineProperty(result, Symbol.for(DISPLAY_SYMBOL_KEY), {
    enumerable: false,
    value: async () => {
      const last = result.history.find(p => p.iteration === result.bestIteration);
      const text = `Style transfer ${result.stopped}: best image at iteration ${result.bestIteration}`
        + (last ? `, J = ${last.total.toPrecision(5)}` : '') + `, ${result.history.length} iterates evaluated`;
      if (result.image.isDisposed) return { 'text/plain': `${text} (image disposed)` };
      return { 'image/png': (await toPng(result.image)).toString('base64'), 'text/plain': text };
    },
  });
  return result;
}

export type { StyleProgressImage };
