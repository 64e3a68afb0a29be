// Face detection, 68-point landmarks and alignment for the pretrained encoder, with face-api's own models (SSD
// MobileNet v1 and the 68-landmark net) loaded from the installed package's model/ folder. Face-api's
// `face-api.node-wasm.js` build is the one that require()s '@tensorflow/tfjs' from node_modules (the others bundle
// tfjs or require tfjs-node), so it runs on this process's single TF.js engine and its tensors are ours; loadAligner
// checks that. The alignment (a similarity transform from eyes and mouth to fixed positions in the chip) is ours.
import * as path from 'node:path';
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../tf';

/** No face was found in an image given to encode(..., {align: 'detect'}) or FaceAligner.align. */
export class NoFaceError extends Error {
  constructor(readonly imageIndex: number, detail = '') {
    super(`no face found in image ${imageIndex}${detail ? ` (${detail})` : ''}`);
    this.name = 'NoFaceError';
  }
}

export interface Point { x: number; y: number }

export interface FaceLandmarks {
  /** The detector's box in image pixels. */
  box: { x: number; y: number; width: number; height: number };
  /** The detector's confidence, 0..1. */
  score: number;
  /** The 68 landmarks (iBUG 300-W order: 0-16 jaw, 17-26 brows, 27-35 nose, 36-41 / 42-47 the eyes as seen
   *  in the image left / right, 48-67 mouth), in image pixels. */
  points: Point[];
}

/** Where the alignment puts the two eye centres and the mouth centre, as fractions of the chip's side. Chosen to
 *  resemble dlib's 150x150 chips with 25% padding (the crops the recognition net was trained on): eyes about a
 *  third of the way down, the mouth about 70%, the chin near the bottom edge. */
export const ALIGN_TEMPLATE = { leftEye: { x: 0.36, y: 0.34 }, rightEye: { x: 0.64, y: 0.34 }, mouth: { x: 0.5, y: 0.71 } } as const;

export interface FaceAligner {
  /** The most confident face in each image [h,w,1|3] (0..255), or NoFaceError naming the first image without one. */
  landmarks(images: Tensor3D[]): Promise<FaceLandmarks[]>;
  /** Aligned chips [n,size,size,3] (0..255) of the most confident face in each image; NoFaceError if one has none. */
  align(images: Tensor3D[], size?: number): Promise<Tensor4D>;
  dispose(): void;
}

export interface LoadAlignerOptions {
  /** The folder with ssd_mobilenetv1_model and face_landmark_68_model files; default: face-api's model/. */
  modelDir?: string;
  /** The detector's minimum confidence (default 0.3: cropped and small faces score lower than in photos). */
  minConfidence?: number;
  /** Black border added around each image before detection, as a fraction of its longer side (default 0.5):
   *  the detector misses faces that fill the whole frame, as in ORL's 92x112 crops (with 0.25 it missed 54 of
   *  ORL's 400, with 0.5 one). When nothing is found with the border, the bare image is tried too, for photos
   *  where the face is small. */
  margin?: number;
}

interface FaceApiRect { x: number; y: number; width: number; height: number }
interface FaceApiNet { loadFromDisk(dir: string): Promise<void>; dispose(): void }
interface FaceApiModule {
  tf: { engine(): unknown };
  SsdMobilenetv1: new () => FaceApiNet & { locateFaces(input: Tensor3D, options: object): Promise<Array<{ score: number; box: FaceApiRect }>> };
  SsdMobilenetv1Options: new (o: { minConfidence?: number; maxResults?: number }) => object;
  FaceLandmark68Net: new () => FaceApiNet & { detectLandmarks(input: Tensor3D): Promise<{ positions: Point[] }> };
}

function loadFaceApi(): FaceApiModule {
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
  if (faceapi.tf.engine() !== tf.engine()) {
    throw new Error('loadAligner: @vladmandic/face-api loaded a second TF.js engine (its @tensorflow/tfjs is not the one in ' +
      'node_modules that the course library uses); tensors would be foreign between the two. Reinstall so that one ' +
      '@tensorflow/tfjs is shared.');
  }
  return faceapi;
}

/** Least-squares similarity transform (scale, rotation, translation) taking points `from` onto `to`:
 *  to ≈ [a -b; b a] from + [tx; ty]. */
export function fitSimilarity(from: Point[], to: Point[]): { a: number; b: number; tx: number; ty: number } {
  const n = from.length;
  const mf = { x: from.reduce((s, p) => s + p.x, 0) / n, y: from.reduce((s, p) => s + p.y, 0) / n };
  const mt = { x: to.reduce((s, p) => s + p.x, 0) / n, y: to.reduce((s, p) => s + p.y, 0) / n };
  let sxx = 0, sab = 0, sba = 0;
  for (let i = 0; i < n; i++) {
    const fx = from[i].x - mf.x, fy = from[i].y - mf.y, tx = to[i].x - mt.x, ty = to[i].y - mt.y;
    sxx += fx * fx + fy * fy;
    sab += fx * tx + fy * ty;
    sba += fx * ty - fy * tx;
  }
  const a = sab / sxx, b = sba / sxx;
  return { a, b, tx: mt.x - (a * mf.x - b * mf.y), ty: mt.y - (b * mf.x + a * mf.y) };
}

function mean(points: Point[], from: number, to: number): Point {
  const sel = points.slice(from, to + 1);
  return { x: sel.reduce((s, p) => s + p.x, 0) / sel.length, y: sel.reduce((s, p) => s + p.y, 0) / sel.length };
}

/** The chip [size,size,3] for one face: eye centres and mouth centre mapped onto ALIGN_TEMPLATE, bilinear,
 *  outside the image black. */
export function alignChip(image: Tensor3D, points: Point[], size: number): Tensor3D {
  const source = [mean(points, 36, 41), mean(points, 42, 47), mean(points, 48, 67)];
  const t = ALIGN_TEMPLATE;
  const target = [t.leftEye, t.rightEye, t.mouth].map(p => ({ x: p.x * size, y: p.y * size }));
  // tf.image.transform maps each output pixel to an input pixel: fit chip → image.
  const m = fitSimilarity(target, source);
  return tf.tidy(() => {
    let rgb = tf.cast(image, 'float32') as Tensor3D;
    if (rgb.shape[2] === 1) rgb = tf.tile(rgb, [1, 1, 3]);
    const transforms = tf.tensor2d([[m.a, -m.b, m.tx, m.b, m.a, m.ty, 0, 0]]);
    return tf.squeeze(tf.image.transform(tf.expandDims(rgb, 0) as Tensor4D, transforms, 'bilinear', 'constant', 0, [size, size]), [0]) as Tensor3D;
  });
}

/** Loads face-api's SSD MobileNet v1 face detector and 68-landmark net from disk (offline). */
export async function loadAligner(options: LoadAlignerOptions = {}): Promise<FaceAligner> {
  const faceapi = loadFaceApi();
  const modelDir = options.modelDir ?? path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  const minConfidence = options.minConfidence ?? 0.3;
  const marginFraction = options.margin ?? 0.5;
  const detector = new faceapi.SsdMobilenetv1();
  const landmarkNet = new faceapi.FaceLandmark68Net();
  try {
    await detector.loadFromDisk(modelDir);
    await landmarkNet.loadFromDisk(modelDir);
  } catch (e) {
    detector.dispose();
    landmarkNet.dispose();
    throw e;
  }
  const detectorOptions = new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: 10 });
  let disposed = false;

  async function landmarksOf(image: Tensor3D, index: number): Promise<FaceLandmarks> {
    if (disposed) throw new Error('FaceAligner: used after dispose()');
    const [h, w] = image.shape;
    const margins = marginFraction > 0 ? [Math.round(marginFraction * Math.max(h, w)), 0] : [0];
    for (const margin of margins) {
      const found = await landmarksWithMargin(image, margin);
      if (found) return found;
    }
    throw new NoFaceError(index, `SSD MobileNet v1 found nothing above confidence ${minConfidence}`);
  }

  async function landmarksWithMargin(image: Tensor3D, margin: number): Promise<FaceLandmarks | undefined> {
    const [h, w] = image.shape;
    // The detector wants RGB; a tight crop (a passport photo, ORL) is found more reliably with a border around it.
    const padded = tf.tidy(() => {
      let rgb = tf.cast(image, 'float32') as Tensor3D;
      if (rgb.shape[2] === 1) rgb = tf.tile(rgb, [1, 1, 3]);
      return (margin > 0 ? tf.pad(rgb, [[margin, margin], [margin, margin], [0, 0]], 0) : rgb.clone()) as Tensor3D;
    });
    let crop: Tensor3D | undefined;
    try {
      const detections = await detector.locateFaces(padded, detectorOptions);
      if (detections.length === 0) return undefined;
      const best = detections.reduce((a, b) => (b.score > a.score ? b : a));
      const ph = h + 2 * margin, pw = w + 2 * margin;
      const x0 = Math.max(0, Math.round(best.box.x)), y0 = Math.max(0, Math.round(best.box.y));
      const x1 = Math.min(pw, Math.round(best.box.x + best.box.width)), y1 = Math.min(ph, Math.round(best.box.y + best.box.height));
      if (x1 - x0 < 2 || y1 - y0 < 2) return undefined;
      crop = tf.slice(padded, [y0, x0, 0], [y1 - y0, x1 - x0, 3]);
      const marks = await landmarkNet.detectLandmarks(crop);
      return {
        box: { x: x0 - margin, y: y0 - margin, width: x1 - x0, height: y1 - y0 },
        score: best.score,
        points: marks.positions.map(p => ({ x: p.x + x0 - margin, y: p.y + y0 - margin })),
      };
    } finally {
      padded.dispose();
      crop?.dispose();
    }
  }

  return {
    async landmarks(images) {
      const out: FaceLandmarks[] = [];
      for (let i = 0; i < images.length; i++) out.push(await landmarksOf(images[i], i));
      return out;
    },
    async align(images, size = 150) {
      const chips: Tensor3D[] = [];
      try {
        for (let i = 0; i < images.length; i++) {
          const marks = await landmarksOf(images[i], i);
          chips.push(alignChip(images[i], marks.points, size));
        }
        return tf.stack(chips) as Tensor4D;
      } finally {
        chips.forEach(c => c.dispose());
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      detector.dispose();
      landmarkNet.dispose();
    },
  };
}
