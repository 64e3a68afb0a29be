// Runs compiled cells in the kernel's one JavaScript realm (vm.runInThisContext: objects made in
// cells are ordinary objects of the process, so TF.js's `instanceof Float32Array` checks hold),
// keeps state across cells, shows the last expression, and implements interrupts.
import * as util from 'node:util';
import * as vm from 'node:vm';
import type { ExecuteRequest, KernelToHost } from '../protocol/messages';
import { compileCell, CompileError, type CompiledCell } from './compiler';
import { installCapture } from './capture';
import { createDisplay } from './display';
import { formatValue } from './formatters';
import { absorbStaleSigints, guardedSync, isSigintInterruption, markCellEnd, markCellStart, noteSigintConsumed } from './guard';
import type { ModuleLoader } from './modules';
import { OutputChannel } from './outputChannel';
import { dropForeignHandlers } from './processHandlers';
import { formatError, KERNEL_SCRIPT_PREFIX } from './stack';

/** Thrown into the awaiting executor (never into user code) when the running cell is interrupted. */
class CellInterrupted extends Error {
  constructor() { super('The cell was interrupted.'); this.name = 'Interrupted'; }
}

type TimerHandle = { kind: 'timeout' | 'interval'; handle: NodeJS.Timeout } | { kind: 'immediate'; handle: NodeJS.Immediate };

/** One running cell: its abort signal, the timers it started, and the interrupt race. */
class Execution {
  readonly abort = new AbortController();
  readonly timers = new Set<TimerHandle>();
  readonly interrupted: Promise<never>;
  private rejectInterrupted!: (e: Error) => void;

  constructor(readonly requestId: string) {
    this.interrupted = new Promise<never>((_, reject) => { this.rejectInterrupted = reject; });
    this.interrupted.catch(() => { /* observed by the race in execute() */ });
  }

  interrupt(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort(new CellInterrupted());
    for (const t of this.timers) {
      if (t.kind === 'immediate') clearImmediateOriginal(t.handle);
      else clearTimeoutOriginal(t.handle);
    }
    this.timers.clear();
    this.rejectInterrupted(new CellInterrupted());
  }
}

const setTimeoutOriginal = globalThis.setTimeout;
const setIntervalOriginal = globalThis.setInterval;
const setImmediateOriginal = globalThis.setImmediate;
const clearTimeoutOriginal = globalThis.clearTimeout;
const clearImmediateOriginal = globalThis.clearImmediate;

// Timer callbacks run through a tiny vm script so `breakOnSigint` also covers a synchronous loop
// inside `setTimeout(() => { while (true) {} })`.
const trampoline = new vm.Script('globalThis.__cnb_trampoline()', { filename: `${KERNEL_SCRIPT_PREFIX}trampoline` });
function runGuarded(fn: (...args: unknown[]) => unknown, thisArg: unknown, args: unknown[]): unknown {
  const g = globalThis as { __cnb_trampoline?: () => unknown };
  const previous = g.__cnb_trampoline;
  g.__cnb_trampoline = () => fn.apply(thisArg, args);
  try {
    return guardedSync(() => trampoline.runInThisContext({ breakOnSigint: true }));
  } finally {
    g.__cnb_trampoline = previous;
  }
}

interface CellResult { hasValue: boolean; value?: unknown }

export class Executor {
  private readonly cells = new Map<string, CompiledCell>();
  private readonly declaredNames = new Set<string>();
  private current: Execution | undefined;
  private lastRequestId = '';
  readonly output: OutputChannel;

  constructor(private readonly send: (m: KernelToHost) => void, private readonly loader: ModuleLoader) {
    this.output = new OutputChannel(send, () => this.current?.requestId ?? this.lastRequestId);
    installCapture(this.output);
    this.installTimers();
    this.installGlobals();
  }

  get busy(): boolean { return this.current !== undefined; }

  /** Soft interrupt: abort the cell's signal, cancel its timers, end it. Idle: nothing to do. */
  interrupt(): void {
    this.current?.interrupt();
  }

  /** Forgets the names cells declared (a fresh namespace without restarting the process). */
  reset(): void {
    for (const name of this.declaredNames) delete (globalThis as Record<string, unknown>)[name];
    this.declaredNames.clear();
    this.cells.clear();
  }

  async execute(request: ExecuteRequest): Promise<void> {
    const started = Date.now();
    this.lastRequestId = request.requestId;
    const execution = new Execution(request.requestId);
    absorbStaleSigints();
    this.current = execution;
    markCellStart();
    let success = false;
    let interrupted = false;
    try {
      const compiled = compileCell(request.code, { language: request.language, cellName: request.cellName });
      this.cells.set(request.cellName, compiled);
      compiled.declared.forEach(n => this.declaredNames.add(n));
      const script = new vm.Script(compiled.code, { filename: request.cellName });
      const running = guardedSync(() => script.runInThisContext({ breakOnSigint: true })) as Promise<CellResult>;
      const result = await Promise.race([running, execution.interrupted]);
      if (result.hasValue && result.value !== undefined) {
        await this.output.rich('result', () => formatValue(result.value));
      }
      success = true;
    } catch (error) {
      if (isSigintInterruption(error)) noteSigintConsumed();
      if (error instanceof CellInterrupted || isSigintInterruption(error) || execution.abort.signal.aborted) {
        interrupted = true;
        execution.interrupt();
        await this.output.error({ ename: 'Interrupted', evalue: 'The cell was interrupted; the kernel kept its state.', traceback: [] });
      } else if (error instanceof CompileError) {
        await this.output.error(compileErrorFields(error, request.cellName));
      } else {
        await this.output.error(formatError(error, this.cells));
      }
    } finally {
      dropForeignHandlers(); // a cell may have required a module that installs rethrowing handlers
      await this.output.drained();
      markCellEnd();
      this.current = undefined;
      this.send({ type: 'done', requestId: request.requestId, success, interrupted, durationMs: Date.now() - started });
    }
  }

  /** Called for errors no cell awaited (a timer callback throwing, a floating rejected promise). */
  reportUncaught(error: unknown, kind: 'exception' | 'rejection'): void {
    // Never throw from here: an exception inside Node's uncaught-exception handler ends the process.
    try {
      if (isSigintInterruption(error)) { noteSigintConsumed(); this.interrupt(); return; }
      const f = formatError(error, this.cells);
      const head = kind === 'rejection' ? 'Unhandled promise rejection' : 'Uncaught exception';
      const frames = f.traceback.filter(l => /^\s+at /.test(l));
      this.output.stream('stderr', `${head}: ${[`${f.ename}: ${f.evalue}`, ...frames].join('\n')}\n`);
    } catch (e) {
      this.send({ type: 'log', level: 'error', text: `kernel: could not report an uncaught ${kind}: ${String(e)}` });
    }
  }

  private installTimers(): void {
    const owner = () => this.current;
    const track = (execution: Execution | undefined, t: TimerHandle) => { execution?.timers.add(t); return t; };
    const wrap = (cb: unknown, after?: () => void) => {
      if (typeof cb !== 'function') throw new TypeError(`The "callback" argument must be a function, got ${typeof cb}`);
      return function (this: unknown, ...args: unknown[]) { after?.(); return runGuarded(cb as (...a: unknown[]) => unknown, this, args); };
    };
    const g = globalThis as Record<string, unknown>;
    const setTimeoutWrapped = (cb: unknown, ms?: number, ...args: unknown[]) => {
      const execution = owner();
      let entry: TimerHandle | undefined;
      const handle = setTimeoutOriginal(wrap(cb, () => entry && execution?.timers.delete(entry)), ms, ...args);
      entry = track(execution, { kind: 'timeout', handle });
      return handle;
    };
    // util.promisify(setTimeout) keeps working (Node's own promisified version).
    (setTimeoutWrapped as unknown as Record<symbol, unknown>)[util.promisify.custom] =
      (setTimeoutOriginal as unknown as Record<symbol, unknown>)[util.promisify.custom];
    g.setTimeout = setTimeoutWrapped;
    g.setInterval = (cb: unknown, ms?: number, ...args: unknown[]) => {
      const handle = setIntervalOriginal(wrap(cb), ms, ...args);
      track(owner(), { kind: 'interval', handle });
      return handle;
    };
    const setImmediateWrapped = (cb: unknown, ...args: unknown[]) => {
      const execution = owner();
      let entry: TimerHandle | undefined;
      const handle = setImmediateOriginal(wrap(cb, () => entry && execution?.timers.delete(entry)), ...args);
      entry = track(execution, { kind: 'immediate', handle });
      return handle;
    };
    (setImmediateWrapped as unknown as Record<symbol, unknown>)[util.promisify.custom] =
      (setImmediateOriginal as unknown as Record<symbol, unknown>)[util.promisify.custom];
    g.setImmediate = setImmediateWrapped;
  }

  private installGlobals(): void {
    const g = globalThis as Record<string | symbol, unknown>;
    const display = createDisplay(this.output);
    const currentSignal = () => this.current?.abort.signal;
    g.display = display;
    g.__cnb_import = (specifier: unknown) => this.loader.import(specifier);
    g.require = this.loader.require;
    /** `await sleep(ms)`: resolves after ms, rejects at once when the cell is interrupted. */
    g.sleep = (ms: number) => new Promise<void>((resolve, reject) => {
      const signal = currentSignal();
      if (signal?.aborted) { reject(signal.reason); return; }
      const t = setTimeoutOriginal(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      const onAbort = () => { clearTimeoutOriginal(t); reject(signal!.reason); };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    // The course library (loaded with require, outside any cell) finds the kernel here: the running
    // cell's AbortSignal stops its long loops cleanly, display() shows live progress.
    g[Symbol.for('convnet.kernel')] = {
      get signal() { return currentSignal(); },
      display,
    };
  }
}

function compileErrorFields(error: CompileError, cellName: string) {
  const caret = `${' '.repeat(Math.max(0, error.column))}^`;
  return {
    ename: 'SyntaxError',
    evalue: error.message,
    traceback: [`${cellName}:${error.line}:${error.column + 1}`, error.lineText, caret, `SyntaxError: ${error.message}`],
  };
}
