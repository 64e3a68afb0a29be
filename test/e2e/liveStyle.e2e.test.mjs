// End to end: style-transfer progress updating live while the cell runs, in a real VS Code (code-server) in
// headless Chromium. A notebook made here runs a short transfer on the shipped ResNet-50; the renderer must show
// the run as "running" with its iteration counter moving, then "done" at the last iteration with the result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { findFrameWith, runAllCells } from '../lib/notebookUi.mjs';
import { openNotebookWithQuickOpen } from '../lib/server.mjs';
import { openWorkbench, cellStates } from '../lib/workbench.mjs';

const NOTEBOOK = 'live-style.ipynb';
const ITERATIONS = 60;
const code = source => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source });

let workbench, page;
before(async () => {
  workbench = await openWorkbench({
    name: 'live-style',
    prepare: ws => fs.writeFileSync(path.join(ws, NOTEBOOK), JSON.stringify({
      nbformat: 4, nbformat_minor: 5,
      metadata: {
        kernelspec: { display_name: 'ConvNet TypeScript', language: 'typescript', name: 'convnet-typescript' },
        language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
      },
      cells: [
        { cell_type: 'markdown', metadata: {}, source: 'A short style transfer, to watch its progress live.' },
        code("import { style } from 'convnet';"),
        // 64 px Adam iterations take ~50-200 ms here: the run lasts seconds, long enough to watch it move.
        code(`const result = await style.transfer({ content: 'data/style/chelsea.jpg', style: 'data/style/scream.jpg',\n  preset: 'course-tf1', size: 64, iterations: ${ITERATIONS} });\n\`\${result.stopped} after \${result.history.length - 1} iterations\``),
      ],
    }, null, 1)),
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
