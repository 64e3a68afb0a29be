// The GPU check's workload driver. One backend per process (the course library picks it once):
//   node check.js run --backend webgpu|wasm [--style 128,256] [--triplet 96x64] [--warmup 1] [--steps 5] [--budget 60]
//     prints one `@@gpu-check {json}` line for the environment and one per workload;
//   node check.js summarise WEBGPU.log WASM.log
//     reads those lines back and prints one JSON object: medians per workload and backend, the speed-up of
//     webgpu over wasm, and whether the first losses agree (both start from the same seeded weights).
// bench/gpu/pack.mjs bundles this file with the course library's backend selection (src/lib/tf.ts), TF.js and
// the benchmark engineer's workloads (bench/workloads/) into check.js; `node --import tsx` runs it unbundled.
import fs from 'node:fs';
import os from 'node:os';
import { backendInfo, ready, tf } from '../../src/lib/tf.ts';
import * as style from '../workloads/style.mjs';
import * as triplet from '../workloads/triplet.mjs';

const TAG = '@@gpu-check ';
const emit = obj => process.stdout.write(`${TAG}${JSON.stringify(obj)}\n`);
const median = xs => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

function parse(argv) {
  const o = { style: '128,256', triplet: '96x64', warmup: '1', steps: '5', budget: '60' };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`check: ${argv[i]} needs a value`);
      o[argv[i].slice(2)] = v;
      i++;
    } else rest.push(argv[i]);
  }
  return { o, rest };
}

function plan(o) {
  const items = [];
  for (const s of o.style.split(',').filter(Boolean)) items.push({ id: `style-${s}`, mod: style, cfg: { size: Number(s) } });
  for (const t of o.triplet.split(',').filter(Boolean)) {
    const [size, batch] = t.split('x').map(Number);
    items.push({ id: `triplet-${size}-b${batch}`, mod: triplet, cfg: { size, batch } });
  }
  return items;
}

async function runItem(item, { warmup, steps, budgetS }) {
  const out = { kind: 'result', id: item.id, cfg: item.cfg };
  const base = tf.memory().numTensors;
  let w;
  try {
    const t0 = performance.now();
    w = await item.mod.setup(tf, item.cfg);
    out.setupMs = +(performance.now() - t0).toFixed(1);
    out.images = w.images;
    const warmupMs = [], stepsMs = [], losses = [];
    let timed = 0;
    for (let i = 0; ; i++) {
      const warm = i < warmup;
      if (!warm && (stepsMs.length >= steps || (stepsMs.length >= 1 && timed / 1e3 > budgetS))) break;
      const t = performance.now();
      losses.push(await w.step()); // reads the loss back with await data(): the step has finished on the device
      const ms = performance.now() - t;
      if (warm) warmupMs.push(+ms.toFixed(1));
      else { stepsMs.push(+ms.toFixed(1)); timed += ms; }
      process.stderr.write(`  ${item.id}: ${warm ? 'warm-up' : 'step'} ${ms.toFixed(0)} ms (loss ${losses.at(-1)})\n`);
    }
    Object.assign(out, { warmupMs, stepsMs, losses, medianMs: median(stepsMs), numBytes: tf.memory().numBytes });
  } catch (e) {
    out.error = String(e?.message ?? e).split('\n')[0];
  } finally {
    try { w?.dispose(); } catch { /* counted below */ }
    out.tensorsLeft = tf.memory().numTensors - base;
  }
  return out;
}

async function run(o) {
  if (o.backend) process.env.CONVNET_BACKEND = o.backend;
  const t0 = performance.now();
  await ready();
  const info = backendInfo();
  emit({ kind: 'env', requested: o.backend ?? 'auto', backend: info, startMs: +(performance.now() - t0).toFixed(0),
    node: process.version, tfjs: tf.version.tfjs, cpus: os.cpus().length, cpu: os.cpus()[0]?.model });
  process.stderr.write(`backend: ${info.name}: ${info.detail}${info.warning ? ` (warning: ${info.warning})` : ''}\n`);
  for (const item of plan(o)) emit(await runItem(item, { warmup: Number(o.warmup), steps: Number(o.steps), budgetS: Number(o.budget) }));
  emit({ kind: 'done' });
  // Nothing is left to do: the process must end by itself. If Dawn keeps it alive, say so (the timer does not).
  setTimeout(() => { emit({ kind: 'exit-hang', seconds: 20 }); process.exit(3); }, 20000).unref();
}

function readLog(file) {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  const records = lines.filter(l => l.startsWith(TAG)).map(l => JSON.parse(l.slice(TAG.length)));
  return { env: records.find(r => r.kind === 'env'), results: records.filter(r => r.kind === 'result'),
    fatal: records.find(r => r.kind === 'fatal')?.error, exitedByItself: !records.some(r => r.kind === 'exit-hang') };
}

/** One JSON object for people and scripts: medians, the speed-up over wasm, and whether the GPU was real. */
function summarise(gpuFile, wasmFile) {
  const gpu = readLog(gpuFile);
  const wasm = readLog(wasmFile);
  const byId = new Map();
  for (const [name, log] of [['webgpu', gpu], ['wasm', wasm]]) {
    for (const r of log.results) {
      const row = byId.get(r.id) ?? { id: r.id, cfg: r.cfg };
      row[name] = r.error ? { error: r.error } : { medianMs: r.medianMs, stepsMs: r.stepsMs, warmupMs: r.warmupMs, firstLoss: r.losses[0], tensorsLeft: r.tensorsLeft };
      byId.set(r.id, row);
    }
  }
  const rows = [...byId.values()].map(row => {
    const g = row.webgpu, c = row.wasm;
    if (g?.medianMs && c?.medianMs) row.speedupOverWasm = +(c.medianMs / g.medianMs).toFixed(2);
    if (g?.firstLoss !== undefined && c?.firstLoss !== undefined) {
      row.firstLossRelDiff = +(Math.abs(g.firstLoss - c.firstLoss) / Math.max(Math.abs(c.firstLoss), 1e-12)).toExponential(2);
    }
    return row;
  });
  const gb = gpu.env?.backend;
  const onGpu = gb?.name === 'webgpu' && gb.adapter && !gb.adapter.isSoftware;
  return {
    kind: 'convnet-gpu-check',
    webgpu: gb ? { name: gb.name, detail: gb.detail, adapter: gb.adapter, warning: gb.warning, skipped: gb.skipped, startMs: gpu.env.startMs,
      exitedByItself: gpu.exitedByItself } : { error: gpu.fatal ?? 'no result' },
    wasm: wasm.env ? { name: wasm.env.backend.name, detail: wasm.env.backend.detail, threads: wasm.env.backend.threads, startMs: wasm.env.startMs }
      : { error: wasm.fatal ?? 'no result' },
    hardwareGpu: Boolean(onGpu),
    note: onGpu ? undefined : 'WebGPU did not run on a hardware adapter: the speed-ups are not a GPU measurement',
    machine: { node: gpu.env?.node ?? wasm.env?.node, tfjs: gpu.env?.tfjs ?? wasm.env?.tfjs, cpus: gpu.env?.cpus ?? wasm.env?.cpus, cpu: gpu.env?.cpu ?? wasm.env?.cpu },
    workloads: rows,
  };
}

const [mode, ...argv] = process.argv.slice(2);
const { o, rest } = parse(argv);
if (mode === 'run') {
  run(o).catch(e => { emit({ kind: 'fatal', error: String(e?.stack ?? e) }); process.exitCode = 1; });
} else if (mode === 'summarise') {
  if (rest.length !== 2) throw new Error('usage: check.js summarise WEBGPU.log WASM.log');
  process.stdout.write(`${JSON.stringify(summarise(rest[0], rest[1]), null, 2)}\n`);
} else {
  process.stderr.write('usage: check.js run --backend webgpu|wasm [--style 128,256] [--triplet 96x64] [--warmup 1] [--steps 5] [--budget 60]\n' +
    '       check.js summarise WEBGPU.log WASM.log\n');
  process.exitCode = 2;
}
