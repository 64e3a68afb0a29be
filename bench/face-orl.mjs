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
import { pairAccuracy, rank1, readPgm } from './orlMetrics.mjs';

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
