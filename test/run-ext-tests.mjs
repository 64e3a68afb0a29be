// Runs the mocha suite in test/suite/ inside a real VS Code extension host, headlessly:
// code-server (VS Code server + web workbench) + headless Chromium. The workbench URL carries
// payload=[["extensionDevelopmentPath",...],["extensionTestsPath",...]] like microsoft/vscode's
// test/integration/browser; mocha runs in the server's Node extension host, its exit code comes back
// through window.codeAutomationExit. (@vscode/test-electron does the same on a desktop: test/run-electron-tests.mjs.)
// Env: EXT_DEVELOPMENT_PATH, EXT_TEST_GREP (mocha grep), EXT_TEST_TIMEOUT_MS (default 180000), EXT_TEST_LOG_LEVEL (code-server --log).
// Last line: "ext-host: N passed, N failed[, N skipped]".
import fs from 'node:fs';
import path from 'node:path';
import { startCodeServer, launchChromium, remoteUri, repoRoot as root, tempCopy } from './lib/server.mjs';

const results = path.join(root, 'test-results');
const report = path.join(results, 'ext-host-mocha.log');
// EXT_DEVELOPMENT_PATH: load another build of the extension (e.g. a stub when testing the harness itself).
const extensionPath = path.resolve(process.env.EXT_DEVELOPMENT_PATH || root);
const TIMEOUT = Number(process.env.EXT_TEST_TIMEOUT_MS || 900000);
const t0 = Date.now();

function finish(passed, failed, skipped, code) {
  console.log(`[runner] extension tests exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`ext-host: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code);
}

if (!fs.existsSync(path.join(extensionPath, 'dist', 'extension.js'))) {
  console.error('[runner] dist/extension.js is missing: run `npm run build` first');
  finish(0, 1, 0, 1);
}
fs.mkdirSync(results, { recursive: true });
fs.rmSync(report, { force: true }); // never show a previous run's report
fs.rmSync(path.join(results, 'ext-tests-timeout.png'), { force: true });

// The suite runs cells, which dirties notebooks: it works on a temp copy of the fixtures (plus the samples).
const workspace = tempCopy(path.join(root, 'test', 'fixtures', 'workspace'), 'convnet-ext-ws-');
if (fs.existsSync(path.join(root, 'samples'))) fs.cpSync(path.join(root, 'samples'), path.join(workspace, 'samples'), { recursive: true });

let server;
try {
  server = await startCodeServer({ logFile: path.join(results, 'code-server-ext-tests.log'),
    // 'warn' hides the workbench's info chatter; the report comes from test-results/ext-host-mocha.log.
    extraArgs: ['--log', process.env.EXT_TEST_LOG_LEVEL || 'warn'] });
} catch (e) {
  console.error(`[runner] ${e.message}`);
  fs.rmSync(workspace, { recursive: true, force: true });
  finish(0, 1, 0, 1);
}
console.log(`[runner] code-server up on ${server.url} in ${server.startMs} ms`);

// Stream the report as mocha writes it.
let printed = 0;
function flushReport() {
  let text = '';
  try { text = fs.readFileSync(report, 'utf8'); } catch { return; }
  if (text.length < printed) printed = 0; // the suite truncated it at start
  process.stdout.write(text.slice(printed));
  printed = text.length;
}
const tail = setInterval(flushReport, 500);

let exitCode = 1;
let browser;
try {
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageLog = fs.createWriteStream(path.join(results, 'ext-tests-browser.log'));
  page.on('console', m => pageLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', e => pageLog.write(`[pageerror] ${e.message}\n`));
  const done = new Promise((resolve) => {
    // Both functions must exist before the workbench loads.
    page.exposeFunction('codeAutomationLog', (type, args) => {
      if (process.env.EXT_TEST_LOG_LEVEL === 'info') (console[type] || console.log)(...(Array.isArray(args) ? args : [args]));
    }).then(() => page.exposeFunction('codeAutomationExit', code => resolve(code)))
      .then(() => page.goto(server.workbenchUrl(workspace, [
        ['extensionDevelopmentPath', remoteUri(server.authority, extensionPath)],
        ['extensionTestsPath', remoteUri(server.authority, path.join(root, 'test', 'suite', 'index.js'))],
        ['skipWelcome', 'true'],
      ])))
      .catch(e => { console.error('[runner] could not load the workbench:', e.message); resolve(1); });
  });
  const res = await Promise.race([done, new Promise(r => setTimeout(() => r('timeout'), TIMEOUT))]);
  if (res === 'timeout') {
    console.error(`[runner] extension tests did not finish within ${TIMEOUT} ms (screenshot: test-results/ext-tests-timeout.png)`);
    await page.screenshot({ path: path.join(results, 'ext-tests-timeout.png') }).catch(() => {});
  } else {
    exitCode = Number(res);
  }
} catch (e) {
  console.error('[runner]', e.stack || e.message);
} finally {
  clearInterval(tail);
  await browser?.close().catch(() => {});
  // On failure keep VS Code's own logs (extension host, our output channel) next to the report.
  const logs = path.join(results, 'ext-tests-vscode-logs');
  fs.rmSync(logs, { recursive: true, force: true });
  if (exitCode !== 0) try { fs.cpSync(path.join(server.userData, 'logs'), logs, { recursive: true }); } catch { /* none written */ }
  await server.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
}
flushReport();
const text = fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : '';
const m = /^suite: (\d+) passed, (\d+) failed, (\d+) skipped/m.exec(text);
if (m) finish(Number(m[1]), Number(m[2]), Number(m[3]), exitCode || (Number(m[2]) ? 1 : 0));
else finish(0, 1, 0, exitCode || 1); // the suite never reported: count the run as one failure
