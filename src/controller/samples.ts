// "Open Sample Notebooks": copies the bundled samples into the extension's storage (writable, and
// on the same machine as the kernel when working remotely) and opens the one the user picks.
import * as vscode from 'vscode';

export async function openSamples(context: vscode.ExtensionContext): Promise<void> {
  const source = vscode.Uri.joinPath(context.extensionUri, 'samples');
  const target = vscode.Uri.joinPath(context.globalStorageUri, 'samples');
  const entries = (await vscode.workspace.fs.readDirectory(source))
    .filter(([name, type]) => type === vscode.FileType.File && name.endsWith('.ipynb'))
    .map(([name]) => name)
    .sort();
  if (entries.length === 0) {
    void vscode.window.showErrorMessage('No sample notebooks were found in the extension.');
    return;
  }
  await vscode.workspace.fs.createDirectory(target);
  // Copy what is missing, file by file (a later version may add files inside data/); never overwrite a
  // sample the user already edited.
  await copyMissing(source, target);
  const picked = await vscode.window.showQuickPick(entries.map(name => ({ label: name.replace(/\.ipynb$/, ''), name })), {
    title: 'Open a ConvNet sample notebook',
    placeHolder: 'Samples are copied to your extension storage; edits there are kept.',
  });
  if (!picked) return;
  const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.joinPath(target, picked.name));
  await vscode.window.showNotebookDocument(doc);
}

/** Copies every file of `source` that `target` lacks, descending into folders. */
async function copyMissing(source: vscode.Uri, target: vscode.Uri): Promise<void> {
  await vscode.workspace.fs.createDirectory(target);
  for (const [name, type] of await vscode.workspace.fs.readDirectory(source)) {
    const from = vscode.Uri.joinPath(source, name);
    const to = vscode.Uri.joinPath(target, name);
    if (type & vscode.FileType.Directory) {
      await copyMissing(from, to);
      continue;
    }
    const exists = await vscode.workspace.fs.stat(to).then(() => true, () => false);
    if (!exists) await vscode.workspace.fs.copy(from, to, { overwrite: false });
  }
}
