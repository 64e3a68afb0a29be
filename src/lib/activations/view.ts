// `activations.patchesView`: a topPatches result as an interactive output. The renderer (renderers/patches) gets
// small PNG thumbnails of every patch and of the source images; front ends without it get one PNG grid drawn
// here in plain JS (per layer: a row per unit, its strongest patches left to right).
import { canvasToPng, createCanvas, drawText, fillRect, fitText, strokeRect, type Canvas, type Rgb } from '../images/plot';
import type { PatchEntry, PatchLayer, PatchesPayload, PatchSourceImage } from '../../protocol/patches';
import { DISPLAY_SYMBOL_KEY, PATCHES_MIME } from '../../protocol/mime';
import { check, isPositiveInteger } from './errors';
import type { Patch, TopPatchesResult } from './topPatches';

export interface PatchesViewOptions {
  title?: string;
  /** Units shown per layer (the first ones of the result). Default 16. */
  maxUnits?: number;
  /** Longest side of a patch thumbnail. Default 64. */
  thumbnailSide?: number;
  /** Longest side of the source-image copies (they show where a patch sits; they weigh most of the payload).
   *  Default 64; 0 leaves them out. */
  sourceSide?: number;
}

/** Rows per layer and size of a cell in the PNG fallback. */
export const FALLBACK_UNITS = 8;
export const FALLBACK_CELL = 36;

/** What `patchesView` returns: shown by the kernel through its `Symbol.for('convnet.display')` method. */
export class PatchesView {
  constructor(readonly payload: PatchesPayload, private readonly pngBase64: string) {}

  summary(): string {
    const layers = this.payload.layers.map(l => `${l.name} (${l.units.length} units, field ${l.receptiveField.size.join('x')})`);
    return `PatchesView${this.payload.title ? ` '${this.payload.title}'` : ''}: top ${this.payload.k} patches over `
      + `${this.payload.imageCount} images for ${layers.join(', ')}`;
  }

  [Symbol.for(DISPLAY_SYMBOL_KEY)](): Record<string, unknown> {
    return { [PATCHES_MIME]: this.payload, 'image/png': this.pngBase64, 'text/plain': this.summary() };
  }
}

/** An image in plain JS: RGB, row-major. */
interface Rgb8 { height: number; width: number; data: Uint8Array }

/**
 * The top patches of `topPatches` as an output: make it the last expression of a cell.
 * Deeper layers have larger receptive fields, so their patches are larger parts of the images.
 */
export function patchesView(result: TopPatchesResult, options: PatchesViewOptions = {}): PatchesView {
  const fn = 'patchesView';
  check(result != null && Array.isArray(result.layers) && result.sources instanceof Map,
    () => `${fn}: result must be what activations.topPatches returned; got ${result === null ? 'null' : typeof result}`);
  check(options != null && typeof options === 'object', () => `${fn}: options must be an object; got ${typeof options}`);
  const maxUnits = options.maxUnits ?? 16;
  const side = options.thumbnailSide ?? 64;
  check(isPositiveInteger(maxUnits), () => `${fn}: options.maxUnits must be a positive integer; got ${JSON.stringify(options.maxUnits)}`);
  check(isPositiveInteger(side) && side <= 256, () => `${fn}: options.thumbnailSide must be an integer in 1..256; got ${JSON.stringify(options.thumbnailSide)}`);
  const sourceSide = options.sourceSide ?? 64;
  check(Number.isInteger(sourceSide) && sourceSide >= 0 && sourceSide <= 256, () => `${fn}: options.sourceSide must be an integer in 0..256; got ${JSON.stringify(options.sourceSide)}`);
  check(options.title === undefined || typeof options.title === 'string', () => `${fn}: options.title must be a string; got ${typeof options.title}`);

  const used = new Set<number>();
  const layers: PatchLayer[] = result.layers.map(layer => {
    const f = layer.receptiveField;
    check(f.size.length === 2, () => `${fn}: layer '${layer.layer}' is not 2-D (receptive field ${JSON.stringify(f.size)})`);
    return {
      name: layer.layer,
      receptiveField: { size: [f.size[0], f.size[1]], stride: [f.stride[0], f.stride[1]], offset: [f.offset[0], f.offset[1]] },
      featureShape: [...layer.featureShape],
      units: layer.units.slice(0, maxUnits).map(u => ({
        unit: u.unit,
        patches: u.patches.map((p): PatchEntry => {
          used.add(p.image);
          return {
            value: p.value, image: p.image, position: [...p.position], clipped: p.clipped,
            box: [p.box.top, p.box.left, p.box.height, p.box.width], thumbnail: toBase64Png(patchImage(p, side)),
          };
        }),
      })),
    };
  });
  const images: Record<string, PatchSourceImage> = {};
  for (const index of sourceSide > 0 ? used : []) {
    const s = result.sources.get(index);
    if (!s) continue;
    const t = s.thumbnail;
    images[String(index)] = { height: s.height, width: s.width, thumbnail: toBase64Png(shrink({ height: t.height, width: t.width, data: rgbOf(t.pixels, t.channels) }, sourceSide)) };
  }
  const payload: PatchesPayload = {
    version: 1, imageCount: result.images, k: result.k, onePerImage: result.onePerImage, layers,
    ...(options.title ? { title: options.title } : {}), ...(Object.keys(images).length ? { images } : {}),
  };
  return new PatchesView(payload, fallbackPng(result, payload.title));
}

/** Hatch for pixels of a field that lie outside the image. */
const hatch = (x: number, y: number): number => (((x + y) >> 2) & 1 ? 96 : 160);

/**
 * The whole receptive field of a patch, scaled (nearest) to at most `side` a side (smaller fields are enlarged
 * only when `enlarge`): image pixels where the unit sees the image, a grey hatch where the field reached past it.
 */
export function patchImage(patch: Patch, side: number, enlarge = false): Rgb8 {
  const { box, crop } = patch;
  const scale = Math.min(enlarge ? Infinity : 1, side / Math.max(box.height, box.width));
  const height = Math.max(1, Math.round(box.height * scale)), width = Math.max(1, Math.round(box.width * scale));
  const data = new Uint8Array(height * width * 3);
  const c = patch.channels;
  for (let y = 0; y < height; y++) {
    const iy = box.top + Math.min(box.height - 1, Math.floor((y + 0.5) * box.height / height));
    for (let x = 0; x < width; x++) {
      const ix = box.left + Math.min(box.width - 1, Math.floor((x + 0.5) * box.width / width));
      const o = (y * width + x) * 3;
      const cy = iy - crop.top, cx = ix - crop.left;
      if (cy < 0 || cx < 0 || cy >= crop.height || cx >= crop.width) {
        data[o] = data[o + 1] = data[o + 2] = hatch(x, y);
        continue;
      }
      const i = (cy * crop.width + cx) * c;
      data[o] = patch.pixels[i];
      data[o + 1] = patch.pixels[c === 3 ? i + 1 : i];
      data[o + 2] = patch.pixels[c === 3 ? i + 2 : i];
    }
  }
  return { height, width, data };
}

/** Nearest-neighbour copy with the longest side at most `side` (never enlarged). */
function shrink(image: Rgb8, side: number): Rgb8 {
  const scale = side / Math.max(image.height, image.width);
  if (scale >= 1) return image;
  const height = Math.max(1, Math.round(image.height * scale)), width = Math.max(1, Math.round(image.width * scale));
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor((y + 0.5) / scale));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.floor((x + 0.5) / scale));
      data.set(image.data.subarray(3 * (sy * image.width + sx), 3 * (sy * image.width + sx) + 3), 3 * (y * width + x));
    }
  }
  return { height, width, data };
}

function rgbOf(pixels: Uint8Array, channels: number): Uint8Array {
  if (channels === 3) return pixels;
  const out = new Uint8Array(pixels.length * 3);
  for (let i = 0; i < pixels.length; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = pixels[i];
  return out;
}

function blit(canvas: Canvas, image: Rgb8, x0: number, y0: number): void {
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const cx = x0 + x, cy = y0 + y;
      if (cx < 0 || cy < 0 || cx >= canvas.width || cy >= canvas.height) continue;
      const o = 4 * (cy * canvas.width + cx), i = 3 * (y * image.width + x);
      canvas.data[o] = image.data[i]; canvas.data[o + 1] = image.data[i + 1]; canvas.data[o + 2] = image.data[i + 2]; canvas.data[o + 3] = 255;
    }
  }
}

function toBase64Png(image: Rgb8): string {
  const canvas = createCanvas(image.width, image.height);
  blit(canvas, image, 0, 0);
  return canvasToPng(canvas).toString('base64');
}

const INK: Rgb = [40, 40, 40];
const MUTED: Rgb = [120, 120, 120];
const CLIPPED: Rgb = [214, 39, 40];

/** The PNG fallback: per layer a title line, then up to FALLBACK_UNITS rows of k patch cells. */
function fallbackPng(result: TopPatchesResult, title?: string): string {
  const label = 44, pad = 6, cell = FALLBACK_CELL, line = 10;
  const k = Math.max(1, ...result.layers.flatMap(l => l.units.map(u => u.patches.length)));
  const width = label + k * cell + 2 * pad;
  const titleHeight = title ? line + 4 : 0;
  const height = pad + titleHeight + result.layers.reduce((sum, l) => sum + line + 2 + Math.min(FALLBACK_UNITS, l.units.length) * cell + pad, 0);
  const canvas = createCanvas(width, Math.max(height, 16));
  let y = pad;
  if (title) { drawText(canvas, pad, y, fitText(title, Math.floor((width - 2 * pad) / 4)), INK); y += titleHeight; }
  for (const layer of result.layers) {
    const f = layer.receptiveField;
    drawText(canvas, pad, y, fitText(`${layer.layer}  field ${f.size.join('x')}  stride ${f.stride.join('x')}`, Math.floor((width - 2 * pad) / 4)), INK);
    y += line + 2;
    for (const unit of layer.units.slice(0, FALLBACK_UNITS)) {
      drawText(canvas, pad, y + cell / 2 - 3, fitText(`#${unit.unit}`, 10), MUTED);
      unit.patches.forEach((p, j) => {
        const x = label + j * cell;
        const img = patchImage(p, cell - 4, true);
        blit(canvas, img, x + Math.floor((cell - 4 - img.width) / 2), y + Math.floor((cell - 4 - img.height) / 2));
        if (p.clipped) strokeRect(canvas, x - 1, y - 1, cell - 2, cell - 2, CLIPPED);
      });
      if (unit.patches.length === 0) fillRect(canvas, label, y + cell / 2, 8, 1, MUTED);
      y += cell;
    }
    y += pad;
  }
  return canvasToPng(canvas).toString('base64');
}
