// `npm start`: build, then open the sample notebooks in a VS Code that has this extension loaded.
// - Desktop VS Code (`code` on PATH): code --extensionDevelopmentPath=<repo> <repo>/samples
// - Otherwise (or with --web): code-server on 127.0.0.1 (port $PORT or 8080, else a free one) with the
//   extension linked into its extensions folder; prints the URL to open and runs until Ctrl-C.
// Flags: --web (always code-server), --no-build (use dist/ as it is), --watch (rebuild on change; reload the window to pick it up),
//        --smoke (headless self-check: open the sample in Chromium, screenshot test-results/start-smoke.png, exit).
// code-server's settings and state live in .vscode-data/ (ignored by git).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const samples = path.join(root, 'samples');
const args = new Set(process.argv.slice(2));
const smoke = args.has('--smoke');

const step = (what, cmd, cmdArgs) => {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`[start] ${what} failed (${r.status ?? r.signal})`); process.exit(r.status || 1); }
};
if (!args.has('--no-build')) step('build', process.execPath, ['esbuild.js']);
else if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) { console.error('[start] --no-build, but dist/extension.js is missing'); process.exit(1); }

const hasDesktopCode = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' }).status === 0;
if (hasDesktopCode && !args.has('--web') && !smoke) {
  console.log(`[start] opening desktop VS Code with the extension from ${root}`);
  if (args.has('--watch')) console.log('[start] --watch: run `npm run watch` in another terminal, then "Developer: Reload Window"');
  const r = spawnSync('code', [`--extensionDevelopmentPath=${root}`, samples], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

step('code-server setup', process.execPath, [path.join(root, 'scripts', 'ensure-code-server.mjs')]);
const { startCodeServer, launchChromium, openNotebookWithQuickOpen, tempCopy } = await import('../test/lib/server.mjs');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const extId = `${pkg.publisher}.${pkg.name}`;
const dataDir = path.join(root, '.vscode-data');
if (!smoke) fs.mkdirSync(dataDir, { recursive: true });
// One code-server per data folder: a second `npm start` points at the running one.
const stateFile = path.join(dataDir, 'server.json');
if (!smoke) try {
  const running = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  process.kill(running.pid, 0);
  console.log(`[start] already running (pid ${running.pid}): ${running.url}`);
  process.exit(0);
} catch { /* none running */ }
// The extension is installed as a link to this checkout, so any URL (and a reload) loads the current
// build (the payload URL of the test runners works only with that exact URL). --smoke uses a temp profile
// and a temp copy of the samples, so running them leaves nothing behind.
const folder = smoke ? tempCopy(samples, 'convnet-start-smoke-') : samples;
const server = await startCodeServer({ dataDir: smoke ? undefined : dataDir, port: smoke ? 0 : Number(process.env.PORT || 8080),
  smokeTestDriver: false, linkExtension: root, logFile: smoke ? path.join(root, 'test-results', 'code-server-start-smoke.log') : path.join(dataDir, 'code-server.log') });
const url = server.workbenchUrl(folder);
if (!smoke) fs.writeFileSync(stateFile, JSON.stringify({ pid: process.pid, url }));

let watcher;
if (args.has('--watch')) watcher = spawn(process.execPath, ['esbuild.js', '--watch'], { cwd: root, stdio: 'inherit' });
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  watcher?.kill();
  if (!smoke) fs.rmSync(stateFile, { force: true });
  await server.stop();
  if (smoke) fs.rmSync(folder, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
server.child.on('exit', c => { if (!stopping) { console.error(`[start] code-server exited (${c}); log: .vscode-data/code-server.log`); stop(1); } });

if (smoke) {
  const results = path.join(root, 'test-results');
  fs.mkdirSync(results, { recursive: true });
  let ok = false;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    const name = '00-getting-started.ipynb';
    console.log(`[start] notebook open after ${await openNotebookWithQuickOpen(page, name)} ms`);
    await page.locator('.notebookOverlay .notebook-toolbar-container', { hasText: 'ConvNet TypeScript' }).first().waitFor({ timeout: 30000 });
    // Run All and wait for the first cell's output: the linked extension really runs cells.
    await page.locator('.notebookOverlay .notebook-toolbar-container .action-item a[aria-label^="Run All"]').first().click();
    for (const deadline = Date.now() + 60000; !ok && Date.now() < deadline; await page.waitForTimeout(250)) {
      for (const f of page.frames()) if (await f.$('text=This cell has run 1 time(s)').catch(() => null)) ok = true;
    }
    if (!ok) throw new Error('no output after Run All');
  } catch (e) {
    console.error('[start] smoke check failed:', e.message.split('\n')[0]);
  } finally {
    await browser.contexts()[0]?.pages()[0]?.screenshot({ path: path.join(results, 'start-smoke.png') }).catch(() => {});
    await browser.close();
  }
  console.log(`[start] smoke check ${ok ? 'passed' : 'FAILED'}: ConvNet TypeScript kernel ${ok ? 'ran' : 'did not run'} the sample (test-results/start-smoke.png)`);
  await stop(ok ? 0 : 1);
} else {
  console.log(`\n[start] VS Code (code-server ${server.port === Number(process.env.PORT || 8080) ? '' : 'on a free port, '}with ${extId}) is ready:\n\n    ${url}\n`);
  console.log('[start] open that URL in a browser. Rebuild with `npm run build` (or start with --watch), then "Developer: Reload Window". Ctrl-C stops.');
}
