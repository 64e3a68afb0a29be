// Backend selection (src/lib/tf.ts and src/lib/backends/): the pure helpers in-process, and ready() as the
// kernel runs it, in child processes (the choice is made once per process) with CONVNET_BACKEND set.
// Dawn's null backend (CONVNET_DAWN_OPTS=backend=null) stands in for an adapter that is not a real GPU, and
// fake @tensorflow/tfjs-node packages for the user-installed ones, so every path runs on any CI machine.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explainLoadError, findTfjsNode, searchDirs } from '../../src/lib/backends/tfjsNode';
import { adapterLabel, isSoftwareAdapter, parseDawnOptions, summarise } from '../../src/lib/backends/webgpu';
import type { BackendInfo } from '../../src/lib/tf';

const ROOT = path.resolve(__dirname, '..', '..');
const LIB = path.join(ROOT, 'src', 'lib', 'tf.ts');
const TSX = require.resolve('tsx/cjs');

describe('backend selection: helpers', () => {
  it('classifies software adapters by what they report', () => {
    const software = [
      { vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6' },
      { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'Mesa 22.3.6 (lavapipe)' },
      { vendor: 'google', device: 'SwiftShader Device (Subzero)', description: 'Vulkan driver' },
      { vendor: 'microsoft', device: 'Microsoft Basic Render Driver' },
      { device: 'null-backend' },
      { device: 'Some GPU', isFallbackAdapter: true },
      { device: 'Some GPU', adapterType: 'cpu' },
    ];
    const hardware = [
      { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 580.159.03' },
      { vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7900 XTX' },
      { vendor: 'intel', architecture: 'xe-lpg', device: 'Intel(R) Arc(TM) Graphics', isFallbackAdapter: false },
      { vendor: 'apple', architecture: 'metal-3', device: 'Apple M2' },
    ];
    for (const info of software) assert.equal(isSoftwareAdapter(info), true, JSON.stringify(info));
    for (const info of hardware) assert.equal(isSoftwareAdapter(info), false, JSON.stringify(info));
    assert.deepEqual(summarise({ vendor: 'nvidia', device: 'NVIDIA H200', extra: 1 }),
      { vendor: 'nvidia', architecture: '', device: 'NVIDIA H200', description: '', isSoftware: false });
    assert.equal(adapterLabel(summarise({ device: 'llvmpipe', description: 'Mesa' }), 'compatibility'), 'llvmpipe (Mesa; compatibility mode)');
  });

  it('splits CONVNET_DAWN_OPTS on spaces and semicolons, keeping commas inside an option', () => {
    assert.deepEqual(parseDawnOptions(undefined), []);
    assert.deepEqual(parseDawnOptions(' backend=vulkan  enable-dawn-features=allow_unsafe_apis,dump_shaders;adapter=NVIDIA H200'),
      ['backend=vulkan', 'enable-dawn-features=allow_unsafe_apis,dump_shaders', 'adapter=NVIDIA', 'H200']);
    assert.deepEqual(parseDawnOptions('backend=opengles;disable-dawn-features=a,b'), ['backend=opengles', 'disable-dawn-features=a,b']);
  });

  it('explains why tfjs-node failed to load, with a fix', () => {
    const node = { name: '@tensorflow/tfjs-node' as const };
    const binding = explainLoadError(node, new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/lib/napi-v8/tfjs_binding.node. \nPlease run command ...'));
    assert.match(binding.reason, /native addon \(tfjs_binding\.node\) is missing/);
    assert.match(binding.fix ?? '', /npm rebuild @tensorflow\/tfjs-node/);
    const lib = explainLoadError(node, new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory'));
    assert.match(lib.reason, /installed but its native library is missing/);
    const cuda = explainLoadError({ name: '@tensorflow/tfjs-node-gpu' }, new Error('libcudart.so.11.0: cannot open shared object file'));
    assert.match(cuda.reason, /CUDA libraries/);
    assert.match(cuda.fix ?? '', /cuDNN/);
    assert.match(explainLoadError(node, new Error("Cannot find module '@mapbox/node-pre-gyp'")).reason, /dependency @mapbox\/node-pre-gyp is missing/);
    assert.deepEqual(explainLoadError(node, new Error('boom\nstack')), { reason: 'failed to load: boom' });
  });

  it('searches the notebook folder and its parents, then NODE_PATH, then the global root; -gpu first, nearest first', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cnb-find-'));
    const nb = path.join(root, 'course', 'week1');
    const dirs = searchDirs(nb, { NODE_PATH: ['/np/a', '', '/np/b'].join(path.delimiter) }, '/global/lib/node_modules');
    assert.deepEqual(dirs.slice(0, 3), [path.join(nb, 'node_modules'), path.join(root, 'course', 'node_modules'), path.join(root, 'node_modules')]);
    assert.deepEqual(dirs.slice(-3), [path.resolve('/np/a'), path.resolve('/np/b'), '/global/lib/node_modules']);
    fakePackage(path.join(root, 'node_modules'), '@tensorflow/tfjs-node', '4.21.0', 'module.exports = 1;');
    fakePackage(path.join(root, 'course', 'node_modules'), '@tensorflow/tfjs-node', '4.22.0', 'module.exports = 2;');
    fakePackage(path.join(root, 'node_modules'), '@tensorflow/tfjs-node-gpu', '4.22.0', 'module.exports = 3;');
    assert.deepEqual(findTfjsNode(dirs).map(c => [c.name, c.version, path.relative(root, c.dir)]), [
      ['@tensorflow/tfjs-node-gpu', '4.22.0', path.join('node_modules', '@tensorflow', 'tfjs-node-gpu')],
      ['@tensorflow/tfjs-node', '4.22.0', path.join('course', 'node_modules', '@tensorflow', 'tfjs-node')],
    ]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

// ---------------------------------------------------------------------------------------------------------

/** A tfjs-node stand-in that works: the cpu kernels registered as a 'tensorflow' backend. It requires TF.js by
 *  name from a folder that has none, so it only loads if tfjsNode.ts hands it the library's copy. */
const WORKING_TFJS_NODE = `
const tf = require('@tensorflow/tfjs');
const { MathBackendCPU } = require('@tensorflow/tfjs-backend-cpu');
for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
tf.setBackend('tensorflow');
module.exports = tf;
`;
/** As @tensorflow/tfjs-node does when its install script could not download libtensorflow. */
const NO_BINDING_TFJS_NODE = `
const binding = require('path').join(__dirname, 'lib', 'napi-v8', 'tfjs_binding.node');
if (!require('fs').existsSync(binding)) {
  throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: ' + binding + '. \\nPlease run command ...');
}
`;
const NO_CUDA_TFJS_NODE_GPU = `
require('@tensorflow/tfjs');
throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
`;

function fakePackage(nodeModules: string, name: string, version: string, code: string): void {
  const dir = path.join(nodeModules, ...name.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  fs.writeFileSync(path.join(dir, 'index.js'), code);
}

interface ChildResult { ok: boolean; error?: string; info?: BackendInfo; backend?: string; value?: number; exitCode?: number | null; stderr?: string }

// The child picks a backend, reads one product back asynchronously and exits by itself.
const CHILD = `
const lib = require(${JSON.stringify(LIB)});
const out = r => console.log('@@RESULT ' + JSON.stringify(r));
lib.ready().then(async () => {
  const t = lib.tf.tidy(() => lib.tf.sum(lib.tf.matMul(lib.tf.ones([40, 40]), lib.tf.fill([40, 40], 2))));
  const value = (await t.data())[0];
  t.dispose();
  out({ ok: true, info: lib.backendInfo(), backend: lib.tf.getBackend(), value });
}, e => out({ ok: false, error: e.message }));
`;

function runChild(env: Record<string, string>, cwd: string): Promise<ChildResult> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--require', TSX, '-e', CHILD], {
      cwd, env: { ...process.env, NODE_PATH: '', CONVNET_DAWN_OPTS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90000);
    child.on('close', code => {
      clearTimeout(timer);
      const line = stdout.split('\n').find(l => l.startsWith('@@RESULT '));
      const result: ChildResult = line ? JSON.parse(line.slice(9)) : { ok: false, error: `no result; stdout: ${stdout.slice(-500)}` };
      resolve({ ...result, exitCode: code, stderr: stderr.slice(-2000) });
    });
  });
}

describe('backend selection: ready() in a fresh process', function () {
  this.timeout(240000);
  const scenarios: Record<string, { env: Record<string, string>; setup?: (nodeModules: string) => void }> = {
    cpu: { env: { CONVNET_BACKEND: 'cpu' } },
    wasm: { env: { CONVNET_BACKEND: 'wasm', CONVNET_THREADS: '' } },
    auto: { env: { CONVNET_BACKEND: 'auto' } },
    autoNullAdapter: { env: { CONVNET_BACKEND: 'auto', CONVNET_DAWN_OPTS: 'backend=null' } },
    webgpuNullAdapter: { env: { CONVNET_BACKEND: 'webgpu', CONVNET_DAWN_OPTS: 'backend=null' } },
    tensorflowMissing: { env: { CONVNET_BACKEND: 'tensorflow' } },
    tensorflowFake: { env: { CONVNET_BACKEND: 'TensorFlow' }, setup: nm => fakePackage(nm, '@tensorflow/tfjs-node', '4.22.0', WORKING_TFJS_NODE) },
    autoGpuBroken: {
      env: { CONVNET_BACKEND: 'auto', CONVNET_DAWN_OPTS: 'backend=null' },
      setup: nm => {
        fakePackage(nm, '@tensorflow/tfjs-node-gpu', '4.22.0', NO_CUDA_TFJS_NODE_GPU);
        fakePackage(nm, '@tensorflow/tfjs-node', '4.22.0', WORKING_TFJS_NODE);
      },
    },
    autoNoBinding: { env: { CONVNET_BACKEND: 'auto' }, setup: nm => fakePackage(nm, '@tensorflow/tfjs-node', '4.22.0', NO_BINDING_TFJS_NODE) },
    bogus: { env: { CONVNET_BACKEND: 'bogus' } },
    badThreads: { env: { CONVNET_BACKEND: 'wasm', CONVNET_THREADS: 'two' } },
  };
  const results: Record<string, ChildResult> = {};
  let tmp = '';

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnb-select-'));
    // An empty global npm folder: a tfjs-node installed globally on this machine must not change the results.
    const prefix = path.join(tmp, 'npm-prefix');
    fs.mkdirSync(prefix);
    const queue = Object.entries(scenarios);
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [name, scenario] = next;
        const cwd = path.join(tmp, name);
        fs.mkdirSync(cwd);
        scenario.setup?.(path.join(cwd, 'node_modules'));
        // One wasm thread unless the scenario says otherwise: starting the thread pool takes seconds here.
        results[name] = await runChild({ CONVNET_THREADS: '1', ...scenario.env, npm_config_prefix: prefix }, cwd);
      }
    };
    await Promise.all([worker(), worker()]); // two at a time: each child loads TF.js
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const chosen = (name: string): BackendInfo => {
    const r = results[name];
    assert.ok(r.ok, `${name}: ${r.error}\n${r.stderr}`);
    assert.equal(r.exitCode, 0, `${name} exits by itself\n${r.stderr}`);
    assert.equal(r.value, 40 * 40 * 40 * 2, `${name}: the chosen backend computes`);
    assert.equal(r.backend, r.info!.name, 'backendInfo() names the backend TF.js uses');
    return r.info!;
  };
  const skippedNames = (i: BackendInfo) => i.skipped.map(s => s.name);

  it('cpu: the pure-JS backend, nothing skipped, no warning', () => {
    const i = chosen('cpu');
    assert.equal(i.name, 'cpu');
    assert.equal(i.requested, 'cpu');
    assert.deepEqual(i.skipped, []);
    assert.equal(i.warning, undefined);
    assert.equal(i.threads, 1);
    assert.match(i.detail, /JavaScript/);
  });

  it('wasm: WebAssembly with SIMD, its threads reported', () => {
    const i = chosen('wasm');
    assert.equal(i.name, 'wasm');
    assert.deepEqual(i.skipped, []);
    assert.equal(i.warning, undefined);
    assert.equal(i.simd, true);
    assert.ok(i.threads >= 1);
    assert.match(i.detail, /WebAssembly SIMD, \d+ threads?/);
  });

  it('auto: the first that works in the order webgpu → tensorflow → wasm → cpu, each one passed over with its reason', () => {
    const i = chosen('auto');
    const order = ['webgpu', 'tensorflow', 'wasm', 'cpu'];
    assert.equal(i.requested, 'auto');
    assert.equal(i.warning, undefined, 'auto never warns about the choice itself');
    assert.deepEqual(skippedNames(i), order.slice(0, order.indexOf(i.name)));
    for (const s of i.skipped) assert.ok(s.reason.length > 10, `${s.name} has a reason`);
    const tf = i.skipped.find(s => s.name === 'tensorflow');
    if (tf) assert.match(tf.reason, /not installed \(looked for @tensorflow\/tfjs-node-gpu and @tensorflow\/tfjs-node from /);
    if (i.name === 'webgpu') assert.equal(i.adapter?.isSoftware, false, 'auto only takes a hardware adapter');
  });

  it('auto passes over an adapter that is not a real GPU', () => {
    const i = chosen('autoNullAdapter');
    assert.notEqual(i.name, 'webgpu');
    assert.equal(i.skipped[0].name, 'webgpu');
    assert.match(i.skipped[0].reason, /only a software adapter \(null-backend\)|dawn\.node/);
    assert.equal(i.warning, undefined);
  });

  it('webgpu requested on an adapter that cannot compute: falls back, says why in a warning', () => {
    const i = chosen('webgpuNullAdapter');
    assert.notEqual(i.name, 'webgpu');
    assert.equal(i.requested, 'webgpu');
    assert.equal(i.skipped[0].name, 'webgpu');
    assert.match(i.warning ?? '', new RegExp(`^webgpu was requested but is not available: .+\\. Using ${i.name} instead\\.$`));
    assert.match(i.skipped[0].reason, /wrong result|failed a test computation|dawn\.node/);
  });

  it('tensorflow requested but not installed: falls back with a warning naming what was looked for', () => {
    const i = chosen('tensorflowMissing');
    assert.notEqual(i.name, 'tensorflow');
    assert.equal(i.skipped[0].name, 'tensorflow');
    assert.match(i.warning ?? '', /^tensorflow was requested but is not available: not installed/);
    assert.equal(i.skipped[0].fix, undefined, 'not installed is a choice, not a fault');
  });

  it('tensorflow from the notebook\'s node_modules joins the library\'s TF.js engine (case-insensitive setting)', () => {
    const i = chosen('tensorflowFake');
    assert.equal(i.name, 'tensorflow');
    assert.equal(i.requested, 'tensorflow');
    assert.deepEqual(i.skipped, []);
    assert.equal(i.warning, undefined);
    assert.match(i.detail, /via @tensorflow\/tfjs-node@4\.22\.0/);
  });

  it('auto: a tfjs-node-gpu without CUDA is passed over for tfjs-node, and the detail says so', () => {
    const i = chosen('autoGpuBroken');
    assert.equal(i.name, 'tensorflow');
    assert.deepEqual(skippedNames(i), ['webgpu']);
    assert.match(i.detail, /via @tensorflow\/tfjs-node@4\.22\.0 \(passed over: @tensorflow\/tfjs-node-gpu@4\.22\.0 .*CUDA libraries/);
  });

  it('auto: tfjs-node installed without its native library is reported with the fix', () => {
    const i = chosen('autoNoBinding');
    const tf = i.skipped.find(s => s.name === 'tensorflow');
    assert.ok(tf, JSON.stringify(i.skipped));
    assert.match(tf.reason, /@tensorflow\/tfjs-node@4\.22\.0 .*installed but its native addon \(tfjs_binding\.node\) is missing/);
    assert.match(tf.fix ?? '', /npm rebuild @tensorflow\/tfjs-node/);
  });

  it('an unknown CONVNET_BACKEND is a clear error', () => {
    const r = results.bogus;
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /must be one of auto, webgpu, tensorflow, wasm, cpu; got 'bogus'/);
    assert.equal(r.exitCode, 0);
  });

  it('a CONVNET_THREADS that is not a count is a clear error, not a silent fall back', () => {
    const r = results.badThreads;
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /CONVNET_THREADS must be a whole number of at least 1; got 'two'/);
  });
});

describe('backend selection: a backend that never finishes starting', function () {
  this.timeout(60000);
  // A start that never ends (seen when a wasm pthread worker never reported) must become a reason to
  // move on, with the engine usable afterwards, not a kernel that waits forever on its first import.
  const STUCK = `
const tf = require('@tensorflow/tfjs');
const { setBackendWithin } = require('./src/lib/backends/wasm.ts');
(async () => {
  const warn = console.warn;
  tf.registerBackend('never-starts', () => new Promise(() => {}), 100);
  const t0 = Date.now();
  const stuck = await setBackendWithin(tf, 'never-starts', 300);
  const waited = Date.now() - t0;
  const cpu = await tf.setBackend('cpu');
  await tf.ready();
  const sum = tf.add(1, 2).dataSync()[0];
  process.stdout.write('@@RESULT ' + JSON.stringify({ stuck, waited, cpu, backend: tf.getBackend(), sum,
    warnRestored: console.warn === warn, stillRegistered: tf.findBackendFactory('never-starts') != null }) + '\\n');
  process.exit(0);
})();
`;
  it('is given up after the timeout with a reason, unregistered, and the cpu backend then works', async () => {
    const child = spawn(process.execPath, ['--require', TSX, '-e', STUCK], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', d => { stdout += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45000);
    await new Promise(resolve => child.on('close', resolve));
    clearTimeout(timer);
    const line = stdout.split('\n').find(l => l.startsWith('@@RESULT '));
    assert.ok(line, `the child finished (a hang is killed after 45 s): ${stdout.slice(-300)}`);
    const r = JSON.parse(line.slice(9));
    assert.equal(r.stuck.ok, false);
    assert.equal(r.stuck.timedOut, true);
    assert.match(r.stuck.warnings[0], /the never-starts backend did not start within 0 s/);
    assert.ok(r.waited >= 290 && r.waited < 5000, `gave up after the timeout (${r.waited} ms)`);
    assert.equal(r.stillRegistered, false, 'the stuck backend is unregistered');
    assert.equal(r.warnRestored, true, 'console.warn is put back');
    assert.deepEqual([r.cpu, r.backend, r.sum], [true, 'cpu', 3], 'tf.ready() returns and the cpu backend computes');
  });
});
