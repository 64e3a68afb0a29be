// Face encodings per second with the course's pretrained face encoder (`convnet.face`), batches of
// 150x150 crops in, 128-d embeddings out. The PyTorch peer (torch/workloads.py) reads the same face-api
// weight files and builds the same network, so the first embedding value must agree.
// API: face.loadEncoder() -> { inputSize, encode(x: Tensor4D): Promise<Tensor2D> }, pixels 0..255 (no alignment).
import { uniform } from './seeded.mjs';

export const name = 'face';
export const describe = 'face encodings per second with the pretrained face encoder (convnet.face)';
export const NOT_BUILT = 'the pretrained face encoder is not built yet';

export function variants(o) {
  return [{ id: `face-b${o.faceBatch}`, workload: name, cfg: { batch: o.faceBatch }, label: `face encode b${o.faceBatch}` }];
}

/** FLOPs: unknown until the encoder exists (reported as null; images/s is the measure here). */
export function flops() { return { total: null }; }

export class Skipped extends Error {}

export async function setup(tf, { batch }, lib) {
  const face = lib?.face;
  if (!face) throw new Skipped(lib ? NOT_BUILT : 'stock TF.js has no course library (convnet.face)');
  const load = face.loadEncoder ?? face.loadFaceEncoder;
  if (typeof load !== 'function') throw new Skipped(`convnet.face has no loadEncoder(); it exports: ${Object.keys(face).join(', ')}`);
  const enc = await load.call(face);
  const size = enc.inputSize ?? 160;
  // The encoder takes 0..255 pixels; random ones cost the same as faces (no detection here).
  const x = tf.tensor4d(Float32Array.from(uniform(batch * size * size * 3, 51), v => v * 255), [batch, size, size, 3]);
  return {
    images: batch,
    info: { inputSize: size },
    async step() {
      const e = await enc.encode(x, { align: 'none' });
      const v = await e.data();
      e.dispose();
      return v[0];
    },
    dispose() { x.dispose(); enc.dispose?.(); },
  };
}
