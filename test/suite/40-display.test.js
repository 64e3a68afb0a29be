// display(value), display(value, { id }) and display.update(id, value) from a cell.
const assert = require('assert');
const { MIME, evaluate, itemsOf, describeOutputs, openScratchNotebook, activateExtension, closeAll } = require('./helpers');

describe('display()', function () {
  let nb;
  before(async () => {
    await activateExtension();
    nb = await openScratchNotebook([
      [
        "display({ a: 1 });",
        "display(1, { id: 'progress' });",
        "for (let i = 2; i <= 3; i++) {",
        "  await new Promise(r => setTimeout(r, 20));",
        "  display.update('progress', i);",
        "}",
        "'end'",
      ].join('\n'),
    ]);
  });
  after(closeAll);

  it('adds outputs and updates one in place, with top-level await', async () => {
    assert.strictEqual(await evaluate(nb, 0, 30000), "'end'");
    const cell = nb.cellAt(0);
    const texts = itemsOf(cell, MIME.text).map(i => i.text);
    assert.deepStrictEqual(texts, ['{ a: 1 }', '3', "'end'"], describeOutputs(cell));
  });
});
