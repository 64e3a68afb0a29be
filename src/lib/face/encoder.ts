// The pretrained 128-d face descriptor network: dlib's ResNet (dlib_face_recognition_resnet_model_v1, 99.38% on
// LFW) as converted by face-api.js, with its weights read from the installed @vladmandic/face-api package.
// The forward pass is written here from plain tf ops (conv2d, add, mul, relu, maxPool, avgPool, pad, mean, matMul)
// over tf.Variables, so it runs on the active backend and is differentiable: tf.grad / tf.variableGrads go through
// it, and the weights can be fine-tuned. Face-api's own net is used only by the tests, as the reference.
// See docs/face.md for the distance scale and how alignment works.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor, Tensor2D, Tensor3D, Tensor4D, Variable } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { check as assert, FaceArgumentError, type FaceEncoder } from './types';
import { loadAligner, type FaceAligner } from './align';
import type { ManifestGroup } from '../ops/weightsManifest';

/** Euclidean distance under which two dlib descriptors are usually the same person (dlib's and face-api's
 *  recommendation; the course's own encoder uses 0.7 on its scale). */
export const DLIB_MATCH_THRESHOLD = 0.6;

/** Side of the square the recognition net sees; other sizes are padded to square and resized to it. */
export const ENCODER_INPUT_SIZE = 150;
export const ENCODER_DIM = 128;

/** The mean RGB face-api subtracts before dividing by 255 (dlib's training mean). */
const MEAN_RGB = [122.782, 117.001, 104.298];

const MODEL_NAME = 'face_recognition_model';

/** Bad arguments to the encoder (wrong rank, channels, value range) throw this, the face topic's argument error. */
export { FaceArgumentError };

/** The folder of face-api's shipped models: `node_modules/@vladmandic/face-api/model`. */
export function faceApiModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}


export interface RawWeight { name: string; shape: number[]; values: Float32Array }

/** Reads a TF.js weights manifest and its .bin files with fs and dequantizes them (uint8/uint16 affine:
 *  value = q * scale + min; float32 as stored). Returns the weights in manifest order. */
export function readWeightsFromDisk(modelDir: string, modelName: string): RawWeight[] {
  const manifestPath = path.join(modelDir, `${modelName}-weights_manifest.json`);
  if (!fs.existsSync(manifestPath)) throw new Error(`readWeightsFromDisk: no weights manifest at ${manifestPath}`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as ManifestGroup[];
  const out: RawWeight[] = [];
  for (const group of manifest) {
    const buffer = Buffer.concat(group.paths.map(p => fs.readFileSync(path.join(modelDir, p))));
    let offset = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (w.dtype !== 'float32') throw new Error(`readWeightsFromDisk: ${w.name} has dtype ${w.dtype}; only float32 weights are supported`);
      const values = new Float32Array(size);
      const q = w.quantization;
      if (!q) {
        const bytes = size * 4;
        // Copy: a Float32Array view needs a 4-aligned offset, and the file's offsets need not be.
        const copy = new Uint8Array(bytes);
        copy.set(buffer.subarray(offset, offset + bytes));
        values.set(new Float32Array(copy.buffer));
        offset += bytes;
      } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
        const scale = q.scale ?? 1, min = q.min ?? 0;
        const width = q.dtype === 'uint8' ? 1 : 2;
        for (let i = 0; i < size; i++) {
          const v = width === 1 ? buffer[offset + i] : buffer.readUInt16LE(offset + 2 * i);
          values[i] = v * scale + min;
        }
        offset += size * width;
      } else {
        throw new Error(`readWeightsFromDisk: ${w.name} is quantized as ${q.dtype}; only uint8/uint16 are supported`);
      }
      if (offset > buffer.length) throw new Error(`readWeightsFromDisk: ${manifestPath} describes more bytes than its .bin files hold`);
      out.push({ name: w.name, shape: w.shape, values });
    }
    if (offset !== buffer.length) throw new Error(`readWeightsFromDisk: ${buffer.length - offset} bytes of ${group.paths.join(', ')} are not described by the manifest`);
  }
  return out;
}

/** The residual blocks in order; `_down` blocks halve the resolution (stride 2) and widen the channels. */
const BLOCKS = ['conv32_1', 'conv32_2', 'conv32_3', 'conv64_down', 'conv64_1', 'conv64_2', 'conv64_3',
  'conv128_down', 'conv128_1', 'conv128_2', 'conv256_down', 'conv256_1', 'conv256_2', 'conv256_down_out'];

type WeightMap = Readonly<Record<string, Variable>>;

/** conv → +bias → affine "scale" layer (dlib's frozen batch norm) → optional relu. */
function convLayer(x: Tensor4D, w: WeightMap, prefix: string, stride: 1 | 2, relu: boolean, padding: 'same' | 'valid'): Tensor4D {
  let out = tf.conv2d(x, w[`${prefix}/conv/filters`] as unknown as Tensor4D, stride, padding);
  out = tf.add(out, w[`${prefix}/conv/bias`]);
  out = tf.add(tf.mul(out, w[`${prefix}/scale/weights`]), w[`${prefix}/scale/biases`]);
  return relu ? tf.relu(out) : out;
}

function residual(x: Tensor4D, w: WeightMap, block: string): Tensor4D {
  const down = block.endsWith('_down') || block.endsWith('_down_out');
  let out = down ? convLayer(x, w, `${block}/conv1`, 2, true, 'valid') : convLayer(x, w, `${block}/conv1`, 1, true, 'same');
  out = convLayer(out, w, `${block}/conv2`, 1, false, 'same');
  let shortcut = x;
  if (down) {
    // dlib's downsampling shortcut: 2x2 average pool, extra channels zero; the conv branch (valid padding) can
    // come out one row/column short of the pool (8 → 3 vs 4), and is zero-padded at the bottom/right to match.
    shortcut = tf.avgPool(x, 2, 2, 'valid');
    const [, ph, pw, pc] = shortcut.shape;
    const [, oh, ow, oc] = out.shape;
    if (pc !== oc) shortcut = tf.pad(shortcut, [[0, 0], [0, 0], [0, 0], [0, oc - pc]]);
    if (ph !== oh || pw !== ow) out = tf.pad(out, [[0, 0], [0, ph - oh], [0, pw - ow], [0, 0]]);
  }
  return tf.relu(tf.add(out, shortcut)) as Tensor4D;
}

/** The network proper: [n,150,150,3] RGB 0..255 → [n,128]. Synchronous and differentiable. */
function network(w: WeightMap, x: Tensor4D): Tensor2D {
  const normalized = tf.div(tf.sub(x, tf.tensor1d(MEAN_RGB)), 255) as Tensor4D;
  let out = convLayer(normalized, w, 'conv32_down', 2, true, 'valid');
  out = tf.maxPool(out, 3, 2, 'valid');
  for (const block of BLOCKS) out = residual(out, w, block);
  const pooled = tf.mean(out, [1, 2]) as Tensor2D;
  return tf.matMul(pooled, w.fc as unknown as Tensor2D);
}

/** To the net's input the way face-api does it: grey → RGB, zero-pad the short side to a square (centred, the
 *  odd pixel after), bilinear resize to 150x150. [n,h,w,1|3] → [n,150,150,3]. */
function toNetInput(x: Tensor4D): Tensor4D {
  let out = x;
  if (out.shape[3] === 1) out = tf.tile(out, [1, 1, 1, 3]);
  const [, h, w] = out.shape;
  if (h !== w) {
    const diff = Math.abs(h - w);
    const after = Math.round(diff / 2), before = diff - after;
    out = h > w ? tf.pad(out, [[0, 0], [0, 0], [before, after], [0, 0]]) : tf.pad(out, [[0, 0], [before, after], [0, 0], [0, 0]]);
  }
  const side = out.shape[1];
  if (side !== ENCODER_INPUT_SIZE) out = tf.image.resizeBilinear(out, [ENCODER_INPUT_SIZE, ENCODER_INPUT_SIZE], false, false);
  return out;
}

function checkImage(t: Tensor, where: string, ranks: number[]): void {
  assert(t instanceof tf.Tensor, () => `${where} must be a tf.Tensor, got ${Object.prototype.toString.call(t)}`);
  assert(!t.isDisposed, () => `${where} has been disposed`);
  assert(ranks.includes(t.rank), () => `${where} must be a ${ranks.map(r => (r === 3 ? 'Tensor3D [h,w,1|3]' : 'Tensor4D [n,h,w,1|3]')).join(' or ')}, got shape [${t.shape}]`);
  const channels = t.shape[t.rank - 1];
  assert(channels === 1 || channels === 3, () => `${where} must have 1 (grey) or 3 (RGB) channels, got shape [${t.shape}]`);
  assert(t.shape.every(d => d > 0), () => `${where} is empty, shape [${t.shape}]`);
}

export interface LoadEncoderOptions {
  /** A folder holding face_recognition_model-weights_manifest.json and .bin; default: the installed face-api's model/. */
  modelDir?: string;
  /** Whether the weights start trainable (default false: a pretrained encoder is frozen until you say so). */
  trainable?: boolean;
}

let encoderCount = 0;

/** dlib's face descriptor ResNet. Images are float32 [h,w,3] (RGB) or [h,w,1] (grey, replicated), values 0..255
 *  (not 0..1: that is rejected with a FaceArgumentError rather than guessed). Descriptors are face-api's and
 *  dlib's raw output, NOT re-normalised: their length is not 1 (about 1.2..1.55 on ORL). Distances: see DLIB_MATCH_THRESHOLD and docs/face-encoder.md. */
export class PretrainedFaceEncoder implements FaceEncoder {
  readonly inputSize = ENCODER_INPUT_SIZE;
  readonly dim = ENCODER_DIM;
  /** Every weight as a tf.Variable, in the manifest's order (117 tensors, 5,614,592 numbers). */
  readonly variables: Variable[];
  /** The same variables by face-api's weight name, e.g. `conv32_down/conv/filters` [7,7,3,32], `fc` [256,128]. */
  readonly weights: WeightMap;
  private aligner: Promise<FaceAligner> | undefined;
  private alignerReady: FaceAligner | undefined;
  private readonly modelDir: string;
  private disposed = false;

  constructor(raw: RawWeight[], modelDir: string, trainable: boolean) {
    const id = ++encoderCount;
    this.modelDir = modelDir;
    const map: Record<string, Variable> = {};
    this.variables = raw.map(r => {
      // Variable names are global to the engine: prefix them so that two encoders can coexist.
      const v = tf.tidy(() => tf.variable(tf.tensor(r.values, r.shape, 'float32'), trainable, `faceEncoder${id}/${r.name}`));
      map[r.name] = v;
      return v;
    });
    for (const name of ['conv32_down/conv/filters', 'fc', ...BLOCKS.map(b => `${b}/conv2/scale/biases`)]) {
      if (!map[name]) throw new Error(`loadEncoder: the weights have no '${name}'; is this face-api's face_recognition_model?`);
    }
    this.weights = map;
  }

  /** Whether the weights get gradients from tf.variableGrads / optimizer.minimize. */
  get trainable(): boolean { return this.variables.every(v => v.trainable); }
  set trainable(value: boolean) { for (const v of this.variables) v.trainable = value; }

  /** Number of weights (5,614,592). */
  get paramCount(): number { return this.variables.reduce((n, v) => n + v.size, 0); }

  /** Synchronous, differentiable forward pass without alignment: [n,h,w,1|3] 0..255 → [n,128]. Use it inside
   *  tf.grad / tf.variableGrads / optimizer.minimize; the caller owns the result (wrap in tf.tidy). */
  predict(images: Tensor4D): Tensor2D {
    this.checkAlive('predict');
    checkImage(images, 'predict: images', [4]);
    return tf.tidy(() => network(this.weights, toNetInput(tf.cast(images, 'float32') as Tensor4D)));
  }

  /** Descriptors [n,128] of one image [h,w,c], a batch [n,h,w,c] or a list of images of any sizes.
   *  `align: 'none'` (default) encodes each image as it is (a face crop, padded to square and resized to 150);
   *  `'detect'` finds the face with face-api's SSD MobileNet v1, aligns it with its 68 landmarks and encodes the
   *  150x150 chip; an image with no face rejects with NoFaceError naming its index. */
  async encode(images: Tensor3D | Tensor4D | Tensor3D[], options: { align?: 'detect' | 'none' } = {}): Promise<Tensor2D> {
    this.checkAlive('encode');
    const align = options.align ?? 'none';
    assert(align === 'none' || align === 'detect', () => `encode: options.align must be 'detect' or 'none', got '${String(align)}'`);
    let list: Tensor3D[] | undefined;
    let batch: Tensor4D | undefined;
    if (Array.isArray(images)) {
      assert(images.length > 0, () => 'encode: the list of images is empty');
      images.forEach((t, i) => checkImage(t, `encode: images[${i}]`, [3]));
      list = images;
    } else {
      checkImage(images, 'encode: the image', [3, 4]);
      if (images.rank === 3) list = [images as Tensor3D];
      else batch = images as Tensor4D;
    }
    const all = list ?? [batch as Tensor4D];
    const maxes = tf.tidy(() => tf.stack(all.map(t => tf.max(t))));
    const maxValues = await maxes.data();
    maxes.dispose();
    const dark = Array.from(maxValues).findIndex(m => m <= 1);
    assert(dark < 0, () => `encode: pixel values must be 0..255, but ${list ? `images[${dark}]` : 'the batch'} has maximum ${maxValues[dark]}` +
      ' (a 0..1 image? multiply it by 255)');

    if (align === 'detect') {
      // A failed load (missing model files) is not cached: the next call tries again.
      this.aligner ??= loadAligner({ modelDir: this.modelDir }).catch(e => { this.aligner = undefined; throw e; });
      const aligner = this.alignerReady = await this.aligner;
      const inputs = list ?? tf.tidy(() => tf.unstack(batch as Tensor4D) as Tensor3D[]);
      try {
        const chips = await aligner.align(inputs, ENCODER_INPUT_SIZE);
        try { return this.predict(chips); } finally { chips.dispose(); }
      } finally {
        if (!list) inputs.forEach(t => t.dispose());
      }
    }
    if (batch) return this.predict(batch);
    const images3 = list as Tensor3D[];
    return tf.tidy(() => {
      const sameShape = images3.every(t => t.shape.join() === images3[0].shape.join());
      const input = sameShape ? tf.stack(images3) as Tensor4D
        : tf.concat(images3.map(t => toNetInput(tf.expandDims(tf.cast(t, 'float32'), 0) as Tensor4D)), 0) as Tensor4D;
      return this.predict(input);
    });
  }

  /** Frees the weights (and the detector and landmark nets, if 'detect' loaded them). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables) v.dispose();
    // Synchronously when loaded (so leak checks see it), else when the load finishes.
    this.alignerReady?.dispose();
    const loading = this.aligner;
    this.aligner = this.alignerReady = undefined;
    if (loading) void loading.then(a => a.dispose(), () => undefined);
  }

  private checkAlive(fn: string): void {
    if (this.disposed) throw new Error(`${fn}: this face encoder has been disposed`);
  }
}

/** Loads dlib's face descriptor ResNet from face-api's shipped weights (offline: files read with fs). */
export async function loadEncoder(options: LoadEncoderOptions = {}): Promise<PretrainedFaceEncoder> {
  const modelDir = options.modelDir ?? faceApiModelDir();
  const raw = readWeightsFromDisk(modelDir, MODEL_NAME);
  return new PretrainedFaceEncoder(raw, modelDir, options.trainable ?? false);
}
