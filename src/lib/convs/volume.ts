// Synthetic CT-like volumes (a bright sphere, cube or cylinder of random size and place in a dim, noisy background,
// blurred like a scanner's point spread), a 3-D convolution written as plain loops to compare with tf.conv3d, and a
// montage of slices to look at a volume as an image.
import type { Tensor, Tensor3D, Tensor4D, Tensor5D } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { check, isPositiveInteger, shapeOf } from './errors';
import { gaussian, seededRandom } from '../ops/random';
import { outputShape, type ConvPadding } from './shapes';

export const SHAPE_KINDS = ['sphere', 'cube', 'cylinder'] as const;
export type ShapeKind = typeof SHAPE_KINDS[number];

export interface VolumeOptions {
  /** Side of the cubic volume in voxels; default 16. */
  size?: number;
  /** Standard deviation of the Gaussian noise added after blurring; default 0.08. */
  noise?: number;
  /** Blur with a 3×3×3 box filter (a tf.conv3d) before adding noise; default true. */
  blur?: boolean;
  /** Default 0. */
  seed?: number;
}

/** Voxels of one shape, before blur and noise: background 0.1, inside the shape a random density in [0.6, 1]. */
function drawShape(kind: ShapeKind, size: number, rand: () => number): Float32Array {
  const v = new Float32Array(size * size * size).fill(0.1);
  // Similar volumes for every kind, so size alone does not tell them apart: r in [0.2, 0.32]·size.
  const r = size * (0.2 + 0.12 * rand());
  const half = kind === 'cube' ? r * 0.806 : r; // a cube of half-side 0.806 r has the volume of a sphere of radius r
  const margin = Math.ceil(kind === 'cylinder' ? 1.3 * r : half) + 1;
  const centre = [0, 1, 2].map(() => margin + rand() * Math.max(0, size - 1 - 2 * margin));
  const axis = Math.floor(rand() * 3); // the cylinder's axis
  const density = 0.6 + 0.4 * rand();
  for (let z = 0; z < size; z++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const d = [z - centre[0], y - centre[1], x - centre[2]];
    let inside: boolean;
    if (kind === 'sphere') inside = d[0] ** 2 + d[1] ** 2 + d[2] ** 2 <= r * r;
    else if (kind === 'cube') inside = d.every(c => Math.abs(c) <= half);
    else inside = Math.abs(d[axis]) <= 1.3 * r && d.reduce((s, c, i) => (i === axis ? s : s + c * c), 0) <= (0.55 * r) ** 2;
    if (inside) v[(z * size + y) * size + x] = density;
  }
  return v;
}

export interface VolumeDataset {
  /** [count, size, size, size, 1], values about in [0, 1]; the caller disposes it. */
  volumes: Tensor5D;
  /** Index into `kinds`, one per volume. */
  labels: number[];
  kinds: ShapeKind[];
}

/**
 * `count` seeded volumes, cycling through `kinds` (default all three: sphere, cube, cylinder).
 * @returns volumes [count, size, size, size, 1] and their labels
 */
export function volumeDataset(count: number, options: VolumeOptions & { kinds?: readonly ShapeKind[] } = {}): VolumeDataset {
  const fn = 'volumeDataset';
  const size = options.size ?? 16, noise = options.noise ?? 0.08, blur = options.blur ?? true, seed = options.seed ?? 0;
  const kinds = [...(options.kinds ?? SHAPE_KINDS)];
  check(isPositiveInteger(count), () => `${fn}: count must be a positive integer; got ${count}`);
  check(isPositiveInteger(size) && size >= 8, () => `${fn}: size must be an integer >= 8; got ${size}`);
  check(typeof noise === 'number' && noise >= 0, () => `${fn}: noise must be a number >= 0; got ${noise}`);
  check(kinds.length >= 1 && kinds.every(k => (SHAPE_KINDS as readonly string[]).includes(k)),
    () => `${fn}: kinds must be a non-empty list of ${SHAPE_KINDS.map(k => `'${k}'`).join(', ')}; got ${JSON.stringify(options.kinds)}`);
  const rand = seededRandom(seed);
  const voxels = size ** 3;
  const data = new Float32Array(count * voxels);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    labels.push(i % kinds.length);
    data.set(drawShape(kinds[i % kinds.length], size, rand), i * voxels);
  }
  const noiseData = Float32Array.from({ length: data.length }, () => noise * gaussian(rand));
  const volumes = tf.tidy(() => {
    let v: Tensor5D = tf.tensor5d(data, [count, size, size, size, 1]);
    if (blur) v = tf.conv3d(v, tf.fill([3, 3, 3, 1, 1], 1 / 27) as Tensor5D, 1, 'same');
    return v.add(tf.tensor5d(noiseData, [count, size, size, size, 1])).clipByValue(0, 1) as Tensor5D;
  });
  return { volumes, labels, kinds };
}

/** One seeded volume [size, size, size, 1] of the given kind; the caller disposes it. */
export function syntheticVolume(kind: ShapeKind, options: VolumeOptions = {}): Tensor4D {
  check((SHAPE_KINDS as readonly string[]).includes(kind), () => `syntheticVolume: kind must be one of ${SHAPE_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
  const { volumes } = volumeDataset(1, { ...options, kinds: [kind] });
  const one = tf.tidy(() => volumes.squeeze([0]) as Tensor4D);
  volumes.dispose();
  return one;
}

/**
 * A 3-D convolution (cross-correlation, as tf.conv3d) written as plain loops over float64 numbers: the definition,
 * out[b, z, y, x, o] = Σ_{i,j,k,c} in[b, z·s + i − p, y·s + j − p, x·s + k − p, c] · filter[i, j, k, c, o],
 * with zeros outside the input. Slow; meant for small inputs and for checking tf.conv3d.
 * @param input [d, h, w, c] or [batch, d, h, w, c]
 * @param filter [fd, fh, fw, c, filters]
 * @returns the same rank as input, [.., d', h', w', filters] (the caller disposes it)
 */
export async function conv3dByHand<T extends Tensor4D | Tensor5D>(input: T, filter: Tensor5D,
  strides: number | [number, number, number] = 1, padding: ConvPadding = 'valid'): Promise<T> {
  const fn = 'conv3dByHand';
  check(input instanceof tf.Tensor && !input.isDisposed && (input.rank === 4 || input.rank === 5),
    () => `${fn}: input must be a live [d, h, w, c] or [batch, d, h, w, c] tensor; got ${shapeOf(input)}`);
  check(filter instanceof tf.Tensor && !filter.isDisposed && filter.rank === 5,
    () => `${fn}: filter must be a live [fd, fh, fw, inChannels, filters] tensor; got ${shapeOf(filter)}`);
  const batched = input.rank === 5;
  const [b, d, h, w, c] = batched ? input.shape : [1, ...input.shape];
  const [fd, fh, fw, fc, fo] = filter.shape;
  check(fc === c, () => `${fn}: filter's inChannels (${fc}) must equal the input's channels (${c}); got input ${shapeOf(input)}, filter ${shapeOf(filter)}`);
  const plan = outputShape([b, d, h, w, c], { kernelSize: [fd, fh, fw], filters: fo, strides, padding });
  const [od, oh, ow] = plan.spatial;
  const [sd, sh, sw] = plan.axes.map(a => a.s);
  const [pd, ph, pw] = plan.axes.map(a => a.p[0]);
  const x = await input.data(), k = await filter.data();
  const out = new Float32Array(b * od * oh * ow * fo);
  for (let n = 0; n < b; n++) for (let z = 0; z < od; z++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    for (let o = 0; o < fo; o++) {
      let sum = 0;
      for (let i = 0; i < fd; i++) {
        const zi = z * sd + i - pd;
        if (zi < 0 || zi >= d) continue;
        for (let j = 0; j < fh; j++) {
          const yi = y * sh + j - ph;
          if (yi < 0 || yi >= h) continue;
          for (let q = 0; q < fw; q++) {
            const xi = xx * sw + q - pw;
            if (xi < 0 || xi >= w) continue;
            for (let ch = 0; ch < c; ch++) {
              sum += x[(((n * d + zi) * h + yi) * w + xi) * c + ch] * k[(((i * fh + j) * fw + q) * fc + ch) * fo + o];
            }
          }
        }
      }
      out[(((n * od + z) * oh + y) * ow + xx) * fo + o] = sum;
    }
  }
  return tf.tensor(out, batched ? [b, od, oh, ow, fo] : [od, oh, ow, fo]) as T;
}

/**
 * Slices of a volume side by side (depth slices, evenly spaced), scaled to [0, 1], with a 1-pixel dark gap, to
 * show as an image.
 * @param volume [d, h, w], [d, h, w, 1] or [1, d, h, w, 1]
 * @returns [h, count·(w + 1) − 1, 1] (the caller disposes it)
 */
export function sliceMontage(volume: Tensor, count = 8): Tensor3D {
  check(volume instanceof tf.Tensor && !volume.isDisposed && volume.rank >= 3 && volume.rank <= 5,
    () => `sliceMontage: volume must be a live [d, h, w], [d, h, w, 1] or [1, d, h, w, 1] tensor; got ${shapeOf(volume)}`);
  return tf.tidy(() => {
    const dhw = volume.rank === 5 ? volume.shape.slice(1, 4) : volume.shape.slice(0, 3);
    const extra = volume.shape.length === 3 ? [] : volume.rank === 5 ? [volume.shape[0], volume.shape[4]] : [volume.shape[3]];
    check(extra.every(s => s === 1), () => `sliceMontage: volume must have one channel and batch 1; got ${shapeOf(volume)}`);
    const v = volume.reshape(dhw) as Tensor3D;
    const [d, h] = v.shape;
    const n = Math.max(1, Math.min(count, d));
    const lo = v.min(), range = v.max().sub(lo).maximum(1e-6);
    const scaled = v.sub(lo).div(range);
    const parts: Tensor3D[] = [];
    for (let k = 0; k < n; k++) {
      const z = Math.round((k + 0.5) * d / n - 0.5);
      if (k > 0) parts.push(tf.zeros([h, 1, 1]));
      parts.push(scaled.slice([z, 0, 0], [1, -1, -1]).reshape([h, -1, 1]));
    }
    return tf.concat(parts, 1) as Tensor3D;
  });
}
