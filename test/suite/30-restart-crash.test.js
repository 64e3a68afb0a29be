// Restart forgets everything and starts a new kernel process; a crashed kernel is reported and replaced.
const assert = require('assert');
const vscode = require('vscode');
const { MIME, waitFor, runCell, evaluate, items, describeOutputs, openScratchNotebook, activateExtension, closeAll } = require('./helpers');

const alive = pid => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };

describe('restart and crash', function () {
  let api, nb;
  before(async () => {
    api = await activateExtension();
    nb = await openScratchNotebook(['let a = 40;', 'typeof a', 'process.exit(3)', '1 + 1']);
  });
  after(closeAll);

  /** Runs a cell that kills the kernel and checks the report, then that the next cell gets a new kernel. */
  async function crashAndRecover(notebook, crashIndex, nextIndex) {
    const pid = api.kernelPid(notebook.uri);
    const cell = await runCell(notebook, crashIndex, 20000);
    assert.strictEqual(cell.executionSummary.success, false, `the crashed cell failed:\n${describeOutputs(cell)}`);
    const errors = items(cell).filter(i => i.mime === MIME.error);
    assert.ok(errors.length >= 1, `an error output:\n${describeOutputs(cell)}`);
    assert.match(errors.map(e => e.text).join('\n'), /kernel/i, 'the error says that the kernel died');
    assert.strictEqual(await evaluate(notebook, nextIndex, 30000), '2');
    const newPid = api.kernelPid(notebook.uri);
    assert.ok(Number.isInteger(newPid) && newPid !== pid, `a new kernel process: ${pid} -> ${newPid}`);
  }

  it('convnetNotebooks.restartKernel starts a new process without the old state', async () => {
    await evaluate(nb, 0, 30000);
    assert.strictEqual(await evaluate(nb, 1), "'number'");
    const pid = api.kernelPid(nb.uri);
    assert.ok(Number.isInteger(pid) && pid > 0, `kernelPid of a running notebook: ${pid}`);
    await vscode.commands.executeCommand('convnetNotebooks.restartKernel', nb.uri);
    // The new kernel may start at once or with the next cell.
    await waitFor(() => api.kernelPid(nb.uri) !== pid, 15000, 'kernelPid to change after the restart');
    assert.strictEqual(await evaluate(nb, 1, 30000), "'undefined'", 'state is gone after a restart');
    const newPid = api.kernelPid(nb.uri);
    assert.ok(Number.isInteger(newPid) && newPid !== pid, `a new kernel process: ${pid} -> ${newPid}`);
    await waitFor(() => !alive(pid), 5000, `the old kernel (pid ${pid}) to exit`);
  });

  it('reports a kernel that died in a cell (process.exit), and the next cell gets a fresh kernel', async () => {
    const fresh = await openScratchNotebook(['1;', 'process.exit(3)', '1 + 1']);
    await evaluate(fresh, 0, 30000);
    await crashAndRecover(fresh, 1, 2);
  });

  it('reports a crash the same way after the kernel was restarted', async () => {
    await vscode.window.showNotebookDocument(nb);
    await crashAndRecover(nb, 2, 3);
  });
});
