// Every sample notebook runs top to bottom without an error (a copy of samples/ is in the test workspace).
const assert = require('assert');
const vscode = require('vscode');
const { waitFor, ended, describeOutputs, describeCells, activateExtension, closeAll, EXT_ID, CONTROLLER_ID } = require('./helpers');

describe('samples', function () {
  before(activateExtension);
  afterEach(closeAll);

  const folder = () => vscode.workspace.workspaceFolders[0].uri;
  const samples = require('fs').readdirSync(require('path').join(__dirname, '..', '..', 'samples')).filter(n => n.endsWith('.ipynb')).sort();

  it('the samples folder holds the course notebooks', () => {
    assert.ok(samples.length >= 6, `samples found: ${samples.join(', ')}`);
  });

  for (const name of samples) {
    it(`${name} runs without errors`, async function () {
      this.timeout(300000);
      const nb = await vscode.workspace.openNotebookDocument(vscode.Uri.joinPath(folder(), 'samples', name));
      await vscode.window.showNotebookDocument(nb);
      // Auto-selection is tested with basic.ipynb; here select explicitly so a failure there does not hide this one.
      await vscode.commands.executeCommand('notebook.selectKernel', { id: CONTROLLER_ID, extension: EXT_ID });
      vscode.commands.executeCommand('notebook.execute').then(undefined, () => {});
      const code = nb.getCells().filter(c => c.kind === vscode.NotebookCellKind.Code);
      assert.ok(code.length >= 3, `the sample has code cells (${code.length})`);
      // Stop at the first failure instead of waiting for cells that will never run.
      await waitFor(() => code.every(ended) || code.some(c => c.executionSummary?.success === false), 280000, 'all sample cells to finish')
        .catch(e => { throw new Error(`${e.message}\n${describeCells(code)}`); });
      for (const c of code) {
        assert.strictEqual(c.executionSummary?.success, true, `cell ${c.index + 1}:\n${c.document.getText()}\n--- outputs:\n${describeOutputs(c)}`);
      }
    });
  }
});
