// Shared by the face tests: deterministic numbers and small deterministic encoders (real computations,
// not canned results).
import type { Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import type { FaceEncoder } from '../../src/lib/face';
import { tf } from '../../src/lib/tf';

/** Deterministic numbers in [-1, 1) (an LCG). */
export function lcg(count: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push((s / 2 ** 32) * 2 - 1);
  }
  return out;
}

export function batchOf(input: Tensor3D | Tensor4D | Tensor3D[]): Tensor4D {
  if (Array.isArray(input)) return tf.stack(input) as Tensor4D;
  return (input.rank === 3 ? tf.expandDims(input, 0) : input) as Tensor4D;
}

/** Embedding = the image's values in order: [1, 1, dim] images give dim-d embeddings. */
export class FlattenEncoder implements FaceEncoder {
  readonly inputSize = 1;
  calls = 0;
  constructor(readonly dim: number) {}
  async encode(input: Tensor3D | Tensor4D | Tensor3D[]): Promise<Tensor2D> {
    this.calls++;
    return tf.tidy(() => {
      const b = batchOf(input);
      return tf.reshape(b, [b.shape[0], -1]) as Tensor2D;
    });
  }
  dispose(): void {}
}

/** Shrink to 8x8, average the channels, subtract the mean, project with a fixed [64, dim] matrix, L2-normalise. */
export class ProjectionEncoder implements FaceEncoder {
  readonly inputSize = 8;
  private readonly projection: Tensor2D;
  constructor(readonly dim = 32, seed = 1234) {
    this.projection = tf.tensor2d(lcg(64 * dim, seed), [64, dim]);
  }
  async encode(input: Tensor3D | Tensor4D | Tensor3D[]): Promise<Tensor2D> {
    return tf.tidy(() => {
      const b = batchOf(input);
      // Bilinear to 32x32, then 4x4 averages: an 8x8 thumbnail without the aliasing of sampling 64 pixels.
      const small = tf.mean(tf.avgPool(tf.image.resizeBilinear(b, [32, 32], false, true), 4, 4, 'valid'), 3);
      const flat = tf.reshape(small, [b.shape[0], 64]);
      const centred = tf.sub(flat, tf.mean(flat, 1, true));
      const e = tf.matMul(centred, this.projection);
      return tf.div(e, tf.norm(e, 'euclidean', 1, true)) as Tensor2D;
    });
  }
  dispose(): void { this.projection.dispose(); }
}

