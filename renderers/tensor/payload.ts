// The application/vnd.convnet.tensor+json payload, as src/kernel/formatters.ts writes it.
// The shape is declared once in src/protocol/tensor.ts; here it is checked on arrival: outputs also
// come from saved notebooks, which anyone can edit.

import type { ImageScale, TensorImage, TensorPayload, TensorStats } from '../../src/protocol/tensor';
export type { ImageScale, TensorImage, TensorPayload, TensorStats };

function fail(what: string): never {
  throw new Error(`Not a tensor output: ${what}`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNumberOrNull = (v: unknown) => v === null || typeof v === 'number';

/** Checks `data` (parsed JSON) and returns it typed; throws an Error saying what is wrong. */
export function parseTensorPayload(data: unknown): TensorPayload {
  if (typeof data !== 'object' || data === null) fail('expected an object');
  const p = data as Record<string, unknown>;
  if (!Array.isArray(p.shape) || !p.shape.every(isCount)) fail('shape must be an array of sizes');
  if (typeof p.dtype !== 'string') fail('dtype must be a string');
  if (!isCount(p.size)) fail('size must be a count');
  const shape = p.shape as number[];
  if (shape.reduce((a, b) => a * b, 1) !== p.size) fail(`size ${p.size} does not match shape [${shape.join(', ')}]`);

  const payload: TensorPayload = { shape, dtype: p.dtype, size: p.size, truncated: p.truncated === true };
  if (p.values !== undefined) {
    if (!Array.isArray(p.values) || p.values.length !== p.size
      || !p.values.every(v => typeof v === 'number' || typeof v === 'string')) {
      fail(`values must be ${p.size} numbers or strings`);
    }
    payload.values = p.values as Array<number | string>;
  }
  if (p.stats !== undefined) {
    const s = p.stats as Record<string, unknown>;
    if (typeof s !== 'object' || s === null || !['min', 'max', 'mean', 'std'].every(k => isNumberOrNull(s[k]))
      || !isCount(s.nan) || !isCount(s.inf)) {
      fail('stats must have min, max, mean, std, nan and inf');
    }
    payload.stats = s as unknown as TensorStats;
  }
  if (p.image !== undefined) {
    const i = p.image as Record<string, unknown>;
    if (typeof i !== 'object' || i === null || !isCount(i.width) || !isCount(i.height) || i.width < 1 || i.height < 1
      || !(i.channels === 1 || i.channels === 3 || i.channels === 4) || typeof i.png !== 'string'
      || !(i.scale === 'unit' || i.scale === 'byte' || i.scale === 'minmax')) {
      fail('image must have width, height, channels (1, 3 or 4), png and scale');
    }
    if (!imageGeometry(shape)) fail(`shape [${shape.join(', ')}] is not an image shape`);
    payload.image = i as unknown as TensorImage;
  }
  return payload;
}

export interface ImageGeometry { height: number; width: number; channels: number }

/** The image axes of a tensor the kernel sent as an image: [h,w], [h,w,c] or [1,h,w,c]. */
export function imageGeometry(shape: readonly number[]): ImageGeometry | undefined {
  if (shape.length === 2) return { height: shape[0], width: shape[1], channels: 1 };
  if (shape.length === 3) return { height: shape[0], width: shape[1], channels: shape[2] };
  if (shape.length === 4 && shape[0] === 1) return { height: shape[1], width: shape[2], channels: shape[3] };
  return undefined;
}
