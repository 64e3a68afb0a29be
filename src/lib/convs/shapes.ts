// Output-shape arithmetic of 1-D, 2-D and 3-D convolutions (and pooling windows), with each axis's sum written
// out: out = ⌊(n + p_before + p_after − f′)/s⌋ + 1, where f′ = d·(f − 1) + 1 is the dilated kernel's extent.
// 'same' follows TensorFlow: out = ⌈n/s⌉, padded as evenly as possible with the odd pixel after.
import { check, isNonNegativeInteger, isPositiveInteger } from './errors';

/** Per-axis padding: p on both sides, or [before, after]. */
export type AxisPadding = number | readonly [number, number];

/**
 * 'valid' (no padding), 'same' (TensorFlow's: out = ⌈n/s⌉), p on every side of every spatial axis, or one
 * entry per spatial axis (p, or [before, after]).
 */
export type ConvPadding = 'valid' | 'same' | number | readonly AxisPadding[];

export interface ConvSpec {
  /** Filter size f: one number for every spatial axis, or one per axis (its length then fixes the dimension). */
  kernelSize: number | readonly number[];
  /** Number of filters (output channels). Needed when the input has a channel axis. */
  filters?: number;
  /** Stride s; default 1. */
  strides?: number | readonly number[];
  /** Default 'valid'. */
  padding?: ConvPadding;
  /** Dilation d; default 1. TensorFlow's convolutions need strides 1 on an axis with d > 1. */
  dilation?: number | readonly number[];
  /** 1, 2 or 3 spatial axes; needed only when kernelSize, strides and dilation are all plain numbers. */
  spatialDims?: 1 | 2 | 3;
}

/** How inputShape was read: which axes it has besides the spatial ones (channels last, as in TensorFlow). */
export type ShapeLayout = 'spatial' | 'spatial+channels' | 'batch+spatial+channels';

/** The arithmetic of one spatial axis. */
export interface AxisArithmetic {
  /** Input size. */
  n: number;
  /** Kernel size. */
  f: number;
  /** Padding [before, after]. */
  p: [number, number];
  /** Stride. */
  s: number;
  /** Dilation. */
  d: number;
  /** The dilated kernel's extent d·(f − 1) + 1. */
  fEffective: number;
  /** Output size. */
  out: number;
  /** The sum with the numbers filled in, e.g. '⌊(32 + 2·0 − 3)/1⌋ + 1 = 30'. */
  formula: string;
}

export interface OutputShape {
  /** The output shape, in the layout of the input (channels become `filters`). */
  shape: number[];
  /** Output sizes of the spatial axes only. */
  spatial: number[];
  layout: ShapeLayout;
  /** One entry per spatial axis. */
  axes: AxisArithmetic[];
  /** Learned numbers of the layer: f1·f2·…·c_in·filters weights + filters biases (when c_in and filters are known). */
  params?: { weights: number; biases: number; total: number };
  /** The whole computation in a few lines, for printing. */
  explanation: string;
}

const FN = 'outputShape';

function perAxis(name: string, value: number | readonly number[], dims: number, ok: (v: unknown) => boolean, what: string): number[] {
  if (typeof value === 'number') {
    check(ok(value), () => `${FN}: ${name} must be ${what}; got ${value}`);
    return new Array(dims).fill(value);
  }
  check(Array.isArray(value) && value.length === dims,
    () => `${FN}: ${name} must be a number or one number per spatial axis (${dims}); got ${JSON.stringify(value)}`);
  value.forEach((v, i) => check(ok(v), () => `${FN}: ${name}[${i}] must be ${what}; got ${v}`));
  return [...value];
}

function spatialDimsOf(spec: ConvSpec): number {
  const fromArrays = [spec.kernelSize, spec.strides, spec.dilation].filter(Array.isArray).map(a => (a as readonly number[]).length);
  const padArray = Array.isArray(spec.padding) ? [(spec.padding as readonly AxisPadding[]).length] : [];
  const candidates = [...fromArrays, ...padArray, ...(spec.spatialDims !== undefined ? [spec.spatialDims] : [])];
  check(candidates.length > 0,
    () => `${FN}: cannot tell 1-D, 2-D or 3-D: give kernelSize as an array (e.g. [3, 3, 3]) or set spatialDims to 1, 2 or 3`);
  check(candidates.every(c => c === candidates[0]) && [1, 2, 3].includes(candidates[0]),
    () => `${FN}: kernelSize, strides, dilation, padding and spatialDims disagree on the number of spatial axes (1, 2 or 3); got ${candidates.join(', ')}`);
  return candidates[0];
}

function paddingOf(padding: ConvPadding, dims: number): Array<[number, number]> | 'same' {
  if (padding === 'same') return 'same';
  if (padding === 'valid') return new Array(dims).fill(null).map(() => [0, 0]);
  if (typeof padding === 'number') {
    check(isNonNegativeInteger(padding), () => `${FN}: padding must be 'valid', 'same', an integer >= 0 or one entry per axis; got ${padding}`);
    return new Array(dims).fill(null).map(() => [padding, padding]);
  }
  check(Array.isArray(padding) && padding.length === dims,
    () => `${FN}: padding must be 'valid', 'same', an integer >= 0 or one entry per spatial axis (${dims}) of p or [before, after]; got ${JSON.stringify(padding)}`);
  return padding.map((p, i) => {
    const pair: [number, number] = typeof p === 'number' ? [p, p] : [p?.[0], p?.[1]];
    check((typeof p === 'number' || (Array.isArray(p) && p.length === 2)) && pair.every(isNonNegativeInteger),
      () => `${FN}: padding[${i}] must be an integer >= 0 or [before, after] integers >= 0; got ${JSON.stringify(p)}`);
    return pair;
  });
}

function layoutOf(inputShape: readonly number[], dims: number): ShapeLayout {
  const extra = inputShape.length - dims;
  check(extra >= 0 && extra <= 2,
    () => `${FN}: inputShape of a ${dims}-D convolution must be [${axisNames(dims)}], [${axisNames(dims)}, channels] or [batch, ${axisNames(dims)}, channels]; got [${inputShape.join(', ')}] (rank ${inputShape.length})`);
  return extra === 0 ? 'spatial' : extra === 1 ? 'spatial+channels' : 'batch+spatial+channels';
}

function axisNames(dims: number): string {
  return ['width', 'height, width', 'depth, height, width'][dims - 1];
}

function axisArithmetic(axis: number, n: number, f: number, s: number, d: number, pad: [number, number] | 'same'): AxisArithmetic {
  const fEffective = d * (f - 1) + 1;
  const dilated = d > 1 ? `f′ = ${d}·(${f} − 1) + 1 = ${fEffective}; ` : '';
  if (pad === 'same') {
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + fEffective - n, 0);
    const p: [number, number] = [Math.floor(total / 2), total - Math.floor(total / 2)];
    return { n, f, p, s, d, fEffective, out, formula: `${dilated}'same': ⌈${n}/${s}⌉ = ${out} (padding ${p[0]} before, ${p[1]} after)` };
  }
  const padded = n + pad[0] + pad[1];
  check(fEffective <= padded,
    () => `${FN}: the kernel (${d > 1 ? `dilated extent ${fEffective}` : `size ${f}`}) is larger than the ${pad[0] + pad[1] ? 'padded ' : ''}input (${padded}) on spatial axis ${axis}; use a smaller kernel, padding or 'same'`);
  const out = Math.floor((padded - fEffective) / s) + 1;
  const padText = pad[0] === pad[1] ? `2·${pad[0]}` : `${pad[0]} + ${pad[1]}`;
  const fName = d > 1 ? fEffective : f;
  return { n, f, p: [pad[0], pad[1]], s, d, fEffective, out, formula: `${dilated}⌊(${n} + ${padText} − ${fName})/${s}⌋ + 1 = ${out}` };
}

/**
 * The output shape of a convolution (or pooling window) on `inputShape`, with each axis's arithmetic.
 *
 * `inputShape` is channels-last as in TensorFlow, for D = 1, 2 or 3 spatial axes:
 * - `[...spatial]` (D numbers): just the sizes, e.g. `[32]` or `[28, 28]`;
 * - `[...spatial, channels]` (D + 1): one example, e.g. `[32, 32, 32, 16]` for a 3-D volume with 16 channels;
 * - `[batch, ...spatial, channels]` (D + 2): what tf.conv1d / conv2d / conv3d take.
 * D comes from the length of kernelSize (or strides, dilation, padding arrays) or from `spatialDims`.
 *
 * @example outputShape([32, 32, 32, 16], { filters: 32, kernelSize: [3, 3, 3] }).shape // [30, 30, 30, 32]
 */
export function outputShape(inputShape: readonly number[], spec: ConvSpec): OutputShape {
  check(Array.isArray(inputShape), () => `${FN}: inputShape must be an array of sizes, e.g. [32, 32, 3]; got ${typeof inputShape}`);
  check(spec != null && typeof spec === 'object', () => `${FN}: expected a spec { kernelSize, filters?, strides?, padding?, dilation? }; got ${typeof spec}`);
  inputShape.forEach((v, i) => check(isPositiveInteger(v), () => `${FN}: inputShape[${i}] must be a positive integer; got ${v}`));
  const dims = spatialDimsOf(spec);
  const layout = layoutOf(inputShape, dims);
  const kernel = perAxis('kernelSize', spec.kernelSize, dims, isPositiveInteger, 'a positive integer');
  const strides = perAxis('strides', spec.strides ?? 1, dims, isPositiveInteger, 'a positive integer');
  const dilation = perAxis('dilation', spec.dilation ?? 1, dims, isPositiveInteger, 'a positive integer');
  const padding = paddingOf(spec.padding ?? 'valid', dims);
  const { filters } = spec;
  check(filters === undefined || isPositiveInteger(filters), () => `${FN}: filters must be a positive integer; got ${filters}`);
  check(layout === 'spatial' || filters !== undefined,
    () => `${FN}: inputShape [${inputShape.join(', ')}] has a channel axis, so the output's channels need filters (the number of filters)`);

  const first = layout === 'batch+spatial+channels' ? 1 : 0;
  const axes = kernel.map((f, i) => axisArithmetic(i, inputShape[first + i], f, strides[i], dilation[i], padding === 'same' ? 'same' : padding[i]));
  const spatial = axes.map(a => a.out);
  const shape = layout === 'spatial' ? spatial
    : layout === 'spatial+channels' ? [...spatial, filters!] : [inputShape[0], ...spatial, filters!];

  let params: OutputShape['params'];
  if (layout !== 'spatial' && filters !== undefined) {
    const channelsIn = inputShape[inputShape.length - 1];
    const weights = kernel.reduce((a, b) => a * b, 1) * channelsIn * filters;
    params = { weights, biases: filters, total: weights + filters };
  }
  const lines = [
    `input [${inputShape.join(', ')}] (${layout}), ${kernel.join('×')} kernel${filters ? `, ${filters} filters` : ''}`,
    ...axes.map((a, i) => `  axis ${i}: ${a.formula}`),
    `output [${shape.join(', ')}]`,
  ];
  if (params) lines.push(`parameters: ${kernel.join('·')}·${inputShape[inputShape.length - 1]}·${filters} weights + ${filters} biases = ${params.total}`);
  return { shape, spatial, layout, axes, ...(params ? { params } : {}), explanation: lines.join('\n') };
}
