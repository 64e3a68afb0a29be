// Runs the same mocha suite (test/suite/) in desktop VS Code through @vscode/test-electron, for people
// with a desktop and internet access (it downloads VS Code into .vscode-test/ once). Not part of
// `npm test`: the headless route is test/run-ext-tests.mjs.
//   VSCODE_EXECUTABLE=/path/to/code   use a local VS Code instead of downloading one
//   VSCODE_VERSION=1.90.0             version to download (default: stable)
//   --require                         fail (exit 1) when VS Code cannot be downloaded; else that is a skip (exit 0)
// On Linux without a display, run it under xvfb-run. Last line: "electron: N passed, N failed[, N skipped]".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { runTests, downloadAndUnzipVSCode } = require('@vscode/test-electron');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, 'test-results');
const report = path.join(results, 'ext-host-mocha.log');
const requireRun = process.argv.includes('--require');
const t0 = Date.now();

function finish(passed, failed, skipped, code) {
  console.log(`[electron] exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`electron: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code);
}

if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) {
  console.error('[electron] dist/extension.js is missing: run `npm run build` first');
  finish(0, 1, 0, 1);
}

let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
if (vscodeExecutablePath) {
  if (!fs.existsSync(vscodeExecutablePath)) {
    console.error(`[electron] VSCODE_EXECUTABLE=${vscodeExecutablePath} does not exist`);
    finish(0, 1, 0, 1);
  }
} else {
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: process.env.VSCODE_VERSION || 'stable',
      cachePath: path.join(root, '.vscode-test'), timeout: 20000 });
  } catch (e) {
    const why = String(e?.message || e).split('\n')[0];
    if (requireRun) {
      console.error(`[electron] could not download VS Code: ${why}\n[electron] set VSCODE_EXECUTABLE to a local VS Code, or run without --require to skip`);
      finish(0, 1, 0, 1);
    }
    console.log(`[electron] skipped: could not download VS Code (${why}); set VSCODE_EXECUTABLE to use a local one`);
    process.exit(0);
  }
}
console.log(`[electron] VS Code: ${vscodeExecutablePath}`);

// A fresh profile and a temp copy of the fixtures (running cells dirties notebooks).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'convnet-electron-'));
const workspace = path.join(tmp, 'workspace');
fs.cpSync(path.join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
if (fs.existsSync(path.join(root, 'samples'))) fs.cpSync(path.join(root, 'samples'), path.join(workspace, 'samples'), { recursive: true });
const userData = path.join(tmp, 'user-data');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
const { DEFAULT_SETTINGS } = await import('./lib/server.mjs');
fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(DEFAULT_SETTINGS, null, 2));
fs.mkdirSync(results, { recursive: true });
fs.rmSync(report, { force: true });
const vscodeLog = fs.createWriteStream(path.join(results, 'vscode-electron.log'));

let code = 1;
try {
  code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'test', 'suite', 'index.js'),
    extensionTestsEnv: { EXT_TEST_REPORT: report, ...(process.env.EXT_TEST_GREP ? { EXT_TEST_GREP: process.env.EXT_TEST_GREP } : {}) },
    launchArgs: [workspace, '--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'extensions'),
      '--disable-workspace-trust', '--disable-extensions', '--skip-welcome', '--skip-release-notes', '--disable-gpu'],
    stdout: vscodeLog, stderr: vscodeLog,
  });
} catch (e) {
  console.error(`[electron] VS Code failed: ${e.message} (its output: test-results/vscode-electron.log${process.platform === 'linux' && !process.env.DISPLAY ? '; no DISPLAY: try xvfb-run' : ''})`);
  code = e.code || 1;
} finally {
  vscodeLog.end();
  fs.rmSync(tmp, { recursive: true, force: true });
}
const text = fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : '';
process.stdout.write(text);
const m = /^suite: (\d+) passed, (\d+) failed, (\d+) skipped/m.exec(text);
if (m) finish(Number(m[1]), Number(m[2]), Number(m[3]), code || (Number(m[2]) ? 1 : 0));
else finish(0, 1, 0, code || 1);
