// End to end: a real VS Code (code-server) in headless Chromium, driven like a user. Opens
// samples/00-getting-started.ipynb (a temp copy) through Quick Open, clicks Run All, finds the tensor
// renderer's DOM inside the notebook's output webview, reads its canvas pixels, and saves screenshots
// to test-results/. Env: E2E_VSIX=<file.vsix> tests the packaged extension installed with
// --install-extension instead of the development folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findFrameWith, revealInNotebook, runAllCells } from '../lib/notebookUi.mjs';
import { openNotebookWithQuickOpen } from '../lib/server.mjs';
import { openWorkbench } from '../lib/workbench.mjs';

const NOTEBOOK = '00-getting-started.ipynb';
const IMAGE_SHAPE = '28,28,1'; // the sample's image tensor

let workbench, page;
before(async () => {
  // Tall enough for the whole sample: VS Code renders outputs only for cells in view, and the
  // screenshot then shows the full notebook (scrolling remains the fallback for longer notebooks).
  workbench = await openWorkbench({ name: 'notebook', viewportHeight: Number(process.env.E2E_VIEWPORT_HEIGHT || 4800) });
  page = workbench.page;
});
after(() => workbench?.close());

test('Run All on the getting-started sample renders text and an image tensor', { timeout: 240000 }, async () => {
  const soft = []; // checks that should not stop the scenario; reported at the end
  await workbench.keepEvidence(() => scenario(soft));
  assert.deepEqual(soft, [], 'soft checks');
});

async function scenario(soft) {
  const openMs = await openNotebookWithQuickOpen(page, NOTEBOOK);
  console.log(`notebook open after ${openMs} ms`);

  // The kernel picker in the notebook toolbar names our controller, picked from the kernelspec.
  const kernelLabel = page.locator('.notebookOverlay .notebook-toolbar-container', { hasText: 'ConvNet TypeScript' });
  const tl = Date.now();
  try {
    // Generous: the label waits for the extension host to activate us, which a loaded 2-core machine delays.
    await kernelLabel.first().waitFor({ timeout: 90000 });
    console.log(`kernel label shown ${Date.now() - tl} ms after the notebook opened`);
  } catch {
    soft.push('the notebook toolbar does not show the kernel "ConvNet TypeScript" (not auto-selected?)');
  }

  const runMs = await runAllCells(page, soft, {
    // The first outputs: text/plain and a stdout stream, drawn by VS Code's built-in renderers.
    firstOutput: async () => {
      const textFrame = await findFrameWith(page, 'text=This cell has run 1 time(s)', 60000);
      assert.ok(await textFrame.locator('text=console.log writes text below the cell').count(), 'stdout text rendered');
    },
  });
  console.log(`Run All finished after ${runMs} ms`);
  // The extension's status bar item names the kernel's backend once the library is loaded.
  const status = page.locator('.statusbar-item', { hasText: 'ConvNet' }).first();
  if (await status.waitFor({ timeout: 5000 }).then(() => true, () => false)) console.log(`status bar: ${(await status.textContent()).trim()}`);
  else soft.push('no "ConvNet" status bar item after running cells');

  // The image tensor, drawn by our renderer (iframe.webview > #active-frame). Outputs live in a webview
  // behind the cell list; VS Code hides those of cells scrolled out of view.
  const selector = `.convnet-tensor[data-shape="${IMAGE_SHAPE}"]`;
  const { element: tensor } = await revealInNotebook(page, selector);
  const header = (await tensor.locator('.convnet-tensor-header').first().textContent()).trim();
  const dtype = await tensor.getAttribute('data-dtype');
  const stats = await tensor.locator('.convnet-tensor-stats').count();
  const canvas = tensor.locator('canvas.convnet-tensor-image').first();
  await canvas.waitFor({ state: 'attached', timeout: 10000 });
  const pixels = await canvas.evaluate(c => {
    const g = c.getContext('2d');
    const { data } = g.getImageData(0, 0, c.width, c.height);
    const at = (fx, fy) => { const i = (Math.floor(fy * (c.height - 1)) * c.width + Math.floor(fx * (c.width - 1))) * 4; return Array.from(data.subarray(i, i + 4)); };
    let opaque = 0;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0) opaque++;
      if (colours.size < 1000) colours.add(data[i] << 16 | data[i + 1] << 8 | data[i + 2]);
    }
    return { w: c.width, h: c.height, opaque, colours: colours.size, centre: at(0.5, 0.5), topLeft: at(0, 0), css: [c.clientWidth, c.clientHeight] };
  });
  console.log('tensor:', { header, dtype, stats, pixels });
  assert.match(header, /28\D+28\D+1/, 'the header states the shape');
  assert.equal(dtype, 'float32');
  assert.ok(stats > 0, 'a stats line');
  assert.ok(pixels.w > 0 && pixels.h > 0 && pixels.opaque > 0, 'the canvas was drawn on');
  // The sample draws a bright disc (1.0) on a gradient that starts black (0.0) at the left: whatever the
  // colour map, the centre and the top-left corner must look clearly different.
  const diff = pixels.centre.slice(0, 3).reduce((s, v, i) => s + Math.abs(v - pixels.topLeft[i]), 0);
  assert.ok(diff > 150, `the disc stands out from the corner: centre ${pixels.centre}, corner ${pixels.topLeft}`);
  assert.ok(pixels.colours >= 3, `the canvas holds an image, not one colour (${pixels.colours} colours)`);

  // The convolution's output, 26x26 after 'valid' padding, is drawn too.
  await findFrameWith(page, '.convnet-tensor[data-shape="26,26,1"] canvas.convnet-tensor-image', 10000, { scroll: true });

  await page.waitForTimeout(500); // let the webview paint
  const { box } = await revealInNotebook(page, selector);
  await page.screenshot({ path: workbench.artifact('window.png'), fullPage: false });
  await page.screenshot({ path: workbench.artifact('tensor.png'), clip: box });
}
