// Interrupting a running cell keeps the kernel and its state (Deno's `while (true) {}` then `42` test).
const assert = require('assert');
const vscode = require('vscode');
const { waitFor, sleep, ended, startCells, evaluate, describeOutputs, openScratchNotebook, activateExtension, closeAll } = require('./helpers');

const SYNC_LOOP = 1, ASYNC_LOOP = 2, CHECK = 3;
// An interrupt that fails is turned into a kernel restart after convnetNotebooks.interruptTimeoutSeconds
// (5 s by default), which loses `a`: the `a + 2` check tells the two apart, so the time limit only has
// to catch a hang (interrupts took 0.1-3.5 s on a loaded 2-core machine).
const INTERRUPT_MS = 10000;

describe('interrupt', function () {
  let nb;
  before(async () => {
    await activateExtension();
    nb = await openScratchNotebook([
      'let a = 40;',
      'while (true) {}',
      'while (true) await new Promise(r => setTimeout(r, 10));',
      'a + 2',
    ]);
    assert.strictEqual(await evaluate(nb, 0, 30000), undefined);
  });
  after(closeAll);

  /** Starts `index`, waits until it runs, interrupts it with `interrupt()`, and checks that it ends and state survives. */
  async function interruptCell(index, interrupt) {
    const cell = nb.cellAt(index);
    const check = nb.cellAt(CHECK);
    const before = cell.executionSummary?.executionOrder;
    startCells(nb, index);
    await waitFor(() => cell.executionSummary && cell.executionSummary.executionOrder !== before && !ended(cell), 15000, 'the loop cell to start');
    await sleep(500); // let the kernel enter the loop
    const checkBefore = check.executionSummary?.executionOrder;
    const t0 = Date.now();
    await interrupt();
    // The cell has ended when VS Code says so or when the next queued cell (one queue per notebook) starts.
    await waitFor(() => ended(cell) || (check.executionSummary?.executionOrder ?? checkBefore) !== checkBefore,
      INTERRUPT_MS, 'the interrupted cell to end');
    const ms = Date.now() - t0;
    assert.notStrictEqual(cell.executionSummary.success, true, `an interrupted cell is not successful:\n${describeOutputs(cell)}`);
    assert.strictEqual(await evaluate(nb, CHECK, 15000), '42', 'state from before the interrupt is kept');
    return ms;
  }

  it('stops a synchronous `while (true) {}` (convnetNotebooks.interruptKernel, active editor)', async () => {
    const ms = await interruptCell(SYNC_LOOP, () => vscode.commands.executeCommand('convnetNotebooks.interruptKernel'));
    require('./index').log(`      interrupted after ${ms} ms`);
  });

  it('stops an async loop (convnetNotebooks.interruptKernel with { notebookEditor: { notebookUri } })', async () => {
    const ms = await interruptCell(ASYNC_LOOP, () => vscode.commands.executeCommand('convnetNotebooks.interruptKernel', { notebookEditor: { notebookUri: nb.uri } }));
    require('./index').log(`      interrupted after ${ms} ms`);
  });

  it('stops a cell from the notebook toolbar\'s interrupt (controller.interruptHandler)', async () => {
    // notebook.cancelExecution is the toolbar's stop button; for a controller with an interruptHandler
    // VS Code calls that handler.
    const ms = await interruptCell(SYNC_LOOP, () => vscode.commands.executeCommand('notebook.cancelExecution'));
    require('./index').log(`      interrupted after ${ms} ms`);
  });
});
