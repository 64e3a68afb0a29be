// Threads for the wasm backend in Node (src/lib/backends/wasmThreads.ts): the pool really has the
// threads asked for, results do not depend on the thread count, and a process that used threaded
// wasm exits by itself. Each backend set-up needs a fresh process (the wasm module starts once per
// process), so the work runs in child processes.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_WASM_THREADS, patchForNodePthreads, threadsUnsupportedReason } from '../../src/lib/backends/wasmThreads';

const root = path.resolve(__dirname, '..', '..');

// The child: start wasm with THREADS threads, run conv-net training kernels (forward, both conv
// gradients, strided, batch-norm-style reductions, a matmul), print the results and the set-up, and
// end without process.exit: it has to exit because nothing is left to do.
const CHILD = `
const path = require('path');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const { initWasmBackend } = require('./src/lib/backends/wasm.ts');
const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
const rand = (n, seed) => { let a = seed; return Float32Array.from({ length: n }, () => { a = (a * 1103515245 + 12345) % 2147483648; return a / 2147483648 - 0.5; }); };
(async () => {
  const setup = await initWasmBackend(tf, wasm, { wasmDir, threads: Number(process.env.THREADS) });
  const pool = tf.backend().wasm.PThread;
  const out = tf.tidy(() => {
    const x = tf.tensor4d(rand(4 * 24 * 24 * 16, 1), [4, 24, 24, 16]);
    const w1 = tf.tensor4d(rand(3 * 3 * 16 * 32, 2), [3, 3, 16, 32]);
    const w2 = tf.tensor4d(rand(3 * 3 * 32 * 32, 3), [3, 3, 32, 32]);
    const f = (x, w1, w2) => {
      const h = tf.relu(tf.conv2d(x, w1, 2, 'same'));
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      const n = tf.batchNorm(h, mean, variance, tf.zeros([32]), tf.ones([32]), 1e-3);
      const y = tf.conv2d(tf.maxPool(n, 2, 2, 'valid'), w2, 1, 'same');
      const g = tf.matMul(tf.reshape(y, [-1, 32]), tf.reshape(y, [-1, 32]), true, false);
      return tf.sum(tf.square(g));
    };
    return tf.grads(f)([x, w1, w2]).map(t => Array.from(t.dataSync()));
  });
  process.stdout.write(JSON.stringify({ setup: { ...setup, overrides: setup.overrides.length }, running: pool ? pool.runningWorkers.length : 0, out }) + '\\n');
  process.stdout.write('DONE ' + Date.now() + '\\n');
})().catch(e => { console.error(e); process.exitCode = 1; });
`;

interface ChildResult { code: number | null; json: { setup: { threads: number; simd: boolean; threadsNote?: string }; running: number; out: number[][] }; exitAfterDoneMs: number; stderr: string }

function runChild(threads: number, timeoutMs = 90000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD], { cwd: root, env: { ...process.env, THREADS: String(threads) } });
    let stdout = '', stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child with ${threads} threads did not exit within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)); }, timeoutMs);
    child.on('exit', code => {
      clearTimeout(timer);
      const exitedAt = Date.now();
      const line = stdout.split('\n').find(l => l.startsWith('{'));
      const done = /DONE (\d+)/.exec(stdout);
      if (!line || !done) { reject(new Error(`child with ${threads} threads (exit ${code}) printed no result; stderr: ${stderr.slice(-2000)}`)); return; }
      resolve({ code, json: JSON.parse(line), exitAfterDoneMs: exitedAt - Number(done[1]), stderr });
    });
  });
}

describe('wasm threads in Node', () => {
  it('are available in this Node', () => {
    assert.equal(threadsUnsupportedReason(), undefined);
  });

  it('patching for start-up puts Blob, URL.createObjectURL and os.cpus back', () => {
    const [blob, create, cpus] = [globalThis.Blob, URL.createObjectURL, os.cpus];
    const patch = patchForNodePthreads(3);
    assert.notEqual(globalThis.Blob, blob);
    assert.equal(os.cpus().length, 6, 'the C++ pool takes half the logical cores: report twice the threads');
    assert.equal(new Blob(['abc']).size, 3, 'Blobs still work while patched');
    patch.restore();
    assert.equal(globalThis.Blob, blob);
    assert.equal(URL.createObjectURL, create);
    assert.equal(os.cpus, cpus);
  });

  it('writes the pthread worker script once per start-up, not again for each of the 8 pre-started workers', () => {
    // Emscripten asks for the worker script's URL once per pre-started worker while the earlier ones are
    // still reading the file. Rewriting it in place let a worker read an empty script and exit silently,
    // and tf.setBackend('wasm') then waited forever for that worker (a kernel stuck on its first import).
    const fs = require('node:fs') as typeof import('node:fs');
    const patch = patchForNodePthreads(2);
    try {
      const workerText = 'self.onmessage=e=>{if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}}';
      new Blob(['var WasmBackendModuleThreadedSimd = function () {};']); // the main script, as TF.js posts it
      const first = URL.createObjectURL(new Blob([workerText]));
      const stat = () => fs.statSync(first, { bigint: true });
      const before = stat();
      for (let worker = 2; worker <= 8; worker++) {
        assert.equal(URL.createObjectURL(new Blob([workerText])), first, 'the same script file for every worker');
      }
      const after = stat();
      assert.deepEqual([after.ino, after.mtimeNs, after.size], [before.ino, before.mtimeNs, before.size], 'the file was not touched again');
      const script = fs.readFileSync(first, 'utf8');
      assert.match(script, /importScripts\(".*tfjs-backend-wasm-threaded-simd\.main\.js"\)/, 'the worker loads the main script from its file');
      assert.match(fs.readFileSync(path.join(patch.dir, 'tfjs-backend-wasm-threaded-simd.main.js'), 'utf8'), /var WasmBackendModuleThreadedSimd/);
    } finally {
      patch.restore();
    }
  });

  describe('in child processes', function () {
    this.timeout(180000);
    let one: ChildResult, two: ChildResult;
    before(async function () {
      // one at a time: the machine may have two cores only
      one = await runChild(1);
      two = await runChild(2);
    });

    it('start the thread count asked for (the C++ pool reports it; threads - 1 pthread workers run)', () => {
      assert.equal(one.json.setup.threads, 1);
      assert.equal(one.json.running, 0);
      assert.equal(two.json.setup.threads, 2, `threads: ${JSON.stringify(two.json.setup)}`);
      assert.equal(two.json.running, 1);
      assert.equal(two.json.setup.threadsNote, undefined);
      assert.ok(two.json.setup.simd);
      assert.ok(MAX_WASM_THREADS >= 2);
    });

    it('compute the same with 2 threads as with 1', () => {
      assert.equal(two.json.out.length, one.json.out.length);
      two.json.out.forEach((g, i) => {
        const want = one.json.out[i];
        const scale = Math.max(...want.map(Math.abs));
        const worst = Math.max(...g.map((v, k) => Math.abs(v - want[k])));
        // XNNPACK splits the work across threads, not the sums: results are expected bit-identical;
        // allow float32 rounding in case a kernel reassociates
        assert.ok(worst <= 1e-6 * scale, `gradient ${i}: 2 threads differ from 1 by ${worst} (max |g| ${scale})`);
      });
    });

    it('exit by themselves soon after their work is done (pthread workers do not hold the process)', () => {
      for (const r of [one, two]) {
        assert.equal(r.code, 0, r.stderr.slice(-2000));
        assert.ok(r.exitAfterDoneMs < 5000, `exited ${r.exitAfterDoneMs} ms after finishing`);
      }
    });
  });
});
