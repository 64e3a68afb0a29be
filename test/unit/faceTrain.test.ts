// trainEncoder (src/lib/face/train.ts) on smallEncoder (src/lib/face/smallEncoder.ts): synthetic identities
// (a seeded pattern each, per-image shift and noise), trained with each mining strategy; the triplet loss on the
// training data and the same/different distances are computed here in float64 from the embeddings' values.
// Also: determinism, stopping by an AbortSignal, named errors, and no leaked tensors.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf, ready } from '../../src/lib/tf';
import { FaceArgumentError, type MiningStrategy } from '../../src/lib/face';
import { smallEncoder } from '../../src/lib/face/smallEncoder';
import { trainEncoder } from '../../src/lib/face/train';
import { lcg } from './faceTestKit';

const SIZE = 16, IDS = 8, PER_ID = 6, ALPHA = 0.2;

/** 8 identities x 6 grey 16x16 images (0..255): identity i is a sum of 3 seeded gratings, each image shifted by
 *  up to 1 pixel and with uniform noise of amplitude 25. */
function makeData(): { values: Float32Array; labels: number[] } {
  const values = new Float32Array(IDS * PER_ID * SIZE * SIZE);
  const labels: number[] = [];
  for (let id = 0; id < IDS; id++) {
    const p = lcg(9, 1000 + id);
    for (let k = 0; k < PER_ID; k++) {
      const img = id * PER_ID + k;
      labels.push(id);
      const jitter = lcg(2, 50 + img);
      const dx = Math.round(jitter[0]), dy = Math.round(jitter[1]);
      const noise = lcg(SIZE * SIZE, 7000 + img);
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          let v = 0;
          for (let g = 0; g < 3; g++) {
            const fx = p[3 * g] * 1.2, fy = p[3 * g + 1] * 1.2, phase = p[3 * g + 2] * Math.PI;
            v += Math.sin(fx * (x + dx) + fy * (y + dy) + phase);
          }
          values[img * SIZE * SIZE + y * SIZE + x] = Math.fround(Math.min(255, Math.max(0, 127.5 + 38 * v + 25 * noise[y * SIZE + x])));
        }
      }
    }
  }
  return { values, labels };
}

/** Rows of a [n, dim] tensor as float64 arrays. */
async function rows(t: tf.Tensor): Promise<number[][]> {
  const [n, dim] = t.shape;
  const data = Array.from(await t.data());
  return Array.from({ length: n }, (_, i) => data.slice(i * dim, (i + 1) * dim));
}

const sq = (a: number[], b: number[]) => a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0);

/** Mean over all valid triplets of max(d²(a,p) - d²(a,n) + alpha, 0), and mean same/different distances. */
function stats(e: number[][], labels: number[]): { loss: number; same: number; different: number } {
  let loss = 0, count = 0, same = 0, nSame = 0, different = 0, nDifferent = 0;
  for (let a = 0; a < e.length; a++) {
    for (let b = 0; b < e.length; b++) {
      if (a === b) continue;
      const d = Math.sqrt(sq(e[a], e[b]));
      if (labels[a] === labels[b]) { same += d; nSame++; } else { different += d; nDifferent++; }
      if (labels[a] !== labels[b]) continue;
      const dap = sq(e[a], e[b]);
      for (let c = 0; c < e.length; c++) {
        if (labels[c] === labels[a]) continue;
        loss += Math.max(dap - sq(e[a], e[c]) + ALPHA, 0);
        count++;
      }
    }
  }
  return { loss: loss / count, same: same / nSame, different: different / nDifferent };
}

describe('face: trainEncoder with smallEncoder', function () {
  this.timeout(60000);
  const { values, labels } = makeData();
  let images: Tensor4D;

  before(async () => {
    await ready();
    images = tf.tensor4d(values, [IDS * PER_ID, SIZE, SIZE, 1]);
  });
  after(() => images.dispose());

  async function embedAll(model: ReturnType<typeof smallEncoder>): Promise<number[][]> {
    const e = await model.encode(images);
    try { return await rows(e); } finally { e.dispose(); }
  }

  for (const strategy of ['hard', 'semi-hard', 'all'] as MiningStrategy[]) {
    it(`lowers the triplet loss and separates identities (${strategy})`, async () => {
      const before = tf.memory().numTensors;
      const model = smallEncoder({ inputSize: SIZE, channels: 1, dim: 16, filters: [4, 8], seed: 3 });
      const start = stats(await embedAll(model), labels);
      const progress: number[] = [];
      const result = await trainEncoder({
        model, dataset: { images, labels }, strategy, alpha: ALPHA, epochs: 6, batchIdentities: 4, imagesPerIdentity: 3,
        learningRate: 3e-3, seed: 11, onProgress: async entry => { progress.push(entry.step); },
      });
      const end = stats(await embedAll(model), labels);
      model.dispose();
      assert.equal(result.stopped, false);
      assert.equal(result.history.length, 6 * 4);
      assert.deepEqual(progress, result.history.map(h => h.step));
      assert.ok(result.history.every(h => Number.isFinite(h.loss) && h.loss >= 0 && h.activeTriplets >= 0));
      assert.ok(end.loss < 0.6 * start.loss, `${strategy}: loss ${start.loss} → ${end.loss}`);
      assert.ok(end.same < end.different, `${strategy}: same ${end.same} vs different ${end.different}`);
      // The untrained net already tells these patterns apart somewhat; training must widen the gap.
      assert.ok(end.different / end.same > 1.2 * (start.different / start.same),
        `${strategy}: different/same ${start.different / start.same} → ${end.different / end.same}`);
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('is deterministic for a seed, and takes a list of [h, w, c] images', async () => {
    const before = tf.memory().numTensors;
    const list = tf.unstack(images) as Tensor3D[];
    const run = async (dataset: { images: Tensor4D | Tensor3D[]; labels: number[] }) => {
      const model = smallEncoder({ inputSize: SIZE, dim: 16, filters: [4, 8], seed: 5 });
      const result = await trainEncoder({ model, dataset, epochs: 1, batchIdentities: 4, imagesPerIdentity: 3, seed: 2 });
      const e = await embedAll(model);
      model.dispose();
      return { losses: result.history.map(h => h.loss), e };
    };
    const a = await run({ images, labels }), b = await run({ images: list, labels });
    list.forEach(t => t.dispose());
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.e, b.e);
    assert.equal(tf.memory().numTensors, before);
  });

  it('encode resizes and converts channels', async () => {
    const before = tf.memory().numTensors;
    const model = smallEncoder({ inputSize: 8, channels: 1, dim: 8, filters: [4, 8], seed: 1 });
    const rgb = tf.tidy(() => tf.tile(images.slice([0, 0, 0, 0], [2, SIZE, SIZE, 1]), [1, 1, 1, 3])) as Tensor4D;
    const e1 = await model.encode(rgb);
    const first = tf.tidy(() => rgb.slice([0, 0, 0, 0], [1, SIZE, SIZE, 1]).squeeze([0])) as Tensor3D;
    const e2 = await model.encode([first]);
    const r1 = await rows(e1), r2 = await rows(e2);
    tf.dispose([e1, e2, rgb, first]);
    model.dispose();
    assert.deepEqual(e1.shape, [2, 8]);
    for (const r of r1) assert.ok(Math.abs(Math.hypot(...r) - 1) < 1e-5);
    r2[0].forEach((v, k) => assert.ok(Math.abs(v - r1[0][k]) < 1e-5));
    assert.equal(tf.memory().numTensors, before);
  });

  it('stops between steps on an AbortSignal and keeps the weights', async () => {
    const before = tf.memory().numTensors;
    const model = smallEncoder({ inputSize: SIZE, dim: 16, filters: [4, 8], seed: 4 });
    const initial = await Promise.all(model.variables.map(v => v.data()));
    const controller = new AbortController();
    const result = await trainEncoder({
      model, dataset: { images, labels }, epochs: 10, batchIdentities: 4, imagesPerIdentity: 3, signal: controller.signal,
      onProgress: entry => { if (entry.step === 2) controller.abort(); },
    });
    assert.equal(result.stopped, true);
    assert.equal(result.history.length, 2);
    const trained = await Promise.all(model.variables.map(v => v.data()));
    assert.ok(trained.some((t, i) => t.some((v, k) => v !== initial[i][k])), 'the weights changed');
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('uses the running cell\'s signal by default', async () => {
    const key = Symbol.for('convnet.kernel');
    const controller = new AbortController();
    controller.abort();
    const g = globalThis as Record<symbol, unknown>;
    const saved = g[key];
    g[key] = { signal: controller.signal };
    const model = smallEncoder({ inputSize: SIZE, dim: 8, filters: [4, 8], seed: 4 });
    try {
      const result = await trainEncoder({ model, dataset: { images, labels } });
      assert.deepEqual(result, { history: [], stopped: true });
    } finally {
      model.dispose();
      if (saved === undefined) delete g[key]; else g[key] = saved;
    }
  });

  it('names bad arguments', async () => {
    const before = tf.memory().numTensors;
    const model = smallEncoder({ inputSize: SIZE, dim: 8, filters: [4, 8], seed: 1 });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ dataset: { images, labels: labels.slice(0, 10) } }, /trainEncoder: dataset.labels must have one label per image, got 10 for 48 images/],
      [{ dataset: { images: tf.zeros([2, 2]), labels } }, /trainEncoder: dataset.images must be/],
      [{ dataset: { images, labels: labels.map(() => 0) } }, /trainEncoder: dataset needs at least 2 identities/],
      [{ dataset: { images, labels }, strategy: 'easy' }, /trainEncoder: strategy must be/],
      [{ dataset: { images, labels }, epochs: 0 }, /trainEncoder: epochs must be a positive integer/],
      [{ dataset: { images, labels }, alpha: -1 }, /trainEncoder: alpha must be/],
      [{ dataset: { images, labels }, learningRate: 0 }, /trainEncoder: learningRate must be/],
      [{ dataset: { images, labels }, model: {} }, /trainEncoder: model must have variables/],
    ];
    for (const [extra, message] of cases) {
      await assert.rejects(trainEncoder({ model, ...extra } as never), (err: Error) => err instanceof FaceArgumentError && message.test(err.message));
      const ds = extra.dataset as { images: tf.Tensor } | undefined;
      if (ds && ds.images !== images) ds.images.dispose();
    }
    assert.throws(() => smallEncoder({ inputSize: 30 }), /smallEncoder: inputSize must be a positive multiple of 8/);
    const small = tf.zeros([1, 8, 8, 1]) as Tensor4D;
    assert.throws(() => model.predict(small), /predict: x must be \[n, 16, 16, 1\]/);
    small.dispose();
    model.dispose();
    await assert.rejects(model.encode(images), /encode: this encoder has been disposed/);
    assert.equal(tf.memory().numTensors, before);
  });
});
