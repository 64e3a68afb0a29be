// Activation sweep (what top-activating patches need): forward batches of images through VGG-16
// blocks 1-4 (max pooling) and, at the last conv of each block, take every channel's spatial max and
// its argmax per image; keep the best image per channel over the sweep. One step = the whole sweep.
// Inputs are generated in setup (seeded) and uploaded in the step, as a real sweep over a data set would.
import { uniform } from './seeded.mjs';
import { assertVggSize, makeVgg, vggConvFlops, vggForward } from './vgg.mjs';

export const SWEEP_LAYERS = ['conv1_2', 'conv2_2', 'conv3_3', 'conv4_3'];

export const name = 'sweep';
export const describe = 'activation sweep: VGG-16 blocks 1-4 forward only, per-channel spatial max + argmax at 4 layers';

export function variants(o) {
  const { sweepSize: size, sweepImages: images, sweepBatch: batch } = o;
  return [{ id: `sweep-${size}-n${images}`, workload: name, cfg: { size, images, batch }, label: `sweep ${size}px ${images} img` }];
}

/** FLOPs of one sweep: images * conv forward (vgg.mjs). The reductions are not counted. */
export function flops({ size, images }) {
  const f = vggConvFlops(size).total * images;
  return { total: f, convForward: f };
}

export async function setup(tf, { size, images, batch }) {
  assertVggSize('sweep', size);
  if (!(images > 0 && batch > 0 && images % batch === 0)) throw new Error(`sweep: images must be a multiple of batch, got ${images} and ${batch}`);
  const net = makeVgg(tf);
  const batches = [];
  for (let i = 0; i < images / batch; i++) batches.push(uniform(batch * size * size * 3, 1000 + i));
  return {
    images,
    async step() {
      const best = {}; // per layer: best value and image per channel
      for (let bi = 0; bi < batches.length; bi++) {
        const outs = tf.tidy(() => {
          const f = vggForward(tf, net, tf.tensor4d(batches[bi], [batch, size, size, 3]), 'max');
          return SWEEP_LAYERS.flatMap(n => {
            const [b, h, w, c] = f[n].shape;
            const flat = tf.reshape(f[n], [b, h * w, c]);
            return [tf.max(flat, 1), tf.argMax(flat, 1)]; // [b, c] each
          });
        });
        const data = await Promise.all(outs.map(t => t.data()));
        tf.dispose(outs);
        SWEEP_LAYERS.forEach((n, li) => {
          const mx = data[2 * li], pos = data[2 * li + 1], c = outs[2 * li].shape[1];
          const cur = best[n] ??= { value: new Float32Array(c).fill(-Infinity), image: new Int32Array(c), pos: new Int32Array(c) };
          for (let j = 0; j < batch; j++) for (let k = 0; k < c; k++) {
            if (mx[j * c + k] > cur.value[k]) { cur.value[k] = mx[j * c + k]; cur.image[k] = bi * batch + j; cur.pos[k] = pos[j * c + k]; }
          }
        });
      }
      // check value: the sum of every channel's best activation over all four layers
      let s = 0;
      for (const n of SWEEP_LAYERS) for (const v of best[n].value) s += v;
      return s;
    },
    dispose() { tf.dispose(net.flatMap(L => [L.w, L.b])); },
  };
}
