// Style step (Gatys et al.): one optimisation step of the pixels of a 1 x size x size x 3 image.
// Loss = mean((relu4_2 - content)^2) + 1e3 * sum over relu1_2, relu2_2, relu3_3, relu4_3 of
// mean((Gram(F) - Gram(style F))^2), Gram(F) = F^T F / (h*w*c) with F the [h*w, c] features.
// Gradient w.r.t. the pixels only (VGG weights are constants), Adam(lr 0.02, 0.9, 0.999, eps 1e-7).
// Targets (content features, style Grams) are computed once in setup, outside the timing.
import { uniform } from './seeded.mjs';
import { assertVggSize, makeVgg, vggConvFlops, vggForward } from './vgg.mjs';

export const STYLE_LAYERS = ['conv1_2', 'conv2_2', 'conv3_3', 'conv4_3'];
export const CONTENT_LAYER = 'conv4_2';
export const STYLE_WEIGHT = 1e3;
export const ADAM = { lr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-7 };

export const name = 'style';
export const describe = 'style step: VGG-16 blocks 1-4 forward, 4 Gram matrices, gradient w.r.t. the pixels, Adam';

export function variants(o) {
  return o.styleSizes.map(size => ({ id: `style-${size}`, workload: name, cfg: { size }, label: `style ${size}px` }));
}

/** FLOPs of one step: conv forward F (see vgg.mjs) + conv backward w.r.t. inputs (= F again, down to
 *  the pixels) + Gram forward (2*h*w*c^2 per style layer) + Gram backward (two matmuls of that size:
 *  d/dA and d/dB of matMul(F^T, F)). Elementwise ops, pooling and Adam are not counted. */
export function flops({ size }) {
  const conv = vggConvFlops(size);
  let gram = 0;
  for (const n of STYLE_LAYERS) { const { side, cout } = conv.perLayer[n]; gram += 2 * side * side * cout * cout; }
  return { total: 2 * conv.total + 3 * gram, convForward: conv.total, convBackwardInput: conv.total, gramForward: gram, gramBackward: 2 * gram };
}

function gram(tf, f) {
  const [, h, w, c] = f.shape;
  const F = tf.reshape(f, [h * w, c]);
  return tf.div(tf.matMul(F, F, true, false), h * w * c);
}

export async function setup(tf, { size }) {
  assertVggSize('style', size);
  const net = makeVgg(tf);
  const content = tf.tensor4d(uniform(size * size * 3, 11), [1, size, size, 3]);
  const styleImg = tf.tensor4d(uniform(size * size * 3, 12), [1, size, size, 3]);
  const targets = tf.tidy(() => {
    const c = vggForward(tf, net, content, 'avg');
    const s = vggForward(tf, net, styleImg, 'avg');
    const t = { content: c[CONTENT_LAYER] };
    for (const n of STYLE_LAYERS) t[n] = gram(tf, s[n]);
    return t;
  });
  const img = tf.variable(content, true, `style-img-${size}-${Date.now()}`);
  const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  const loss = () => {
    const f = vggForward(tf, net, img, 'avg');
    let l = tf.mean(tf.squaredDifference(f[CONTENT_LAYER], targets.content));
    for (const n of STYLE_LAYERS) l = tf.add(l, tf.mul(STYLE_WEIGHT, tf.mean(tf.squaredDifference(gram(tf, f[n]), targets[n]))));
    return l;
  };
  return {
    images: 1,
    async step() {
      const l = opt.minimize(loss, true, [img]);
      const v = (await l.data())[0];
      l.dispose();
      await img.data(); // the update has landed (async backends)
      return v;
    },
    dispose() {
      opt.dispose();
      tf.dispose([img, content, styleImg, ...Object.values(targets), ...net.flatMap(L => [L.w, L.b])]);
    },
  };
}
