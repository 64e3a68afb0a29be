// `npm test`: every check in order, each stage running even when an earlier one failed, then a summary
// table and one last line "N passed, N failed[, N skipped]". Exit code 1 when any stage failed.
//   node scripts/test-all.mjs [--only unit,ext] [--skip e2e]
// Counts come from each stage's own report: mocha spec ("N passing/failing/pending"), node:test
// ("# pass/# fail/# skipped"), the ext-host runner ("ext-host: N passed, N failed"). A stage without
// test counts (typecheck, build, code-server) counts as one check; a failed stage never counts less than one failure.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const mochaCounts = out => {
  const last = re => { const all = [...out.matchAll(re)]; return all.length ? Number(all[all.length - 1][1]) : undefined; };
  const passed = last(/^\s*(\d+) passing/gm), failed = last(/^\s*(\d+) failing/gm), skipped = last(/^\s*(\d+) pending/gm);
  return passed === undefined && failed === undefined ? null : { passed: passed ?? 0, failed: failed ?? 0, skipped: skipped ?? 0 };
};
const nodeTestCounts = out => {
  const n = re => { const m = re.exec(out); return m ? Number(m[1]) : 0; };
  // TAP ("# pass 3") or, the default of Node 23+, spec ("ℹ pass 3").
  if (!/^(?:#|ℹ) pass \d+/m.test(out)) return null;
  return { passed: n(/^(?:#|ℹ) pass (\d+)/m), failed: n(/^(?:#|ℹ) fail (\d+)/m) + n(/^(?:#|ℹ) cancelled (\d+)/m),
    skipped: n(/^(?:#|ℹ) skipped (\d+)/m) + n(/^(?:#|ℹ) todo (\d+)/m) };
};
const extHostCounts = out => {
  const all = [...out.matchAll(/^ext-host: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/gm)];
  const m = all[all.length - 1];
  return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] || 0) } : null;
};

const STAGES = [
  { name: 'typecheck', args: ['run', '-s', 'typecheck'] },
  { name: 'build', args: ['run', '-s', 'build'] },
  { name: 'unit', args: ['run', '-s', 'test:unit'], counts: mochaCounts },
  { name: 'code-server', args: ['run', '-s', 'setup:code-server'] },
  { name: 'ext-host', args: ['run', '-s', 'test:ext'], counts: extHostCounts },
  { name: 'e2e', args: ['run', '-s', 'test:e2e'], counts: nodeTestCounts },
];

const flag = name => { const i = process.argv.indexOf(name); return i > 0 ? (process.argv[i + 1] || '').split(',') : null; };
const only = flag('--only'), skip = flag('--skip') || [];
const stages = STAGES.filter(s => (!only || only.includes(s.name)) && !skip.includes(s.name));

function run(stage) {
  return new Promise(resolve => {
    const t0 = Date.now();
    let out = '';
    const child = spawn(npm, stage.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    child.stdout.on('data', d => { out += d; process.stdout.write(d); });
    child.stderr.on('data', d => { out += d; process.stderr.write(d); });
    child.on('error', e => { out += String(e); });
    // Counts are parsed without colour codes.
    child.on('close', code => resolve({ code: code ?? 1, out: out.replace(/\x1b\[[0-9;]*m/g, ''), ms: Date.now() - t0 }));
  });
}

const rows = [];
const total = { passed: 0, failed: 0, skipped: 0 };
for (const stage of stages) {
  console.log(`\n=== ${stage.name}: npm ${stage.args.join(' ')} ===`);
  const { code, out, ms } = await run(stage);
  let counts = stage.counts ? stage.counts(out) : null;
  if (!counts) counts = code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
  else if (code !== 0 && counts.failed === 0) counts = { ...counts, failed: 1 }; // crashed after reporting
  for (const k of Object.keys(total)) total[k] += counts[k];
  rows.push({ name: stage.name, ok: code === 0 && counts.failed === 0, code, ...counts, ms });
}

const pad = (s, n, right) => (right ? String(s).padStart(n) : String(s).padEnd(n));
console.log('\n' + ['stage', 'result', 'passed', 'failed', 'skipped', 'time'].map((h, i) => pad(h, [12, 8, 7, 7, 8, 9][i], i > 1)).join(' '));
for (const r of rows) {
  console.log([pad(r.name, 12), pad(r.ok ? 'ok' : `FAIL(${r.code})`, 8), pad(r.passed, 7, 1), pad(r.failed, 7, 1), pad(r.skipped, 8, 1),
    pad(`${(r.ms / 1000).toFixed(1)} s`, 9, 1)].join(' '));
}
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(rows.every(r => r.ok) ? 0 : 1);
