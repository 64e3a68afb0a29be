// One notebook's kernel and execution queue. Cells run one at a time in the order they were
// queued; a kernel that dies fails the running cell, cancels the queue and is replaced on the next run.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KernelClient } from '../kernel/client';
import type { Language } from '../protocol/messages';
import { CellExecution } from './cellExecution';

export interface SessionOptions {
  kernelPath: string;
  log: (line: string) => void;
  /** Read at each kernel start so changed settings apply after a restart. */
  settings: () => { nodePath: string; backend: string; interruptTimeoutSeconds: number };
  onKernelChanged: () => void;
}

export class NotebookSession implements vscode.Disposable {
  private kernel: KernelClient | undefined;
  private readonly queue: CellExecution[] = [];
  private running: CellExecution | undefined;
  private executionOrder = 0;
  private draining = false;
  private interruptTimer: NodeJS.Timeout | undefined;
  /** Kernels we ended ourselves, and why, so their running cell is told the right story. */
  private readonly killReasons = new WeakMap<KernelClient, 'restart' | 'interrupt-timeout'>();

  constructor(readonly notebook: vscode.NotebookDocument, private readonly options: SessionOptions) {}

  get kernelPid(): number | undefined { return this.kernel?.alive ? this.kernel.pid : undefined; }
  get busy(): boolean { return this.running !== undefined; }
  get activeKernel(): KernelClient | undefined { return this.kernel?.alive ? this.kernel : undefined; }

  enqueue(executions: CellExecution[]): void {
    this.queue.push(...executions);
    void this.drain();
  }

  /** Stops the running cell (keeping the kernel's state) and cancels the cells queued after it.
   *  A kernel that does not stop in time is restarted and the user is told. */
  interrupt(): void {
    this.cancelQueued();
    const kernel = this.kernel;
    if (!this.running || !kernel?.alive) return;
    this.options.log(`interrupting ${this.describe()}`);
    kernel.interrupt();
    const { interruptTimeoutSeconds } = this.options.settings();
    clearTimeout(this.interruptTimer);
    const running = this.running;
    this.interruptTimer = setTimeout(() => {
      if (this.running !== running || this.kernel !== kernel) return;
      this.options.log(`kernel did not stop within ${interruptTimeoutSeconds} s: restarting it`);
      void vscode.window.showWarningMessage(
        `The kernel did not respond to the interrupt within ${interruptTimeoutSeconds} s and was restarted; its variables are lost.`);
      this.killReasons.set(kernel, 'interrupt-timeout');
      kernel.kill();
    }, interruptTimeoutSeconds * 1000);
  }

  /** A fresh kernel: the old one's state is gone, running and queued cells are cancelled. */
  async restart(): Promise<void> {
    this.cancelQueued();
    const old = this.kernel;
    this.kernel = undefined;
    if (old) {
      this.killReasons.set(old, 'restart');
      await old.shutdown(500);
    }
    this.executionOrder = 0;
    this.startKernel();
    this.options.onKernelChanged();
  }

  dispose(): void {
    this.cancelQueued();
    this.kernel?.kill();
    this.kernel = undefined;
    clearTimeout(this.interruptTimer);
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        await this.run(next);
      }
    } finally {
      this.draining = false;
    }
  }

  private async run(execution: CellExecution): Promise<void> {
    this.running = execution;
    execution.start(++this.executionOrder);
    try {
      const language = languageOf(execution.cell);
      if (!language) {
        await execution.fail('UnsupportedLanguage', `This kernel runs TypeScript and JavaScript cells, not ${execution.cell.document.languageId}.`);
        return;
      }
      let kernel: KernelClient;
      try {
        kernel = this.ensureKernel();
        await kernel.ready;
      } catch (e) {
        await execution.fail('KernelStartError', (e as Error).message);
        this.cancelQueued();
        return;
      }
      const cellName = `Cell ${execution.cell.index + 1}`;
      const started = Date.now();
      const outcome = await kernel.execute(execution.cell.document.getText(), language, cellName, m => execution.onOutput(m));
      // One line per cell: where a slow or stuck Run All spent its time.
      this.options.log(`${cellName} of ${this.describe()}: ${outcome.status} in ${Date.now() - started} ms`);
      if (outcome.status === 'died') {
        const reason = this.killReasons.get(kernel);
        this.options.log(`kernel ended while running ${cellName}: ${reason ?? outcome.message}`);
        this.cancelQueued();
        if (this.kernel === kernel) { this.kernel = undefined; this.options.onKernelChanged(); }
        if (reason === 'restart') { execution.cancel(); return; }
        if (reason === 'interrupt-timeout') {
          await execution.fail('Interrupted', `The kernel did not stop within ${this.options.settings().interruptTimeoutSeconds} s of the interrupt and was restarted; its variables are lost.`);
          return;
        }
      }
      // Like Jupyter's Run All: later cells usually depend on the one that failed, so they don't run.
      if (outcome.status !== 'ok') this.cancelQueued();
      await execution.finish(outcome);
    } catch (e) {
      this.options.log(`internal error running a cell: ${(e as Error).stack}`);
      await execution.fail('InternalError', (e as Error).message);
    } finally {
      this.running = undefined;
      clearTimeout(this.interruptTimer);
    }
  }

  private ensureKernel(): KernelClient {
    if (this.kernel?.alive) return this.kernel;
    return this.startKernel();
  }

  private startKernel(): KernelClient {
    const settings = this.options.settings();
    const cwd = this.notebook.uri.scheme === 'file' ? path.dirname(this.notebook.uri.fsPath)
      : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const started = Date.now();
    const kernel = KernelClient.start({
      kernelPath: this.options.kernelPath,
      cwd,
      nodePath: settings.nodePath || undefined,
      env: settings.backend && settings.backend !== 'auto' ? { CONVNET_BACKEND: settings.backend } : {},
      log: this.options.log,
    });
    this.kernel = kernel;
    kernel.ready.then(
      r => this.options.log(`kernel ${r.pid} (node ${r.node}) ready in ${Date.now() - started} ms for ${this.describe()}`),
      e => this.options.log(`kernel failed to start: ${(e as Error).message}`));
    kernel.on('exit', (how: string) => {
      this.options.log(`kernel ${kernel.pid} exited (${how})`);
      if (this.kernel === kernel) { this.kernel = undefined; this.options.onKernelChanged(); }
    });
    kernel.on('orphanOutput', m => this.options.log(`output after its cell finished (dropped): ${JSON.stringify(m).slice(0, 200)}`));
    this.options.onKernelChanged();
    return kernel;
  }

  private cancelQueued(): void {
    for (const e of this.queue.splice(0)) e.cancel();
  }

  private describe(): string {
    return path.basename(this.notebook.uri.path);
  }
}

function languageOf(cell: vscode.NotebookCell): Language | undefined {
  const id = cell.document.languageId;
  return id === 'typescript' || id === 'javascript' ? id : undefined;
}
