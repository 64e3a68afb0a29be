// A small PNG encoder (8 bits per sample, no interlacing) for tensor images sent to renderers.
// Tensors never cross the process boundary, so the kernel turns image-like tensors into PNG bytes.
import { deflateSync } from 'node:zlib';

export type PngChannels = 1 | 2 | 3 | 4;

/** PNG colour type per channel count: gray, gray+alpha, RGB, RGBA. */
const COLOR_TYPE: Record<PngChannels, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG limits width and height to 2^31 - 1. */
const MAX_DIMENSION = 0x7fffffff;

let crcTable: Uint32Array | undefined;

function getCrcTable(): Uint32Array {
  if (crcTable) return crcTable;
  crcTable = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crcTable[n] = c >>> 0;
  }
  return crcTable;
}

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  const table = getCrcTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  // The CRC covers the chunk type and data, not the length.
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Filters one scanline with each of the five PNG filters and writes the one with the smallest sum
 *  of absolute (signed) residuals, the heuristic the PNG spec recommends, into `out` at `offset`. */
function writeFilteredRow(row: Uint8Array, prev: Uint8Array | undefined, bpp: number, out: Uint8Array, offset: number,
  scratch: Uint8Array[]): void {
  const n = row.length;
  let best = 0;
  let bestScore = Infinity;
  for (let filter = 0; filter < 5; filter++) {
    const buf = scratch[filter];
    let score = 0;
    for (let i = 0; i < n; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = prev ? prev[i] : 0;
      const c = prev && i >= bpp ? prev[i - bpp] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >>> 1;
      else if (filter === 4) predictor = paeth(a, b, c);
      const residual = (row[i] - predictor) & 0xff;
      buf[i] = residual;
      score += residual < 128 ? residual : 256 - residual;
    }
    if (score < bestScore) { bestScore = score; best = filter; }
  }
  out[offset] = best;
  out.set(scratch[best], offset + 1);
}

/**
 * Encodes 8-bit pixels as a PNG file.
 * @param pixels row-major samples, `height * width * channels` of them, channels interleaved.
 * @param channels 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
 */
export function encodePng(pixels: Uint8Array | Uint8ClampedArray, width: number, height: number,
  channels: PngChannels): Buffer {
  if (!(pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray)) {
    throw new TypeError(`encodePng: pixels must be a Uint8Array or Uint8ClampedArray, got ${describe(pixels)}`);
  }
  checkDimension('width', width);
  checkDimension('height', height);
  if (!(channels === 1 || channels === 2 || channels === 3 || channels === 4)) {
    throw new RangeError(`encodePng: channels must be 1, 2, 3 or 4, got ${describe(channels)}`);
  }
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new RangeError(`encodePng: pixels has ${pixels.length} samples, but width ${width} x height ${height} x `
      + `channels ${channels} needs ${stride * height}`);
  }

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels];
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method: adaptive
  ihdr[12] = 0; // no interlace

  // Each scanline is a filter-type byte followed by the filtered samples.
  const raw = new Uint8Array((stride + 1) * height);
  const scratch = Array.from({ length: 5 }, () => new Uint8Array(stride));
  const samples = pixels instanceof Uint8Array ? pixels : new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length);
  for (let y = 0; y < height; y++) {
    const row = samples.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? samples.subarray((y - 1) * stride, y * stride) : undefined;
    writeFilteredRow(row, prev, channels, raw, y * (stride + 1), scratch);
  }

  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
    throw new RangeError(`encodePng: ${name} must be a positive integer, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
