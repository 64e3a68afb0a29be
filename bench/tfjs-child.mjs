// One TF.js implementation in its own process, driven by run.mjs (protocol at the bottom). Loads TF.js through the course library (dist/lib.js, backend from CONVNET_BACKEND,
// threads from CONVNET_THREADS) or, for the stock baseline, straight from node_modules without the
// library (upstream kernels only), and runs the workloads it is sent, one `@@bench {json}` line per result.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WORKLOADS } from './workloads/index.mjs';
import { Skipped } from './workloads/face.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const emit = obj => process.stdout.write(`@@bench ${JSON.stringify(obj)}\n`);

async function loadTf(impl, threads) {
  if (impl.stock) {
    const tf = require('@tensorflow/tfjs');
    if (impl.stock === 'wasm') {
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
      wasm.setThreadsCount?.(threads); // a no-op in Node: the stock build runs threads only where it can start web workers
      if (!(await tf.setBackend('wasm'))) throw new Error('stock wasm backend failed to initialise');
      await tf.ready();
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const n = wasm.getThreadsCount();
      return { tf, lib: null, info: { name: 'wasm', detail: `stock @tensorflow/tfjs-backend-wasm ${tf.version.tfjs}, no course library${simd ? ', SIMD' : ''}, ${n} thread(s)`, simd, threads: n } };
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, lib: null, info: { name: 'cpu', detail: 'stock tfjs-backend-cpu, no course library', threads: 1 } };
  }
  const lib = require(path.join(root, 'dist', 'lib.js'));
  await lib.ready();
  const info = lib.backendInfo();
  if (info.name === 'cpu' && info.threads === undefined) info.threads = 1; // JavaScript: one thread
  return { tf: lib.tf, lib, info };
}

const median = xs => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function runItem(tf, lib, item) {
  const mod = WORKLOADS[item.workload];
  const base = tf.memory().numTensors;
  const out = { kind: 'result', id: item.id, workload: item.workload, cfg: item.cfg };
  let w;
  try {
    const t0 = performance.now();
    w = await mod.setup(tf, item.cfg, lib);
    out.setupMs = +(performance.now() - t0).toFixed(1);
    Object.assign(out, { images: w.images, info: w.info ?? {} });
    const warmupMs = [], stepsMs = [], cpuMs = [], checks = [], numTensors = [];
    let timed = 0;
    for (let i = 0; ; i++) {
      const warm = i < item.warmup;
      if (!warm && (stepsMs.length >= item.steps || (stepsMs.length >= 1 && timed / 1e3 > item.budgetS))) break;
      const c0 = process.cpuUsage();
      const t = performance.now();
      checks.push(await w.step());
      const ms = performance.now() - t;
      const c = process.cpuUsage(c0); // all threads of this process (wasm pthreads included)
      numTensors.push(tf.memory().numTensors);
      if (warm) warmupMs.push(+ms.toFixed(2));
      else { stepsMs.push(+ms.toFixed(2)); cpuMs.push(+((c.user + c.system) / 1e3).toFixed(2)); timed += ms; }
      process.stderr.write(`  ${item.id}: ${warm ? 'warm-up' : 'step'} ${ms.toFixed(0)} ms\n`);
    }
    const afterWarmup = numTensors.slice(item.warmup);
    Object.assign(out, {
      warmupMs, stepsMs, cpuMs, checks, numTensors,
      tensorsFlat: afterWarmup.every(n => n === afterWarmup[0]),
      medianMs: median(stepsMs), numBytes: tf.memory().numBytes,
    });
  } catch (e) {
    if (e instanceof Skipped) out.skipped = e.message;
    else out.error = String(e?.message ?? e).split('\n')[0];
  } finally {
    try { w?.dispose(); } catch { /* reported through the leak count */ }
    out.tensorsLeftAfterDispose = tf.memory().numTensors - base;
  }
  return out;
}

// Protocol: the plan header ({ impl, threads }) in argv; then one JSON command per stdin line,
// { cmd: 'run', item } (answered with a result line) or { cmd: 'exit' }. run.mjs sends the workloads
// to all implementations in turn, so a change in the machine's load hits every implementation alike.
const plan = JSON.parse(process.argv[2]);
let loaded;
try {
  loaded = await loadTf(plan.impl, plan.threads);
  emit({ kind: 'env', impl: plan.impl.name, backend: loaded.info, versions: loaded.tf.version, node: process.version, cpus: os.cpus().length });
} catch (e) {
  emit({ kind: 'fatal', error: String(e?.stack ?? e) });
  process.exit(1);
}
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  const msg = JSON.parse(line);
  if (msg.cmd === 'exit') break;
  if (msg.cmd === 'run') emit(await runItem(loaded.tf, loaded.lib, msg.item));
}
process.exit(0);
