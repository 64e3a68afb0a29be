// End to end: outputs updating live while their cell runs, in a real VS Code (code-server) in headless Chromium.
// Notebooks made here (1) run a short style transfer on the shipped ResNet-50: the progress view must show the run
// as "running" with its iteration counter moving, then "done" at the last iteration with the result; (2) update an
// embedding view as an encoder would while training: the threshold the reader set must survive the updates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { findFrameWith, pressUntil, runAllCells } from '../lib/notebookUi.mjs';
import { openNotebookWithQuickOpen } from '../lib/server.mjs';
import { openWorkbench, cellStates } from '../lib/workbench.mjs';

const NOTEBOOK = 'live-style.ipynb';
const EMBEDDINGS_NOTEBOOK = 'live-embeddings.ipynb';
const ITERATIONS = 60;
const UPDATES = 40;
const notebook = cells => JSON.stringify({
  nbformat: 4, nbformat_minor: 5,
  metadata: {
    kernelspec: { display_name: 'ConvNet TypeScript', language: 'typescript', name: 'convnet-typescript' },
    language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
  },
  cells,
}, null, 1);
const code = source => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source });

let workbench, page;
before(async () => {
  workbench = await openWorkbench({
    name: 'live-style',
    prepare: ws => {
      fs.writeFileSync(path.join(ws, NOTEBOOK), notebook([
        { cell_type: 'markdown', metadata: {}, source: 'A short style transfer, to watch its progress live.' },
        code("import { style } from 'convnet';"),
        // 64 px Adam iterations take ~50-200 ms here: the run lasts seconds, long enough to watch it move.
        code(`const result = await style.transfer({ content: 'data/style/chelsea.jpg', style: 'data/style/scream.jpg',\n  preset: 'course-tf1', size: 64, iterations: ${ITERATIONS} });\n\`\${result.stopped} after \${result.history.length - 1} iterations\``),
      ]));
      // Three groups of 6 points drifting apart, redrawn every 300 ms like sample 02's training view.
      fs.writeFileSync(path.join(ws, EMBEDDINGS_NOTEBOOK), notebook([
        { cell_type: 'markdown', metadata: {}, source: 'An embedding view updated while the cell runs.' },
        code("import { tf, face } from 'convnet';"),
        code(`const labels = Array.from({ length: 18 }, (_, i) => ['a', 'b', 'c'][i % 3]);\n` +
          `const view = (step: number) => tf.tidy(() => tf.add(tf.randomNormal([18, 8], 0, 0.3, 'float32', 7),\n` +
          `  tf.mul(tf.oneHot(tf.tensor1d(labels.map(l => 'abc'.indexOf(l)), 'int32'), 8), 0.02 * step))) as tf.Tensor2D;\n` +
          `const show = async (step: number) => { const e = view(step); const v = await face.embeddingView(e, labels, { threshold: 0.7, title: \`step \${step}\` }); e.dispose(); return v; };\n` +
          `await display(await show(0), { id: 'live' });\n` +
          `for (let step = 1; step <= ${UPDATES}; step++) { await sleep(300); await display.update('live', await show(step)); }\n` +
          `'${UPDATES} updates'`),
      ]));
    },
  });
  page = workbench.page;
});
after(() => workbench?.close());

test('style transfer: the progress view updates while the cell runs, then shows the finished run', { timeout: 420000 }, async () => {
  const soft = [];
  await workbench.keepEvidence(async () => {
    console.log(`notebook open after ${await openNotebookWithQuickOpen(page, NOTEBOOK, { minRows: 2 })} ms`);
    await runAllCells(page, soft, { waitForEnd: false, confirmStart: true });
    // While it runs: the view appears with status "running"; record the iterations it shows.
    const selector = '.convnet-style-progress[data-status]';
    let frame = await findFrameWith(page, selector, 240000);
    const seen = new Set();
    const statuses = new Set();
    const deadline = Date.now() + 240000;
    let last;
    while (Date.now() < deadline) {
      last = await frame.$eval(selector, e => ({ status: e.getAttribute('data-status'), iteration: e.getAttribute('data-iteration'), iterations: e.getAttribute('data-iterations') }))
        .catch(() => undefined);
      if (!last) frame = await findFrameWith(page, selector, 10000).catch(() => frame); // VS Code re-created the output
      else {
        statuses.add(last.status);
        if (last.status === 'running') seen.add(last.iteration);
        if (last.status !== 'running') break;
      }
      await page.waitForTimeout(100);
    }
    console.log('live style progress:', { running: [...seen], statuses: [...statuses], last });
    assert.ok(seen.size >= 2, `the running view showed the iteration moving (saw ${[...seen].join(', ') || 'none'})`);
    assert.equal(last?.status, 'done', 'the run ends as done');
    assert.equal(Number(last.iteration), ITERATIONS, 'the final view is at the last iteration');
    assert.equal(Number(last.iterations), ITERATIONS);
    const current = await frame.$eval(`${selector} [data-role="current"]`, img => ({ src: img.getAttribute('src')?.slice(0, 22), w: img.naturalWidth }));
    assert.match(current.src ?? '', /^data:image\/png;base64/, 'the current image is shown');
    const runAll = page.locator('.notebookOverlay .notebook-toolbar-container .action-item a[aria-label^="Run All"]');
    await runAll.first().waitFor({ state: 'visible', timeout: 60000 });
    const states = await cellStates(page);
    assert.ok(!states.error, `no cell failed (${JSON.stringify(states)})`);
    const box = await (await frame.$(selector)).boundingBox().catch(() => null);
    if (box) await page.screenshot({ path: workbench.artifact('view.png') }).catch(() => {});
  });
  assert.deepEqual(soft, [], 'soft checks');
});

test('an embedding view updated while its cell runs keeps the threshold the reader set', { timeout: 300000 }, async () => {
  const soft = [];
  await workbench.keepEvidence(async () => {
    // The previous notebook's editor would stay in the DOM beside this one: close it first.
    await page.keyboard.press('Control+K');
    await page.keyboard.press('W');
    await page.waitForTimeout(500);
    await openNotebookWithQuickOpen(page, EMBEDDINGS_NOTEBOOK, { minRows: 2 });
    await runAllCells(page, soft, { waitForEnd: false, confirmStart: true });
    const selector = '.convnet-embeddings[data-points]';
    const readout = async () => {
      const frame = await findFrameWith(page, selector, 120000);
      return frame.$eval(selector, root => {
        const v = root.querySelector('[data-role="verification"]');
        return { title: root.querySelector('.convnet-emb-title')?.textContent ?? '', threshold: Number(v?.getAttribute('data-threshold')), accepted: Number(v?.getAttribute('data-accepted')) };
      }).catch(() => undefined);
    };
    // The reader drags the threshold to its maximum (End), while updates keep arriving.
    const slider = async () => (await findFrameWith(page, selector, 120000)).locator(`${selector} [data-role="threshold"]`).first();
    const moved = now => now !== undefined && now.threshold > 0.7 + 1e-9;
    const set = await pressUntil(page, slider, 'End', readout, moved, { attempts: 20, settleMs: 100 });
    assert.ok(moved(set), 'the slider took the End key');
    // Later updates (new titles) must keep that threshold, not go back to the payload's 0.7.
    const later = [];
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline && later.length < 3) {
      const now = await readout();
      if (now && now.title !== set.title && !later.some(l => l.title === now.title)) later.push(now);
      await page.waitForTimeout(150);
    }
    console.log('live embeddings:', { set, later });
    assert.ok(later.length >= 2, `updates arrived after the reader moved the slider (${later.map(l => l.title).join(', ')})`);
    for (const l of later) assert.ok(l.threshold > 0.7 + 1e-9, `${l.title}: the reader's threshold (${set.threshold}) is kept, not reset to the payload's 0.7 (got ${l.threshold})`);
  });
  assert.deepEqual(soft, [], 'soft checks');
});
