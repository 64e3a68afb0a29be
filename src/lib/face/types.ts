import { checkThrowing, type Check } from '../ops/argumentError';
import type { Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs';

/** Options for `FaceEncoder.encode`. */
export interface EncodeOptions {
  /** 'detect': find and align the face first; 'none': the image is already a face crop. */
  align?: 'detect' | 'none';
}

/**
 * A network that maps face images to embeddings f(x), such that ||f(x1) - f(x2)|| is small for the same
 * person. `face.loadEncoder()` gives the pretrained 128-d one; tests use small deterministic ones.
 */
export interface FaceEncoder {
  /** Side of the square input the network expects (images of other sizes are resized). */
  readonly inputSize: number;
  /** Embedding length. */
  readonly dim: number;
  /**
   * @param images one [h, w, c] image, a batch [n, h, w, c], or a list of [h, w, c] images
   * @returns [n, dim] (n = 1 for a single image); the caller disposes it
   */
  encode(images: Tensor3D | Tensor4D | Tensor3D[], options?: EncodeOptions): Promise<Tensor2D>;
  dispose(): void;
}

/** Images that an encoder accepts. */
export type FaceImages = Tensor3D | Tensor4D | Tensor3D[];

/** A labelled pair for verification: indices of two embeddings (or images) and whether they are the same person. */
export type LabelledPair = readonly [number, number, boolean];

/** A bad argument to a face function: the message names the function, the argument and what was expected. */
export class FaceArgumentError extends Error {
  constructor(message: string) { super(message); this.name = 'FaceArgumentError'; }
}

/** Throws a FaceArgumentError with `message()` (built only on failure) unless `cond` holds. */
export const check: Check = checkThrowing(FaceArgumentError);

export { shapeOf } from '../ops/shapeOf';
