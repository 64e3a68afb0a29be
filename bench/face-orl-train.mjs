// Small face encoders trained from scratch with the triplet loss on ORL, one per mining strategy, scored on
// people they never saw (one-shot learning: the encoder must generalise to new identities). Prints one JSON object.
//   split      people 1-30 train, 31-40 test (100 images); also scored on the training people for contrast
//   rank1      leave-one-out nearest neighbour among the test images
//   pairs      all same-person test pairs + as many seeded different-person pairs, 10-fold threshold (orlMetrics.mjs)
//   baseline   the same untrained (seeded) network, so the gain from training is visible
// Usage: node esbuild.js && CONVNET_BACKEND=wasm node bench/face-orl-train.mjs [--epochs 40] [--size 48]
//        [--strategies all,hard,semi-hard] [--seed 0]
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pairAccuracy, rank1, readPgm } from './orlMetrics.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const orlDir = path.resolve(root, '../shared/data/faces/orl');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const epochs = Number(option('--epochs', 40));
const size = Number(option('--size', 48));
const seed = Number(option('--seed', 0));
const strategies = option('--strategies', 'all,hard,semi-hard').split(',');
const trainPeople = 30;

if (!fs.existsSync(orlDir)) { console.log(JSON.stringify({ skipped: `no ORL data at ${orlDir}` })); process.exit(0); }

const { tf, ready, backendInfo, face } = require(path.join(root, 'dist/lib.js'));
await ready();

// ORL is 92x112 portrait: crop the central 92x92 square (forehead to chin) and resize, in 0..255 like the encoders.
function loadPeople(from, to) {
  const images = [], labels = [];
  for (let s = from; s <= to; s++) {
    for (let k = 1; k <= 10; k++) {
      const { w, h, data } = readPgm(path.join(orlDir, `s${s}`, `${k}.pgm`));
      images.push(tf.tidy(() => {
        const img = tf.tensor3d(data, [h, w, 1]);
        const top = Math.floor((h - w) / 2);
        return tf.image.resizeBilinear(img.slice([top, 0, 0], [w, w, 1]), [size, size], false, true);
      }));
      labels.push(s);
    }
  }
  return { images: tf.stack(images), labels, dispose() { this.images.dispose(); images.forEach(t => t.dispose()); } };
}

async function embed(model, images) {
  const out = tf.tidy(() => model.predict(images));
  const data = await out.data();
  const dim = out.shape[1];
  out.dispose();
  return Array.from({ length: images.shape[0] }, (_, i) => data.subarray(i * dim, (i + 1) * dim));
}

async function score(model, set) {
  const desc = await embed(model, set.images);
  const pairs = pairAccuracy(desc, set.labels);
  return { rank1: +rank1(desc, set.labels).toFixed(4), pairs10Fold: pairs.tenFold.mean, pairsStd: pairs.tenFold.std,
    meanSame: pairs.meanSame, meanDifferent: pairs.meanDifferent };
}

const train = loadPeople(1, trainPeople);
const test = loadPeople(trainPeople + 1, 40);
const result = { backend: backendInfo().detail, size, epochs, seed, trainPeople, testPeople: 40 - trainPeople, strategies: {} };
const modelOptions = { inputSize: size, channels: 1, dim: 64, filters: [16, 32, 64], seed };

const untrained = face.smallEncoder(modelOptions);
result.untrained = { test: await score(untrained, test) };
untrained.dispose();

for (const strategy of strategies) {
  const model = face.smallEncoder(modelOptions);
  const t0 = Date.now();
  const run = await face.trainEncoder({
    model, dataset: { images: train.images, labels: train.labels }, strategy, alpha: 0.2, epochs,
    batchIdentities: 8, imagesPerIdentity: 4, learningRate: 1e-3, seed,
  });
  const seconds = (Date.now() - t0) / 1000;
  const last = run.history.slice(-10);
  result.strategies[strategy] = {
    steps: run.history.length, seconds: +seconds.toFixed(1), stepsPerSecond: +(run.history.length / seconds).toFixed(2),
    finalLoss: +(last.reduce((a, h) => a + h.loss, 0) / last.length).toFixed(4),
    test: await score(model, test), train: await score(model, train),
  };
  model.dispose();
  console.error(`${strategy}: ${JSON.stringify(result.strategies[strategy])}`);
}
train.dispose();
test.dispose();
result.numTensorsLeft = tf.memory().numTensors;
console.log(JSON.stringify(result, null, 2));
