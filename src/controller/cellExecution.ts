// One cell's run: turns the kernel's messages into the cell's outputs and ends the VS Code
// execution exactly once (success, failure or cancelled).
import * as vscode from 'vscode';
import type { ExecutionOutcome, ExecutionOutput } from '../kernel/client';
import { bundleToItems } from './outputs';

export class CellExecution {
  private ended = false;
  private lastStream: { name: string; output: vscode.NotebookCellOutput } | undefined;
  private readonly displays = new Map<string, vscode.NotebookCellOutput[]>();
  /** Output edits are async; chaining keeps them in the order the kernel sent them. */
  private edits: Thenable<void> = Promise.resolve();

  constructor(readonly execution: vscode.NotebookCellExecution) {}

  get cell(): vscode.NotebookCell { return this.execution.cell; }

  start(order: number): void {
    this.execution.executionOrder = order;
    this.execution.start(Date.now());
    this.edit(() => this.execution.clearOutput());
  }

  onOutput(message: ExecutionOutput): void {
    switch (message.type) {
      case 'stream': {
        const item = message.name === 'stdout'
          ? vscode.NotebookCellOutputItem.stdout(message.text)
          : vscode.NotebookCellOutputItem.stderr(message.text);
        if (this.lastStream?.name === message.name) {
          const output = this.lastStream.output;
          this.edit(() => this.execution.appendOutputItems(item, output));
        } else {
          const output = new vscode.NotebookCellOutput([item]);
          this.lastStream = { name: message.name, output };
          this.edit(() => this.execution.appendOutput(output));
        }
        return;
      }
      case 'display': {
        const output = new vscode.NotebookCellOutput(bundleToItems(message.data), { outputType: 'display_data' });
        if (message.displayId) this.displays.set(message.displayId, [...(this.displays.get(message.displayId) ?? []), output]);
        this.append(output);
        return;
      }
      case 'update':
        for (const output of this.displays.get(message.displayId) ?? []) {
          this.edit(() => this.execution.replaceOutputItems(bundleToItems(message.data), output));
        }
        return;
      case 'result':
        this.append(new vscode.NotebookCellOutput(bundleToItems(message.data),
          { outputType: 'execute_result', executionCount: this.execution.executionOrder }));
        return;
      case 'error':
        this.append(errorOutput(message.ename, message.evalue, message.traceback.join('\n')));
        return;
    }
  }

  /** Ends the execution from the kernel's outcome. */
  async finish(outcome: ExecutionOutcome): Promise<void> {
    if (outcome.status === 'died') this.append(errorOutput('KernelDied', outcome.message, ''));
    await this.edits;
    this.end(outcome.status === 'ok');
  }

  /** Ends with an error the kernel could not report (no trusted workspace, failed start). */
  async fail(name: string, message: string): Promise<void> {
    this.append(errorOutput(name, message, ''));
    await this.edits;
    this.end(false);
  }

  /** Never ran: cancelled before its turn (interrupt, restart, notebook closed). */
  cancel(): void {
    this.end(undefined);
  }

  private append(output: vscode.NotebookCellOutput): void {
    this.lastStream = undefined;
    this.edit(() => this.execution.appendOutput(output));
  }

  private edit(op: () => Thenable<void>): void {
    this.edits = this.edits.then(op, op);
  }

  private end(success: boolean | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.execution.end(success, Date.now());
  }
}

function errorOutput(name: string, message: string, stack: string): vscode.NotebookCellOutput {
  const error = new Error(message);
  error.name = name;
  // VS Code shows `stack` as is; without frames, repeat the header so the output is not empty.
  error.stack = stack || `${name}: ${message}`;
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(error)], { outputType: 'error' });
}
