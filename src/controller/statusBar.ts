// The status bar shows the active notebook's kernel: its TF.js backend and tensor memory, so the
// user always sees what runs their maths (and when it fell back to a slower backend).
import * as vscode from 'vscode';
import type { ConvNetController } from './controller';

const POLL_MS = 3000;

export class KernelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('convnetNotebooks.kernel', vscode.StatusBarAlignment.Right, 100);
  private readonly timer: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly controller: ConvNetController) {
    this.item.name = 'ConvNet Kernel';
    this.item.command = 'convnetNotebooks.showLog';
    this.disposables.push(vscode.window.onDidChangeActiveNotebookEditor(() => void this.refresh()));
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const notebook = vscode.window.activeNotebookEditor?.notebook;
    const session = notebook && this.controller.session(notebook);
    if (!notebook || !session) { this.item.hide(); return; }
    const kernel = session.activeKernel;
    if (!kernel) {
      this.item.text = '$(circle-outline) ConvNet: no kernel';
      this.item.tooltip = 'The kernel starts when you run a cell.';
      this.item.show();
      return;
    }
    const info = await kernel.info();
    const state = session.busy ? '$(sync~spin)' : '$(circle-filled)';
    if (!info) { this.item.text = `${state} ConvNet`; this.item.show(); return; }
    const backend = info.backend ? info.backend.name : 'TF.js not loaded';
    const memory = info.memory.tensors !== undefined
      ? ` · ${info.memory.tensors} tensors, ${formatBytes(info.memory.tensorBytes ?? 0)}` : '';
    this.item.text = `${state} ConvNet: ${backend}${memory}`;
    this.item.tooltip = new vscode.MarkdownString([
      `**ConvNet kernel** pid ${info.pid}, Node ${info.node}`,
      info.backend ? `Backend: ${info.backend.name}: ${info.backend.detail}` : 'The course library loads on the first `import ... from \'convnet\'`.',
      `Kernel memory: ${formatBytes(info.memory.rssBytes)} resident`,
    ].join('\n\n'));
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
    this.disposables.forEach(d => d.dispose());
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
