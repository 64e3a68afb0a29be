// VGG-19 weights from a MatConvNet "SimpleNN" file: imagenet-vgg-verydeep-19.mat, the file the course's
// TensorFlow 1 notebook loads with scipy.io.loadmat. Its variable `layers` is a cell array of structs; a
// convolution has name 'convB_C', type 'conv' and weights {W [3, 3, in, out], b [out, 1]} (older files:
// `filters` and `biases`). MatConvNet's kernels take RGB input (Keras' take BGR).
import * as fs from 'node:fs';
import { MatFileError, readMatFile, rowMajorFloat32, type MatNumeric, type MatValue } from './matFile';
import { VGG19_KERNEL_SHAPES, VGG19_LAYERS } from './vgg19';

export function isMatFilePath(p: string): boolean {
  return /\.mat$/i.test(p);
}

/** The sixteen VGG-19 convolutions of a MatConvNet SimpleNN .mat file, keyed 'conv1_1' … 'conv5_4'. */
export function readMatConvNetVgg19(file: string): Record<string, { kernel: Float32Array; bias: Float32Array }> {
  if (!fs.existsSync(file)) throw new MatFileError(`loadFeatureNet: no file at ${file}`);
  return vgg19FromMatConvNet(readMatFile(fs.readFileSync(file), file), file);
}

export function vgg19FromMatConvNet(variables: Record<string, MatValue>, source: string): Record<string, { kernel: Float32Array; bias: Float32Array }> {
  const layers = variables.layers;
  if (!layers || layers.kind !== 'cell') {
    throw new MatFileError(`loadFeatureNet: ${source} has no cell array 'layers' (variables: ${Object.keys(variables).join(', ') || 'none'}); ` +
      'expected a MatConvNet SimpleNN network such as imagenet-vgg-verydeep-19.mat');
  }
  const found = new Map<string, { kernel: Float32Array; bias: Float32Array }>();
  for (const cell of layers.cells) {
    const layer = cell.kind === 'struct' && cell.elements.length === 1 ? cell.elements[0] : undefined;
    if (!layer) continue;
    const name = layer.name?.kind === 'char' ? layer.name.text : '';
    if (!VGG19_LAYERS.includes(name)) continue;
    const weights = layer.weights;
    const [W, b] = weights?.kind === 'cell' ? weights.cells : [layer.filters, layer.biases];
    const shape = VGG19_KERNEL_SHAPES[name];
    const numeric = (v: MatValue | undefined): v is MatNumeric => v?.kind === 'numeric';
    if (!numeric(W) || !numeric(b)) throw new MatFileError(`loadFeatureNet: ${source}: layer ${name} has no numeric weights {W, b}`);
    const kernelDims = [...W.dims, 1, 1, 1, 1].slice(0, 4);
    if (kernelDims.join() !== shape.join() || b.data.length !== shape[3]) {
      throw new MatFileError(`loadFeatureNet: ${source}: layer ${name} has kernel [${W.dims}] and bias [${b.dims}]; VGG-19's are [${shape}] and [${shape[3]}]`);
    }
    found.set(name, { kernel: rowMajorFloat32({ ...W, dims: kernelDims }), bias: Float32Array.from(b.data as ArrayLike<number>) });
  }
  const missing = VGG19_LAYERS.filter(l => !found.has(l));
  if (missing.length) {
    throw new MatFileError(`loadFeatureNet: ${source} lacks VGG-19 layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
      '(expected MatConvNet layers named conv1_1 … conv5_4, as in imagenet-vgg-verydeep-19.mat)');
  }
  return Object.fromEntries(found);
}
