// Sends a cell's outputs to the host in the order the cell produced them. Rich outputs are
// formatted asynchronously (tensor data is read with `await data()`), so every output goes through
// one promise chain: a console.log after display(t) never overtakes it.
import type { KernelToHost, MimeBundle } from '../protocol/messages';

export type Send = (message: KernelToHost) => void;

export class OutputChannel {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly send: Send, private readonly requestId: () => string) {}

  stream(name: 'stdout' | 'stderr', text: string): void {
    if (!text) return;
    const requestId = this.requestId();
    this.enqueue(async () => this.send({ type: 'stream', requestId, name, text }));
  }

  /** Queues an output whose bundle is computed later; failures are reported on stderr. */
  rich(kind: 'display' | 'update' | 'result', bundle: () => Promise<MimeBundle | undefined>, displayId?: string): Promise<void> {
    const requestId = this.requestId();
    return this.enqueue(async () => {
      const data = await bundle();
      if (!data) return;
      if (kind === 'update') this.send({ type: 'update', requestId, displayId: displayId!, data });
      else if (kind === 'display') this.send({ type: 'display', requestId, data, ...(displayId ? { displayId } : {}) });
      else this.send({ type: 'result', requestId, data });
    });
  }

  error(fields: { ename: string; evalue: string; traceback: string[] }): Promise<void> {
    const requestId = this.requestId();
    return this.enqueue(async () => this.send({ type: 'error', requestId, ...fields }));
  }

  /** Resolves once everything queued so far has been sent. */
  drained(): Promise<void> {
    return this.tail;
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.tail.then(job).catch((e: unknown) => {
      this.send({ type: 'stream', requestId: this.requestId(), name: 'stderr', text: `display failed: ${e instanceof Error ? e.message : String(e)}\n` });
    });
    this.tail = run;
    return run;
  }
}
