// Image bytes to pixels in [0, 1]: PNG (pngjs), JPEG (jpeg-js), GIF (omggif, first frame) and PGM/PPM
// (./pnm). The format is told by the file's first bytes, never by its name. No tensors here.
import { decodePnm, looksLikePnm } from './pnm';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'pnm';

/** Decoded pixels, row-major with channels interleaved, each value in [0, 1]. */
export interface DecodedImage {
  format: ImageFormat;
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4;
  data: Float32Array;
}

// The codec packages ship no type declarations (jpeg-js does, but is loaded the same way for symmetry);
// these are the parts used.
interface PngJs { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer; colorType: number; alpha: boolean; color: boolean } } } }
interface JpegJs { decode(b: Uint8Array, o: { useTArray: true; formatAsRGBA: boolean; maxMemoryUsageInMB?: number }): { width: number; height: number; data: Uint8Array } }
interface GifReaderInstance { width: number; height: number; numFrames(): number; decodeAndBlitFrameRGBA(frame: number, pixels: Uint8Array): void }
interface OmgGif { GifReader: new (buf: Uint8Array) => GifReaderInstance }

/** An image that cannot be read: an unknown format, or a file its codec rejects. */
export class ImageDecodeError extends Error {
  constructor(message: string) { super(message); this.name = 'ImageDecodeError'; }
}

export function detectFormat(bytes: Uint8Array): ImageFormat | undefined {
  const at = (i: number, s: string) => [...s].every((c, k) => bytes[i + k] === c.charCodeAt(0));
  if (bytes[0] === 0x89 && at(1, 'PNG')) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'gif';
  if (looksLikePnm(bytes)) return 'pnm';
  return undefined;
}

/** RGBA bytes to the fewest channels that keep them: 1 when every pixel is grey and opaque, 3 when opaque. */
function fromRgba(rgba: Uint8Array, width: number, height: number, format: ImageFormat, want?: 1 | 3 | 4): DecodedImage {
  const n = width * height;
  let channels = want;
  if (!channels) {
    let grey = true, opaque = true;
    for (let i = 0; i < n; i++) {
      const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
      if (r !== g || g !== b) grey = false;
      if (rgba[4 * i + 3] !== 255) opaque = false;
    }
    channels = !opaque ? 4 : grey ? 1 : 3;
  }
  return { format, width, height, channels, data: convertChannels(rgba, 4, channels, 255) };
}

/** Rec. 601 luma, the weights PIL's convert('L') and OpenCV use. */
const LUMA = [0.299, 0.587, 0.114];

/** `samples` (values 0..maxval, `from` channels interleaved) as floats in [0, 1] with `to` channels. */
export function convertChannels(samples: ArrayLike<number>, from: number, to: 1 | 3 | 4, maxval: number): Float32Array {
  const n = samples.length / from;
  const out = new Float32Array(n * to);
  for (let i = 0; i < n; i++) {
    const s = i * from, o = i * to;
    const grey = from === 1 || from === 2;
    const r = samples[s] / maxval;
    const g = grey ? r : samples[s + 1] / maxval;
    const b = grey ? r : samples[s + 2] / maxval;
    const alpha = from === 4 ? samples[s + 3] / maxval : from === 2 ? samples[s + 1] / maxval : 1;
    if (to === 1) {
      out[o] = grey ? r : LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
    } else {
      out[o] = r; out[o + 1] = g; out[o + 2] = b;
      if (to === 4) out[o + 3] = alpha;
    }
  }
  return out;
}

/** Decodes `bytes`; `channels` forces 1, 3 or 4 channels (default: what the file holds). */
export function decodeImage(bytes: Uint8Array, where: string, channels?: 1 | 3 | 4): DecodedImage {
  const format = detectFormat(bytes);
  if (!format) {
    const head = [...bytes.subarray(0, 8)].map(b => b.toString(16).padStart(2, '0')).join(' ');
    throw new ImageDecodeError(`images.load: ${where} is not a PNG, JPEG, GIF, PGM or PPM image (first bytes: ${head || 'none, it is empty'})`);
  }
  const wrap = <T>(f: () => T): T => {
    try { return f(); } catch (e) { throw new ImageDecodeError(`images.load: could not decode ${where} as ${format.toUpperCase()}: ${(e as Error).message}`); }
  };
  switch (format) {
    case 'pnm': {
      let p: ReturnType<typeof decodePnm>;
      try {
        p = decodePnm(bytes);
      } catch (e) {
        throw new ImageDecodeError(`images.load: ${where} is ${(e as Error).message}`);
      }
      return { format, width: p.width, height: p.height, channels: channels ?? p.channels, data: convertChannels(p.samples, p.channels, channels ?? p.channels, p.maxval) };
    }
    case 'png': {
      const png = wrap(() => (require('pngjs') as PngJs).PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
      // Colour type bit 2 is alpha (or a tRNS chunk), bit 1 is colour; pngjs always returns RGBA, rescaled to 8 bits.
      const natural: 1 | 3 | 4 = png.alpha ? 4 : png.color ? 3 : 1;
      return { format, width: png.width, height: png.height, channels: channels ?? natural, data: convertChannels(png.data, 4, channels ?? natural, 255) };
    }
    case 'jpeg': {
      const jpg = wrap(() => (require('jpeg-js') as JpegJs).decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 }));
      return fromRgba(jpg.data, jpg.width, jpg.height, format, channels);
    }
    case 'gif': {
      return wrap(() => {
        const reader = new (require('omggif') as OmgGif).GifReader(bytes);
        const rgba = new Uint8Array(reader.width * reader.height * 4);
        reader.decodeAndBlitFrameRGBA(0, rgba);
        return fromRgba(rgba, reader.width, reader.height, format, channels);
      });
    }
  }
}
