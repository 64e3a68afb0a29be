// Driving a notebook in the real VS Code workbench (code-server + Playwright's Chromium): find our renderers'
// DOM inside the output webviews, scroll the virtual cell list, and run all cells. Shared by the e2e tests.

/** The first frame (the output webview's inner frame, usually) whose DOM matches `selector`. */
export async function findFrameWith(page, selector, timeout, { scroll = false } = {}) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      try { if (await f.$(selector)) return f; } catch { /* frame detached meanwhile */ }
    }
    // The notebook list is virtual: outputs of cells far below are only rendered once scrolled near.
    if (scroll) await scrollNotebook(page, 400);
    await page.waitForTimeout(250);
  }
  throw new Error(`no frame contains ${selector} after ${timeout} ms`);
}

/**
 * Scrolls the notebook until the element (in the output webview) is inside the visible cell list (its top, if
 * it is taller than the list), and
 * returns a fresh locator for it with its box. VS Code may re-create output elements (and frames), so
 * the element is looked up again on every step.
 */
export async function revealInNotebook(page, selector) {
  const list = await page.locator('.notebookOverlay .monaco-list:visible').first().boundingBox();
  let element, box;
  for (let i = 0; i < 120; i++) {
    element = (await findFrameWith(page, selector, i === 0 ? 90000 : 10000, { scroll: true })).locator(selector).first();
    box = await element.boundingBox({ timeout: 2000 }).catch(() => null);
    // In view: wholly inside the list, or, when taller than the list, its top near the list's top.
    const fits = box && box.y >= list.y && box.y + box.height <= list.y + list.height;
    const topShown = box && box.height > list.height - 60 && box.y >= list.y && box.y <= list.y + 120;
    if (fits || topShown) return { element, box };
    const dy = box ? box.y - (list.y + 60) : 1000; // not laid out yet: further down (the tests start at the top)
    await scrollNotebook(page, Math.max(-4000, Math.min(4000, dy)));
    await page.waitForTimeout(200);
  }
  throw new Error(`could not scroll ${selector} into view`);
}

export async function scrollNotebook(page, dy) {
  const box = await page.locator('.notebookOverlay .monaco-list:visible').first().boundingBox();
  if (!box) return;
  // Over the list's own scrollbar: not over an output's webview, nor the left gutter's fold arrows.
  await page.mouse.move(box.x + box.width - 6, box.y + box.height / 2);
  // VS Code moves the list by about 50 px per wheel event whatever its delta: one event per 50 px wanted.
  const events = Math.min(80, Math.max(1, Math.round(Math.abs(dy) / 50)));
  for (let i = 0; i < events; i++) await page.mouse.wheel(0, Math.sign(dy) * 100);
  if (process.env.E2E_DEBUG) {
    const top = await page.locator('.notebookOverlay .monaco-list-rows').first().evaluate(e => e.style.top).catch(e => e.message);
    const found = [];
    for (const f of page.frames()) found.push(await f.$$eval('.convnet-output', els => els.map(e => e.className).join('/')).catch(() => 'x'));
    console.log(`[scroll] ${dy} -> rows top ${top}; outputs per frame: ${found.join(' | ')}`);
  }
}

/**
 * Clicks Run All and waits until it is offered again (the toolbar shows Interrupt meanwhile). Picks the
 * ConvNet kernel when VS Code asks for one, pushing a note onto `soft`. Returns the milliseconds taken.
 * With `waitForEnd: false` it returns once the run has started. With `confirmStart` (for runs longer than
 * a few seconds) it checks that the toolbar switched to Interrupt, and clicks once more (a note onto
 * `soft`) when a click that came too early, while the notebook was still loading, started nothing.
 */
export async function runAllCells(page, soft, { firstOutput, timeout = 90000, waitForEnd = true, confirmStart = false } = {}) {
  const runAll = page.locator('.notebookOverlay .notebook-toolbar-container .action-item a[aria-label^="Run All"]');
  const t0 = Date.now();
  const click = async () => {
    await runAll.first().click({ timeout: 30000 });
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'ConvNet TypeScript' });
    if (await pick.first().waitFor({ timeout: 3000 }).then(() => true, () => false)) {
      soft.push('Run All asked for a kernel: ConvNet TypeScript was not selected automatically');
      await pick.first().click();
    }
  };
  await click();
  const started = () => runAll.first().waitFor({ state: 'hidden', timeout: 20000 }).then(() => true, () => false);
  if (confirmStart && !await started()) {
    soft.push('Run All had to be clicked twice: the first click started no run');
    await click();
    if (!await started()) throw new Error('Run All started no run (the toolbar never showed Interrupt)');
  }
  if (firstOutput) await firstOutput();
  if (!waitForEnd) return Date.now() - t0;
  await runAll.first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
  await runAll.first().waitFor({ state: 'visible', timeout });
  return Date.now() - t0;
}

/**
 * Presses `key` on an element inside an output webview until `read()` shows its effect (`done(reading)`), at most
 * `attempts` times, and returns the last reading. A key reaches the element only while it has focus, and VS Code
 * may re-create the output's DOM (a webview relayout) between presses: each try focuses again, and `target` may
 * be a function that looks the element up anew.
 */
export async function pressUntil(page, target, key, read, done, { attempts = 10, settleMs = 150 } = {}) {
  let reading;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const element = typeof target === 'function' ? await target() : target;
    await element.focus().catch(() => {});
    await element.press(key).catch(() => {});
    await page.waitForTimeout(settleMs);
    reading = await read();
    if (done(reading)) break;
  }
  return reading;
}
