// The application/vnd.convnet.patches+json payload, declared in src/protocol/patches.ts and checked here on
// arrival: outputs also come from saved notebooks, which anyone can edit. Every error names the bad field.
import type { PatchBox, PatchEntry, PatchLayer, PatchesPayload, PatchSourceImage, PatchUnit } from '../../src/protocol/patches';
export type { PatchBox, PatchEntry, PatchLayer, PatchesPayload, PatchSourceImage, PatchUnit };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fail(what: string): never {
  throw new Error(`Not a patches output: ${what}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isWhole = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isBase64 = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && BASE64.test(v);
const numbers = (v: unknown, length: number, ok: (x: unknown) => boolean): boolean => Array.isArray(v) && v.length === length && v.every(ok);
const describe = (v: unknown) => (Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'string'
  ? `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}` : typeof v);

/** Checks `data` (parsed JSON) and returns it typed; throws an Error naming the bad field. */
export function parsePatchesPayload(data: unknown): PatchesPayload {
  if (!isObject(data)) fail(`expected an object, got ${describe(data)}`);
  if (data.version !== 1) fail(`version must be 1, got ${JSON.stringify(data.version) ?? 'nothing'}`);
  if (!isWhole(data.imageCount)) fail(`imageCount must be a whole number >= 0, got ${describe(data.imageCount)}`);
  if (!isWhole(data.k, 1)) fail(`k must be a whole number >= 1, got ${describe(data.k)}`);
  if (typeof data.onePerImage !== 'boolean') fail(`onePerImage must be true or false, got ${describe(data.onePerImage)}`);
  if (data.title !== undefined && typeof data.title !== 'string') fail(`title must be a string, got ${describe(data.title)}`);
  if (!Array.isArray(data.layers) || data.layers.length === 0) fail('layers must be a non-empty array');
  const layers = data.layers.map((raw, i) => parseLayer(raw, `layers[${i}]`));
  const names = new Set(layers.map(l => l.name));
  if (names.size !== layers.length) fail('layers must have distinct names');
  const payload: PatchesPayload = { version: 1, imageCount: data.imageCount, k: data.k, onePerImage: data.onePerImage, layers };
  if (data.title !== undefined) payload.title = data.title as string;
  if (data.images !== undefined) {
    if (!isObject(data.images)) fail(`images must be an object keyed by image index, got ${describe(data.images)}`);
    const images: Record<string, PatchSourceImage> = {};
    for (const [key, raw] of Object.entries(data.images)) {
      const where = `images[${JSON.stringify(key)}]`;
      if (!/^\d+$/.test(key)) fail(`${where}: keys must be image indices`);
      if (!isObject(raw)) fail(`${where} must be an object, got ${describe(raw)}`);
      if (!isWhole(raw.height, 1) || !isWhole(raw.width, 1)) fail(`${where}.height and .width must be whole numbers >= 1`);
      if (!isBase64(raw.thumbnail)) fail(`${where}.thumbnail must be base64 PNG data`);
      images[key] = { height: raw.height, width: raw.width, thumbnail: raw.thumbnail };
    }
    payload.images = images;
  }
  return payload;
}

function parseLayer(raw: unknown, where: string): PatchLayer {
  if (!isObject(raw)) fail(`${where} must be an object, got ${describe(raw)}`);
  if (typeof raw.name !== 'string' || raw.name.length === 0) fail(`${where}.name must be a non-empty string, got ${describe(raw.name)}`);
  const field = raw.receptiveField;
  if (!isObject(field) || !numbers(field.size, 2, v => isWhole(v, 1)) || !numbers(field.stride, 2, v => isWhole(v, 1)) || !numbers(field.offset, 2, Number.isInteger)) {
    fail(`${where}.receptiveField must be { size: [h, w], stride: [h, w], offset: [h, w] } of whole numbers`);
  }
  if (!numbers(raw.featureShape, 3, v => isWhole(v))) fail(`${where}.featureShape must be [h, w, channels] whole numbers`);
  if (!Array.isArray(raw.units)) fail(`${where}.units must be an array`);
  const units = raw.units.map((u, j) => parseUnit(u, `${where}.units[${j}]`));
  return {
    name: raw.name,
    receptiveField: { size: [...field.size as number[]] as [number, number], stride: [...field.stride as number[]] as [number, number], offset: [...field.offset as number[]] as [number, number] },
    featureShape: [...raw.featureShape as number[]] as [number, number, number], units,
  };
}

function parseUnit(raw: unknown, where: string): PatchUnit {
  if (!isObject(raw)) fail(`${where} must be an object, got ${describe(raw)}`);
  if (!isWhole(raw.unit)) fail(`${where}.unit must be a whole number >= 0, got ${describe(raw.unit)}`);
  if (!Array.isArray(raw.patches)) fail(`${where}.patches must be an array`);
  return { unit: raw.unit, patches: raw.patches.map((p, i) => parsePatch(p, `${where}.patches[${i}]`)) };
}

function parsePatch(raw: unknown, where: string): PatchEntry {
  if (!isObject(raw)) fail(`${where} must be an object, got ${describe(raw)}`);
  if (!isFiniteNumber(raw.value)) fail(`${where}.value must be a finite number, got ${describe(raw.value)}`);
  if (!isWhole(raw.image)) fail(`${where}.image must be a whole number >= 0, got ${describe(raw.image)}`);
  if (!numbers(raw.position, 2, v => isWhole(v))) fail(`${where}.position must be [y, x] whole numbers`);
  if (!numbers(raw.box, 4, Number.isInteger) || (raw.box as number[])[2] < 0 || (raw.box as number[])[3] < 0) fail(`${where}.box must be [top, left, height, width] whole numbers`);
  if (typeof raw.clipped !== 'boolean') fail(`${where}.clipped must be true or false`);
  if (!isBase64(raw.thumbnail)) fail(`${where}.thumbnail must be base64 PNG data`);
  return {
    value: raw.value, image: raw.image, position: [...raw.position as number[]] as [number, number],
    box: [...raw.box as number[]] as PatchBox, clipped: raw.clipped, thumbnail: raw.thumbnail,
  };
}
