// Receptive fields from layer geometry with the standard recurrences, one spatial axis at a time:
//   jump_l  = jump_{l-1} * stride_l                         (input pixels between neighbouring units)
//   size_l  = size_{l-1} + (k_eff_l - 1) * jump_{l-1}       (k_eff = (k - 1) * dilation + 1)
//   start_l = start_{l-1} - padBefore_l * jump_{l-1}        (input coordinate where unit 0's field starts)
// starting from jump_0 = 1, size_0 = 1, start_0 = 0. Unit i of layer l then sees the input pixels
// [start + i * jump, start + i * jump + size - 1] (a bounding box: a dilated kernel can leave holes in it).
import { check, isPositiveInteger } from './errors';
import { hasGeometry, outputSize, paddingOf, rankOf, resolveLayer, effectiveKernel, type LayerGeometry, type MaybeGeometry } from './geometry';

/** Per spatial axis ([h, w] for images, [length] for signals). */
export interface ReceptiveField {
  /** Side of the field in input pixels. */
  size: number[];
  /** Input pixels between neighbouring units (the product of the strides). */
  stride: number[];
  /** Input coordinate of the first pixel of unit 0's field (negative when padding reaches past the border). */
  offset: number[];
  /** Feature-map size for `inputSize`, when it was given. */
  outputSize?: number[];
}

export interface ReceptiveFieldOptions {
  /** Input size ([h, w], or the length of a signal): makes 'same' padding exact when the size is not a multiple
   *  of the strides, and fills in `outputSize`. */
  inputSize?: number | readonly number[];
  /** Spatial axes when no geometry entry says (all plain numbers): default 2, or inputSize's length. */
  rank?: 1 | 2;
}

/** A box in input pixels: rows [top, top + height), columns [left, left + width). Signals use top = 0, height = 1. */
export interface Box { top: number; left: number; height: number; width: number }

/**
 * The receptive field of the units of `layer`, computed from the geometry of the layers on the path to it.
 * @param source a network with `geometry(layer)`, or the path itself (`LayerGeometry[]`, input first)
 * @param layer the layer's name; with an explicit path it may be left out (the whole path) or name an entry
 *   to stop at
 */
export function receptiveField(source: MaybeGeometry | readonly LayerGeometry[], layer?: string, options: ReceptiveFieldOptions = {}): ReceptiveField {
  const fn = 'receptiveField';
  const path = geometryPath(source, layer, fn);
  check(options != null && typeof options === 'object', () => `${fn}: options must be an object; got ${typeof options}`);
  const given = options.inputSize === undefined ? undefined
    : typeof options.inputSize === 'number' ? [options.inputSize] : Array.isArray(options.inputSize) ? [...options.inputSize] : [NaN];
  check(given === undefined || given.every(isPositiveInteger),
    () => `${fn}: options.inputSize must be a positive integer or [h, w]; got ${JSON.stringify(options.inputSize)}`);
  check(options.rank === undefined || options.rank === 1 || options.rank === 2, () => `${fn}: options.rank must be 1 or 2; got ${JSON.stringify(options.rank)}`);
  const rank = rankOf(path, options.rank ?? (given?.length === 1 ? 1 : 2));
  check(given === undefined || given.length === rank, () => `${fn}: options.inputSize must have ${rank} entries (one per spatial axis); got ${JSON.stringify(options.inputSize)}`);

  const field: ReceptiveField = { size: Array(rank).fill(1), stride: Array(rank).fill(1), offset: Array(rank).fill(0) };
  const sizes = given ? [...given] : undefined;
  path.forEach((entry, i) => {
    const axes = resolveLayer(entry, i, rank, fn);
    axes.forEach((g, a) => {
      const [before] = paddingOf(g, sizes?.[a]);
      field.offset[a] -= before * field.stride[a];
      field.size[a] += (effectiveKernel(g) - 1) * field.stride[a];
      field.stride[a] *= g.stride;
      if (sizes) {
        sizes[a] = outputSize(g, sizes[a]);
        check(sizes[a] >= 1, () => `${fn}: the input ${JSON.stringify(given)} is too small: nothing is left after layer '${entry.name}'`);
      }
    });
  });
  if (sizes) field.outputSize = sizes;
  return field;
}

/** The path to `layer` from a network or an explicit list, checked. */
export function geometryPath(source: MaybeGeometry | readonly LayerGeometry[], layer: string | undefined, fn: string): readonly LayerGeometry[] {
  check(layer === undefined || typeof layer === 'string', () => `${fn}: layer must be a layer name (string); got ${typeof layer}`);
  if (Array.isArray(source)) {
    const list = source as readonly LayerGeometry[];
    if (layer === undefined) return list;
    const end = list.findIndex(g => g?.name === layer);
    check(end >= 0, () => `${fn}: layer '${layer}' is not in the geometry list; its layers are ${list.map(g => `'${g?.name}'`).join(', ')}`);
    return list.slice(0, end + 1);
  }
  check(hasGeometry(source), () => `${fn}: source must be a network with a geometry(layer) method or a LayerGeometry[] list; got ${source === null ? 'null' : typeof source}`
    + ' (the network does not describe its layer geometry: pass the path as LayerGeometry[] instead)');
  check(typeof layer === 'string', () => `${fn}: layer is required with a network`);
  const path = source.geometry(layer);
  check(Array.isArray(path), () => `${fn}: the network's geometry('${layer}') must return a LayerGeometry[]; got ${typeof path}`);
  return path;
}

/** The field of the unit at `position` ([y, x], or [i] for signals) as a box in input pixels (not clipped). */
export function fieldBox(field: ReceptiveField, position: readonly number[]): Box {
  if (field.size.length === 1) return { top: 0, left: field.offset[0] + position[0] * field.stride[0], height: 1, width: field.size[0] };
  return {
    top: field.offset[0] + position[0] * field.stride[0], left: field.offset[1] + position[1] * field.stride[1],
    height: field.size[0], width: field.size[1],
  };
}

/** `box` clipped to an image of `height` x `width`; `clipped` when anything was cut. */
export function clipBox(box: Box, height: number, width: number): { box: Box; clipped: boolean } {
  const top = Math.max(0, box.top), left = Math.max(0, box.left);
  const bottom = Math.min(height, box.top + box.height), right = Math.min(width, box.left + box.width);
  const clipped = top !== box.top || left !== box.left || bottom !== box.top + box.height || right !== box.left + box.width;
  return { box: { top, left, height: Math.max(0, bottom - top), width: Math.max(0, right - left) }, clipped };
}

/** Where a unit's field lies in the input: the analytic box and the pixels the unit really sees. */
export interface UnitField {
  /** The receptive field (size/stride/offset) box; may reach past the border. */
  box: Box;
  /** The bounding box of the input pixels the unit depends on: the units it reads traced back layer by layer,
   *  keeping only units that exist (padding has no field). Height/width 0 when the unit sees only padding. */
  crop: Box;
  /** True when `crop` is smaller than `box`. */
  clipped: boolean;
}

/**
 * The field of the unit at `position` ([y, x], or [i] for signals) of the last layer of `path` for an input of
 * `inputSize`. Clipping only at the image border is not enough: 'same' padding at the end of a deep layer can
 * stand where the layer below has no unit (its input was cut by a 'valid' layer), so the trace clips per layer.
 */
export function unitField(path: readonly LayerGeometry[], position: readonly number[], inputSize: readonly number[]): UnitField {
  const fn = 'unitField';
  const rank = inputSize.length as 1 | 2;
  const layers = path.map((entry, i) => resolveLayer(entry, i, rank, fn));
  const field = receptiveField(path, undefined, { inputSize });
  check(position.length === rank && position.every((p, a) => Number.isInteger(p) && p >= 0 && p < field.outputSize![a]),
    () => `${fn}: position must be ${rank} whole numbers inside the output ${JSON.stringify(field.outputSize)}; got ${JSON.stringify(position)}`);
  const low: number[] = [], high: number[] = [];
  for (let a = 0; a < rank; a++) {
    const sizes = [inputSize[a]];
    layers.forEach(axes => sizes.push(outputSize(axes[a], sizes[sizes.length - 1])));
    // The set of units seen, traced back one layer at a time (a dilated kernel skips units, so a set, not a range).
    let seen = [position[a]];
    for (let l = layers.length - 1; l >= 0 && seen.length > 0; l--) {
      const g = layers[l][a];
      const [before] = paddingOf(g, sizes[l]);
      const below = new Uint8Array(sizes[l]);
      for (const p of seen) {
        for (let j = 0; j < g.kernel; j++) {
          const q = p * g.stride - before + j * g.dilation;
          if (q >= 0 && q < sizes[l]) below[q] = 1;
        }
      }
      seen = [];
      below.forEach((used, q) => { if (used) seen.push(q); });
    }
    const lo = seen.length ? seen[0] : 1, hi = seen.length ? seen[seen.length - 1] : 0;
    low.push(lo); high.push(hi);
  }
  const empty = low.some((lo, a) => lo > high[a]);
  const span = (a: number) => (empty ? 0 : high[a] - low[a] + 1);
  const box = fieldBox(field, position);
  const crop: Box = rank === 1
    ? { top: 0, left: empty ? 0 : low[0], height: empty ? 0 : 1, width: span(0) }
    : { top: empty ? 0 : low[0], left: empty ? 0 : low[1], height: span(0), width: span(1) };
  const clipped = crop.top !== box.top || crop.left !== box.left || crop.height !== box.height || crop.width !== box.width;
  return { box, crop, clipped };
}
