// Reading network weights from disk: the float16 files this project ships in models/ (written by
// scripts/derive-resnet50.mjs) and Keras models converted to TF.js's layers format (model.json + .bin shards).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { float16ToFloat32 } from './float16';
import type { ManifestGroup } from '../../ops/weightsManifest';

export interface NamedWeight { shape: number[]; values: Float32Array }

const PACKAGE_NAME = 'convnet-notebooks';

/** The extension's root folder (the one whose package.json is named convnet-notebooks), found by walking up
 *  from this module: it is dist/ in the bundles (dist/lib.js, dist/kernel.js) and src/lib/style/featureNets/
 *  when the sources run through tsx, so no fixed number of '..' fits both. */
export function packageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch { /* an unreadable package.json is not ours: keep walking */ }
    }
    if (path.dirname(dir) === dir) throw new Error(`loadFeatureNet: cannot find the ${PACKAGE_NAME} folder (with models/) above ${from}`);
  }
}

/** A folder of models/ shipped with the extension, e.g. shippedModelDir('resnet50-style'). */
export function shippedModelDir(name: string): string {
  return path.join(packageRoot(), 'models', name);
}

export interface DerivedTensor { name: string; shape: number[]; offset: number; length: number }
export interface DerivedManifest { format: string; network: string; dtype: 'float16'; byteLength: number; tensors: DerivedTensor[] }

export const DERIVED_FORMAT = 'convnet-notebooks/derived-weights@1';

/** Reads a folder written by scripts/derive-resnet50.mjs: manifest.json + weights.bin (float16, little-endian). */
export async function readDerivedWeights(dir: string): Promise<{ manifest: DerivedManifest; weights: Map<string, NamedWeight> }> {
  const manifestPath = path.join(dir, 'manifest.json');
  const binPath = path.join(dir, 'weights.bin');
  for (const p of [manifestPath, binPath]) {
    if (!fs.existsSync(p)) throw new Error(`loadFeatureNet: missing ${p}; the derived weights are manifest.json + weights.bin (see docs/style-nets.md)`);
  }
  const manifest = JSON.parse(await fs.promises.readFile(manifestPath, 'utf8')) as DerivedManifest;
  if (manifest.format !== DERIVED_FORMAT || manifest.dtype !== 'float16') {
    throw new Error(`loadFeatureNet: ${manifestPath} is not a ${DERIVED_FORMAT} float16 manifest (format '${manifest.format}', dtype '${manifest.dtype}')`);
  }
  const bin = await fs.promises.readFile(binPath);
  if (bin.length !== manifest.byteLength) {
    throw new Error(`loadFeatureNet: ${binPath} has ${bin.length} bytes, the manifest says ${manifest.byteLength} (a truncated or Git LFS file?)`);
  }
  const weights = new Map<string, NamedWeight>();
  for (const t of manifest.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.length || t.offset + 2 * size > bin.length) throw new Error(`loadFeatureNet: ${manifestPath}: tensor ${t.name} does not fit its shape or the file`);
    // Copy into an aligned buffer (a Uint16Array view needs an even offset into an aligned ArrayBuffer).
    const halves = new Uint16Array(size);
    new Uint8Array(halves.buffer).set(bin.subarray(t.offset, t.offset + 2 * size));
    weights.set(t.name, { shape: t.shape, values: float16ToFloat32(littleEndian(halves)) });
  }
  return { manifest, weights };
}

const bigEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
function littleEndian(halves: Uint16Array): Uint16Array {
  if (bigEndianHost) for (let i = 0; i < halves.length; i++) halves[i] = ((halves[i] & 0xff) << 8) | (halves[i] >>> 8);
  return halves;
}


/** The model.json of a TF.js layers model: `where` is that file or its folder. */
export function layersModelJsonPath(where: string): string {
  return fs.existsSync(where) && fs.statSync(where).isDirectory() ? path.join(where, 'model.json') : where;
}

/** Reads every weight of a TF.js layers model (model.json's weightsManifest and its shards), widened to float32.
 *  Handles float32, float16-quantized and uint8/uint16 affine-quantized weights (tensorflowjs_converter --quantize_*).
 *  Names lose a ':0' suffix (older converters keep it). */
export async function readLayersModelWeights(where: string): Promise<Map<string, NamedWeight>> {
  const modelJson = layersModelJsonPath(where);
  if (!fs.existsSync(modelJson)) throw new Error(`loadFeatureNet: no model.json at ${modelJson}`);
  const model = JSON.parse(await fs.promises.readFile(modelJson, 'utf8')) as { weightsManifest?: ManifestGroup[] };
  if (!Array.isArray(model.weightsManifest)) throw new Error(`loadFeatureNet: ${modelJson} has no weightsManifest; is it a TF.js layers model?`);
  const dir = path.dirname(modelJson);
  const out = new Map<string, NamedWeight>();
  for (const group of model.weightsManifest) {
    const buffer = Buffer.concat(await Promise.all(group.paths.map(p => fs.promises.readFile(path.join(dir, p)))));
    let offset = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const width = q ? { float16: 2, uint16: 2, uint8: 1 }[q.dtype] : w.dtype === 'float32' || w.dtype === 'int32' ? 4 : undefined;
      if (!width) throw new Error(`loadFeatureNet: ${modelJson}: weight ${w.name} is stored as ${q?.dtype ?? w.dtype}; only float32, float16, uint8 and uint16 are supported`);
      if (offset + size * width > buffer.length) throw new Error(`loadFeatureNet: ${modelJson} describes more bytes than its shards hold (at ${w.name})`);
      const bytes = new Uint8Array(size * width);
      bytes.set(buffer.subarray(offset, offset + size * width));
      offset += size * width;
      let values: Float32Array;
      if (!q) values = w.dtype === 'int32' ? Float32Array.from(new Int32Array(bytes.buffer)) : new Float32Array(bytes.buffer);
      else if (q.dtype === 'float16') values = float16ToFloat32(littleEndian(new Uint16Array(bytes.buffer)));
      else {
        const codes = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.buffer);
        const scale = q.scale ?? 1, min = q.min ?? 0;
        values = new Float32Array(size);
        for (let i = 0; i < size; i++) values[i] = codes[i] * scale + min;
      }
      out.set(w.name.replace(/:0$/, ''), { shape: w.shape, values });
    }
  }
  return out;
}
