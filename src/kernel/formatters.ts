// What a cell's last expression or `display(value)` shows: a MIME bundle built in the kernel.
// tfjs is not imported here: tensors are duck-typed, so any tfjs instance's tensors work, and they are
// read with `await data()` because the WebGPU backend cannot read synchronously.
import { inspect } from 'node:util';
import type { MimeBundle } from '../protocol/messages';
import { DISPLAY_SYMBOL_KEY, TENSOR_MIME } from '../protocol/mime';
import { escapeHtml } from './html';
import { encodePng } from './png';

/** Tensors with more elements than this are sent without `values` (`truncated: true`). */
export const MAX_TENSOR_VALUES = 10_000;
/** Tensor images are downsampled (nearest neighbour) to at most this many pixels per side. */
export const MAX_IMAGE_SIDE = 1024;

const TEXT_EDGE_ITEMS = 3;
const MAX_TEXT_CHARS = 4000;
const HTML_VALUE_COUNT = 20;

/** The part of a tfjs Tensor the formatter uses. */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly size: number;
  readonly isDisposed: boolean;
  data(): Promise<ArrayLike<number> | readonly unknown[]>;
}

import type { ImageScale, TensorImage, TensorPayload, TensorStats } from '../protocol/tensor';
export type { ImageScale, TensorImage, TensorPayload, TensorStats };

// ---- entry point --------------------------------------------------------------------------------

/** The MIME bundle that shows `value`; always has `text/plain`. */
export async function formatValue(value: unknown): Promise<MimeBundle> {
  const displayMethod = value == null ? undefined : (value as Record<symbol, unknown>)[Symbol.for(DISPLAY_SYMBOL_KEY)];
  if (typeof displayMethod === 'function') return formatSelfDescribed(value, displayMethod as () => unknown);
  if (isTensorLike(value)) return formatTensor(value);
  return { 'text/plain': inspectValue(value) };
}

/** True for tfjs Tensors (and Variables) of any tfjs instance. */
export function isTensorLike(value: unknown): value is TensorLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.shape) && typeof v.dtype === 'string' && typeof v.size === 'number'
    && typeof v.data === 'function' && typeof v.isDisposed === 'boolean';
}

function inspectValue(value: unknown): string {
  return inspect(value, { depth: 4, colors: false, maxArrayLength: 100 });
}

async function formatSelfDescribed(value: unknown, displayMethod: (this: unknown) => unknown): Promise<MimeBundle> {
  const bundle: unknown = await displayMethod.call(value);
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) {
    throw new TypeError(`formatValue: the Symbol.for('${DISPLAY_SYMBOL_KEY}') method must return a MIME bundle `
      + `object like { 'text/html': '...' }, got ${inspectValue(bundle)}`);
  }
  const result: MimeBundle = { ...(bundle as MimeBundle) };
  if (typeof result['text/plain'] !== 'string') result['text/plain'] = inspectValue(value);
  return result;
}

// ---- tensors --------------------------------------------------------------------------------------

async function formatTensor(tensor: TensorLike): Promise<MimeBundle> {
  if (tensor.isDisposed) return { 'text/plain': 'Tensor (disposed)' };
  const shape = Array.from(tensor.shape);
  const { dtype, size } = tensor;
  const data = await tensor.data();
  const header = `Tensor ${dtype} [${shape.join(',')}]`;
  const truncated = size > MAX_TENSOR_VALUES;
  const payload: TensorPayload = { shape, dtype, size, truncated };
  const bundle: MimeBundle = { [TENSOR_MIME]: payload };

  if (dtype === 'string') {
    const strings = Array.from(data as ArrayLike<unknown>, String);
    if (!truncated) payload.values = strings;
    const quote = (i: number) => JSON.stringify(strings[i]);
    bundle['text/html'] = htmlSummary(header, shape, dtype, undefined, quote, size);
    bundle['text/plain'] = plainText(header, shape, quote);
    return bundle;
  }

  const numbers = data as ArrayLike<number>;
  if (dtype === 'complex64') {
    // data() interleaves real and imaginary parts.
    const complex = (i: number) => formatComplex(numbers[2 * i], numbers[2 * i + 1]);
    bundle['text/html'] = htmlSummary(header, shape, dtype, undefined, complex, size);
    bundle['text/plain'] = plainText(header, shape, complex);
    return bundle;
  }

  const stats = computeStats(numbers);
  payload.stats = stats;
  if (!truncated) payload.values = toJsonValues(numbers, dtype);
  const format = dtype === 'bool' ? (i: number) => (numbers[i] ? 'true' : 'false') : (i: number) => formatNumber(numbers[i]);
  const geometry = imageGeometry(shape);
  if (geometry) {
    payload.image = tensorImage(numbers, geometry, stats);
    bundle['image/png'] = payload.image.png;
  } else {
    bundle['text/html'] = htmlSummary(header, shape, dtype, stats, format, size);
  }
  bundle['text/plain'] = plainText(header, shape, format);
  return bundle;
}

/** Float64 statistics over the finite values; two passes so `std` does not lose precision. */
function computeStats(values: ArrayLike<number>): TensorStats {
  let nan = 0, inf = 0, count = 0, sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
    else {
      count++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (count === 0) return { min: null, max: null, mean: null, std: null, nan, inf };
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) squares += (v - mean) * (v - mean);
  }
  return { min, max, mean, std: Math.sqrt(squares / count), nan, inf };
}

function toJsonValues(values: ArrayLike<number>, dtype: string): Array<number | string> {
  const out = new Array<number | string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) out[i] = String(v);
    else out[i] = dtype === 'float32' ? shortestFloat32(v) : v;
  }
  return out;
}

/** The shortest decimal that reads back as the same float32: 0.1f is 0.1, not 0.10000000149011612,
 *  which keeps a 10,000-value payload about half the size. */
function shortestFloat32(v: number): number {
  if (Number.isInteger(v)) return v;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

// ---- images ---------------------------------------------------------------------------------------

export interface ImageGeometry { height: number; width: number; channels: 1 | 3 | 4 }

/** The image a tensor shape describes: [h,w], [h,w,c] or [1,h,w,c] with c in 1, 3, 4 and h, w >= 2. */
export function imageGeometry(shape: readonly number[]): ImageGeometry | undefined {
  let dims: readonly number[];
  if (shape.length === 2) dims = [shape[0], shape[1], 1];
  else if (shape.length === 3) dims = shape;
  else if (shape.length === 4 && shape[0] === 1) dims = shape.slice(1);
  else return undefined;
  const [height, width, channels] = dims;
  if (height < 2 || width < 2 || !(channels === 1 || channels === 3 || channels === 4)) return undefined;
  return { height, width, channels };
}

/** Float32 arithmetic overshoots a range a little: tf.linspace(0, 1, 784) ends at 1.0000103. Values this
 *  close to the range (a fraction of its top end) still count as in it; the excess is clamped. */
const SCALE_TOLERANCE = 1e-3;

function chooseScale(stats: TensorStats): ImageScale {
  if (stats.min === null || stats.max === null) return 'minmax';
  const within = (top: number) => stats.min! >= -SCALE_TOLERANCE * top && stats.max! <= top * (1 + SCALE_TOLERANCE);
  if (within(1)) return 'unit';
  if (within(255)) return 'byte';
  return 'minmax';
}

function clampToByte(x: number): number {
  if (Number.isNaN(x) || x <= 0) return 0;
  return x >= 255 ? 255 : Math.round(x);
}

function byteMapper(scale: ImageScale, stats: TensorStats): (v: number) => number {
  if (scale === 'unit') return v => clampToByte(v * 255);
  if (scale === 'byte') return clampToByte;
  const min = stats.min ?? 0;
  const range = (stats.max ?? 0) - min;
  // A constant image (or one without finite values) is black, except +Infinity.
  if (!(range > 0)) return v => (v === Infinity ? 255 : 0);
  return v => clampToByte(((v - min) / range) * 255);
}

function tensorImage(values: ArrayLike<number>, geometry: ImageGeometry, stats: TensorStats): TensorImage {
  const { height, width, channels } = geometry;
  const scale = chooseScale(stats);
  const toByte = byteMapper(scale, stats);
  const shrink = Math.min(1, MAX_IMAGE_SIDE / Math.max(height, width));
  const outWidth = Math.max(1, Math.round(width * shrink));
  const outHeight = Math.max(1, Math.round(height * shrink));
  const pixels = new Uint8Array(outWidth * outHeight * channels);
  for (let y = 0; y < outHeight; y++) {
    // Nearest neighbour: the source pixel under this pixel's centre (the identity when not shrunk).
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outHeight));
    for (let x = 0; x < outWidth; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / outWidth));
      const src = (sy * width + sx) * channels;
      const dst = (y * outWidth + x) * channels;
      for (let c = 0; c < channels; c++) pixels[dst + c] = toByte(values[src + c]);
    }
  }
  const png = encodePng(pixels, outWidth, outHeight, channels).toString('base64');
  return { width: outWidth, height: outHeight, channels, png, scale };
}

// ---- text -----------------------------------------------------------------------------------------

/** Compact number text: integers as is, others with 6 significant digits, tiny or huge ones exponential. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1e-4 && abs < 1e9) return String(Number(v.toPrecision(6)));
  return v.toExponential(4);
}

function formatComplex(re: number, im: number): string {
  return `${formatNumber(re)}${im < 0 || Object.is(im, -0) ? '-' : '+'}${formatNumber(Math.abs(im))}j`;
}

/** Indices to show along an axis; -1 marks the elided middle. */
function edgeIndices(dim: number): number[] {
  if (dim <= 2 * TEXT_EDGE_ITEMS) return Array.from({ length: dim }, (_, i) => i);
  const head = Array.from({ length: TEXT_EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: TEXT_EDGE_ITEMS }, (_, i) => dim - TEXT_EDGE_ITEMS + i);
  return [...head, -1, ...tail];
}

/** Nested brackets like numpy prints them, eliding the middle of long axes. */
function nestedText(shape: readonly number[], format: (flatIndex: number) => string): string {
  const strides = new Array<number>(shape.length);
  for (let axis = shape.length - 1, stride = 1; axis >= 0; axis--) { strides[axis] = stride; stride *= shape[axis]; }
  const render = (axis: number, offset: number): string => {
    if (axis === shape.length) return format(offset);
    const parts = edgeIndices(shape[axis]).map(i => (i < 0 ? '...' : render(axis + 1, offset + i * strides[axis])));
    const separator = axis === shape.length - 1
      ? ', '
      : ',\n' + '\n'.repeat(shape.length - axis - 2) + ' '.repeat(axis + 1);
    return '[' + parts.join(separator) + ']';
  };
  return render(0, 0);
}

function plainText(header: string, shape: readonly number[], format: (flatIndex: number) => string): string {
  const text = `${header}\n${nestedText(shape, format)}`;
  return text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) + '\n…' : text;
}

/** A small table for front ends without our renderer (GitHub, Jupyter); every cell is escaped. */
function htmlSummary(header: string, shape: readonly number[], dtype: string, stats: TensorStats | undefined,
  format: (flatIndex: number) => string, size: number): string {
  const rows: Array<[string, string]> = [['shape', `[${shape.join(', ')}]`], ['dtype', dtype], ['size', String(size)]];
  if (stats) {
    const show = (v: number | null) => (v === null ? '–' : formatNumber(v));
    rows.push(['min', show(stats.min)], ['max', show(stats.max)], ['mean', show(stats.mean)], ['std', show(stats.std)]);
    if (stats.nan > 0) rows.push(['NaN', String(stats.nan)]);
    if (stats.inf > 0) rows.push(['Inf', String(stats.inf)]);
  }
  const shown = Math.min(size, HTML_VALUE_COUNT);
  const first = Array.from({ length: shown }, (_, i) => format(i)).join(', ');
  rows.push(['values', size > shown ? `${first}, …` : first]);
  const body = rows.map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('');
  return `<table class="convnet-tensor-summary"><caption>${escapeHtml(header)}</caption>${body}</table>`;
}
