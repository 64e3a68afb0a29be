// Zeiler & Fergus's "what does a unit respond to": stream images through a network, keep for each unit the
// k strongest activations, and show the image patch each one saw (its receptive field, cropped from the input).
// Per batch: one forward pass in a tidy, the per-image top activations of every chosen unit computed on the
// device and read with a single `await data()`, then bookkeeping in plain JS (a bounded heap per unit). Only the
// kept entries hold pixels (their crops), so memory does not grow with the number of images.
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { ActivationsArgumentError, check, isPositiveInteger, kernelSignal } from './errors';
import { hasGeometry, type LayerGeometry } from './geometry';
import { receptiveField, unitField, type Box, type ReceptiveField, type UnitField } from './receptiveField';
import { batchesOf, checkImageSource, type ImageSource } from './source';
import { TopK, type Ranked } from './topK';

export type { ImageSource };

/** What `topPatches` needs from a network: the FeatureNet contract (src/lib/style/types.ts), geometry optional. */
export interface ActivationNet {
  /** Named activations [n, h', w', channels] of images [n, h, w, 3] (0..255); the caller disposes them. */
  activations(images: Tensor4D, layers: readonly string[]): Record<string, Tensor4D>;
  /** Every layer name, when the network lists them (used for error messages). */
  readonly layers?: readonly string[];
  /** The geometry of the path to `layer` (see geometry.ts); without it pass `options.geometry`. */
  geometry?(layer: string): readonly LayerGeometry[];
}

/** Units to rank: a list of channel indices, or 'all'. */
export type UnitSelection = readonly number[] | 'all';

export interface TopPatchesOptions {
  /** Layers to look at. */
  layers: string | readonly string[];
  /** Images [n, h, w, 3] with values 0..255 (the FeatureNet scale): a tensor, a list, or an (async) iterable of
   *  [h, w, 3] / [b, h, w, 3] tensors (those an iterator yields are disposed once used). */
  images: ImageSource;
  /** Channels to rank, for every layer or per layer name. Default: the first 32 channels of each layer. */
  units?: UnitSelection | Readonly<Record<string, UnitSelection>>;
  /** Patches kept per unit. Default 9. */
  k?: number;
  /** At most one patch per image and unit (its strongest position), as Zeiler & Fergus show. Default true. */
  onePerImage?: boolean;
  /** Images per forward pass. Default 16. */
  batchSize?: number;
  /** Geometry of the path to each layer, for networks without a `geometry(layer)` method. */
  geometry?: Readonly<Record<string, readonly LayerGeometry[]>>;
  /** Longest side of the small copies of source images kept to show where patches sit. Default 96; 0 keeps none. */
  sourceThumbnailSide?: number;
  /** Stops between batches (the result holds what was seen). Default: the running notebook cell's signal. */
  signal?: AbortSignal;
  /** Called after every batch, once its tensors are freed. */
  onProgress?: (progress: TopPatchesProgress) => void | Promise<void>;
}

export interface TopPatchesProgress {
  images: number;
  batches: number;
  seconds: number;
  imagesPerSecond: number;
}

/** One of a unit's strongest activations and the patch of input it came from. */
export interface Patch extends Ranked {
  /** Position [y, x] in the layer's feature map. */
  position: [number, number];
  /** The receptive field in input pixels (may reach past the border). */
  box: Box;
  /** `box` clipped to the image: the part `pixels` holds. */
  crop: Box;
  /** True when the field reached past the image border (the crop is smaller than the field). */
  clipped: boolean;
  /** The crop, row-major, `channels` bytes per pixel, values rounded (half to even) and clamped to 0..255. */
  pixels: Uint8Array;
  channels: number;
}

export interface UnitPatches {
  unit: number;
  /** Strongest first. */
  patches: Patch[];
}

export interface LayerPatches {
  layer: string;
  receptiveField: ReceptiveField;
  /** [h', w', channels] of the layer for the images seen. */
  featureShape: [number, number, number];
  units: UnitPatches[];
}

/** A small copy of a source image that some patch came from. */
export interface SourceImage {
  index: number;
  height: number;
  width: number;
  thumbnail: { height: number; width: number; channels: number; pixels: Uint8Array };
}

export interface TopPatchesResult {
  layers: LayerPatches[];
  /** Images seen. */
  images: number;
  /** Source images referenced by patches, by index (empty when sourceThumbnailSide is 0). */
  sources: Map<number, SourceImage>;
  k: number;
  onePerImage: boolean;
  /** True when the signal stopped the stream early. */
  stopped: boolean;
  seconds: number;
  imagesPerSecond: number;
}

export const DEFAULT_UNITS = 32;

/** Placeholder of an entry's pixels until the end of its batch. */
const NOT_CROPPED = new Uint8Array(0);

interface LayerState {
  layer: string;
  path: readonly LayerGeometry[];
  units?: number[];
  heaps?: TopK<Patch>[];
  field?: ReceptiveField;
  fieldFor?: string;
  /** unitField by flat position, for the current image size. */
  unitFields?: Map<number, UnitField>;
  featureShape?: [number, number, number];
}

/**
 * The k strongest activations of each chosen unit over a stream of images, with the input patch each one saw.
 * @returns per layer and unit the patches, strongest first; tensors are all freed
 */
export async function topPatches(net: ActivationNet, options: TopPatchesOptions): Promise<TopPatchesResult> {
  const fn = 'topPatches';
  check(net != null && typeof net.activations === 'function', () => `${fn}: net must have activations(images, layers) (a FeatureNet); got ${net === null ? 'null' : typeof net}`);
  check(options != null && typeof options === 'object', () => `${fn}: expected an options object { layers, images, ... }; got ${typeof options}`);
  const layers = typeof options.layers === 'string' ? [options.layers] : options.layers;
  check(Array.isArray(layers) && layers.length > 0 && layers.every(l => typeof l === 'string'),
    () => `${fn}: options.layers must be a layer name or a non-empty list of names; got ${JSON.stringify(options.layers)}`);
  check(new Set(layers).size === layers.length, () => `${fn}: options.layers lists a layer twice: ${JSON.stringify(layers)}`);
  if (Array.isArray(net.layers)) {
    for (const l of layers) check(net.layers.includes(l), () => `${fn}: unknown layer '${l}'; the network's layers are ${net.layers!.join(', ')}`);
  }
  checkImageSource(options.images, fn);
  const k = options.k ?? 9;
  const batchSize = options.batchSize ?? 16;
  const onePerImage = options.onePerImage ?? true;
  const thumbSide = options.sourceThumbnailSide ?? 96;
  check(isPositiveInteger(k), () => `${fn}: options.k must be a positive integer; got ${JSON.stringify(options.k)}`);
  check(isPositiveInteger(batchSize), () => `${fn}: options.batchSize must be a positive integer; got ${JSON.stringify(options.batchSize)}`);
  check(typeof onePerImage === 'boolean', () => `${fn}: options.onePerImage must be true or false; got ${JSON.stringify(options.onePerImage)}`);
  check(Number.isInteger(thumbSide) && thumbSide >= 0, () => `${fn}: options.sourceThumbnailSide must be a whole number >= 0; got ${JSON.stringify(options.sourceThumbnailSide)}`);
  check(options.onProgress === undefined || typeof options.onProgress === 'function', () => `${fn}: options.onProgress must be a function; got ${typeof options.onProgress}`);
  check(options.geometry === undefined || (typeof options.geometry === 'object' && options.geometry !== null),
    () => `${fn}: options.geometry must be { [layer]: LayerGeometry[] }; got ${typeof options.geometry}`);
  const signal = options.signal ?? kernelSignal();

  const states: LayerState[] = layers.map(layer => {
    const given = options.geometry?.[layer];
    let path: readonly LayerGeometry[];
    if (given !== undefined) {
      check(Array.isArray(given), () => `${fn}: options.geometry['${layer}'] must be a LayerGeometry[]; got ${typeof given}`);
      path = given;
    } else {
      check(hasGeometry(net), () => `${fn}: the network does not describe its layer geometry (no geometry(layer) method), so the receptive field of '${layer}' is unknown: pass options.geometry = { '${layer}': LayerGeometry[] }`);
      path = net.geometry(layer);
      check(Array.isArray(path), () => `${fn}: net.geometry('${layer}') must return a LayerGeometry[]; got ${typeof path}`);
    }
    receptiveField(path); // checks the description now, before any work
    return { layer, path };
  });
  const unitsFor = (layer: string): UnitSelection | undefined => {
    const u = options.units;
    if (u === undefined || u === 'all' || Array.isArray(u)) return u as UnitSelection | undefined;
    check(typeof u === 'object' && u !== null, () => `${fn}: options.units must be 'all', a list of channels, or { [layer]: 'all' | channels }; got ${typeof u}`);
    return (u as Record<string, UnitSelection>)[layer];
  };

  const sources = new Map<number, SourceImage>();
  const started = performance.now();
  let seen = 0, batches = 0, stopped = false;

  for await (const batch of batchesOf(options.images, batchSize, fn)) {
    try {
      if (signal?.aborted) { stopped = true; break; }
      const images = batch.images;
      const [b, height, width, channels] = images.shape;
      check(channels === 1 || channels === 3, () => `${fn}: images must have 1 or 3 channels; got shape [${images.shape.join(', ')}] at image #${seen}`);
      for (const state of states) fieldFor(state, height, width, fn);

      // Forward pass and per-(image, unit) top activations, packed so one read brings everything back.
      const perImage = (state: LayerState) => (onePerImage ? 1 : Math.min(k, state.featureShape![0] * state.featureShape![1]));
      const packed = tf.tidy(() => {
        const acts = net.activations(images, layers);
        check(acts != null && typeof acts === 'object', () => `${fn}: net.activations must return { [layer]: Tensor4D }; got ${typeof acts}`);
        const parts: Tensor[] = states.map(state => {
          const a = acts[state.layer];
          check(a instanceof tf.Tensor && a.rank === 4 && a.shape[0] === b,
            () => `${fn}: net.activations gave '${state.layer}' shape ${a instanceof tf.Tensor ? `[${a.shape.join(', ')}]` : typeof a}; expected [${b}, h, w, channels]`);
          const [, fh, fw, fc] = a.shape;
          const expected = state.field!.outputSize!;
          check(fh === expected[0] && fw === expected[1],
            () => `${fn}: '${state.layer}' is ${fh} x ${fw} for ${height} x ${width} images, but its geometry gives ${expected[0]} x ${expected[1]}: the geometry does not describe this network`);
          if (!state.units) startLayer(state, fc, unitsFor(state.layer), k, onePerImage, fn);
          check(state.featureShape![2] === fc, () => `${fn}: '${state.layer}' changed from ${state.featureShape![2]} to ${fc} channels between batches`);
          state.featureShape = [fh, fw, fc];
          const chosen = state.units!.length === fc && state.units!.every((u, i) => u === i) ? a : tf.gather(a, state.units!, 3);
          const byPosition = tf.reshape(chosen, [b, fh * fw, state.units!.length]);
          if (perImage(state) === 1) {
            // One per image: max and argMax over positions (argMax takes the first, lowest index, on ties), no
            // transpose and no sort: as cheap as the reduction a plain forward pass would read anyway.
            return tf.concat([tf.reshape(tf.max(byPosition, 1), [-1]), tf.reshape(tf.cast(tf.argMax(byPosition, 1), 'float32'), [-1])]);
          }
          const { values, indices } = tf.topk(tf.transpose(byPosition, [0, 2, 1]), perImage(state));
          return tf.concat([tf.reshape(values, [-1]), tf.reshape(tf.cast(indices, 'float32'), [-1])]);
        });
        return tf.concat(parts);
      });
      const data = await packed.data();
      packed.dispose();

      // Which candidates get in: read the batch's pixels only when some will be cropped.
      let pixels: Uint8ClampedArray | undefined;
      let offset = 0;
      const plans = states.map(state => {
        const count = b * state.units!.length * perImage(state);
        const plan = { state, values: data.subarray(offset, offset + count), indices: data.subarray(offset + count, offset + 2 * count) };
        offset += 2 * count;
        return plan;
      });
      const anyAccepted = plans.some(({ state, values, indices }) => {
        const per = perImage(state), u = state.units!.length;
        for (let i = 0; i < values.length; i++) {
          const image = seen + Math.floor(i / (u * per));
          if (state.heaps![Math.floor(i / per) % u].accepts({ value: values[i], image, index: indices[i] })) return true;
        }
        return false;
      });
      // Bytes once per batch (a native conversion: rounds and clamps to 0..255), then crops are row copies.
      if (anyAccepted) pixels = new Uint8ClampedArray(await images.data() as Float32Array);

      if (pixels) {
        for (const { state, values, indices } of plans) {
          const per = perImage(state), u = state.units!.length, [, fw] = state.featureShape!;
          for (let i = 0; i < values.length; i++) {
            const imageInBatch = Math.floor(i / (u * per));
            const rank = { value: values[i], image: seen + imageInBatch, index: indices[i] };
            const heap = state.heaps![Math.floor(i / per) % u];
            if (!heap.accepts(rank)) continue;
            const position: [number, number] = [Math.floor(rank.index / fw), rank.index % fw];
            const { box, crop, clipped } = fieldOfUnit(state, position, height, width);
            heap.push({ ...rank, position, box, crop, clipped, channels, pixels: NOT_CROPPED });
          }
        }
        // Crop only what survived the whole batch: a candidate pushed out by a later one of the same batch costs nothing.
        for (const state of states) {
          for (const heap of state.heaps!) {
            for (const entry of heap.entries()) {
              if (entry.pixels !== NOT_CROPPED) continue;
              entry.pixels = cropPixels(pixels, entry.image - seen, height, width, channels, entry.crop);
              if (thumbSide > 0 && !sources.has(entry.image)) sources.set(entry.image, sourceImage(pixels, entry.image - seen, height, width, channels, entry.image, thumbSide));
            }
          }
        }
        pruneSources(sources, states);
      }
      seen += b;
      batches += 1;
    } finally {
      batch.dispose();
    }
    if (options.onProgress) {
      const seconds = (performance.now() - started) / 1000;
      await options.onProgress({ images: seen, batches, seconds, imagesPerSecond: seconds > 0 ? seen / seconds : 0 });
    }
    if (signal?.aborted) { stopped = true; break; }
  }

  const seconds = (performance.now() - started) / 1000;
  return {
    layers: states.filter(s => s.units).map(s => ({
      layer: s.layer, receptiveField: s.field!, featureShape: s.featureShape!,
      units: s.units!.map((unit, j) => ({ unit, patches: s.heaps![j].sorted() })),
    })),
    images: seen, sources, k, onePerImage, stopped, seconds, imagesPerSecond: seconds > 0 ? seen / seconds : 0,
  };
}

/** The layer's receptive field for this image size (cached: streams usually keep one size). */
function fieldFor(state: LayerState, height: number, width: number, fn: string): void {
  const key = `${height}x${width}`;
  if (state.fieldFor === key) return;
  try {
    state.field = receptiveField(state.path, undefined, { inputSize: [height, width] });
  } catch (error) {
    throw new ActivationsArgumentError(`${fn}: layer '${state.layer}': ${(error as Error).message.replace(/^receptiveField: /, '')}`);
  }
  state.fieldFor = key;
  state.unitFields = new Map();
}

function fieldOfUnit(state: LayerState, position: [number, number], height: number, width: number): UnitField {
  const key = position[0] * state.featureShape![1] + position[1];
  let field = state.unitFields!.get(key);
  if (!field) state.unitFields!.set(key, field = unitField(state.path, position, [height, width]));
  return field;
}

function startLayer(state: LayerState, channels: number, selection: UnitSelection | undefined, k: number, onePerImage: boolean, fn: string): void {
  const units = selection === 'all' ? Array.from({ length: channels }, (_, i) => i)
    : selection === undefined ? Array.from({ length: Math.min(DEFAULT_UNITS, channels) }, (_, i) => i) : [...selection];
  check(Array.isArray(units) && units.length > 0 && units.every(u => Number.isInteger(u) && u >= 0 && u < channels),
    () => `${fn}: options.units for '${state.layer}' must be 'all' or channel indices in 0..${channels - 1}; got ${JSON.stringify(selection)}`);
  check(new Set(units).size === units.length, () => `${fn}: options.units for '${state.layer}' lists a channel twice`);
  state.units = units;
  state.featureShape = [0, 0, channels];
  state.heaps = units.map(() => new TopK<Patch>(k, onePerImage));
}

function cropPixels(bytes: Uint8ClampedArray, image: number, height: number, width: number, channels: number, crop: Box): Uint8Array {
  const out = new Uint8Array(crop.height * crop.width * channels);
  const cropRow = crop.width * channels;
  for (let y = 0; y < crop.height; y++) {
    const start = ((image * height + crop.top + y) * width + crop.left) * channels;
    out.set(bytes.subarray(start, start + cropRow), y * cropRow);
  }
  return out;
}

/** A nearest-neighbour copy of an image with its longest side at most `side`. */
function sourceImage(data: Uint8ClampedArray, image: number, height: number, width: number, channels: number, index: number, side: number): SourceImage {
  const scale = Math.min(1, side / Math.max(height, width));
  const th = Math.max(1, Math.round(height * scale)), tw = Math.max(1, Math.round(width * scale));
  const pixels = new Uint8Array(th * tw * channels);
  for (let y = 0; y < th; y++) {
    const sy = Math.min(height - 1, Math.floor((y + 0.5) * height / th));
    for (let x = 0; x < tw; x++) {
      const sx = Math.min(width - 1, Math.floor((x + 0.5) * width / tw));
      for (let c = 0; c < channels; c++) pixels[(y * tw + x) * channels + c] = data[((image * height + sy) * width + sx) * channels + c];
    }
  }
  return { index, height, width, thumbnail: { height: th, width: tw, channels, pixels } };
}

/** Drops the source copies no kept patch refers to any more. */
function pruneSources(sources: Map<number, SourceImage>, states: readonly LayerState[]): void {
  const used = new Set<number>();
  for (const s of states) for (const heap of s.heaps ?? []) for (const e of heap.entries()) used.add(e.image);
  for (const index of sources.keys()) if (!used.has(index)) sources.delete(index);
}
