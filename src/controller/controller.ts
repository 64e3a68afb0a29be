// The notebook controller ("ConvNet TypeScript") for VS Code's built-in jupyter-notebook type.
// One NotebookSession (kernel process + queue) per notebook document.
import * as vscode from 'vscode';
import { CellExecution } from './cellExecution';
import { NotebookSession } from './notebookSession';

export const CONTROLLER_ID = 'convnet-typescript';
export const NOTEBOOK_TYPE = 'jupyter-notebook';
/** Notebooks whose kernelspec has this name get this controller preselected. */
export const KERNELSPEC_NAME = 'convnet-typescript';

export interface ControllerOptions {
  kernelPath: string;
  log: (line: string) => void;
  onKernelChanged: (notebook: vscode.NotebookDocument) => void;
}

export class ConvNetController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<string, NotebookSession>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly options: ControllerOptions) {
    const c = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, 'ConvNet TypeScript');
    c.supportedLanguages = ['typescript', 'javascript'];
    c.supportsExecutionOrder = true;
    c.description = 'TensorFlow.js course kernel';
    c.detail = 'Runs TypeScript cells in a Node.js kernel with the ConvNet course library';
    c.executeHandler = (cells, notebook) => this.execute(cells, notebook);
    c.interruptHandler = notebook => { this.sessions.get(notebook.uri.toString())?.interrupt(); };
    this.controller = c;

    this.disposables.push(
      c,
      vscode.workspace.onDidOpenNotebookDocument(nb => this.setAffinity(nb)),
      vscode.workspace.onDidCloseNotebookDocument(nb => this.closeSession(nb)),
    );
    vscode.workspace.notebookDocuments.forEach(nb => this.setAffinity(nb));
  }

  sessionFor(uri: vscode.Uri): NotebookSession | undefined {
    return this.sessions.get(uri.toString());
  }

  async restart(notebook: vscode.NotebookDocument): Promise<void> {
    await this.getOrCreateSession(notebook).restart();
  }

  interrupt(notebook: vscode.NotebookDocument): void {
    this.sessions.get(notebook.uri.toString())?.interrupt();
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    this.disposables.forEach(d => d.dispose());
  }

  private execute(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): void {
    const executions: CellExecution[] = [];
    for (const cell of cells) {
      try {
        executions.push(new CellExecution(this.controller.createNotebookCellExecution(cell)));
      } catch (e) {
        // Already queued or running: VS Code allows one execution per cell.
        this.options.log(`cell ${cell.index + 1} is already queued: ${(e as Error).message}`);
      }
    }
    if (!vscode.workspace.isTrusted) {
      for (const e of executions) {
        e.start(0);
        void e.fail('UntrustedWorkspace', 'Cells do not run in an untrusted workspace. Trust the workspace (Manage Workspace Trust) to run them.');
      }
      return;
    }
    this.getOrCreateSession(notebook).enqueue(executions);
  }

  private getOrCreateSession(notebook: vscode.NotebookDocument): NotebookSession {
    const key = notebook.uri.toString();
    let session = this.sessions.get(key);
    if (!session) {
      const config = () => vscode.workspace.getConfiguration('convnetNotebooks', notebook.uri);
      session = new NotebookSession(notebook, {
        kernelPath: this.options.kernelPath,
        log: this.options.log,
        settings: () => ({
          nodePath: config().get<string>('nodePath', ''),
          backend: config().get<string>('backend', 'auto'),
          interruptTimeoutSeconds: config().get<number>('interruptTimeoutSeconds', 5),
        }),
        onKernelChanged: () => this.options.onKernelChanged(notebook),
      });
      this.sessions.set(key, session);
    }
    return session;
  }

  private closeSession(notebook: vscode.NotebookDocument): void {
    const key = notebook.uri.toString();
    this.sessions.get(key)?.dispose();
    this.sessions.delete(key);
  }

  private setAffinity(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType !== NOTEBOOK_TYPE) return;
    if (kernelspecName(notebook) === KERNELSPEC_NAME) {
      this.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
    }
  }
}

/** The ipynb extension keeps the file's top-level metadata under `metadata` (older: at the top). */
function kernelspecName(notebook: vscode.NotebookDocument): string | undefined {
  const m = notebook.metadata as { metadata?: { kernelspec?: { name?: string } }; kernelspec?: { name?: string } };
  return m.metadata?.kernelspec?.name ?? m.kernelspec?.name;
}
