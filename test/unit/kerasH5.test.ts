// VGG-19 from Keras HDF5 weight files (src/lib/style/featureNets/kerasH5.ts, loadFeatureNet with a .h5 path). The
// files are written here with h5wasm (the HDF5 C library; Keras 2 layouts in HDF5's earliest format, as h5py
// writes them) in the layouts Keras writes: save_weights / the
// keras.applications notop file ('block1_conv1/block1_conv1/kernel:0'), model.save ('model_weights/…') and Keras 3
// ('layers/block1_conv1/vars/0').
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ready } from '../../src/lib/tf';
import { loadFeatureNet } from '../../src/lib/style';
import { VGG19_KERNEL_SHAPES, VGG19_LAYERS } from '../../src/lib/style/featureNets/vgg19';
import { assertSameVgg19, seededVgg19Weights, type Vgg19Arrays } from './vgg19TestKit';
import { checkNoTensorLeaks } from './libraryTestKit';

interface H5Group { create_group(name: string): void; get(name: string): H5Group; create_attribute(name: string, value: unknown): void;
  create_dataset(o: { name: string; data: Float32Array; shape: number[]; dtype: string }): void }
interface H5Writable extends H5Group { close(): void }
type H5 = { ready: Promise<unknown>; File: new (file: string, mode: 'w', options?: { libver?: [string, string] }) => H5Writable };

async function h5(): Promise<H5> {
  const specifier = 'h5wasm/node';
  const mod = await import(specifier) as { default: H5 };
  await mod.default.ready;
  return mod.default;
}

const kerasName = (layer: string) => layer.replace(/^conv(\d)_(\d)$/, 'block$1_conv$2');

type Layout = 'save_weights' | 'model.save' | 'keras3';

/** Writes `layers` of `weights` to an .h5 file the way Keras lays it out. */
async function writeKeras(file: string, weights: Vgg19Arrays, layout: Layout, layers = VGG19_LAYERS,
  kernelShape = (layer: string) => [...VGG19_KERNEL_SHAPES[layer]]): Promise<void> {
  const H5 = await h5();
  // Keras 2 files come from h5py, whose default is HDF5's earliest format (superblock 0, symbol-table groups):
  // written that way here too. Keras 3 files (h5py with newer HDF5 and defaults) take the library's latest.
  const f = new H5.File(file, 'w', layout === 'keras3' ? undefined : { libver: ['earliest', 'v108'] });
  try {
    let root: H5Group = f;
    if (layout === 'model.save') { f.create_group('model_weights'); root = f.get('model_weights'); }
    if (layout === 'keras3') { f.create_group('layers'); root = f.get('layers'); }
    if (layout !== 'keras3') root.create_attribute('layer_names', layers.map(kerasName));
    for (const layer of layers) {
      const name = kerasName(layer), { kernel, bias } = weights[layer];
      root.create_group(name);
      const group = root.get(name);
      if (layout === 'keras3') {
        group.create_group('vars');
        group.get('vars').create_dataset({ name: '0', data: kernel, shape: kernelShape(layer), dtype: '<f' });
        group.get('vars').create_dataset({ name: '1', data: bias, shape: [bias.length], dtype: '<f' });
        continue;
      }
      group.create_attribute('weight_names', [`${name}/kernel:0`, `${name}/bias:0`]);
      group.create_group(name);
      group.get(name).create_dataset({ name: 'kernel:0', data: kernel, shape: kernelShape(layer), dtype: '<f' });
      group.get(name).create_dataset({ name: 'bias:0', data: bias, shape: [bias.length], dtype: '<f' });
    }
  } finally {
    f.close();
  }
}

describe('VGG-19 from Keras HDF5 files (.h5)', function () {
  this.timeout(180000);
  let dir: string;
  const weights = seededVgg19Weights(11); // kernels [3, 3, in, out], as Keras stores them
  before(async () => { await ready(); dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-h5-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  checkNoTensorLeaks();

  it("the notop file's layout loads: the network equals VGG-19 built from the same weights, BGR input", async () => {
    const file = path.join(dir, 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5');
    await writeKeras(file, weights, 'save_weights');
    assert.equal(fs.readFileSync(file).subarray(0, 9).toString('latin1'), '\x89HDF\r\n\x1a\n\x00', 'an HDF5 file with superblock version 0, as h5py writes by default');
    const fromFile = await loadFeatureNet({ name: 'vgg19', weights: file });
    try {
      await assertSameVgg19(fromFile, weights, 'bgr', '.h5', 5);
    } finally {
      fromFile.dispose();
    }
  });

  it('finds the weights in the model.save and Keras 3 layouts (a partial file says which layers it lacks)', async () => {
    for (const layout of ['model.save', 'keras3'] as const) {
      const file = path.join(dir, `partial-${layout}.h5`);
      await writeKeras(file, weights, layout, ['conv1_1', 'conv1_2']);
      await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: file }), (e: Error) => {
        assert.match(e.message, /lacks VGG-19 layers conv2_1, conv2_2, conv3_1/, layout);
        assert.doesNotMatch(e.message, /conv1_1|conv1_2/, `${layout}: conv1_1 and conv1_2 were found`);
        return true;
      });
    }
  });

  it('bad files get errors naming the file, the layer and the shapes', async () => {
    const wrong = path.join(dir, 'wrong-shape.h5');
    await writeKeras(wrong, weights, 'save_weights', VGG19_LAYERS, layer => {
      const [kh, kw, cin, cout] = VGG19_KERNEL_SHAPES[layer];
      return layer === 'conv2_1' ? [kh, kw, cout, cin] : [kh, kw, cin, cout]; // in and out swapped: same size, wrong shape
    });
    await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: wrong }),
      /wrong-shape\.h5: VGG-19 layer conv2_1 \(block2_conv1\/block2_conv1\/(kernel|bias):0, block2_conv1\/block2_conv1\/(kernel|bias):0\) has kernel \[3,3,128,64\] and bias \[128\]; expected \[3,3,64,128\] and \[128\]/);
    const notH5 = path.join(dir, 'not-hdf5.h5');
    fs.writeFileSync(notH5, 'just text');
    await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: notH5 }), /not-hdf5\.h5 is not an HDF5 file/);
    await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: path.join(dir, 'missing.h5') }), /no file at .*missing\.h5/);
    await assert.rejects(loadFeatureNet({ name: 'vgg19', weights: path.join(dir, 'model.keras') }), /is a Keras 3 archive \(a zip\); unzip it and pass its model\.weights\.h5/);
  });
});
