// Pairwise distance matrix of n embeddings of d dims (face clustering, nearest neighbours):
// D = sqrt(relu(|a|^2 - 2 A A^T + |b|^2)), n x n, read back to the host in full.
import { uniform } from './seeded.mjs';

export const name = 'distances';
export const describe = 'pairwise Euclidean distance matrix of n x d embeddings, read back in full';

export function variants(o) {
  const { distN: n, distD: d } = o;
  return [{ id: `distances-${n}x${d}`, workload: name, cfg: { n, d }, label: `distances ${n}x${d}` }];
}

/** FLOPs: the matmul, 2*n*n*d. The n*n elementwise ops (about 5 per entry) are not counted. */
export function flops({ n, d }) {
  return { total: 2 * n * n * d, matmul: 2 * n * n * d };
}

export async function setup(tf, { n, d }) {
  const e = tf.tensor2d(uniform(n * d, 31, -1, 1), [n, d]);
  return {
    images: n,
    async step() {
      const D = tf.tidy(() => {
        const sq = tf.sum(tf.square(e), 1, true);
        return tf.sqrt(tf.relu(tf.add(tf.sub(sq, tf.mul(2, tf.matMul(e, e, false, true))), tf.transpose(sq))));
      });
      const v = await D.data();
      D.dispose();
      // check value: the mean of one row (computing the whole sum would add n*n JS work to the timing)
      let s = 0;
      for (let j = 0; j < n; j++) s += v[n + j];
      return s / n;
    },
    dispose() { e.dispose(); },
  };
}
