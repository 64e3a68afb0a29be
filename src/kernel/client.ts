// The host side of a kernel process: starts it, sends requests, routes its messages to the
// execution they belong to, interrupts it, and notices when it dies. Used by the VS Code
// controller and by the headless runner, so it never imports `vscode`.
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import type {
  DoneMessage, ExecuteRequest, HostToKernel, KernelInfo, KernelToHost, Language, ReadyMessage,
} from '../protocol/messages';

export interface KernelClientOptions {
  /** dist/kernel.js */
  kernelPath: string;
  /** The notebook's folder: the kernel's working directory and where cell imports resolve from. */
  cwd: string;
  /** Node executable; default: this process's runtime (Electron runs as Node with ELECTRON_RUN_AS_NODE). */
  nodePath?: string;
  env?: Record<string, string | undefined>;
  /** Diagnostics (kernel stderr, protocol warnings). */
  log?: (line: string) => void;
  /** How long the process may take to say 'ready'. */
  startTimeoutMs?: number;
}

/** Messages that belong to one execution, in order. */
export type ExecutionOutput = Exclude<KernelToHost, ReadyMessage | DoneMessage | { type: 'info' } | { type: 'log' }>;

export type ExecutionOutcome =
  | { status: 'ok' | 'error' | 'interrupted'; durationMs: number }
  | { status: 'died'; message: string };

interface PendingExecution {
  onOutput: (message: ExecutionOutput) => void;
  resolve: (outcome: ExecutionOutcome) => void;
}

/** How many characters of the kernel's own stderr to keep for crash reports. */
const STDERR_TAIL = 4000;

export class KernelClient extends EventEmitter {
  private readonly pending = new Map<string, PendingExecution>();
  private readonly infoWaiters = new Map<string, (info: KernelInfo) => void>();
  private stderrTail = '';
  private exitDescription: string | undefined;
  readonly ready: Promise<ReadyMessage>;

  private constructor(private readonly child: ChildProcess, private readonly options: KernelClientOptions) {
    super();
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The kernel did not start within ${(options.startTimeoutMs ?? 30000) / 1000} s.`)), options.startTimeoutMs ?? 30000);
      this.once('ready', (m: ReadyMessage) => { clearTimeout(timer); resolve(m); });
      this.once('exit', (description: string) => { clearTimeout(timer); reject(new Error(`The kernel exited while starting: ${description}${this.stderrSuffix()}`)); });
    });
    this.ready.catch(() => { /* surfaced to whoever awaits it */ });
    child.on('message', (m: KernelToHost) => this.onMessage(m));
    child.stdout?.on('data', (d: Buffer) => this.log(`[kernel stdout] ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      this.log(`[kernel stderr] ${text.trimEnd()}`);
    });
    child.on('error', e => this.log(`[kernel] process error: ${e.message}`));
    child.on('exit', (code, signal) => this.onExit(code, signal));
  }

  static start(options: KernelClientOptions): KernelClient {
    const env: Record<string, string | undefined> = {
      ...process.env, ...options.env,
      CONVNET_INTERRUPT_FD: '3',
      // Inside VS Code the runtime is Electron: make it behave as plain Node.
      ELECTRON_RUN_AS_NODE: '1',
    };
    const child = fork(options.kernelPath, [], {
      cwd: options.cwd,
      env,
      execPath: options.nodePath || process.execPath,
      execArgv: [],
      // fd 3: the interrupt pipe, read by a worker thread even while the kernel's main thread is busy.
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    return new KernelClient(child, options);
  }

  get pid(): number | undefined { return this.child.pid; }
  get alive(): boolean { return this.exitDescription === undefined; }
  get busy(): boolean { return this.pending.size > 0; }

  /** Runs one cell. Outputs stream to `onOutput`; the promise settles exactly once. */
  execute(code: string, language: Language, cellName: string, onOutput: (message: ExecutionOutput) => void): Promise<ExecutionOutcome> {
    if (!this.alive) return Promise.resolve({ status: 'died', message: this.deathMessage() });
    const requestId = randomUUID();
    return new Promise<ExecutionOutcome>(resolve => {
      this.pending.set(requestId, { onOutput, resolve });
      const request: ExecuteRequest = { type: 'execute', requestId, code, language, cellName };
      this.post(request);
    });
  }

  /** Asks the kernel to stop the running cell, keeping its state. */
  interrupt(): void {
    if (!this.alive) return;
    const pipe = this.child.stdio[3] as Writable | null;
    if (pipe && !pipe.destroyed) pipe.write('i');
    else this.post({ type: 'interrupt', requestId: randomUUID() });
  }

  async info(timeoutMs = 2000): Promise<KernelInfo | undefined> {
    if (!this.alive) return undefined;
    const requestId = randomUUID();
    return new Promise(resolve => {
      const timer = setTimeout(() => { this.infoWaiters.delete(requestId); resolve(undefined); }, timeoutMs);
      this.infoWaiters.set(requestId, info => { clearTimeout(timer); resolve(info); });
      this.post({ type: 'info', requestId });
    });
  }

  /** Ends the process: politely, then by force. */
  async shutdown(graceMs = 1000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>(resolve => this.once('exit', () => resolve()));
    this.post({ type: 'shutdown', requestId: randomUUID() });
    const timer = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  private post(message: HostToKernel): void {
    try {
      this.child.send(message);
    } catch (e) {
      this.log(`[kernel] could not send ${message.type}: ${(e as Error).message}`);
    }
  }

  private onMessage(message: KernelToHost): void {
    switch (message.type) {
      case 'ready':
        this.emit('ready', message);
        return;
      case 'log':
        this.log(`[kernel ${message.level}] ${message.text}`);
        return;
      case 'info':
        this.infoWaiters.get(message.requestId)?.(message.info);
        this.infoWaiters.delete(message.requestId);
        return;
      case 'done': {
        const p = this.pending.get(message.requestId);
        if (!p) return;
        this.pending.delete(message.requestId);
        p.resolve({ status: message.interrupted ? 'interrupted' : message.success ? 'ok' : 'error', durationMs: message.durationMs });
        return;
      }
      case 'stream': case 'display': case 'update': case 'result': case 'error': {
        const p = this.pending.get(message.requestId);
        if (p) p.onOutput(message);
        else this.emit('orphanOutput', message); // from a cell that already finished (a stray timer)
        return;
      }
      default: {
        const unknown: never = message;
        this.log(`[kernel] unknown message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitDescription = signal ? `killed by ${signal}` : `exit code ${code}`;
    const message = this.deathMessage();
    for (const p of this.pending.values()) p.resolve({ status: 'died', message });
    this.pending.clear();
    for (const w of this.infoWaiters.values()) w(undefined as unknown as KernelInfo);
    this.infoWaiters.clear();
    this.emit('exit', this.exitDescription);
  }

  private deathMessage(): string {
    const oom = /heap out of memory|Reached heap limit|Allocation failed/i.test(this.stderrTail);
    return `The kernel process died (${this.exitDescription}${oom ? ', out of memory' : ''}). ` +
      `Its variables are lost; the next run starts a new kernel.${this.stderrSuffix()}`;
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-8).join('\n');
    return tail ? `\nLast kernel output:\n${tail}` : '';
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

