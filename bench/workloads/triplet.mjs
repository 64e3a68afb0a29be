// Triplet training step (FaceNet-style, batch-hard mining): a ~1M-parameter conv encoder with
// training-mode batch norm, batch x size x size x 3 images (batch/4 identities x 4), gradients w.r.t.
// all weights, Adam(lr 1e-3, 0.9, 0.999, eps 1e-7).
// Encoder: 5 x [3x3 conv (no bias, 'same'), batch norm over N,H,W (eps 1e-3, biased variance), relu,
// optional 2x2 max pool], global average pool, dense to 128, L2 normalisation.
// Loss: for each anchor the farthest same-identity embedding and the nearest other-identity one,
// mean(relu(d(a, p) - d(a, n) + 0.2)), d the Euclidean distance.
import { heUniform, uniform } from './seeded.mjs';

export const ENCODER = [ // [cout, stride, maxPoolAfter]
  [32, 2, false], [64, 1, true], [128, 1, true], [256, 1, true], [256, 1, false],
];
export const EMBEDDING = 128;
export const MARGIN = 0.2;
export const PER_ID = 4;
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7 };

export const name = 'triplet';
export const describe = 'triplet step: ~1M-param conv encoder with batch norm, batch-hard triplet loss, Adam';

export function variants(o) {
  const { tripletBatch: batch, tripletSize: size } = o;
  return [{ id: `triplet-${size}-b${batch}`, workload: name, cfg: { batch, size }, label: `triplet ${size}px b${batch}` }];
}

/** Conv layers with their output sides: { cin, cout, stride, pool, side, seed }. */
export function encoderLayers(size) {
  let cin = 3, s = size;
  return ENCODER.map(([cout, stride, pool], i) => {
    s = Math.ceil(s / stride); // 'same' padding
    const L = { cin, cout, stride, pool, side: s, seed: 300 + i };
    if (pool) s = Math.floor(s / 2);
    cin = cout;
    return L;
  });
}

export function parameterCount() {
  let n = 0;
  for (const L of encoderLayers(96)) n += 9 * L.cin * L.cout + 2 * L.cout;
  const last = ENCODER[ENCODER.length - 1][0];
  return n + last * EMBEDDING + EMBEDDING;
}

/** FLOPs of one step, for batch B: conv forward C = B * sum 2*Ho*Wo*9*cin*cout; backward w.r.t. inputs C
 *  less the first conv's (the pixels need no gradient); w.r.t. weights C. Dense 256->128: 3 x 2*B*256*128.
 *  Distance matrix E E^T: forward 2*B*B*128, backward twice that. Batch norm, pooling, Adam: not counted. */
export function flops({ batch, size }) {
  const layers = encoderLayers(size);
  const conv = layers.map(L => 2 * L.side * L.side * 9 * L.cin * L.cout * batch);
  const convForward = conv.reduce((a, b) => a + b, 0);
  const dense = 2 * batch * ENCODER[ENCODER.length - 1][0] * EMBEDDING;
  const dist = 2 * batch * batch * EMBEDDING;
  return {
    total: convForward + (convForward - conv[0]) + convForward + 3 * dense + 3 * dist,
    convForward, convBackwardInput: convForward - conv[0], convBackwardFilter: convForward, dense: 3 * dense, distances: 3 * dist,
  };
}

function batchHardLoss(tf, emb, labels, B) {
  const sq = tf.sum(tf.square(emb), 1, true);
  const d2 = tf.relu(tf.add(tf.sub(sq, tf.mul(2, tf.matMul(emb, emb, false, true))), tf.transpose(sq)));
  const d = tf.sqrt(tf.add(d2, 1e-12));
  const same = tf.cast(tf.equal(tf.expandDims(labels, 1), tf.expandDims(labels, 0)), 'float32');
  const hardPos = tf.max(tf.mul(d, tf.sub(same, tf.eye(B))), 1);
  const hardNeg = tf.min(tf.add(d, tf.mul(same, 1e6)), 1);
  return tf.mean(tf.relu(tf.add(tf.sub(hardPos, hardNeg), MARGIN)));
}

export async function setup(tf, { batch, size }) {
  if (!(batch >= 2 * PER_ID && batch % PER_ID === 0)) throw new Error(`triplet: batch must be a multiple of ${PER_ID}, at least ${2 * PER_ID}, got ${batch}`);
  if (!(size >= 16)) throw new Error(`triplet: size must be at least 16, got ${size}`);
  const tag = `${Date.now()}`;
  const variable = (init, name) => { const v = tf.variable(init, true, `${name}-${tag}`); init.dispose(); return v; };
  const convs = encoderLayers(size).map((L, i) => ({
    ...L,
    w: variable(tf.tensor4d(heUniform(9 * L.cin * L.cout, L.seed, 9 * L.cin), [3, 3, L.cin, L.cout]), `enc${i}-w`),
    gamma: variable(tf.ones([L.cout]), `enc${i}-gamma`),
    beta: variable(tf.zeros([L.cout]), `enc${i}-beta`),
  }));
  const last = ENCODER[ENCODER.length - 1][0];
  const dw = variable(tf.tensor2d(uniform(last * EMBEDDING, 320, -Math.sqrt(3 / last), Math.sqrt(3 / last)), [last, EMBEDDING]), 'enc-dw');
  const db = variable(tf.zeros([EMBEDDING]), 'enc-db');
  const vars = [...convs.flatMap(c => [c.w, c.gamma, c.beta]), dw, db];
  const x = tf.tensor4d(uniform(batch * size * size * 3, 21), [batch, size, size, 3]);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => Math.floor(i / PER_ID)), 'int32');
  const encode = () => {
    let h = x;
    for (const c of convs) {
      h = tf.conv2d(h, c.w, c.stride, 'same');
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.relu(tf.batchNorm(h, mean, variance, c.beta, c.gamma, 1e-3));
      if (c.pool) h = tf.maxPool(h, 2, 2, 'valid');
    }
    const e = tf.add(tf.matMul(tf.mean(h, [1, 2]), dw), db);
    return tf.div(e, tf.sqrt(tf.add(tf.sum(tf.square(e), 1, true), 1e-10)));
  };
  const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  return {
    images: batch,
    info: { parameters: vars.reduce((a, v) => a + v.size, 0) },
    async step() {
      const l = opt.minimize(() => batchHardLoss(tf, encode(), labels, batch), true, vars);
      const v = (await l.data())[0];
      l.dispose();
      await dw.data();
      return v;
    },
    dispose() { opt.dispose(); tf.dispose([...vars, x, labels]); },
  };
}
