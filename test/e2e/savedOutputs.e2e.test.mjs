// End to end: the renderers of saved outputs in a real VS Code (code-server) in headless Chromium. Opens the
// samples as committed (with their outputs, nothing run): the style-transfer progress of sample 04 (final
// image, loss curves, the frame scrubber from the keyboard) and the top-activating patches of sample 05
// (layer selector, a unit's detail). What a learner sees when opening a course notebook before running it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pressUntil, revealInNotebook } from '../lib/notebookUi.mjs';
import { openNotebookWithQuickOpen } from '../lib/server.mjs';
import { openWorkbench } from '../lib/workbench.mjs';

let workbench, page;
before(async () => {
  workbench = await openWorkbench({ name: 'saved' });
  page = workbench.page;
});
after(() => workbench?.close());

const screenshotOnFailure = body => workbench.keepEvidence(body);

test('sample 04: the saved style-transfer progress shows the result, the curves and a working scrubber', { timeout: 300000 }, () => screenshotOnFailure(async () => {
  await openNotebookWithQuickOpen(page, '04-neural-style-transfer.ipynb', { timeout: 180000 });
  const selector = '.convnet-style-progress[data-status="done"]';
  const { element: view } = await revealInNotebook(page, selector);
  assert.equal(await view.getAttribute('data-iteration'), await view.getAttribute('data-iterations'), 'the saved run is complete');

  const current = view.locator('img[data-role="current"]').first();
  const size = await current.evaluate(img => (img.complete ? [img.naturalWidth, img.naturalHeight] : [0, 0]));
  assert.ok(size[0] > 0 && size[1] > 0, `the final image decodes (${size})`);

  const chart = view.locator('[data-role="losses"]').first();
  const series = (await chart.getAttribute('data-series')).split(',');
  assert.ok(series.includes('total') && series.includes('style'), `the total and style costs are drawn (${series})`);
  assert.ok(Number(await chart.getAttribute('data-points')) > 1, 'several loss points');

  // The scrubber walks the saved frames: Home shows the first, End the last.
  const scrubber = view.locator('input[data-role="scrubber"]').first();
  const frameShown = () => scrubber.getAttribute('data-frame-iteration');
  const first = await pressUntil(page, scrubber, 'Home', frameShown, v => v !== 'latest');
  const firstSrc = await current.getAttribute('src');
  const last = await pressUntil(page, scrubber, 'End', frameShown, v => v !== first);
  console.log('style progress:', { size, series, first, last });
  assert.notEqual(first, last, 'the scrubber moves between frames');
  assert.notEqual(await current.getAttribute('src'), firstSrc, 'another frame is shown');

  const { box } = await revealInNotebook(page, selector);
  await page.screenshot({ path: workbench.artifact('style-progress.png'), clip: box });
}));

test('sample 05: the saved top-activating patches switch layers and open a unit', { timeout: 300000 }, () => screenshotOnFailure(async () => {
  // Close the previous notebook first: its hidden editor would stay in the DOM beside this one.
  await page.keyboard.press('Control+K');
  await page.keyboard.press('W');
  await page.waitForTimeout(500);
  await openNotebookWithQuickOpen(page, '05-what-convnets-learn.ipynb', { timeout: 180000 });
  const selector = '.convnet-patches[data-layers]';
  const { element: view } = await revealInNotebook(page, selector);
  const layers = view.locator('[data-role="layer"]');
  assert.ok(await layers.count() >= 2, 'an early and a late layer to choose from');

  // Pick the second layer: its button becomes pressed and its units are listed.
  await layers.nth(1).click();
  assert.equal(await layers.nth(1).getAttribute('aria-pressed'), 'true');
  const units = view.locator('[data-role="unit"]');
  assert.ok(await units.count() > 0, 'units of the chosen layer are listed');
  const images = await units.first().locator('img').evaluateAll(imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length);
  assert.ok(images > 0, `the unit's patches are drawn (${images} images)`);

  // Enter on a unit opens its detail.
  await units.first().focus();
  await units.first().press('Enter');
  const detail = view.locator('[data-role="unit-detail"]').first();
  await detail.waitFor({ state: 'visible', timeout: 10000 });
  console.log('patches:', { layers: await layers.count(), units: await units.count(), images });

  const { box } = await revealInNotebook(page, selector);
  await page.screenshot({ path: workbench.artifact('patches.png'), clip: box });
}));
