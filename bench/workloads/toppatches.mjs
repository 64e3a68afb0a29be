// Top-activating patches (Zeiler & Fergus) through the course library: `convnet.activations.topPatches` on the
// seeded VGG-16 blocks 1-4 of the sweep workload (max pooling), early and late layer (conv1_2, conv4_3), every
// unit (64 + 512), k = 9 one patch per image: forward passes, per-image max/argmax per unit, the top-k heaps and
// the receptive-field crops of the survivors. Sizes are the sweep's (--sweep-size/-images/-batch). The PyTorch
// peer does the same forward pass plus the per-unit max over positions and the top 9 images per unit (no crops).
// One step = the whole stream; the check value is the sum of every unit's 9 kept activations.
import { Skipped } from './face.mjs';
import { uniform } from './seeded.mjs';
import { assertVggSize, makeVgg, vggConvFlops, vggForward, vggLayers } from './vgg.mjs';

export const TOPPATCHES_LAYERS = ['conv1_2', 'conv4_3'];
export const TOPPATCHES_K = 9;

export const name = 'toppatches';
export const describe = 'convnet.activations.topPatches: VGG-16 blocks 1-4, conv1_2 + conv4_3, all units, k = 9 (images/s)';

export function variants(o) {
  const { sweepSize: size, sweepImages: images, sweepBatch: batch } = o;
  return [{ id: `toppatches-${size}-n${images}`, workload: name, cfg: { size, images, batch }, label: `topPatches ${size}px ${images} img` }];
}

/** FLOPs of one stream: images * conv forward up to conv4_3 (all of vgg.mjs's convs). Reductions not counted. */
export function flops({ size, images }) {
  const f = vggConvFlops(size).total * images;
  return { total: f, convForward: f };
}

/** The seeded VGG as a network topPatches takes: named activations and the geometry of the path to each. */
function vggNet(tf, net) {
  const layers = vggLayers().map(L => L.name);
  return {
    layers,
    activations(images, wanted) {
      const all = vggForward(tf, net, images, 'max');
      return Object.fromEntries(wanted.map(l => [l, all[l]]));
    },
    geometry(layer) {
      const path = [];
      for (const L of vggLayers().slice(0, layers.indexOf(layer) + 1)) {
        if (L.block > 0 && L.name.endsWith('_1')) path.push({ name: `pool${L.block}`, kernel: 2, stride: 2 });
        path.push({ name: L.name, kernel: 3, padding: 'same' });
      }
      return path;
    },
  };
}

export async function setup(tf, { size, images, batch }, lib) {
  const activations = lib?.activations;
  if (!activations) throw new Skipped(lib ? 'this build of the course library has no convnet.activations' : 'stock TF.js has no course library (convnet.activations)');
  assertVggSize('toppatches', size);
  if (!(images > 0 && batch > 0 && images % batch === 0)) throw new Error(`toppatches: images must be a multiple of batch, got ${images} and ${batch}`);
  const weights = makeVgg(tf);
  const net = vggNet(tf, weights);
  const batches = [];
  for (let i = 0; i < images / batch; i++) batches.push(uniform(batch * size * size * 3, 1000 + i)); // the sweep's inputs
  return {
    images,
    async step() {
      // Uploaded batch by batch as a stream over a data set would be; topPatches disposes what the iterator yields.
      async function* stream() { for (const b of batches) yield tf.tensor4d(b, [batch, size, size, 3]); }
      const result = await activations.topPatches(net, {
        layers: TOPPATCHES_LAYERS, images: stream(), units: 'all', k: TOPPATCHES_K, batchSize: batch,
      });
      let s = 0;
      for (const layer of result.layers) for (const unit of layer.units) for (const p of unit.patches) s += p.value;
      return s;
    },
    dispose() { tf.dispose(weights.flatMap(L => [L.w, L.b])); },
  };
}
