// Kernel latency: process start to 'ready', a trivial cell's round trip, the first `import 'convnet'`
// (TF.js + backend start), and a console-heavy cell. Prints one JSON object; medians over N runs.
// Usage: node bench/kernel.mjs [--runs N]   (needs `npm run build`)
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The client is bundled inside dist/cli.js; tests import it from source. Here we use tsx's loader-free path:
// esbuild builds a throwaway copy of the client for this script.
const esbuild = require('esbuild');
const out = path.join(os.tmpdir(), `cnb-bench-client-${process.pid}.cjs`);
esbuild.buildSync({ entryPoints: [path.join(root, 'src/kernel/client.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
const { KernelClient } = require(out);

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const kernelPath = path.join(root, 'dist', 'kernel.js');
const median = xs => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const summary = xs => ({ median_ms: +median(xs).toFixed(2), min_ms: +Math.min(...xs).toFixed(2), max_ms: +Math.max(...xs).toFixed(2), n: xs.length });
const exec = (k, code) => k.execute(code, 'typescript', 'Cell 1', () => {});

const start = [], importLib = [];
for (let i = 0; i < Math.min(runs, 10); i++) {
  const t0 = performance.now();
  const k = KernelClient.start({ kernelPath, cwd: root, env: { CONVNET_BACKEND: process.env.CONVNET_BACKEND || 'auto' } });
  await k.ready;
  start.push(performance.now() - t0);
  const t1 = performance.now();
  await exec(k, "import { tf } from 'convnet'; tf.scalar(1)");
  importLib.push(performance.now() - t1);
  await k.shutdown();
}
const k = KernelClient.start({ kernelPath, cwd: root });
await k.ready;
await exec(k, 'let n = 0');
const roundTrip = [], typed = [], logs = [];
for (let i = 0; i < runs * 10; i++) { const t = performance.now(); await exec(k, 'n++'); roundTrip.push(performance.now() - t); }
const tsCell = 'interface P { x: number }\nconst ps: P[] = Array.from({ length: 100 }, (_, i) => ({ x: i }));\nps.reduce((a, p) => a + p.x, 0)';
for (let i = 0; i < runs * 5; i++) { const t = performance.now(); await exec(k, tsCell); typed.push(performance.now() - t); }
for (let i = 0; i < runs; i++) { const t = performance.now(); await exec(k, 'for (let i = 0; i < 1000; i++) console.log(i)'); logs.push(performance.now() - t); }
await k.shutdown();
fs.rmSync(out, { force: true });
console.log(JSON.stringify({
  benchmark: 'kernel', node: process.version, cpus: os.cpus().length,
  kernel_start: summary(start),
  first_import_convnet: summary(importLib),
  cell_round_trip_trivial: summary(roundTrip),
  cell_round_trip_typescript: summary(typed),
  cell_1000_console_lines: summary(logs),
}, null, 2));
