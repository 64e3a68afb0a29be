// The pretrained face encoder (src/lib/face/encoder.ts) and its alignment (src/lib/face/align.ts): weights read
// from face-api's package, forward parity with face-api's own FaceRecognitionNet, gradients, leaks, errors, and
// (when ../shared/data/faces/orl is there) a small identification check on ORL. The full ORL evaluation is
// bench/face-orl.mjs.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf, ready } from '../../src/lib/tf';
import { faceApiModelDir, FaceArgumentError, loadEncoder, readWeightsFromDisk, type PretrainedFaceEncoder } from '../../src/lib/face/encoder';
import { fitSimilarity, NoFaceError } from '../../src/lib/face/align';

const ORL_DIR = path.resolve(__dirname, '../../../shared/data/faces/orl');
const haveOrl = fs.existsSync(path.join(ORL_DIR, 's1', '1.pgm'));

/** A binary (P5) 8-bit PGM as [h,w,1], values 0..255. */
function readPgm(file: string): Tensor3D {
  const buf = fs.readFileSync(file);
  const tokens: string[] = [];
  let pos = 0;
  const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
  while (tokens.length < 4) {
    while (isSpace(buf[pos])) pos++;
    if (buf[pos] === 0x23) { while (buf[pos] !== 0x0a) pos++; continue; }
    let s = '';
    while (!isSpace(buf[pos])) s += String.fromCharCode(buf[pos++]);
    tokens.push(s);
  }
  assert.equal(tokens[0], 'P5', `${file}: not a binary PGM`);
  const w = Number(tokens[1]), h = Number(tokens[2]);
  pos++;
  return tf.tensor3d(Float32Array.from(buf.subarray(pos, pos + w * h)), [h, w, 1]);
}

function orl(subject: number, index: number): Tensor3D { return readPgm(path.join(ORL_DIR, `s${subject}`, `${index}.pgm`)); }

/** Smooth random "images" 0..255 (no faces), seeded. */
function syntheticImage(h: number, w: number, c: number, seed: number): Tensor3D {
  return tf.tidy(() => {
    const small = tf.randomUniform([1, Math.ceil(h / 8), Math.ceil(w / 8), c], 0, 255, 'float32', seed);
    return tf.squeeze(tf.image.resizeBilinear(small as Tensor4D, [h, w]), [0]) as Tensor3D;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('face encoder (dlib ResNet from @vladmandic/face-api)', function () {
  this.timeout(120000);
  let encoder: PretrainedFaceEncoder;
  let baseline: number;

  before(async () => {
    await ready();
    encoder = await loadEncoder();
    baseline = tf.memory().numTensors;
  });
  after(() => encoder?.dispose());

  afterEach(function () {
    if (this.currentTest?.state === 'passed') assert.equal(tf.memory().numTensors, baseline, 'tensors leaked');
  });

  it('reads 117 weight tensors, 5,614,592 numbers, dequantized like tfjs decodeWeights', async () => {
    assert.equal(encoder.variables.length, 117);
    assert.equal(encoder.paramCount, 5614592);
    assert.deepEqual(encoder.weights['conv32_down/conv/filters'].shape, [7, 7, 3, 32]);
    assert.deepEqual(encoder.weights['conv256_down_out/conv2/conv/filters'].shape, [3, 3, 256, 256]);
    assert.deepEqual(encoder.weights.fc.shape, [256, 128]);
    assert.equal(encoder.inputSize, 150);
    assert.equal(encoder.dim, 128);
    assert.equal(encoder.trainable, false);
    // Independent decoder: tfjs's own (uint8 affine quantization for 109 tensors, float32 for 8).
    const dir = faceApiModelDir();
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'face_recognition_model-weights_manifest.json'), 'utf8'));
    const bin = fs.readFileSync(path.join(dir, manifest[0].paths[0]));
    const decoded = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest[0].weights);
    const raw = readWeightsFromDisk(dir, 'face_recognition_model');
    try {
      assert.equal(raw.length, Object.keys(decoded).length);
      for (const r of raw) assert.ok(maxAbsDiff(r.values, await decoded[r.name].data()) < 1e-7, r.name);
    } finally {
      Object.values(decoded).forEach(t => t.dispose());
    }
  });

  it('matches face-api\'s own FaceRecognitionNet.computeFaceDescriptor to 1e-4', async () => {
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    assert.ok(faceapi.tf.engine() === tf.engine(), 'face-api must share our TF.js engine');
    const net = new faceapi.FaceRecognitionNet();
    await net.loadFromDisk(faceApiModelDir());
    const images = haveOrl ? [orl(1, 1), orl(2, 5)] : [syntheticImage(112, 92, 1, 1)];
    images.push(syntheticImage(120, 161, 3, 2), syntheticImage(150, 150, 3, 3));
    try {
      for (const [i, image] of images.entries()) {
        const rgb = tf.tidy(() => (image.shape[2] === 1 ? tf.tile(image, [1, 1, 3]) : image.clone()));
        const theirs = await net.computeFaceDescriptor(rgb) as Float32Array;
        rgb.dispose();
        const out = await encoder.encode(image);
        const mine = await out.data();
        out.dispose();
        const diff = maxAbsDiff(mine, theirs);
        assert.ok(diff < 1e-4, `image ${i}: max |difference| ${diff}`);
      }
    } finally {
      images.forEach(t => t.dispose());
      net.dispose();
    }
  });

  it('returns [n,128] for an image, a batch and a list of sizes; a list equals its images one by one', async () => {
    const a = syntheticImage(100, 80, 3, 4), b = syntheticImage(64, 64, 1, 5);
    const batch = tf.stack([a, a]) as Tensor4D;
    const one = await encoder.encode(a);
    const two = await encoder.encode(batch);
    const list = await encoder.encode([a, b]);
    const single = await encoder.encode(b);
    try {
      assert.deepEqual(one.shape, [1, 128]);
      assert.deepEqual(two.shape, [2, 128]);
      assert.deepEqual(list.shape, [2, 128]);
      const [dOne, dTwo, dList, dSingle] = await Promise.all([one.data(), two.data(), list.data(), single.data()]);
      assert.ok(maxAbsDiff(dOne, dTwo.subarray(0, 128)) < 1e-5);
      assert.ok(maxAbsDiff(dOne, dList.subarray(0, 128)) < 1e-5);
      assert.ok(maxAbsDiff(dSingle, dList.subarray(128)) < 1e-5);
    } finally {
      [a, b, batch, one, two, list, single].forEach(t => t.dispose());
    }
  });

  it('descriptors are raw, not re-normalised, as face-api returns them (length 0.5..2; about 1.2-1.55 on ORL)', async () => {
    const images = haveOrl ? [orl(3, 1), orl(4, 1), orl(5, 1)] : [syntheticImage(112, 92, 1, 6)];
    const out = await encoder.encode(images);
    const norms = tf.tidy(() => tf.norm(out, 'euclidean', 1));
    const values = Array.from(await norms.data());
    [out, norms, ...images].forEach(t => t.dispose());
    for (const n of values) assert.ok(n > 0.5 && n < 2, `descriptor length ${n}`);
  });

  it('is differentiable: gradients w.r.t. the input and a weight are finite and non-zero', async () => {
    const image = syntheticImage(112, 92, 1, 7);
    const x = tf.expandDims(image, 0) as Tensor4D;
    const direction = tf.tidy(() => tf.randomNormal([1, 128], 0, 1, 'float32', 8));
    const inputGrad = tf.grad(input => tf.sum(tf.mul(encoder.predict(input as Tensor4D), direction)))(x);
    encoder.trainable = true;
    try {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(encoder.predict(x), direction)) as ReturnType<typeof tf.scalar>,
        [encoder.weights.fc, encoder.weights['conv32_1/conv1/conv/filters']]);
      const stats = tf.tidy(() => tf.stack([inputGrad, ...Object.values(grads)].map(g => tf.stack([tf.max(tf.abs(g)), tf.sum(tf.isNaN(g).toFloat())]))));
      const s = await stats.data();
      [value, stats, ...Object.values(grads)].forEach(t => t.dispose());
      for (let i = 0; i < 3; i++) {
        assert.ok(Number.isFinite(s[2 * i]) && s[2 * i] > 0, `gradient ${i}: max |g| = ${s[2 * i]}`);
        assert.equal(s[2 * i + 1], 0, `gradient ${i} has NaNs`);
      }
    } finally {
      encoder.trainable = false;
      [image, x, direction, inputGrad].forEach(t => t.dispose());
    }
  });

  it('rejects bad inputs with named errors', async () => {
    const flat = tf.zeros([10, 10]);
    const fourChannels = tf.fill([10, 10, 4], 100);
    const unit = tf.fill([20, 20, 3], 0.5);
    const image = syntheticImage(20, 20, 3, 9);
    const gone = tf.fill([20, 20, 3], 100);
    gone.dispose();
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['rank 2', () => encoder.encode(flat as unknown as Tensor3D), /Tensor3D/],
      ['4 channels', () => encoder.encode(fourChannels as Tensor3D), /1 \(grey\) or 3 \(RGB\) channels/],
      ['0..1 values', () => encoder.encode(unit as Tensor3D), /0\.\.255/],
      ['empty list', () => encoder.encode([]), /empty/],
      ['disposed', () => encoder.encode(gone as Tensor3D), /disposed/],
      ['bad align', () => encoder.encode(image, { align: 'crop' as 'none' }), /'detect' or 'none'/],
      ['not a tensor', () => encoder.encode([image, [1, 2] as unknown as Tensor3D]), /images\[1\] must be a tf\.Tensor/],
    ];
    try {
      for (const [name, call, message] of cases) {
        await assert.rejects(call, (e: Error) => e instanceof FaceArgumentError && message.test(e.message), name);
      }
    } finally {
      [flat, fourChannels, unit, image].forEach(t => t.dispose());
    }
  });

  it("align: 'detect' rejects an image without a face with NoFaceError naming its index", async () => {
    const noFace = syntheticImage(120, 100, 3, 10);
    const blank = tf.fill([120, 100, 3], 128) as Tensor3D;
    const images = haveOrl ? [orl(6, 1), blank] : [blank, noFace];
    const expectedIndex = haveOrl ? 1 : 0;
    // A second encoder, so that its dispose() (which frees the detector and landmark nets too) ends the test clean.
    const detecting = await loadEncoder();
    try {
      await assert.rejects(detecting.encode(images, { align: 'detect' }),
        (e: Error) => e instanceof NoFaceError && e.imageIndex === expectedIndex && new RegExp(`image ${expectedIndex}`).test(e.message));
      await assert.rejects(detecting.encode(noFace, { align: 'detect' }), NoFaceError);
      const batch = tf.stack([noFace, blank]) as Tensor4D;
      await assert.rejects(detecting.encode(batch, { align: 'detect' }), (e: Error) => e instanceof NoFaceError && e.imageIndex === 0);
      batch.dispose();
    } finally {
      [noFace, blank, ...images].forEach(t => { if (!t.isDisposed) t.dispose(); });
      detecting.dispose();
    }
  });

  it('fitSimilarity recovers a known rotation, scale and shift', () => {
    const from = [{ x: 10, y: 20 }, { x: 50, y: 22 }, { x: 31, y: 70 }];
    const angle = 0.3, scale = 1.7;
    const a = scale * Math.cos(angle), b = scale * Math.sin(angle);
    const to = from.map(p => ({ x: a * p.x - b * p.y + 5, y: b * p.x + a * p.y - 3 }));
    const m = fitSimilarity(from, to);
    for (const [got, want] of [[m.a, a], [m.b, b], [m.tx, 5], [m.ty, -3]]) assert.ok(Math.abs(got - want) < 1e-9, `${got} vs ${want}`);
  });

  it('dispose() frees every weight', async () => {
    const before = tf.memory().numTensors;
    const second = await loadEncoder();
    assert.equal(tf.memory().numTensors, before + 117);
    second.dispose();
    assert.equal(tf.memory().numTensors, before);
    const image = tf.fill([8, 8, 3], 100) as Tensor3D;
    await assert.rejects(second.encode(image), /disposed/);
    image.dispose();
  });

  (haveOrl ? describe : describe.skip)('on ORL (10 people x 4 images; alignment on 3)', () => {
    it('puts the same person closer than different people and identifies them (rank-1 >= 0.9)', async () => {
      const people = 10, shots = 4;
      const images: Tensor3D[] = [];
      const labels: number[] = [];
      for (let s = 1; s <= people; s++) for (let k = 1; k <= shots; k++) { images.push(orl(s, k * 2)); labels.push(s); }
      const out = await encoder.encode(images);
      const d = tf.tidy(() => {
        const sq = tf.sum(tf.square(out), 1, true);
        return tf.sqrt(tf.relu(tf.add(tf.sub(sq, tf.mul(2, tf.matMul(out, out, false, true))), tf.transpose(sq))));
      });
      const dist = await d.array() as number[][];
      [out, d, ...images].forEach(t => t.dispose());
      let same = 0, nSame = 0, diff = 0, nDiff = 0, correct = 0;
      for (let i = 0; i < labels.length; i++) {
        let best = -1;
        for (let j = 0; j < labels.length; j++) {
          if (i === j) continue;
          if (labels[i] === labels[j]) { same += dist[i][j]; nSame++; } else { diff += dist[i][j]; nDiff++; }
          if (best < 0 || dist[i][j] < dist[i][best]) best = j;
        }
        if (labels[best] === labels[i]) correct++;
      }
      const meanSame = same / nSame, meanDiff = diff / nDiff, rank1 = correct / labels.length;
      assert.ok(meanSame < meanDiff, `mean same-person distance ${meanSame} vs different ${meanDiff}`);
      assert.ok(rank1 >= 0.9, `rank-1 ${rank1}`);
    });

    it("align: 'detect' finds, aligns and encodes ORL faces; the same person is within dlib's 0.6", async () => {
      const images = [orl(1, 1), orl(1, 6), orl(2, 1)];
      const detecting = await loadEncoder();
      try {
        const out = await detecting.encode(images, { align: 'detect' });
        assert.deepEqual(out.shape, [3, 128]);
        const d = await out.array();
        out.dispose();
        const dist = (a: number[], b: number[]) => Math.hypot(...a.map((v, i) => v - b[i]));
        assert.ok(dist(d[0], d[1]) < 0.6, `same person: ${dist(d[0], d[1])}`);
        assert.ok(dist(d[0], d[2]) > dist(d[0], d[1]) && dist(d[1], d[2]) > dist(d[0], d[1]), 'different people further apart');
      } finally {
        detecting.dispose();
        images.forEach(t => t.dispose());
      }
    });
  });
});
