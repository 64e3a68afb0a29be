// VGG-19 weights from a Keras HDF5 file: the TF2 assignment's vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5,
// or any keras.applications.VGG19 saved with save_weights / model.save (Keras 2: datasets '…/block1_conv1/kernel:0')
// or as a Keras 3 '.weights.h5' ('layers/block1_conv1/vars/0' = kernel, '…/1' = bias; a '.keras' file is a zip
// holding one: unzip it first). The file is read with
// h5wasm, the HDF5 C library compiled to WebAssembly (shipped inside its npm package; nothing is downloaded).
// Keras kernels are [kh, kw, in, out] already and expect BGR input (Caffe's preprocessing).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VGG19_KERNEL_SHAPES, VGG19_LAYERS } from './vgg19';

export function isHdf5Path(p: string): boolean {
  return /\.(h5|hdf5)$/i.test(p);
}

/** The part of h5wasm's API used here. */
interface H5Node { type?: string; keys?(): string[]; get?(name: string): H5Node | null; shape?: number[]; dtype?: string; value?: unknown }
interface H5File extends H5Node { close(): void }
interface H5Module { ready: Promise<unknown>; File: new (file: string, mode: 'r') => H5File }

async function loadH5wasm(): Promise<H5Module> {
  const specifier = 'h5wasm/node'; // ESM only: a dynamic import, kept as one by the bundler
  const mod = await import(specifier) as { default: H5Module };
  await mod.default.ready;
  return mod.default;
}

/** Every dataset of the file with its path ('a/b/c'). */
function datasets(node: H5Node, prefix: string, out: Map<string, H5Node>): void {
  for (const key of node.keys?.() ?? []) {
    const child = node.get?.(key);
    if (!child) continue;
    const p = prefix ? `${prefix}/${key}` : key;
    if (child.type === 'Dataset') out.set(p, child);
    else if (child.type === 'Group' || child.keys) datasets(child, p, out);
  }
}

const KERAS2 = /(?:^|\/)block(\d)_conv(\d)\/(kernel|bias)(?::0)?$/;
const KERAS3 = /(?:^|\/)layers\/block(\d)_conv(\d)\/vars\/([01])$/;

/** The sixteen VGG-19 convolutions of a Keras HDF5 file, keyed 'conv1_1' … 'conv5_4'. */
export async function readKerasH5Vgg19(file: string): Promise<Record<string, { kernel: Float32Array; bias: Float32Array }>> {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) throw new Error(`loadFeatureNet: no file at ${file}`);
  const head = Buffer.alloc(8);
  const fd = fs.openSync(absolute, 'r');
  try { fs.readSync(fd, head, 0, 8, 0); } finally { fs.closeSync(fd); }
  if (head.toString('latin1') !== '\x89HDF\r\n\x1a\n') throw new Error(`loadFeatureNet: ${file} is not an HDF5 file (Keras .h5 weights start with the HDF5 signature)`);
  const h5 = await loadH5wasm();
  const f = new h5.File(absolute, 'r');
  try {
    const all = new Map<string, H5Node>();
    datasets(f, '', all);
    const found = new Map<string, { kernel?: H5Node; bias?: H5Node; where: string[] }>();
    for (const [p, d] of all) {
      const m = KERAS2.exec(p) ?? KERAS3.exec(p);
      if (!m) continue;
      const layer = `conv${m[1]}_${m[2]}`;
      if (!VGG19_LAYERS.includes(layer)) continue;
      const which = m[3] === 'kernel' || m[3] === '0' ? 'kernel' : 'bias';
      const entry = found.get(layer) ?? { where: [] };
      if (entry[which]) throw new Error(`loadFeatureNet: ${file} has two ${which}s for VGG-19 layer ${layer}: ${entry.where.join(', ')} and ${p}`);
      entry[which] = d;
      entry.where.push(p);
      found.set(layer, entry);
    }
    const missing = VGG19_LAYERS.filter(l => !found.get(l)?.kernel || !found.get(l)?.bias);
    if (missing.length) {
      throw new Error(`loadFeatureNet: ${file} lacks VGG-19 layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(looked for Keras datasets such as block1_conv1/kernel:0 or layers/block1_conv1/vars/0 among ${all.size} datasets)`);
    }
    const out: Record<string, { kernel: Float32Array; bias: Float32Array }> = {};
    for (const layer of VGG19_LAYERS) {
      const { kernel, bias, where } = found.get(layer)!;
      const shape = VGG19_KERNEL_SHAPES[layer];
      if (kernel!.shape?.join() !== shape.join() || bias!.shape?.join() !== String(shape[3])) {
        throw new Error(`loadFeatureNet: ${file}: VGG-19 layer ${layer} (${where.join(', ')}) has kernel [${kernel!.shape}] and bias [${bias!.shape}]; expected [${shape}] and [${shape[3]}]`);
      }
      out[layer] = { kernel: float32(kernel!, file, layer), bias: float32(bias!, file, layer) };
    }
    return out;
  } finally {
    f.close();
  }
}

function float32(d: H5Node, file: string, layer: string): Float32Array {
  const v = d.value;
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  throw new Error(`loadFeatureNet: ${file}: the weights of ${layer} are ${d.dtype}, not floating point`);
}
