// Wires the extension together; the work happens in src/controller (host side) and src/kernel.
import * as vscode from 'vscode';
import { CONTROLLER_ID, ConvNetController } from './controller/controller';
import { openSamples } from './controller/samples';
import { KernelStatusBar } from './controller/statusBar';

/** What tests (and other extensions) can reach through `extension.exports`. */
export interface ConvNetApi {
  controllerId: string;
  kernelPid(notebookUri: vscode.Uri): number | undefined;
}

export function activate(context: vscode.ExtensionContext): ConvNetApi {
  const channel = vscode.window.createOutputChannel('ConvNet Notebooks', { log: true });
  const log = (line: string) => channel.info(line);
  let statusBar: KernelStatusBar | undefined;
  const controller = new ConvNetController({
    kernelPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'kernel.js').fsPath,
    log,
    onKernelChanged: () => void statusBar?.refresh(),
  });
  statusBar = new KernelStatusBar(controller);

  const targetNotebook = (arg?: unknown): vscode.NotebookDocument | undefined => {
    // Toolbar commands pass { notebookEditor: { notebookUri } }; others a Uri; else the active editor.
    const uri = arg instanceof vscode.Uri ? arg
      : (arg as { notebookEditor?: { notebookUri?: vscode.Uri } } | undefined)?.notebookEditor?.notebookUri;
    if (uri) return vscode.workspace.notebookDocuments.find(nb => nb.uri.toString() === uri.toString());
    return vscode.window.activeNotebookEditor?.notebook;
  };

  context.subscriptions.push(
    channel, controller, statusBar,
    vscode.commands.registerCommand('convnetNotebooks.restartKernel', async (arg?: unknown) => {
      const nb = targetNotebook(arg);
      if (!nb) { void vscode.window.showInformationMessage('Open a notebook to restart its kernel.'); return; }
      await controller.restart(nb);
      log(`kernel restarted for ${nb.uri.path}`);
    }),
    vscode.commands.registerCommand('convnetNotebooks.interruptKernel', (arg?: unknown) => {
      const nb = targetNotebook(arg);
      if (nb) controller.interrupt(nb);
    }),
    vscode.commands.registerCommand('convnetNotebooks.openSamples', () => openSamples(context)),
    vscode.commands.registerCommand('convnetNotebooks.showLog', () => channel.show()),
  );
  log(`ConvNet Notebooks ${context.extension.packageJSON.version} activated (workspace trusted: ${vscode.workspace.isTrusted})`);

  return {
    controllerId: CONTROLLER_ID,
    kernelPid: uri => controller.sessionFor(uri)?.kernelPid,
  };
}

export function deactivate(): void {}
