// Turns one cell's kernel messages into nbformat outputs: consecutive stream text merges into one
// output per stream, display updates rewrite the display they name (the saved file shows the
// final state), errors become error outputs.
import type { ExecutionOutput } from '../kernel/client';
import { bundleToNbData, toLines, type NbOutput } from './nbformat';

export class OutputCollector {
  readonly outputs: NbOutput[] = [];
  private readonly streamText = new Map<NbOutput, string>();
  private readonly displays = new Map<string, NbOutput[]>();

  constructor(private readonly executionCount: number) {}

  add(message: ExecutionOutput): void {
    switch (message.type) {
      case 'stream': {
        const last = this.outputs[this.outputs.length - 1];
        if (last && last.output_type === 'stream' && last.name === message.name) {
          const text = this.streamText.get(last)! + message.text;
          this.streamText.set(last, text);
          last.text = toLines(text);
        } else {
          const out: NbOutput = { output_type: 'stream', name: message.name, text: toLines(message.text) };
          this.streamText.set(out, message.text);
          this.outputs.push(out);
        }
        return;
      }
      case 'display': {
        const out: NbOutput = { output_type: 'display_data', data: bundleToNbData(message.data), metadata: {} };
        if (message.displayId) {
          const list = this.displays.get(message.displayId) ?? [];
          list.push(out);
          this.displays.set(message.displayId, list);
        }
        this.outputs.push(out);
        return;
      }
      case 'update':
        for (const out of this.displays.get(message.displayId) ?? []) out.data = bundleToNbData(message.data);
        return;
      case 'result':
        this.outputs.push({ output_type: 'execute_result', execution_count: this.executionCount, data: bundleToNbData(message.data), metadata: {} });
        return;
      case 'error':
        this.outputs.push({ output_type: 'error', ename: message.ename, evalue: message.evalue, traceback: message.traceback });
        return;
    }
  }

  /** An error output for failures the kernel could not report itself (it died, it timed out). */
  addFailure(ename: string, evalue: string): void {
    this.outputs.push({ output_type: 'error', ename, evalue, traceback: [`${ename}: ${evalue}`] });
  }
}
