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
    const session = notebook && this.controller.sessionFor(notebook.uri);
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
    const b = info.backend;
    const memory = info.memory.tensors !== undefined
      ? ` · ${info.memory.tensors} tensors, ${formatBytes(info.memory.tensorBytes ?? 0)}` : '';
    // A warning icon when the requested backend is not the one in use (or runs on a software GPU), or when a
    // faster backend was passed over for a reason the user can fix (say, a missing Vulkan driver).
    const fixable = b?.skipped?.filter(s => s.fix) ?? [];
    const icon = b && (b.warning || fixable.length) ? `${state} $(warning)` : state;
    this.item.text = `${icon} ConvNet: ${b ? `${b.name}${b.detail ? ` (${shorten(b.detail, 36)})` : ''}` : 'TF.js not loaded'}${memory}`;
    const lines = [
      `**ConvNet kernel** pid ${info.pid}, Node ${info.node}`,
      b ? `Backend: **${b.name}**: ${md(b.detail)}` : 'The course library loads on the first `import ... from \'convnet\'`.',
    ];
    if (b?.warning) lines.push(`$(warning) ${md(b.warning)}`);
    if (b?.skipped?.length) {
      lines.push(['Passed over:', ...b.skipped.map(s => `- ${s.name}: ${md(s.reason)}${s.fix ? `. *To use it:* ${md(s.fix)}` : ''}`)].join('\n'));
    }
    if (b) lines.push('Choose with the `convnetNotebooks.backend` setting.');
    lines.push(`Kernel memory: ${formatBytes(info.memory.rssBytes)} resident`);
    const tooltip = new vscode.MarkdownString(lines.join('\n\n'), true);
    this.item.tooltip = tooltip;
    this.item.backgroundColor = b?.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
    this.disposables.forEach(d => d.dispose());
  }
}

/** Reasons hold file names and options (libvulkan.so.1, allow_unsafe_apis): show them as written. */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|~]/g, c => `\\${c}`);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
