// Shared helpers of the integration suite (runs inside the VS Code extension host).
const assert = require('assert');
const vscode = require('vscode');

const EXT_ID = 'convnet-notebooks.convnet-notebooks';
const CONTROLLER_ID = 'convnet-typescript';
const MIME = {
  stdout: 'application/vnd.code.notebook.stdout',
  stderr: 'application/vnd.code.notebook.stderr',
  error: 'application/vnd.code.notebook.error',
  text: 'text/plain',
  png: 'image/png',
  html: 'text/html',
  tensor: 'application/vnd.convnet.tensor+json',
};
const KERNELSPEC = { name: 'convnet-typescript', display_name: 'ConvNet TypeScript', language: 'typescript' };

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function waitFor(pred, ms, what) {
  const t0 = Date.now();
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timeout after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

const decode = item => new TextDecoder().decode(item.data);
/** Every output item of a cell, in order, as { mime, text, data, output }. */
const items = cell => cell.outputs.flatMap(output => output.items.map(i => ({ mime: i.mime, text: decode(i), data: i.data, output })));
const itemsOf = (cell, mime) => items(cell).filter(i => i.mime === mime);
/** Concatenated text of all items of one MIME type ('' when none). */
const textOf = (cell, mime) => itemsOf(cell, mime).map(i => i.text).join('');
/** The text/plain of the cell's last output that has one (the last expression's value). */
function resultText(cell) {
  const all = itemsOf(cell, MIME.text);
  return all.length ? all[all.length - 1].text : undefined;
}
/** Every output, one line each, for assertion messages. */
function describeOutputs(cell) {
  return items(cell).map(i => `${i.mime}: ${i.mime === MIME.png ? `<${i.data.length} bytes>` : i.text.slice(0, 1500)}`).join('\n') || '(no outputs)';
}

/** State and outputs of some cells, for assertion messages. */
function describeCells(cells) {
  return cells.map(c => `--- cell ${c.index + 1} ${JSON.stringify(c.executionSummary ?? null)}\n${describeOutputs(c)}`).join('\n');
}

/** The cell's execution has ended (a controller may end a cancelled cell with success undefined and no end time). */
const ended = cell => !!cell.executionSummary && (cell.executionSummary.success !== undefined || !!cell.executionSummary.timing?.endTime);

/** Starts cells without waiting for them (the command's promise may last as long as the cell). */
function startCells(nb, start, end = start + 1) {
  vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start, end }], document: nb.uri })
    .then(undefined, e => console.error('notebook.cell.execute failed', e));
}

/** Runs one cell and waits until this run (a new execution order) has ended. */
async function runCell(nb, index, ms = 30000) {
  const cell = nb.cellAt(index);
  const before = cell.executionSummary?.executionOrder;
  const startedAt = Date.now();
  startCells(nb, index);
  await waitFor(() => ended(cell) && cell.executionSummary.executionOrder !== before
    && (cell.executionSummary.timing?.startTime ?? startedAt) >= startedAt - 1000,
  ms, `cell ${index + 1} (${JSON.stringify(cell.document.getText().slice(0, 40))}) to finish`);
  return cell;
}

/** Runs one cell that must succeed and returns its last text/plain output. */
async function evaluate(nb, index, ms) {
  const cell = await runCell(nb, index, ms);
  assert.strictEqual(cell.executionSummary.success, true, `cell ${index + 1} failed:\n${describeOutputs(cell)}`);
  return resultText(cell);
}

/** An untitled .ipynb with TypeScript code cells, shown in an editor, with our kernel selected. */
async function openScratchNotebook(sources) {
  const data = new vscode.NotebookData(sources.map(s => new vscode.NotebookCellData(vscode.NotebookCellKind.Code, s, 'typescript')));
  // What the ipynb serializer puts in NotebookDocument.metadata for a file with our kernelspec.
  data.metadata = { metadata: { kernelspec: KERNELSPEC, language_info: { name: 'typescript' } }, nbformat: 4, nbformat_minor: 5 };
  const nb = await vscode.workspace.openNotebookDocument('jupyter-notebook', data);
  await vscode.window.showNotebookDocument(nb);
  // Untitled notebooks carry no saved kernelspec that the controller could match: pick the kernel.
  await vscode.commands.executeCommand('notebook.selectKernel', { id: CONTROLLER_ID, extension: EXT_ID });
  return nb;
}

async function activateExtension() {
  const ext = vscode.extensions.getExtension(EXT_ID);
  assert.ok(ext, `extension ${EXT_ID} is loaded for development`);
  return ext.activate();
}

async function closeAll() {
  // Executing cells dirties notebooks; never write them back, and never let a save prompt block.
  await vscode.commands.executeCommand('_workbench.revertAllDirty');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

module.exports = {
  EXT_ID, CONTROLLER_ID, MIME, KERNELSPEC, sleep, waitFor, decode, items, itemsOf, textOf, resultText, describeOutputs, describeCells,
  ended, startCells, runCell, evaluate, openScratchNotebook, activateExtension, closeAll,
};
