// VGG-16 conv blocks 1-4 (10 convs, 3x3, stride 1, 'same'; 2x2 pooling between blocks, none after
// block 4), with seeded weights. Used by the style step (average pooling, as Gatys et al.) and the
// activation sweep (max pooling, as VGG). Weights are [kh, kw, cin, cout]; inputs NHWC.
import { heUniform, uniform } from './seeded.mjs';

export const VGG_BLOCKS = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512]];

/** The conv layers in order: { name, block, cin, cout, seed }. */
export function vggLayers() {
  const layers = [];
  let cin = 3, k = 0;
  VGG_BLOCKS.forEach((block, b) => block.forEach((cout, i) => {
    layers.push({ name: `conv${b + 1}_${i + 1}`, block: b, cin, cout, seed: 100 + k++ });
    cin = cout;
  }));
  return layers;
}

/** Seeded weights as tensors (not variables: nothing trains them). Bias: uniform +-0.01. */
export function makeVgg(tf) {
  return vggLayers().map(L => ({
    ...L,
    w: tf.tensor4d(heUniform(9 * L.cin * L.cout, L.seed, 9 * L.cin), [3, 3, L.cin, L.cout]),
    b: tf.tensor1d(uniform(L.cout, L.seed + 100, -0.01, 0.01)),
  }));
}

/** Forward through the blocks; returns { convName: relu output } for every conv. x: [N, H, W, 3]. */
export function vggForward(tf, net, x, pool) {
  const out = {};
  let h = x;
  for (const L of net) {
    if (L.block > 0 && L.name.endsWith('_1')) h = pool === 'max' ? tf.maxPool(h, 2, 2, 'valid') : tf.avgPool(h, 2, 2, 'valid');
    h = tf.relu(tf.add(tf.conv2d(h, L.w, 1, 'same'), L.b));
    out[L.name] = h;
  }
  return out;
}

/** Forward conv FLOPs per image at size x size, and each conv's output side: 2*Ho*Wo*9*cin*cout. */
export function vggConvFlops(size) {
  let total = 0;
  const perLayer = {};
  for (const L of vggLayers()) {
    const s = Math.floor(size / 2 ** L.block);
    perLayer[L.name] = { side: s, cout: L.cout, flops: 2 * s * s * 9 * L.cin * L.cout };
    total += perLayer[L.name].flops;
  }
  return { total, perLayer };
}

export function assertVggSize(who, size) {
  if (!(Number.isInteger(size) && size >= 8 && size % 8 === 0)) {
    throw new Error(`${who}: the image size must be a multiple of 8 (three 2x2 poolings), got ${size}`);
  }
}
