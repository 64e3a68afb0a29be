import { tf } from '../tf';
import type { Tensor3D } from '@tensorflow/tfjs';

/** A target size: one number for a square, or [height, width]. */
export type ImageSize = number | readonly [number, number];

/** [height, width] from an ImageSize, checked; `fn` names the caller in errors. */
export function sizeOf(size: ImageSize, fn: string): [number, number] {
  const shapeOk = typeof size === 'number' || (Array.isArray(size) && size.length === 2);
  const hw: [number, number] = typeof size === 'number' ? [size, size] : shapeOk ? [size[0], size[1]] : [NaN, NaN];
  if (!hw.every(v => Number.isInteger(v) && v >= 1)) {
    throw new Error(`${fn}: size must be a whole number >= 1 or [height, width] of them; got ${JSON.stringify(size)}`);
  }
  return hw;
}

/**
 * Bilinear resize with half-pixel centres (the convention of PIL, OpenCV and TF2's tf.image.resize).
 * @param image [h, w, c]
 * @returns [size[0], size[1], c] (a new tensor; the input is not disposed)
 */
export function resize(image: Tensor3D, size: ImageSize): Tensor3D {
  const [h, w] = sizeOf(size, 'images.resize');
  if (image.rank !== 3) throw new Error(`images.resize: image must be [height, width, channels]; got shape [${image.shape}]`);
  return tf.tidy(() => tf.image.resizeBilinear(image, [h, w], false, true));
}
