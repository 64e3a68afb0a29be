// The pretrained face encoder (dlib's ResNet from @vladmandic/face-api) on ORL (AT&T faces: 40 people x 10 grey
// 92x112 images), with and without alignment. Prints one JSON object:
//   rank1.leaveOneOut  nearest neighbour among the other 399 images is the same person
//   rank1.gallery5     images 1-5 of each person are the gallery, 6-10 the probes
//   pairs              all 1800 same-person pairs + 1800 seeded different-person pairs, 10-fold: the threshold is
//                      chosen on 9 folds and scored on the 10th (mean ± std); also the accuracy at dlib's 0.6
// Usage: node esbuild.js && CONVNET_BACKEND=wasm node bench/face-orl.mjs [--subjects 40] [--no-detect]
// Needs ../shared/data/faces/orl. Uses dist/lib.js when it exports the face topic; until then it bundles
// src/lib/face/encoder.ts to dist/bench-face-encoder.js with the same externals.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const orlDir = path.resolve(root, '../shared/data/faces/orl');
const args = process.argv.slice(2);
const subjects = Number(args[args.indexOf('--subjects') + 1] || 40) || 40;
const withDetect = !args.includes('--no-detect');

if (!fs.existsSync(orlDir)) { console.log(JSON.stringify({ skipped: `no ORL data at ${orlDir}` })); process.exit(0); }

async function loadLibrary() {
  const lib = require(path.join(root, 'dist/lib.js'));
  const face = lib.face ?? lib;
  if (typeof face.loadEncoder === 'function') return { tf: lib.tf, ready: lib.ready, backendInfo: lib.backendInfo, face };
  const esbuild = require('esbuild');
  const outfile = path.join(root, 'dist/bench-face-encoder.js');
  await esbuild.build({
    stdin: { contents: "export * from './src/lib/face/encoder'; export * from './src/lib/face/align'; export { tf, ready, backendInfo } from './src/lib/tf';", resolveDir: root, loader: 'ts' },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'warning',
    external: ['vscode', 'esbuild', '@tensorflow/*', 'webgpu', '@vladmandic/*'],
  });
  const m = require(outfile);
  return { tf: m.tf, ready: m.ready, backendInfo: m.backendInfo, face: m };
}

function readPgm(file) {
  const buf = fs.readFileSync(file);
  const tokens = [];
  let pos = 0;
  while (tokens.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    if (buf[pos] === 0x23) { while (buf[pos] !== 0x0a) pos++; continue; }
    let s = '';
    while (!/\s/.test(String.fromCharCode(buf[pos]))) s += String.fromCharCode(buf[pos++]);
    tokens.push(s);
  }
  if (tokens[0] !== 'P5' || tokens[3] !== '255') throw new Error(`${file}: not an 8-bit P5 PGM`);
  const w = Number(tokens[1]), h = Number(tokens[2]);
  pos++;
  return { w, h, data: Float32Array.from(buf.subarray(pos, pos + w * h)) };
}

function dist(a, b) { let s = 0; for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d * d; } return Math.sqrt(s); }

function rank1(desc, labels, galleryOf) {
  let correct = 0, total = 0;
  for (let i = 0; i < desc.length; i++) {
    if (galleryOf && galleryOf(i)) continue;
    let best = Infinity, bestJ = -1;
    for (let j = 0; j < desc.length; j++) {
      if (j === i || (galleryOf && !galleryOf(j))) continue;
      const d = dist(desc[i], desc[j]);
      if (d < best) { best = d; bestJ = j; }
    }
    total++;
    if (labels[bestJ] === labels[i]) correct++;
  }
  return correct / total;
}

function seeded(seed) { return () => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32; }; }

function pairs(labels) {
  const same = [], diff = [];
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) if (labels[i] === labels[j]) same.push([i, j, 1]);
  const rand = seeded(12345);
  while (diff.length < same.length) {
    const i = Math.floor(rand() * labels.length), j = Math.floor(rand() * labels.length);
    if (labels[i] !== labels[j]) diff.push([i, j, 0]);
  }
  const all = [...same, ...diff];
  for (let i = all.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [all[i], all[j]] = [all[j], all[i]]; }
  return all;
}

function accuracyAt(scored, t) { return scored.filter(([d, same]) => (d < t) === (same === 1)).length / scored.length; }

function pairAccuracy(desc, labels) {
  const scored = pairs(labels).map(([i, j, same]) => [dist(desc[i], desc[j]), same]);
  const folds = 10, accs = [], thresholds = [];
  for (let f = 0; f < folds; f++) {
    const test = scored.filter((_, k) => k % folds === f), train = scored.filter((_, k) => k % folds !== f);
    const candidates = [...new Set(train.map(([d]) => d))].sort((a, b) => a - b);
    let bestT = 0, bestAcc = -1;
    for (let c = 0; c < candidates.length; c++) {
      const t = c + 1 < candidates.length ? (candidates[c] + candidates[c + 1]) / 2 : candidates[c] + 1e-6;
      const acc = accuracyAt(train, t);
      if (acc > bestAcc) { bestAcc = acc; bestT = t; }
    }
    thresholds.push(bestT);
    accs.push(accuracyAt(test, bestT));
  }
  const mean = accs.reduce((a, b) => a + b, 0) / folds;
  const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / folds);
  const sameD = scored.filter(s => s[1] === 1).map(s => s[0]), diffD = scored.filter(s => s[1] === 0).map(s => s[0]);
  const avg = xs => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    pairs: scored.length, tenFold: { mean: +mean.toFixed(4), std: +std.toFixed(4), thresholds: thresholds.map(t => +t.toFixed(3)) },
    atDlib06: +accuracyAt(scored, 0.6).toFixed(4), meanSame: +avg(sameD).toFixed(4), meanDifferent: +avg(diffD).toFixed(4),
  };
}

const { tf, ready, backendInfo, face } = await loadLibrary();
await ready();
const images = [], labels = [], index = [];
for (let s = 1; s <= subjects; s++) {
  for (let k = 1; k <= 10; k++) {
    const { w, h, data } = readPgm(path.join(orlDir, `s${s}`, `${k}.pgm`));
    images.push(tf.tensor3d(data, [h, w, 1]));
    labels.push(s);
    index.push(k);
  }
}
const encoder = await face.loadEncoder();
const result = { backend: backendInfo().detail, subjects, images: images.length };

async function describe(align) {
  const t0 = Date.now();
  const desc = [];
  let noFace = 0;
  for (let i = 0; i < images.length; i += align === 'none' ? 20 : 1) {
    const chunk = images.slice(i, i + (align === 'none' ? 20 : 1));
    let out;
    try { out = await encoder.encode(chunk, { align }); } catch (e) {
      if (e.name !== 'NoFaceError') throw e;
      noFace++; // counted, and encoded unaligned so every image still takes part
      out = await encoder.encode(chunk, { align: 'none' });
    }
    const data = await out.data();
    out.dispose();
    for (let r = 0; r < chunk.length; r++) desc.push(data.subarray(r * 128, (r + 1) * 128));
  }
  const norms = desc.map(d => Math.hypot(...d));
  return {
    seconds: +((Date.now() - t0) / 1000).toFixed(1), ...(align === 'detect' ? { noFace } : {}),
    descriptorNorm: { min: +Math.min(...norms).toFixed(3), max: +Math.max(...norms).toFixed(3) },
    rank1: { leaveOneOut: +rank1(desc, labels).toFixed(4), gallery5: +rank1(desc, labels, i => index[i] <= 5).toFixed(4) },
    pairs: pairAccuracy(desc, labels),
  };
}

result.none = await describe('none');
if (withDetect) result.detect = await describe('detect');
encoder.dispose();
images.forEach(t => t.dispose());
console.log(JSON.stringify(result, null, 2));
