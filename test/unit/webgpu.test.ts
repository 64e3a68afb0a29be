// The WebGPU backend (Dawn through the `webgpu` package) against the cpu backend, on whatever adapter this
// machine has: on CI that is Mesa's llvmpipe through Dawn's OpenGL ES backend (software: correct, slow), which
// needs libEGL.so, Mesa's EGL and its gallium driver (Debian/Ubuntu: libegl-dev libegl-mesa0 libgl1-mesa-dri).
// Without an adapter the tests are skipped with the reason. Everything runs in one child process: the backend
// is chosen once per process, and the mocha process keeps its own. All reads there are async (`await data()`):
// in Node, tfjs-backend-webgpu's dataSync() needs OffscreenCanvas, which Node lacks.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { BackendInfo } from '../../src/lib/tf';

const ROOT = path.resolve(__dirname, '..', '..');
const LIB = path.join(ROOT, 'src', 'lib', 'tf.ts');
const TSX = require.resolve('tsx/cjs');

// The same computations on the current backend, every result read back with `await data()`. Inputs are
// seeded (TF.js makes seeded random values in JS, so both backends get the same numbers).
const CHILD = `
const lib = require(${JSON.stringify(LIB)});
const tf = lib.tf;
const out = r => console.log('@@RESULT ' + JSON.stringify(r));
const read = async t => { const v = Array.from(await t.data()); t.dispose(); return v; };

async function conv(tf) {
  const x = tf.randomNormal([2, 12, 12, 3], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, 3, 8], 0, 0.5, 'float32', 2);
  const same = await read(tf.conv2d(x, w, 1, 'same'));
  const strided = await read(tf.conv2d(x, w, 2, 'valid'));
  tf.dispose([x, w]);
  return { same, strided };
}

async function matMul(tf) {
  const a = tf.randomNormal([33, 65], 0, 1, 'float32', 3);
  const b = tf.randomNormal([65, 17], 0, 1, 'float32', 4);
  const c = tf.randomNormal([17, 65], 0, 1, 'float32', 5);
  const plain = await read(tf.matMul(a, b));
  const transposed = await read(tf.matMul(a, c, false, true));
  tf.dispose([a, b, c]);
  return { plain, transposed };
}

async function gradient(tf) {
  const x = tf.randomNormal([1, 10, 10, 4], 0, 1, 'float32', 6);
  const w = tf.randomNormal([3, 3, 4, 6], 0, 0.3, 'float32', 7);
  const f = (x, w) => tf.sum(tf.square(tf.relu(tf.maxPool(tf.conv2d(x, w, 1, 'same'), 2, 2, 'valid'))));
  const [dx, dw] = tf.grads(f)([x, w]);
  const result = { dx: await read(dx), dw: await read(dw) };
  tf.dispose([x, w]);
  return result;
}

// A style-transfer step in small: conv layers, Gram matrices, content + style loss, Adam on the pixels.
async function style(tf) {
  const specs = [[3, 8], [8, 8], 'pool', [8, 16]];
  let seed = 20;
  const layers = specs.map(s => s === 'pool' ? s : { w: tf.randomNormal([3, 3, s[0], s[1]], 0, Math.sqrt(2 / (9 * s[0])), 'float32', seed++), b: tf.zeros([s[1]]) });
  const features = x => {
    const f = [];
    let h = x;
    for (const l of layers) {
      if (l === 'pool') { h = tf.avgPool(h, 2, 2, 'valid'); continue; }
      h = tf.relu(tf.add(tf.conv2d(h, l.w, 1, 'same'), l.b));
      f.push(h);
    }
    return f;
  };
  const gram = f => { const [, h, w, c] = f.shape; const m = tf.reshape(f, [h * w, c]); return tf.div(tf.matMul(m, m, true, false), h * w * c); };
  const content = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 30);
  const styleImage = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 31);
  const targets = tf.tidy(() => {
    const c = features(content), s = features(styleImage);
    return { content: tf.keep(c[2]), grams: [0, 2].map(i => tf.keep(gram(s[i]))) };
  });
  const image = tf.variable(content);
  const lossOf = () => tf.tidy(() => {
    const f = features(image);
    let loss = tf.mean(tf.squaredDifference(f[2], targets.content));
    [0, 2].forEach((layer, k) => { loss = tf.add(loss, tf.mul(100, tf.mean(tf.squaredDifference(gram(f[layer]), targets.grams[k])))); });
    return loss;
  });
  const { value, grads } = tf.variableGrads(lossOf, [image]);
  const result = { loss0: (await read(value))[0], grad: await read(grads[image.name]) };
  const optimizer = tf.train.adam(0.01);
  const losses = [];
  for (let i = 0; i < 2; i++) {
    const l = optimizer.minimize(lossOf, true, [image]);
    losses.push((await read(l))[0]);
  }
  result.losses = losses;
  result.image = await read(image.clone());
  optimizer.dispose();
  tf.dispose([image, content, styleImage, targets.content, ...targets.grams, ...layers.flatMap(l => l === 'pool' ? [] : [l.w, l.b])]);
  return result;
}

async function all(tf) {
  return { conv: await conv(tf), matMul: await matMul(tf), gradient: await gradient(tf), style: await style(tf) };
}

lib.ready().then(async info => {
  if (info.name !== 'webgpu') return out({ available: false, info });
  const t0 = Date.now();
  const before = tf.memory().numTensors;
  const gpu = await all(tf);
  const leaked = tf.memory().numTensors - before;
  const seconds = (Date.now() - t0) / 1000;
  let syncError = null;
  // A result that lives on the GPU (a freshly made tensor still has its values on the CPU side).
  const probe = tf.tidy(() => tf.matMul(tf.ones([50, 50]), tf.ones([50, 50])));
  try { probe.dataSync(); } catch (e) { syncError = e.message; }
  probe.dispose();
  await tf.setBackend('cpu');
  const cpu = await all(tf);
  out({ available: true, info, gpu, cpu, leaked, seconds, syncError });
}, e => out({ available: false, error: e.message }));
`;

interface Results { conv: { same: number[]; strided: number[] }; matMul: { plain: number[]; transposed: number[] };
  gradient: { dx: number[]; dw: number[] }; style: { loss0: number; grad: number[]; losses: number[]; image: number[] } }
interface ChildResult { available: boolean; info?: BackendInfo; error?: string; gpu?: Results; cpu?: Results; leaked?: number;
  seconds?: number; syncError?: string | null; exitCode?: number | null; signal?: string | null; stderr?: string }

function runChild(): Promise<ChildResult> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--require', TSX, '-e', CHILD], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      // Explicit webgpu takes a software adapter; EGL without a display server for Dawn's GLES backend.
      env: { ...process.env, CONVNET_BACKEND: 'webgpu', EGL_PLATFORM: 'surfaceless', CONVNET_DAWN_OPTS: process.env.CONVNET_DAWN_OPTS ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 170000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find(l => l.startsWith('@@RESULT '));
      const result: ChildResult = line ? JSON.parse(line.slice(9)) : { available: false, error: `no result (exit ${code ?? signal}); stdout: ${stdout.slice(-800)}` };
      resolve({ ...result, exitCode: code, signal, stderr: stderr.slice(-2000) });
    });
  });
}

/** |a - b| <= atol + rtol * max|b| for every element (an error relative to the tensor's scale). */
function assertClose(actual: number[], expected: number[], what: string, rtol = 1e-3, atol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(...expected.map(Math.abs));
  let worst = 0;
  let at = -1;
  actual.forEach((a, i) => { const d = Math.abs(a - expected[i]); if (!(d <= worst)) { worst = d; at = i; } });
  assert.ok(worst <= atol + rtol * scale, `${what}: element ${at} is ${actual[at]}, cpu says ${expected[at]} (|diff| ${worst}, scale ${scale})`);
}

describe('WebGPU backend (Dawn) vs cpu', function () {
  this.timeout(180000);
  let r: ChildResult;

  before(async function () {
    r = await runChild();
    if (!r.available) {
      const why = r.error ?? r.info?.warning ?? r.info?.skipped.map(s => `${s.name}: ${s.reason}`).join('; ') ?? 'unknown';
      console.log(`      WebGPU tests skipped: no usable WebGPU adapter here (${why}). ` +
        'For the software adapter install Mesa EGL/GLES: libegl-dev libegl-mesa0 libgl1-mesa-dri.');
      this.skip();
    }
  });

  it('runs on the adapter backendInfo() reports, and the process exits by itself', () => {
    assert.equal(r.info!.name, 'webgpu');
    assert.ok(r.info!.adapter, 'adapter info');
    if (r.info!.adapter!.isSoftware) assert.match(r.info!.warning ?? '', /software adapter/);
    assert.equal(r.exitCode, 0, `exit ${r.exitCode ?? r.signal}\n${r.stderr}`);
    console.log(`      adapter: ${r.info!.detail}; the checks took ${r.seconds} s on it`);
  });

  it('reads are async: dataSync() is refused, and no tensor leaks', () => {
    assert.match(r.syncError ?? '', /OffscreenCanvas|not supported|sync/i);
    assert.equal(r.leaked, 0);
  });

  it('conv2d (same, strided valid) matches cpu', () => {
    assertClose(r.gpu!.conv.same, r.cpu!.conv.same, 'conv2d same');
    assertClose(r.gpu!.conv.strided, r.cpu!.conv.strided, 'conv2d stride 2');
  });

  it('matMul (plain, transposed) matches cpu', () => {
    assertClose(r.gpu!.matMul.plain, r.cpu!.matMul.plain, 'matMul');
    assertClose(r.gpu!.matMul.transposed, r.cpu!.matMul.transposed, 'matMul transposeB');
  });

  it('gradients through conv2d, maxPool and relu match cpu', () => {
    assertClose(r.gpu!.gradient.dx, r.cpu!.gradient.dx, 'd/dx', 2e-3);
    assertClose(r.gpu!.gradient.dw, r.cpu!.gradient.dw, 'd/dw', 2e-3);
  });

  it('a small style-transfer step (Gram matrices, Adam on pixels) matches cpu', () => {
    const g = r.gpu!.style;
    const c = r.cpu!.style;
    assertClose([g.loss0], [c.loss0], 'loss', 1e-3);
    assertClose(g.grad, c.grad, 'd loss / d image', 5e-3);
    assertClose(g.losses, c.losses, 'losses after Adam steps', 2e-3);
    // Adam moves each pixel by about lr * sign(gradient); pixels whose gradient is ~0 may go either way.
    const off = g.image.filter((v, i) => Math.abs(v - c.image[i]) > 1e-3).length;
    assert.ok(off <= g.image.length * 0.01, `${off} of ${g.image.length} pixels differ by more than 1e-3`);
  });
});
