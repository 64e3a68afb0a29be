// The benchmark runner: `npm run bench [-- --quick] [--threads 2] [--only style,triplet] [--impl tfjs-auto,torch]
// [--out bench/results/NAME.json]` (`--help` lists every option). Each implementation runs in its own
// child process; every workload (same sizes, seeds, steps) goes to each implementation in turn; the
// results are written as JSON and printed as a table with medians, min-max, GFLOP/s and the ratio to PyTorch.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIZES, STEPS, WORKLOADS } from './workloads/index.mjs';
import { compare, render, summarise } from './report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const HELP = `usage: npm run bench -- [options]
  --quick                 small sizes, few steps, tfjs-cpu included (under a minute)
  --threads 2[,1,...]     thread counts to compare at (default 2)
  --only a,b              workloads: ${Object.keys(WORKLOADS).join(', ')}, kernel (default: all)
  --impl a,b              implementations (default tfjs-auto,tfjs-wasm-stock,torch; --quick adds tfjs-cpu):
                            tfjs-<auto|wasm|webgpu|tensorflow|cpu>  the course library (dist/lib.js), CONVNET_BACKEND=<...>
                            tfjs-wasm-stock                         @tensorflow/tfjs + tfjs-backend-wasm as published, no course library
                            torch                                   PyTorch CPU (bench/torch/peer.py)
  --out FILE              JSON results (default bench/results/latest.json)
  --warmup N --steps N    warm-up and timed steps per workload (default ${STEPS.full.warmup}/${STEPS.full.steps}, quick ${STEPS.quick.warmup}/${STEPS.quick.steps})
  --budget S              stop timing a workload after S seconds of timed steps (at least one; default ${STEPS.full.budgetS}, quick ${STEPS.quick.budgetS})
  --style-sizes 128,256 --triplet-batch 64 --triplet-size 96 --sweep-size 128 --sweep-images 32 --sweep-batch 8
  --face-batch 32 --dist-n 4096 --dist-d 128 --matmul-n 1024     workload sizes (defaults: the issue's)
  --kernel-runs N         runs for bench/kernel.mjs (default 10, quick 1)
  --python PATH           interpreter for the PyTorch peer (default: the first of python3, /usr/bin/python3 that imports torch)
  --item-timeout S        kill an implementation's process when one workload takes longer (default 900, quick 60)`;

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`bench: unexpected argument '${a}' (see --help)`);
    const eq = a.indexOf('=');
    const key = (eq > 0 ? a.slice(2, eq) : a.slice(2)).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (key === 'quick' || key === 'help') { o[key] = true; continue; }
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new Error(`bench: ${a} needs a value`);
    o[key] = v;
  }
  return o;
}

const list = s => s.split(',').map(x => x.trim()).filter(Boolean);
const ints = (name, s) => list(s).map(x => {
  const n = Number(x);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bench: --${name} takes positive integers, got '${s}'`);
  return n;
});

/** Sizes and steps: the defaults of the mode, then the command-line overrides. */
function buildOptions(args) {
  const mode = args.quick ? 'quick' : 'full';
  const sizes = { ...SIZES[mode] };
  const flags = { styleSizes: 'style-sizes', tripletBatch: 'triplet-batch', tripletSize: 'triplet-size', sweepSize: 'sweep-size', sweepImages: 'sweep-images', sweepBatch: 'sweep-batch', faceBatch: 'face-batch', distN: 'dist-n', distD: 'dist-d', matmulN: 'matmul-n' };
  for (const [k, flag] of Object.entries(flags)) {
    if (args[k] !== undefined) sizes[k] = k === 'styleSizes' ? ints(flag, args[k]) : ints(flag, args[k])[0];
  }
  const steps = { ...STEPS[mode] };
  if (args.warmup !== undefined) steps.warmup = Number(args.warmup);
  if (args.steps !== undefined) steps.steps = ints('steps', args.steps)[0];
  if (args.budget !== undefined) steps.budgetS = Number(args.budget);
  return { mode, sizes, steps };
}

const IMPLS = {
  'tfjs-wasm-stock': { kind: 'tfjs', stock: 'wasm' },
  torch: { kind: 'torch' },
};
for (const b of ['auto', 'wasm', 'webgpu', 'tensorflow', 'cpu']) IMPLS[`tfjs-${b}`] = { kind: 'tfjs', backend: b };

/** The Python that imports torch (and numpy, for the seeded inputs), or why there is none. */
function findTorch(explicit) {
  const tried = [];
  for (const py of explicit ? [explicit] : ['python3', '/usr/bin/python3']) {
    // find_spec, not import: importing torch takes seconds; an import that fails later is reported by the child
    const r = spawnSync(py, ['-c', "import importlib.util as u, sys; m = [n for n in ('torch', 'numpy') if u.find_spec(n) is None]; m and sys.exit('No module named ' + ', '.join(m))"], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python: py };
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() || `exit ${r.status}`);
    tried.push(`${py}: ${why}`);
  }
  return { absent: `cannot import torch (${tried.join('; ')}); install Debian's python3-torch and libopenblas0-pthread` };
}

/** One implementation's process: started once per thread count, sent one workload at a time. */
class Child {
  constructor(label, cmd, argv, env) {
    this.label = label;
    this.tail = [];
    this.waiting = null; // { kind, resolve }
    this.exit = null;
    this.proc = spawn(cmd, argv, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.proc.stdout.on('data', d => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        // Python's json writes NaN/Infinity (a diverged loss); JSON has no such numbers
        if (line.startsWith('@@bench ')) this.deliver(JSON.parse(line.slice(8).replace(/\bNaN\b|-?\bInfinity\b/g, 'null')));
        else this.note(line);
      }
    });
    this.proc.stderr.on('data', d => String(d).split('\n').filter(Boolean).forEach(l => this.note(l)));
    this.proc.stdin.on('error', () => {}); // a child that died is reported by 'close'
    this.proc.on('error', e => this.finish(`could not start ${cmd}: ${e.message}`));
    this.proc.on('close', (code, signal) => this.finish(`exited (${code ?? signal}): ${this.tail.slice(-3).join(' / ')}`));
  }

  note(line) {
    this.tail.push(line);
    if (this.tail.length > 20) this.tail.shift();
    process.stderr.write(`[${this.label}] ${line}\n`);
  }

  deliver(rec) {
    const w = this.waiting;
    if (w && (rec.kind === w.kind || rec.kind === 'fatal')) { this.waiting = null; w.resolve(rec); }
  }

  finish(why) {
    this.exit ??= why;
    const w = this.waiting;
    if (w) { this.waiting = null; w.resolve({ kind: 'fatal', error: why }); }
  }

  /** Waits for a record of this kind (or a fatal one) within timeoutS; kills the child on time-out. */
  expect(kind, timeoutS) {
    if (this.exit) return Promise.resolve({ kind: 'fatal', error: this.exit });
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.finish(`killed after ${timeoutS} s (--item-timeout)`);
        this.proc.kill('SIGKILL');
      }, timeoutS * 1e3);
      this.waiting = { kind, resolve: rec => { clearTimeout(timer); resolve(rec); } };
    });
  }

  run(item, timeoutS) {
    const p = this.expect('result', timeoutS);
    if (!this.exit) this.proc.stdin.write(JSON.stringify({ cmd: 'run', item }) + '\n');
    return p;
  }

  close() {
    if (!this.exit) this.proc.stdin.end(JSON.stringify({ cmd: 'exit' }) + '\n');
  }
}

function childEnv(impl, threads, removed) {
  const env = { ...process.env };
  if (impl.kind === 'torch') {
    // Debian's OpenBLAS 0.3.21 picks its kernels itself; these two (set on this machine for older
    // OpenBLAS builds) only slow it down. Removed for the peer's process only, and recorded.
    for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
      if (k in env) { removed[k] = env[k]; delete env[k]; }
    }
    Object.assign(env, { OMP_NUM_THREADS: `${threads}`, OPENBLAS_NUM_THREADS: `${threads}`, MKL_NUM_THREADS: `${threads}`, PYTHONDONTWRITEBYTECODE: '1' });
  } else {
    env.CONVNET_THREADS = `${threads}`;
    if (impl.backend) env.CONVNET_BACKEND = impl.backend;
  }
  return env;
}

function gitState() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch { return null; }
}

async function runKernelBench(runs, timeoutS) {
  if (!fs.existsSync(path.join(root, 'dist', 'kernel.js'))) return { skipped: 'dist/kernel.js is missing (npm run build)' };
  const r = spawnSync(process.execPath, [path.join(here, 'kernel.mjs'), '--runs', `${runs}`], {
    cwd: root, encoding: 'utf8', timeout: timeoutS * 1e3, env: { ...process.env, CONVNET_BACKEND: process.env.CONVNET_BACKEND || 'auto' },
  });
  const start = r.stdout.indexOf('{');
  try {
    if (r.status !== 0 || start < 0) throw new Error();
    return JSON.parse(r.stdout.slice(start));
  } catch {
    return { error: `bench/kernel.mjs ${r.error ? r.error.message : `exit ${r.status}`}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' ')}` };
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) { console.log(HELP); return; }
  const { mode, sizes, steps } = buildOptions(args);
  const quick = mode === 'quick';
  const threadCounts = args.threads ? ints('threads', args.threads) : [2];
  const only = args.only ? list(args.only) : [...Object.keys(WORKLOADS), 'kernel'];
  for (const w of only) if (!(w in WORKLOADS) && w !== 'kernel') throw new Error(`bench: unknown workload '${w}' (${Object.keys(WORKLOADS).join(', ')}, kernel)`);
  const implNames = args.impl ? list(args.impl) : ['tfjs-auto', 'tfjs-wasm-stock', ...(quick ? ['tfjs-cpu'] : []), 'torch'];
  for (const n of implNames) if (!IMPLS[n]) throw new Error(`bench: unknown implementation '${n}' (${Object.keys(IMPLS).join(', ')})`);
  const out = path.resolve(args.out ?? path.join(here, 'results', 'latest.json'));
  const itemTimeoutS = Number(args.itemTimeout ?? (quick ? 60 : 900));

  const variants = only.filter(w => w in WORKLOADS).flatMap(w => WORKLOADS[w].variants(sizes));
  const flopsOf = Object.fromEntries(variants.map(v => [v.id, WORKLOADS[v.workload].flops(v.cfg).total]));
  const items = variants.map(v => ({ ...v, ...steps }));

  if (implNames.some(n => IMPLS[n].kind === 'tfjs' && !IMPLS[n].stock) && !fs.existsSync(path.join(root, 'dist', 'lib.js'))) {
    process.stderr.write('dist/lib.js is missing: building\n');
    execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root, stdio: 'inherit' });
  }
  const peer = implNames.includes('torch') ? findTorch(args.python) : { absent: 'not requested (--impl)' };
  peer.envRemoved = {};

  const doc = {
    meta: {
      date: new Date().toISOString(), quick, threads: threadCounts, argv: process.argv.slice(2), host: os.hostname(),
      cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}`,
      loadavgStart: os.loadavg().map(x => +x.toFixed(2)), git: gitState(), sizes, steps,
      note: 'wall and CPU ms per step; other processes on the machine may have been running (see loadavg)',
    },
    variants: variants.map(v => ({ ...v, flops: WORKLOADS[v.workload].flops(v.cfg) })),
    envs: {}, peer, results: [], kernel: null,
  };

  for (const threads of threadCounts) {
    // Start every implementation, then send each workload to each in turn: a change in the machine's
    // load during the run hits all of them alike, instead of whichever happened to run last.
    const children = [];
    for (const name of implNames) {
      const impl = IMPLS[name];
      const key = `${name}@${threads}`;
      if (impl.kind === 'torch' && peer.absent) continue; // printed once, from doc.peer
      const plan = JSON.stringify({ impl: { name, ...impl }, threads });
      const [cmd, argv] = impl.kind === 'torch'
        ? [peer.python, [path.join(here, 'torch', 'peer.py'), plan]]
        : [process.execPath, [path.join(here, 'tfjs-child.mjs'), plan]];
      const child = new Child(`${name} t${threads}`, cmd, argv, childEnv(impl, threads, peer.envRemoved));
      const env = await child.expect('env', 300);
      doc.envs[key] = env.kind === 'env' ? env : { error: `${name} did not start: ${env.error}` };
      children.push({ name, child });
    }
    for (const item of items) {
      process.stderr.write(`== ${item.id}, ${threads} thread(s)\n`);
      for (const { name, child } of children) {
        const loadavg1m = +os.loadavg()[0].toFixed(2); // how busy the machine was as this one started
        const r = await child.run(item, itemTimeoutS);
        const rec = r.kind === 'result' ? r : { id: item.id, workload: item.workload, cfg: item.cfg, error: r.error.split('\n')[0] };
        doc.results.push(summarise({ impl: name, threads, loadavg1m, ...rec }, flopsOf[item.id]));
      }
    }
    children.forEach(c => c.child.close());
  }
  doc.results = doc.results.map(r => compare(r, doc.results.find(p => p.impl === 'torch' && p.threads === r.threads && p.id === r.id)));

  if (only.includes('kernel')) {
    process.stderr.write('== kernel latency (bench/kernel.mjs)\n');
    doc.kernel = await runKernelBench(Number(args.kernelRuns ?? (quick ? 1 : 10)), quick ? 60 : 600);
  }
  doc.meta.loadavgEnd = os.loadavg().map(x => +x.toFixed(2));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  console.log(render(doc));
  console.log(`\nJSON: ${path.relative(process.cwd(), out)}`);
}

main().catch(e => { console.error(e.message); process.exit(1); });
