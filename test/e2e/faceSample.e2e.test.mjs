// End to end: samples/01-face-verification.ipynb (a temp copy) in a real VS Code (code-server) in headless
// Chromium. Run All; the embeddings renderer must draw the faces' points and react to its threshold slider
// driven from the keyboard like a user would. Screenshots go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pressUntil, revealInNotebook, runAllCells } from '../lib/notebookUi.mjs';
import { openNotebookWithQuickOpen } from '../lib/server.mjs';
import { openWorkbench, cellStates } from '../lib/workbench.mjs';

const NOTEBOOK = '01-face-verification.ipynb';

let workbench, page;
before(async () => {
  workbench = await openWorkbench({
    name: 'face',
    // The sample is committed with its outputs: clear them, so every output checked below comes from this run.
    prepare: ws => {
      const file = path.join(ws, NOTEBOOK);
      const notebook = JSON.parse(fs.readFileSync(file, 'utf8'));
      for (const cell of notebook.cells) if (cell.cell_type === 'code') { cell.outputs = []; cell.execution_count = null; }
      fs.writeFileSync(file, JSON.stringify(notebook, null, 1));
    },
  });
  page = workbench.page;
});
after(() => workbench?.close());

test('sample 01: the embedding view draws the faces and follows the threshold slider', { timeout: 720000 }, async () => {
  const soft = [];
  await workbench.keepEvidence(() => scenario(soft));
  assert.deepEqual(soft, [], 'soft checks');
});

/** The verification readout's numbers, as the renderer publishes them on its data attributes. */
async function verification(view) {
  const readout = view.locator('[data-role="verification"]').first();
  return {
    threshold: Number(await readout.getAttribute('data-threshold')),
    accepted: Number(await readout.getAttribute('data-accepted')),
    accuracy: Number(await readout.getAttribute('data-accuracy')),
    text: (await readout.textContent()).trim(),
  };
}

async function scenario(soft) {
  console.log(`notebook open after ${await openNotebookWithQuickOpen(page, NOTEBOOK)} ms`);
  // The whole run first (the pretrained encoder and the face detector take minutes on a loaded machine),
  // then the view: scrolling the list while cells add outputs only makes VS Code re-lay them out.
  const runMs = await runAllCells(page, soft, { timeout: 540000, confirmStart: true });
  const states = await cellStates(page);
  console.log(`Run All finished after ${runMs} ms; cells in view: ${JSON.stringify(states)}`);
  assert.ok(!states.error, `no cell in view failed (${JSON.stringify(states)})`);
  const selector = '.convnet-embeddings[data-points]';
  const { element: view } = await revealInNotebook(page, selector);
  const points = Number(await view.getAttribute('data-points'));
  assert.ok(points >= 4, `the view holds the sample's faces (data-points=${points})`);

  // The scatter: every point drawn, in more than one identity colour.
  const scatter = view.locator('canvas[data-role="scatter"]').first();
  await scatter.waitFor({ state: 'attached', timeout: 10000 });
  const drawn = Number(await scatter.getAttribute('data-drawn-points'));
  assert.equal(drawn, points, 'every point is drawn');
  const pixels = await scatter.evaluate(c => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const colours = new Map();
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 200) continue;
      const key = (data[i] >> 4) << 8 | (data[i + 1] >> 4) << 4 | (data[i + 2] >> 4);
      colours.set(key, (colours.get(key) ?? 0) + 1);
    }
    // Saturated colours (identity markers), not greys (axes, text, background).
    const saturated = [...colours].filter(([k, n]) => {
      const r = k >> 8, g = (k >> 4) & 15, b = k & 15;
      return Math.max(r, g, b) - Math.min(r, g, b) >= 5 && n >= 6;
    });
    return { w: c.width, h: c.height, saturated: saturated.length };
  });
  console.log('scatter:', { points, drawn, pixels });
  assert.ok(pixels.w > 0 && pixels.h > 0, 'the scatter canvas has a size');
  assert.ok(pixels.saturated >= 2, `points of at least two identities in colour (${pixels.saturated} colours)`);

  // The threshold slider, from the keyboard: Home accepts no pair, End accepts every pair.
  const slider = view.locator('[data-role="threshold"]').first();
  const before = await verification(view);
  const none = await pressUntil(page, slider, 'Home', () => verification(view), v => v.threshold < before.threshold);
  const all = await pressUntil(page, slider, 'End', () => verification(view), v => v.threshold > before.threshold);
  console.log('threshold:', { before, none, all });
  assert.equal(none.accepted, 0, 'at the lowest threshold no pair is accepted');
  assert.ok(all.accepted > 0 && all.threshold > none.threshold, 'at the highest threshold pairs are accepted');
  assert.notEqual(all.text, none.text, 'the readout text changes with the slider');
  assert.ok(before.accuracy >= all.accuracy || before.accuracy >= none.accuracy,
    'the default threshold verifies at least as well as one extreme');

  // Back to the sample's threshold for the screenshot (a picture for people, not a check).
  await slider.fill(String(before.threshold)).catch(() => {});
  await page.waitForTimeout(300);
  await view.screenshot({ path: workbench.artifact('embeddings.png') }).catch(e => console.log(`no screenshot: ${e.message}`));
}
