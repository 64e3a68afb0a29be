// A tiny raster plotting kit for PNG fallbacks of rich outputs (front ends without our renderers: Jupyter,
// GitHub): an RGBA canvas in plain JS, filled rectangles and circles, a 3x5 pixel font, a categorical palette
// and a viridis-like colour map, encoded with pngjs. No tensors, no DOM.

export type Rgb = readonly [number, number, number];

export interface Canvas {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, 4 bytes per pixel. */
  readonly data: Uint8Array;
}

export function createCanvas(width: number, height: number, background: Rgb = [255, 255, 255]): Canvas {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`createCanvas: width and height must be positive integers; got ${width} x ${height}`);
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[4 * i] = background[0]; data[4 * i + 1] = background[1]; data[4 * i + 2] = background[2]; data[4 * i + 3] = 255;
  }
  return { width, height, data };
}

export function setPixel(canvas: Canvas, x: number, y: number, rgb: Rgb): void {
  if (x < 0 || y < 0 || x >= canvas.width || y >= canvas.height) return;
  const i = 4 * (y * canvas.width + x);
  canvas.data[i] = rgb[0]; canvas.data[i + 1] = rgb[1]; canvas.data[i + 2] = rgb[2]; canvas.data[i + 3] = 255;
}

/** Fills the pixels [x, x + w) x [y, y + h) (rounded, clipped to the canvas). */
export function fillRect(canvas: Canvas, x: number, y: number, w: number, h: number, rgb: Rgb): void {
  const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(canvas.width, Math.round(x + w)), y1 = Math.min(canvas.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) setPixel(canvas, xx, yy, rgb);
}

/** A one-pixel rectangle outline. */
export function strokeRect(canvas: Canvas, x: number, y: number, w: number, h: number, rgb: Rgb): void {
  fillRect(canvas, x, y, w, 1, rgb);
  fillRect(canvas, x, y + h - 1, w, 1, rgb);
  fillRect(canvas, x, y, 1, h, rgb);
  fillRect(canvas, x + w - 1, y, 1, h, rgb);
}

/** A filled disc of radius r centred on (cx, cy), with an optional one-pixel ring in `outline`. */
export function fillCircle(canvas: Canvas, cx: number, cy: number, r: number, rgb: Rgb, outline?: Rgb): void {
  const reach = Math.ceil(r) + 1;
  for (let dy = -reach; dy <= reach; dy++) {
    for (let dx = -reach; dx <= reach; dx++) {
      const x = Math.round(cx) + dx, y = Math.round(cy) + dy;
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      if (d <= r) setPixel(canvas, x, y, outline && d > r - 1 ? outline : rgb);
    }
  }
}

// 3x5 glyphs, one number per row, bit 4 = left column. Lower case is drawn as upper case.
const GLYPHS: Record<string, readonly number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 2, 2], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  A: [2, 5, 7, 5, 5], B: [6, 5, 6, 5, 6], C: [3, 4, 4, 4, 3], D: [6, 5, 5, 5, 6], E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4], G: [3, 4, 5, 5, 3], H: [5, 5, 7, 5, 5], I: [7, 2, 2, 2, 7], J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5], L: [4, 4, 4, 4, 7], M: [5, 7, 7, 5, 5], N: [6, 5, 5, 5, 5], O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4], Q: [2, 5, 5, 6, 3], R: [6, 5, 6, 5, 5], S: [3, 4, 2, 1, 6], T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7], V: [5, 5, 5, 5, 2], W: [5, 5, 7, 7, 5], X: [5, 5, 2, 5, 5], Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7], ' ': [0, 0, 0, 0, 0], '-': [0, 0, 7, 0, 0], _: [0, 0, 0, 0, 7], '.': [0, 0, 0, 0, 2],
  ',': [0, 0, 0, 2, 4], ':': [0, 2, 0, 2, 0], '/': [1, 1, 2, 4, 4], '(': [1, 2, 2, 2, 1], ')': [4, 2, 2, 2, 4],
  '#': [5, 7, 5, 7, 5], '+': [0, 2, 7, 2, 0], '=': [0, 7, 0, 7, 0], "'": [2, 2, 0, 0, 0], '?': [7, 1, 2, 0, 2],
  '!': [2, 2, 2, 0, 2], '<': [1, 2, 4, 2, 1], '>': [4, 2, 1, 2, 4], '%': [5, 1, 2, 4, 5], '*': [0, 5, 2, 5, 0],
};

/** Width in pixels of `text` drawn at `scale` (4 columns a character, the last one's gap dropped). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (4 * text.length - 1) * scale;
}

/** Draws `text` with its top-left corner at (x, y); unknown characters show as '?'. Returns the width drawn. */
export function drawText(canvas: Canvas, x: number, y: number, text: string, rgb: Rgb, scale = 1): number {
  let cx = Math.round(x);
  for (const ch of text) {
    const glyph = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS['?'];
    for (let row = 0; row < 5; row++) {
      for (let col = 0; col < 3; col++) {
        if (glyph[row] & (4 >> col)) fillRect(canvas, cx + col * scale, Math.round(y) + row * scale, scale, scale, rgb);
      }
    }
    cx += 4 * scale;
  }
  return textWidth(text, scale);
}

/** `text` cut to at most `maxChars` characters, with '..' when cut. */
export function fitText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(0, Math.max(0, maxChars - 2)) + '..';
}

// Tableau 10: distinguishable categorical colours.
const TABLEAU: readonly Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

/** The colour of category `i`: Tableau 10, then golden-angle hues. */
export function categoryColour(i: number): Rgb {
  if (i < TABLEAU.length) return TABLEAU[i];
  return hslToRgb(((i - TABLEAU.length) * 137.508) % 360, 0.65, 0.45);
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const hp = h / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

const VIRIDIS: readonly Rgb[] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** A viridis-like colour for t in [0, 1] (clamped; NaN is grey). */
export function viridis(t: number): Rgb {
  if (Number.isNaN(t)) return [128, 128, 128];
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

interface PngJs {
  PNG: (new (o: { width: number; height: number }) => { data: Buffer }) & {
    sync: { write(png: unknown, o: { colorType: number; inputColorType: number; inputHasAlpha: boolean; bitDepth: 8 }): Buffer };
  };
}

/** The canvas as RGB PNG bytes. */
export function canvasToPng(canvas: Canvas): Buffer {
  const { PNG } = require('pngjs') as PngJs;
  const png = new PNG({ width: canvas.width, height: canvas.height });
  png.data = Buffer.from(canvas.data.buffer, canvas.data.byteOffset, canvas.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true, bitDepth: 8 });
}
