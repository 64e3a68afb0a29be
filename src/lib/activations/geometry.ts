// The geometry of the layers on the path from the input to a named layer: what receptive fields are computed
// from. The FeatureNet contract (src/lib/style/types.ts) maps images to activations and carries no geometry,
// so a network describes it with an optional `geometry(layer)` method, or the caller passes it explicitly.
import { check, isPositiveInteger } from './errors';

/** 'same' (TF: output = ceil(in / stride), the odd pixel of padding goes at the end), 'valid' (no padding),
 *  or explicit zero padding: one number for both sides of every axis, or per axis `[before, after]`. */
export type Padding = 'same' | 'valid' | number | ReadonlyArray<readonly [number, number]>;

/**
 * One layer (convolution or pooling) on the path to a layer. `kernel`, `stride` and `dilation` are one number
 * for every spatial axis or one per axis ([h, w] for images, [length] for signals). Layers that do not move
 * pixels (ReLU, batch norm, 1x1 stride-1 convolutions) may be left out or given with kernel 1.
 */
export interface LayerGeometry {
  name: string;
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  padding?: Padding;
  dilation?: number | readonly number[];
}

/** What receptiveField and topPatches accept as a network: one whose optional `geometry` method (the
 *  FeatureNet contract's) is checked when called. */
export interface MaybeGeometry {
  geometry?(layer: string): readonly LayerGeometry[];
}

/** Networks that can describe the geometry of the path to each of their layers. */
export interface HasGeometry {
  /** The layers from the input up to and including `layer`, in forward order. For residual networks: the
   *  path through the branch with the largest receptive field (the main branch, not the shortcut). */
  geometry(layer: string): readonly LayerGeometry[];
}

/** One spatial axis of a layer, with every number resolved. */
export interface AxisGeometry {
  kernel: number;
  stride: number;
  dilation: number;
  padding: 'same' | 'valid' | readonly [number, number];
}

export const hasGeometry = (net: unknown): net is HasGeometry =>
  typeof net === 'object' && net !== null && typeof (net as { geometry?: unknown }).geometry === 'function';

/** The number of spatial axes a geometry list describes: from its arrays, else `fallback`. */
export function rankOf(path: readonly LayerGeometry[], fallback: 1 | 2): 1 | 2 {
  for (const layer of path) {
    for (const v of [layer.kernel, layer.stride, layer.dilation]) {
      if (Array.isArray(v)) return v.length === 1 ? 1 : 2;
    }
    if (Array.isArray(layer.padding)) return layer.padding.length === 1 ? 1 : 2;
  }
  return fallback;
}

function perAxis(value: number | readonly number[] | undefined, fallback: number, rank: number, what: string, fn: string): number[] {
  const v = value ?? fallback;
  const list = typeof v === 'number' ? Array<number>(rank).fill(v) : Array.isArray(v) ? [...v] : [];
  check(list.length === rank && list.every(isPositiveInteger),
    () => `${fn}: ${what} must be a positive integer or ${rank} of them (one per spatial axis); got ${JSON.stringify(value)}`);
  return list;
}

/** Checks one layer's description and resolves it to one AxisGeometry per spatial axis. */
export function resolveLayer(layer: LayerGeometry, index: number, rank: 1 | 2, fn: string): AxisGeometry[] {
  check(layer != null && typeof layer === 'object', () => `${fn}: geometry[${index}] must be { name, kernel, stride, padding, dilation }; got ${String(layer)}`);
  const where = `geometry[${index}] ('${String(layer.name)}')`;
  check(typeof layer.name === 'string', () => `${fn}: geometry[${index}].name must be a string; got ${typeof layer.name}`);
  const kernel = perAxis(layer.kernel, NaN, rank, `${where}.kernel`, fn);
  const stride = perAxis(layer.stride, 1, rank, `${where}.stride`, fn);
  const dilation = perAxis(layer.dilation, 1, rank, `${where}.dilation`, fn);
  const p = layer.padding ?? 'valid';
  const padding: AxisGeometry['padding'][] = [];
  for (let a = 0; a < rank; a++) {
    if (p === 'same' || p === 'valid') padding.push(p);
    else if (typeof p === 'number' && Number.isInteger(p) && p >= 0) padding.push([p, p]);
    else if (Array.isArray(p) && p.length === rank && p.every(q => Array.isArray(q) && q.length === 2 && q.every(x => Number.isInteger(x) && x >= 0))) padding.push([p[a][0], p[a][1]]);
    else check(false, () => `${fn}: ${where}.padding must be 'same', 'valid', a whole number >= 0 or ${rank} pairs [before, after]; got ${JSON.stringify(p)}`);
  }
  return kernel.map((k, a) => ({ kernel: k, stride: stride[a], dilation: dilation[a], padding: padding[a] }));
}

/** Span of a dilated kernel: (k - 1) * d + 1. */
export const effectiveKernel = (g: AxisGeometry): number => (g.kernel - 1) * g.dilation + 1;

/**
 * Padding [before, after] a layer adds on one axis for an input of `size` (TF's rule for 'same':
 * total = max((ceil(in / s) - 1) * s + k_eff - in, 0), before = floor(total / 2)). Without a size, 'same'
 * assumes the input is a multiple of the stride: total = max(k_eff - s, 0).
 */
export function paddingOf(g: AxisGeometry, size?: number): [number, number] {
  if (g.padding === 'valid') return [0, 0];
  if (g.padding !== 'same') return [g.padding[0], g.padding[1]];
  const k = effectiveKernel(g);
  const total = size === undefined ? Math.max(k - g.stride, 0)
    : Math.max((Math.ceil(size / g.stride) - 1) * g.stride + k - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Output length of a layer on one axis for an input of `size`. */
export function outputSize(g: AxisGeometry, size: number): number {
  if (g.padding === 'same') return Math.ceil(size / g.stride);
  const [before, after] = paddingOf(g, size);
  return Math.floor((size + before + after - effectiveKernel(g)) / g.stride) + 1;
}
