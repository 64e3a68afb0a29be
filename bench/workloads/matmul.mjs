// A reference point for the others: one n x n x n float32 matmul, result read back. Its GFLOP/s is
// close to what an implementation's convolutions can reach at best.
import { uniform } from './seeded.mjs';

export const name = 'matmul';
export const describe = 'n x n x n float32 matrix product (the ceiling the convolutions are measured against)';

export function variants(o) {
  return [{ id: `matmul-${o.matmulN}`, workload: name, cfg: { n: o.matmulN }, label: `matmul ${o.matmulN}` }];
}

/** FLOPs: 2*n^3. */
export function flops({ n }) { return { total: 2 * n ** 3 }; }

export async function setup(tf, { n }) {
  const a = tf.tensor2d(uniform(n * n, 41, -1, 1), [n, n]);
  const b = tf.tensor2d(uniform(n * n, 42, -1, 1), [n, n]);
  return {
    images: 0,
    async step() {
      const c = tf.matMul(a, b);
      const v = await c.data();
      c.dispose();
      let s = 0;
      for (let j = 0; j < n; j++) s += v[j]; // check value: the sum of the first row
      return s;
    },
    dispose() { tf.dispose([a, b]); },
  };
}
