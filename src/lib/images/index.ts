// Images in and out of tensors: `load` reads PNG, JPEG, GIF (first frame) and PGM/PPM into a float32
// [height, width, channels] tensor with values in [0, 1]; `toPng` writes a tensor back as PNG bytes.
import { readFile } from 'node:fs/promises';
import { tf } from '../tf';
import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs';
import { decodeImage, type DecodedImage } from './decode';
import { sizeOf, type ImageSize } from './resize';

export { resize, type ImageSize } from './resize';
export { detectFormat, ImageDecodeError, type ImageFormat, type DecodedImage } from './decode';

export interface LoadOptions {
  /** Resize (bilinear) to this size: one number for a square, or [height, width]. */
  size?: ImageSize;
  /** 1 (grey, Rec. 601 luma), 3 (RGB) or 4 (RGBA). Default: what the file holds (1 for grey files). */
  channels?: 1 | 3 | 4;
}

function checkChannels(channels: unknown, fn: string): 1 | 3 | 4 | undefined {
  if (channels === undefined) return undefined;
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new Error(`${fn}: channels must be 1, 3 or 4; got ${JSON.stringify(channels)}`);
  return channels;
}

/** Decodes without making a tensor: for code that wants the pixels in JS. */
export async function decode(pathOrBytes: string | Uint8Array | ArrayBuffer, options: { channels?: 1 | 3 | 4 } = {}): Promise<DecodedImage> {
  const channels = checkChannels(options.channels, 'images.load');
  let bytes: Uint8Array, where: string;
  if (typeof pathOrBytes === 'string') {
    where = `'${pathOrBytes}'`;
    try {
      bytes = await readFile(pathOrBytes);
    } catch (e) {
      throw new Error(`images.load: cannot read ${where}: ${(e as Error).message}`);
    }
  } else if (pathOrBytes instanceof Uint8Array || pathOrBytes instanceof ArrayBuffer) {
    where = 'the given bytes';
    bytes = pathOrBytes instanceof ArrayBuffer ? new Uint8Array(pathOrBytes) : pathOrBytes;
  } else {
    throw new Error(`images.load: pathOrBytes must be a file path, a Uint8Array/Buffer or an ArrayBuffer; got ${typeof pathOrBytes}`);
  }
  return decodeImage(bytes, where, channels);
}

/**
 * Reads an image file (or its bytes): PNG, JPEG, GIF (first frame), PGM or PPM (P2/P5/P3/P6, any maxval),
 * told apart by their first bytes.
 * @returns float32 [height, width, channels], values in [0, 1] (sample / maxval)
 */
export async function load(pathOrBytes: string | Uint8Array | ArrayBuffer, options: LoadOptions = {}): Promise<Tensor3D> {
  const size = options.size === undefined ? undefined : sizeOf(options.size, 'images.load');
  const img = await decode(pathOrBytes, options);
  return tf.tidy(() => {
    const t = tf.tensor3d(img.data, [img.height, img.width, img.channels], 'float32');
    if (!size || (size[0] === img.height && size[1] === img.width)) return t;
    return tf.image.resizeBilinear(t, size, false, true);
  });
}

interface PngJsWrite {
  PNG: (new (o: { width: number; height: number }) => { data: Buffer }) & {
    sync: { write(png: unknown, o: { colorType: number; inputColorType: number; inputHasAlpha: boolean; bitDepth: 8 }): Buffer };
  };
}

/** PNG colour type per channel count: grey, grey + alpha, RGB, RGBA. */
const COLOR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/**
 * Encodes an image as PNG (8 bits per sample). Float tensors are taken as [0, 1] and int32 tensors as
 * 0..255; values outside are clamped. The tensor is not disposed.
 * @param image [height, width, channels] with 1, 2, 3 or 4 channels, or [height, width] (grey)
 */
export async function toPng(image: Tensor3D | Tensor2D): Promise<Buffer> {
  if (!image || (image.rank !== 2 && image.rank !== 3)) {
    throw new Error(`images.toPng: image must be [height, width, channels] or [height, width]; got shape [${image?.shape}]`);
  }
  const [height, width] = image.shape;
  const channels = image.rank === 3 ? image.shape[2] as number : 1;
  if (!(channels in COLOR_TYPE)) throw new Error(`images.toPng: image must have 1, 2, 3 or 4 channels; got shape [${image.shape}]`);
  if (height < 1 || width < 1) throw new Error(`images.toPng: image is empty; got shape [${image.shape}]`);
  const bytes = tf.tidy(() => {
    const scaled = image.dtype === 'int32' ? image : tf.mul(image, 255).round();
    return tf.clipByValue(scaled, 0, 255).toInt();
  });
  const values = await bytes.data();
  bytes.dispose();
  const { PNG } = require('pngjs') as PngJsWrite;
  const png = new PNG({ width, height });
  png.data = Buffer.from(Uint8Array.from(values));
  return PNG.sync.write(png, { colorType: COLOR_TYPE[channels], inputColorType: COLOR_TYPE[channels], inputHasAlpha: channels === 2 || channels === 4, bitDepth: 8 });
}
