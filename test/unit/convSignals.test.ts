// The convs ECG pipeline (filters as conv1d, beat detection, rule labels), synthetic volumes, conv3d by hand, and
// the small 1-D / 3-D CNNs: checked against independent float64 computations, signals with known beat times, and
// held-out accuracy.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'wasm';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ready, tf } from '../../src/lib/tf';
import * as convs from '../../src/lib/convs';
import { checkNoTensorLeaks } from './libraryTestKit';

const FS = 360;
const ECG = path.resolve(__dirname, '../../../shared/data/signals/ecg-mitbih-208.csv');

/** A small LCG for test data, independent of the library's generator. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** A synthetic ECG with known R times: P, QRS (Gaussian, σ = qrsMs) and T waves, baseline wander and noise. */
function syntheticEcg(seconds: number, seed: number, wideBeats: Set<number> = new Set()): { samples: Float32Array; beats: number[] } {
  const rand = lcg(seed);
  const n = Math.round(seconds * FS);
  const x = new Float64Array(n);
  const beats: number[] = [];
  for (let t = 0.4, k = 0; t < seconds - 0.5; k++) {
    const premature = wideBeats.has(k);
    const r = Math.round(t * FS);
    beats.push(r);
    const sigma = (premature ? 40 : 10) / 1000 * FS;
    const amp = premature ? 1.6 : 1.2;
    for (let i = Math.max(0, r - 150); i < Math.min(n, r + 200); i++) {
      const d = i - r;
      x[i] += amp * Math.exp(-0.5 * (d / sigma) ** 2);
      if (!premature) x[i] += 0.15 * Math.exp(-0.5 * ((d + 0.16 * FS) / (0.025 * FS)) ** 2);
      x[i] += 0.3 * Math.exp(-0.5 * ((d - 0.28 * FS) / (0.04 * FS)) ** 2);
    }
    const rr = 0.65 + 0.3 * rand();
    t += wideBeats.has(k + 1) ? rr * 0.7 : rr;
  }
  const samples = Float32Array.from(x, (v, i) => v + 0.2 * Math.sin(2 * Math.PI * 0.3 * i / FS) + 0.02 * (rand() - 0.5));
  return { samples, beats };
}

/** 'same' cross-correlation in float64, written from the definition (zeros outside; odd kernels are centred). */
function correlateSame(x: ArrayLike<number>, k: ArrayLike<number>): Float64Array {
  const half = (k.length - 1) >> 1;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let s = 0;
    for (let j = 0; j < k.length; j++) { const idx = i + j - half; if (idx >= 0 && idx < x.length) s += x[idx] * k[j]; }
    out[i] = s;
  }
  return out;
}

describe('convs: ECG pipeline', function () {
  this.timeout(120_000);
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  it('documents its kernels: low-pass sums to 1, high-pass to 0, derivative gives the slope, integration is a 150 ms mean', () => {
    const k = convs.ecgKernels(FS);
    const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum(k.lowPass) - 1) < 1e-6 && Math.abs(sum(k.highPass)) < 1e-6 && Math.abs(sum(k.integration) - 1) < 1e-6);
    assert.equal(k.lowPass.length, 21);
    assert.equal(k.integration.length, 55); // 2·round(0.075·360) + 1 samples ≈ 153 ms
    // On a ramp of 2 units per second the derivative reads 2.
    const ramp = Array.from({ length: 5 }, (_, i) => 2 * i / FS);
    assert.ok(Math.abs(k.derivative.reduce((s, v, i) => s + v * ramp[i], 0) - 2) < 1e-5);
    for (const kernel of Object.values(k)) assert.equal(kernel.length % 2, 1, 'odd, so "same" keeps it centred');
  });

  it('every filter stage equals an independent float64 convolution of the previous one', async () => {
    const { samples } = syntheticEcg(6, 1);
    const st = await convs.filterEcg(samples, FS);
    const lp = correlateSame(samples, st.kernels.lowPass);
    const bp = correlateSame(lp, st.kernels.highPass);
    const der = correlateSame(bp, st.kernels.derivative);
    const integ = correlateSame(der.map(v => v * v), st.kernels.integration);
    const maxError = (a: Float32Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    const scale = (b: Float64Array) => b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(maxError(st.bandPassed, bp) < 1e-4 * scale(bp));
    assert.ok(maxError(st.derivative, der) < 1e-4 * scale(der));
    assert.ok(maxError(st.integrated, integ) < 1e-3 * scale(integ));
  });

  it('finds every beat of a synthetic ECG within 20 ms, and no others', async () => {
    const { samples, beats } = syntheticEcg(40, 2);
    const st = await convs.filterEcg(Array.from(samples), FS);
    const found = convs.detectBeats(st);
    assert.equal(found.peaks.length, beats.length);
    found.peaks.forEach((p, i) => assert.ok(Math.abs(p - beats[i]) <= 0.02 * FS, `beat ${i}: found ${p}, true ${beats[i]}`));
    const expectedRate = beats.length / (samples.length / FS / 60);
    assert.ok(Math.abs(found.heartRate - expectedRate) < 1e-9);
  });

  it('labels the wide, premature beats abnormal by the documented rule', async () => {
    const wide = new Set([5, 11, 17, 23, 29]);
    const { samples, beats } = syntheticEcg(35, 3, wide);
    const st = await convs.filterEcg(samples, FS);
    const found = convs.detectBeats(st);
    assert.equal(found.peaks.length, beats.length);
    const labelled = convs.labelBeatsByRule(st, found.peaks);
    const expected = beats.map((_, k) => (wide.has(k) ? 1 : 0));
    assert.deepEqual(labelled.labels, expected);
    assert.deepEqual(labelled.counts.abnormal, wide.size);
    assert.ok([...wide].every(k => labelled.premature[k]), 'each wide beat comes 30% early');
    assert.deepEqual(convs.labelBeatsByRule(st, found.peaks, { requirePremature: true }).labels, expected);
    assert.match(labelled.rule, /not cardiologist annotations/);
  });

  it('on MIT-BIH record 208 (5 min): about 490 beats at a plausible rate, a fifth of them wide', async function () {
    if (!fs.existsSync(ECG)) { console.log(`      (skipped: ECG not found at ${ECG})`); this.skip(); }
    const rec = await convs.loadEcg(ECG);
    assert.equal(rec.samples.length, 108_000);
    const st = await convs.filterEcg(rec.samples, rec.sampleRate);
    const beats = convs.detectBeats(st);
    // The annotated record has 2955 beats in 30 min, about 490 in 5; three saturated stretches here hold no beats.
    assert.ok(beats.peaks.length >= 460 && beats.peaks.length <= 520, `${beats.peaks.length} beats`);
    assert.ok(beats.heartRate > 85 && beats.heartRate < 110, `${beats.heartRate} bpm`);
    assert.ok(beats.rr.every(rr => rr >= 0.2), 'refractory period kept');
    const labelled = convs.labelBeatsByRule(st, beats.peaks);
    const share = labelled.counts.abnormal / beats.peaks.length;
    assert.ok(share > 0.1 && share < 0.35, `abnormal share ${share}`);
  });

  it('cuts standardised beat windows and drops beats too near the ends', () => {
    const signal = Float32Array.from({ length: 1000 }, (_, i) => (i % 7) - 3);
    const { windows, kept } = convs.beatWindows(signal, [10, 300, 600, 990], FS, { before: 0.1, after: 0.2 });
    try {
      assert.deepEqual(kept, [1, 2]);
      assert.deepEqual(windows.shape, [2, 36 + 72, 1]);
      const v = Array.from(windows.dataSync());
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
      assert.ok(Math.abs(std - 1) < 1e-4, `std ${std}`);
    } finally { windows.dispose(); }
  });

  it('plots a signal as an escaped inline SVG with one mark per beat in the window', () => {
    const values = Float32Array.from({ length: 3600 }, (_, i) => Math.sin(i / 20));
    const plot = convs.signalPlot({ name: '<script>alert(1)</script>', values }, { start: 1, duration: 5, marks: { at: [100, 400, 900, 3000], label: 'beats' }, title: 'a & b' });
    const display = (plot as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('convnet.display')];
    const bundle = display.call(plot);
    assert.deepEqual(bundle, plot.toMimeBundle());
    assert.match(bundle['text/html'], /^<svg [^>]*>.*<\/svg>$/s);
    assert.ok(!bundle['text/html'].includes('<script>') && bundle['text/html'].includes('&lt;script&gt;') && bundle['text/html'].includes('a &amp; b'));
    assert.equal((bundle['text/html'].match(/<line /g) ?? []).length, 2, 'marks at 400 and 900 lie in 1–6 s');
    assert.equal(bundle['text/plain'], 'signal plot: <script>alert(1)</script>; 1.00–6.00 s; 2 beats');
    assert.throws(() => convs.signalPlot([]), /signalPlot: traces must be/);
  });

  it('bad inputs get named errors', async () => {
    assert.throws(() => convs.parseEcgCsv('mV\n0.1\nabc\n'), /parseEcgCsv: line 3 is not a number/);
    await assert.rejects(convs.filterEcg(new Float32Array(10), FS), /filterEcg: signal needs at least 59 samples/);
    await assert.rejects(convs.filterEcg('ecg' as unknown as number[], FS), /filterEcg: signal must be a Float32Array/);
    assert.throws(() => convs.detectBeats({} as convs.EcgStages), /detectBeats: stages must be the result of filterEcg/);
    assert.throws(() => convs.ecgKernels(10), /ecgKernels: sampleRate must be a number of Hz >= 50/);
  });
});

describe('convs: volumes, conv3d by hand, and the small CNNs', function () {
  this.timeout(300_000);
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  it('conv3dByHand equals tf.conv3d (valid and same, strides 1 and 2, with and without a batch axis)', async () => {
    const rand = lcg(7);
    const x = tf.tensor5d(Array.from({ length: 2 * 6 * 5 * 7 * 2 }, () => rand() - 0.5), [2, 6, 5, 7, 2]);
    const w = tf.tensor5d(Array.from({ length: 3 * 2 * 3 * 2 * 3 }, () => rand() - 0.5), [3, 2, 3, 2, 3]);
    try {
      for (const padding of ['valid', 'same'] as const) {
        for (const strides of [1, 2] as const) {
          const ours = await convs.conv3dByHand(x, w, strides, padding);
          const theirs = tf.conv3d(x, w, strides, padding);
          assert.deepEqual(ours.shape, theirs.shape);
          const a = await ours.data(), b = await theirs.data();
          a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${padding} s=${strides} [${i}]: ${v} vs ${b[i]}`));
          tf.dispose([ours, theirs]);
        }
      }
      const one = tf.tidy(() => x.slice([1], [1]).squeeze([0]) as tf.Tensor4D);
      const ours = await convs.conv3dByHand(one, w);
      const theirs = tf.tidy(() => tf.conv3d(one, w, 1, 'valid'));
      assert.deepEqual(ours.shape, [4, 4, 5, 3]);
      assert.deepEqual(Array.from(await ours.data()).map(v => +v.toFixed(4)), Array.from(await theirs.data()).map(v => +v.toFixed(4)));
      tf.dispose([one, ours, theirs]);
      const oneChannel = tf.zeros([3, 3, 3, 1, 1]) as tf.Tensor5D;
      try {
        await assert.rejects(convs.conv3dByHand(x, oneChannel), /conv3dByHand: filter's inChannels \(1\) must equal the input's channels \(2\)/);
      } finally { oneChannel.dispose(); }
    } finally { tf.dispose([x, w]); }
  });

  it('generates seeded, balanced volumes in [0, 1] with the shape inside brighter than the background', async () => {
    const a = convs.volumeDataset(6, { size: 12, seed: 3 }), b = convs.volumeDataset(6, { size: 12, seed: 3 }), c = convs.volumeDataset(6, { size: 12, seed: 4 });
    try {
      assert.deepEqual(a.volumes.shape, [6, 12, 12, 12, 1]);
      assert.deepEqual(a.labels, [0, 1, 2, 0, 1, 2]);
      assert.deepEqual(a.kinds, ['sphere', 'cube', 'cylinder']);
      const va = await a.volumes.data(), vb = await b.volumes.data(), vc = await c.volumes.data();
      assert.deepEqual(va, vb);
      assert.notDeepEqual(va, vc);
      assert.ok(va.every(v => v >= 0 && v <= 1));
      for (let k = 0; k < 6; k++) {
        const one = Array.from(va.subarray(k * 1728, (k + 1) * 1728)).sort((p, q) => p - q);
        assert.ok(one[1727 - 5] > 0.4 && one[864] < 0.25, `volume ${k}: bright shape, dim background`);
      }
    } finally { tf.dispose([a.volumes, b.volumes, c.volumes]); }
    const montage = (() => { const v = convs.syntheticVolume('cube', { size: 10 }); try { return convs.sliceMontage(v, 4); } finally { v.dispose(); } })();
    assert.deepEqual(montage.shape, [10, 4 * 11 - 1, 1]);
    montage.dispose();
    assert.throws(() => convs.volumeDataset(4, { kinds: ['pyramid' as 'cube'] }), /volumeDataset: kinds must be a non-empty list of 'sphere', 'cube', 'cylinder'/);
  });

  it('the 1-D CNN learns narrow from wide beats (held-out accuracy > 90%)', async () => {
    const make = (count: number, seed: number) => {
      const rand = lcg(seed), length = 120, data = new Float32Array(count * length), labels: number[] = [];
      for (let k = 0; k < count; k++) {
        const wide = k % 2, sigma = wide ? 10 + 4 * rand() : 2.5 + 1.5 * rand(), centre = 55 + 10 * rand(), amp = 0.6 + 0.8 * rand();
        for (let i = 0; i < length; i++) data[k * length + i] = amp * Math.exp(-0.5 * ((i - centre) / sigma) ** 2) + 0.1 * (rand() - 0.5);
        labels.push(wide);
      }
      return { x: tf.tensor3d(data, [count, length, 1]), labels };
    };
    const train = make(200, 1), test = make(100, 2);
    const model = convs.cnn1d({ length: 120, seed: 1 });
    try {
      const progress: convs.ClassifierProgress[] = [];
      const result = await convs.trainClassifier({ model, train, epochs: 6, learningRate: 0.01, onProgress: e => { progress.push(e); } });
      assert.equal(progress.length, 6);
      assert.ok(!result.stopped && progress[5].loss < progress[0].loss);
      const { accuracy, confusion } = await convs.evaluateClassifier(model, test);
      assert.ok(accuracy > 0.9, `accuracy ${accuracy}`);
      assert.equal(confusion.flat().reduce((a, b) => a + b, 0), 100);
    } finally { tf.dispose([train.x, test.x]); model.dispose(); }
  });

  it('the 3-D CNN tells spheres, cubes and cylinders apart (held-out accuracy well above 1/3)', async () => {
    const train = convs.volumeDataset(150, { seed: 11 }), test = convs.volumeDataset(60, { seed: 12 });
    const model = convs.cnn3d({ size: 16, seed: 0 });
    try {
      await convs.trainClassifier({ model, train: { x: train.volumes, labels: train.labels }, epochs: 10, batchSize: 16, learningRate: 0.01 });
      const { accuracy } = await convs.evaluateClassifier(model, { x: test.volumes, labels: test.labels });
      assert.ok(accuracy > 0.6, `accuracy ${accuracy}`);
    } finally { tf.dispose([train.volumes, test.volumes]); model.dispose(); }
  });

  it('stops between steps on an aborted signal, keeping the model usable', async () => {
    const x = tf.zeros([8, 30, 1]);
    const model = convs.cnn1d({ length: 30 });
    try {
      const controller = new AbortController();
      controller.abort();
      const result = await convs.trainClassifier({ model, train: { x, labels: new Array(8).fill(0) }, signal: controller.signal });
      assert.equal(result.stopped, true);
      assert.equal(result.history.length, 0);
      await assert.rejects(convs.trainClassifier({ model, train: { x, labels: new Array(8).fill(2) } }), /trainClassifier: train.labels\[0\] must be a class index in 0..1; got 2/);
      const wrongLength = tf.zeros([8, 31, 1]);
      try {
        await assert.rejects(convs.trainClassifier({ model, train: { x: wrongLength, labels: new Array(8).fill(0) } }), /trainClassifier: train.x must be \[n, 30, 1\] for this model; got \[8, 31, 1\]/);
      } finally { wrongLength.dispose(); }
    } finally { x.dispose(); model.dispose(); }
  });
});
