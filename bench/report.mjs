// Statistics and the printed table for bench/run.mjs. Everything here works on the JSON the children
// print, so a saved results file can be re-printed: `node bench/report.mjs bench/results/latest.json`.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TARGET_RATIO = 1.5;
/** Workloads the issue sets the 1.5x-of-PyTorch target for. */
export const TARGETS = [{ workload: 'style', size: 256 }, { workload: 'triplet' }];

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x, d = 2) => (x == null || !Number.isFinite(x) ? null : +x.toFixed(d));

/** Per-result summary: medians, min-max, GFLOP/s, images/s. */
export function summarise(r, flops) {
  if (!r.stepsMs?.length) return { ...r, flops: flops ?? null };
  const med = median(r.stepsMs);
  return {
    ...r,
    flops: flops ?? null,
    medianMs: round(med),
    minMs: round(Math.min(...r.stepsMs)),
    maxMs: round(Math.max(...r.stepsMs)),
    cpuMedianMs: round(median(r.cpuMs)),
    cores: round(median(r.cpuMs) / med), // CPU time / wall time: how many cores the step kept busy
    gflops: flops ? round(flops / med / 1e6) : null,
    imagesPerS: r.images ? round(r.images / (med / 1e3), 1) : null,
  };
}

/** Ratio to the peer at the same thread count (>1: slower than PyTorch) and the first check value's
 *  relative difference (the same seeded weights and inputs: the first loss/sum must agree). */
export function compare(r, peer) {
  if (!peer || r.impl === peer.impl) return r;
  const out = { ...r };
  if (r.medianMs && peer.medianMs) out.ratioToTorch = round(r.medianMs / peer.medianMs, 3);
  // total CPU time per step: the work spent, whatever the threads and whoever else used the machine
  if (r.cpuMedianMs && peer.cpuMedianMs) out.cpuRatioToTorch = round(r.cpuMedianMs / peer.cpuMedianMs, 3);
  if (r.checks?.length && peer.checks?.length) {
    const a = r.checks[0], b = peer.checks[0];
    out.checkRelDiff = Number((Math.abs(a - b) / Math.max(Math.abs(b), 1e-30)).toPrecision(2));
  }
  return out;
}

const fmt = (x, d = 1) => (x == null ? '' : x >= 1000 ? Math.round(x).toString() : x.toFixed(d));
const gflopLabel = f => (f == null ? '' : ` · ${(f / 1e9).toFixed(f < 1e9 ? 3 : 1)} GFLOP`);

function implLabel(r, envs) {
  const e = envs[`${r.impl}@${r.threads}`];
  if (!e) return r.impl;
  if (e.torch) return `${r.impl} ${e.torch}`;
  return e.backend ? `${r.impl} (${e.backend.name})` : r.impl;
}

function threadsLabel(r, envs) {
  const e = envs[`${r.impl}@${r.threads}`];
  const actual = e?.torch ? e.threads : e?.backend?.threads;
  return actual == null || actual === r.threads ? `${r.threads}` : `${actual} (asked ${r.threads})`;
}

function tensorsLabel(r) {
  if (!r.numTensors) return r.impl === 'torch' ? 'n/a' : '';
  const last = r.numTensors[r.numTensors.length - 1];
  const left = r.tensorsLeftAfterDispose ? `, ${r.tensorsLeftAfterDispose} left` : '';
  return `${r.tensorsFlat ? 'flat' : 'GROWS'} ${last}${left}`;
}

/** The markdown table for one thread count. */
export function table(doc, threads) {
  const rows = doc.results.filter(r => r.threads === threads);
  const lines = [
    `| workload | implementation | threads | median ms | min-max ms | CPU ms | GFLOP/s | img/s | x torch | x torch CPU | check diff | tensors |`,
    `| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |`,
  ];
  for (const v of doc.variants) {
    for (const r of rows.filter(x => x.id === v.id)) {
      const head = `${v.label}${gflopLabel(r.flops)}`;
      if (r.skipped || r.error) {
        lines.push(`| ${head} | ${implLabel(r, doc.envs)} | ${threadsLabel(r, doc.envs)} | ${r.skipped ? 'skipped' : 'error'}: ${(r.skipped ?? r.error).replace(/\|/g, '/').slice(0, 140)} ||||||||`);
        continue;
      }
      lines.push(`| ${head} | ${implLabel(r, doc.envs)} | ${threadsLabel(r, doc.envs)} | ${fmt(r.medianMs)} | ${fmt(r.minMs)}-${fmt(r.maxMs)} (n=${r.stepsMs.length}) | ${fmt(r.cpuMedianMs, 0)} | ${fmt(r.gflops)} | ${fmt(r.imagesPerS)} | ${r.impl === 'torch' ? '1' : r.ratioToTorch == null ? '' : r.ratioToTorch.toFixed(2)} | ${r.impl === 'torch' ? '1' : r.cpuRatioToTorch == null ? '' : r.cpuRatioToTorch.toFixed(2)} | ${r.checkRelDiff == null ? '' : r.checkRelDiff.toExponential(0)} | ${tensorsLabel(r)} |`);
    }
  }
  return lines.join('\n');
}

/** One line per target workload and TF.js implementation: the ratio reached, or why there is none. */
export function targetLines(doc) {
  const out = [];
  for (const r of doc.results) {
    if (r.impl === 'torch') continue;
    if (!TARGETS.some(t => t.workload === r.workload && (t.size == null || t.size === r.cfg.size))) continue;
    const v = doc.variants.find(x => x.id === r.id);
    const head = `${v.label}, ${r.impl}, ${threadsLabel(r, doc.envs)} thread(s)`;
    if (r.ratioToTorch != null) {
      out.push(`${head}: ${r.ratioToTorch.toFixed(2)}x PyTorch's time (target <= ${TARGET_RATIO}x): ${r.ratioToTorch <= TARGET_RATIO ? 'met' : 'not met'}`);
    } else {
      out.push(`${head}: no ratio: ${r.error ?? r.skipped ?? (r.medianMs ? 'no PyTorch result at this thread count' : 'no timing')}`);
    }
  }
  return out;
}

export function kernelTable(k) {
  if (!k) return '';
  if (k.error || k.skipped) return `kernel latency: ${k.error ? 'error' : 'skipped'}: ${k.error ?? k.skipped}`;
  const lines = ['| kernel latency | median ms | min-max ms | n |', '| --- | ---: | --- | ---: |'];
  for (const [key, s] of Object.entries(k)) {
    if (s && typeof s === 'object' && 'median_ms' in s) lines.push(`| ${key} | ${s.median_ms} | ${s.min_ms}-${s.max_ms} | ${s.n} |`);
  }
  return lines.join('\n');
}

/** Whether other work competed for the CPUs: a 1-minute load average at start or end above 3/4 of the
 *  cores, while each step here asks for all of them (load averages lag: a rough sign, not a proof). */
export function busy(meta) {
  const peak = Math.max(meta.loadavgStart?.[0] ?? 0, meta.loadavgEnd?.[0] ?? 0);
  return peak > 0.75 * meta.cpus ? peak : 0;
}

/** The whole printed report. */
export function render(doc) {
  const m = doc.meta;
  const out = [
    `# bench ${m.date} · ${m.cpuModel} x${m.cpus} · node ${m.node} · load average ${m.loadavgStart.join(' ')} at start, ${m.loadavgEnd.join(' ')} at end${m.quick ? ' · QUICK sizes' : ''}`,
  ];
  const load = busy(m);
  if (load) out.push(`WARNING: the machine was busy (load average up to ${load} on ${m.cpus} CPUs): times are sanity checks, ratios and target verdicts are not reliable.`);
  for (const [key, e] of Object.entries(doc.envs)) {
    if (e.torch) {
      const ob = e.blas?.openblas;
      out.push(`- ${key}: torch ${e.torch} (python ${e.python}), ${e.threads} thread(s), BLAS ${ob ? `${ob.config} core ${ob.core}, ${ob.threads} thread(s)` : (e.blas?.mapped ?? []).join(', ') || 'unknown'}${e.blas?.mkldnn ? ', oneDNN convs' : ''}${e.blas?.warning ? ` WARNING: ${e.blas.warning}` : ''}`);
    } else if (e.backend) {
      out.push(`- ${key}: ${e.backend.detail}${e.backend.skipped?.length ? ` (skipped: ${e.backend.skipped.map(s => `${s.name}: ${s.reason}`).join('; ')})` : ''}`);
    } else if (e.error) out.push(`- ${key}: ${e.error}`);
  }
  if (doc.peer?.absent) out.push(`- torch: absent: ${doc.peer.absent}`);
  if (doc.peer?.envRemoved && Object.keys(doc.peer.envRemoved).length) {
    out.push(`- torch child's environment: removed ${Object.entries(doc.peer.envRemoved).map(([k, v]) => `${k}=${v}`).join(', ')} (they slow current OpenBLAS)`);
  }
  for (const t of m.threads) out.push('', `## ${t} thread(s)`, '', table(doc, t));
  const targets = targetLines(doc);
  if (targets.length) out.push('', ...targets.map(l => `- ${l}${load && / met$/.test(l) ? ' (busy machine: not a verdict)' : ''}`));
  if (doc.kernel) out.push('', kernelTable(doc.kernel));
  out.push('', 'median/min-max: wall ms per step; CPU ms: process CPU time per step (all threads); x torch: median / PyTorch median at the same thread count (< 1 is faster);',
    'x torch CPU: the same for CPU ms (steadier on a busy machine; ignores parallel speed-up); check diff: relative difference of the first loss/sum',
    'from PyTorch\'s (same seeded weights and inputs); tensors: tf.memory().numTensors after each step (flat = no leak).');
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? new URL('./results/latest.json', import.meta.url);
  console.log(render(JSON.parse(fs.readFileSync(file, 'utf8'))));
}
