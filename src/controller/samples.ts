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
  // Copy what is missing; never overwrite a sample the user already edited.
  for (const [name] of await vscode.workspace.fs.readDirectory(source)) {
    const dest = vscode.Uri.joinPath(target, name);
    try { await vscode.workspace.fs.stat(dest); } catch {
      await vscode.workspace.fs.copy(vscode.Uri.joinPath(source, name), dest, { overwrite: false });
    }
  }
  const picked = await vscode.window.showQuickPick(entries.map(name => ({ label: name.replace(/\.ipynb$/, ''), name })), {
    title: 'Open a ConvNet sample notebook',
    placeHolder: 'Samples are copied to your extension storage; edits there are kept.',
  });
  if (!picked) return;
  const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.joinPath(target, picked.name));
  await vscode.window.showNotebookDocument(doc);
}
