// One e2e test file's VS Code: code-server serving a temp copy of the samples, headless Chromium on its
// workbench with our extension, logs and failure evidence under test-results/. Shared by the e2e tests.
import fs from 'node:fs';
import path from 'node:path';
import { startCodeServer, launchChromium, remoteUri, repoRoot, tempCopy } from './server.mjs';

export const results = path.join(repoRoot, 'test-results');

/**
 * Starts code-server and Chromium and opens the workbench on a temp copy of samples/.
 * @param {object} o
 * @param {string} o.name            names this test file's logs and screenshots (e2e-<name>-...)
 * @param {number} [o.viewportHeight] taller pages lay out more cells at once
 * @param {(ws: string) => void} [o.prepare] edits the workspace copy before VS Code sees it
 * Env: E2E_VSIX=<file.vsix> tests the packaged extension instead of the development folder.
 */
export async function openWorkbench({ name, viewportHeight = 2400, prepare }) {
  fs.mkdirSync(results, { recursive: true });
  for (const f of fs.readdirSync(results)) if (f.startsWith(`e2e-${name}-`)) fs.rmSync(path.join(results, f), { force: true });
  const extensionPath = path.resolve(process.env.EXT_DEVELOPMENT_PATH || repoRoot);
  const ws = tempCopy(path.join(repoRoot, 'samples'), `convnet-e2e-${name}-`); // never run committed files in place
  prepare?.(ws);
  const server = await startCodeServer({ logFile: path.join(results, `e2e-${name}-code-server.log`), installVsix: process.env.E2E_VSIX });
  console.log(`code-server up in ${server.startMs} ms`);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: viewportHeight } });
  const pageLog = fs.createWriteStream(path.join(results, `e2e-${name}-browser.log`));
  page.on('console', m => pageLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', e => pageLog.write(`[pageerror] ${e.message}\n`));
  const payload = [['skipWelcome', 'true']];
  if (!process.env.E2E_VSIX) payload.unshift(['extensionDevelopmentPath', remoteUri(server.authority, extensionPath)]);
  await page.goto(server.workbenchUrl(ws, payload));

  return {
    server, browser, page, ws,
    /** A path under test-results/ for this test file. */
    artifact: file => path.join(results, `e2e-${name}-${file}`),
    /** Runs `scenario`; when it throws, keeps a screenshot, the cells' run states and the extension's log. */
    async keepEvidence(scenario) {
      try {
        return await scenario();
      } catch (e) {
        await page.screenshot({ path: path.join(results, `e2e-${name}-failure.png`) }).catch(() => {});
        const states = await cellStates(page).catch(err => ({ error: err.message }));
        console.log(`[${name}] cells at the failure: ${JSON.stringify(states)}`);
        copyExtensionLog(server.userData, path.join(results, `e2e-${name}-extension.log`));
        throw e;
      }
    },
    async close() {
      await browser.close().catch(() => {});
      await server.stop();
      pageLog.end();
      fs.rmSync(ws, { recursive: true, force: true });
    },
  };
}

/** How many of the laid-out cells show each run state (success, error, executing, pending) in their status bar. */
export function cellStates(page) {
  return page.locator('.notebookOverlay .monaco-list-row').evaluateAll(rows => {
    const counts = { rows: rows.length };
    for (const row of rows) {
      const icon = row.querySelector('[class*="codicon-notebook-state-"]');
      const state = icon ? /codicon-notebook-state-(\w+)/.exec(icon.className)[1] : 'none';
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  });
}

/** Copies the "ConvNet Notebooks" output channel's log file (kernel starts, exits, cell timings) out of user data. */
function copyExtensionLog(userData, to) {
  const found = [];
  const walk = dir => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/ConvNet Notebooks\.log$/.test(entry.name)) found.push(p);
    }
  };
  try { walk(path.join(userData, 'logs')); } catch { /* no logs yet */ }
  if (found.length) fs.writeFileSync(to, found.map(f => `== ${f}\n${fs.readFileSync(f, 'utf8')}`).join('\n'));
  else console.log(`no ConvNet Notebooks log under ${userData}/logs`);
}
