// Shared state between the main thread and the interrupt worker (see interruptWorker.ts).
import * as path from 'node:path';
import * as vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { KERNEL_SCRIPT_PREFIX } from './stack';

/** [0] depth of guarded synchronous runs, [1] heartbeat, [2] generation of the running cell
 *  (incremented at each start), [3] 1 while a cell runs, [4] SIGINTs the worker sent, [5] guarded runs
 *  started (tells the worker whether it keeps seeing the same run). See interruptWorker.ts. */
const shared = new SharedArrayBuffer(24);
const state = new Int32Array(shared);

/** SIGINTs that surfaced as interruption errors on this thread. */
let sigintsConsumed = 0;

export function noteSigintConsumed(): void {
  sigintsConsumed++;
}

// A SIGINT sent while a guarded run was ending can be delivered to the NEXT guarded run (seen under
// load: the cell after an interrupted one failed as interrupted). Before a cell starts, a throwaway
// guarded run takes any such signal.
const absorber = new vm.Script('for (const t = Date.now(); Date.now() - t < 1000;) {}', { filename: `${KERNEL_SCRIPT_PREFIX}sigint-absorber` });

export function absorbStaleSigints(): void {
  while (Atomics.load(state, 4) > sigintsConsumed) {
    try {
      guardedSync(() => absorber.runInThisContext({ breakOnSigint: true }));
      sigintsConsumed = Atomics.load(state, 4); // it went to the process handler instead: nothing pending
    } catch (e) {
      if (!isSigintInterruption(e)) throw e;
      sigintsConsumed++;
    }
  }
}

/** Marks a cell as running; returns its generation, which interrupts name to hit only this cell. */
export function markCellStart(): number {
  const generation = Atomics.add(state, 2, 1) + 1;
  Atomics.store(state, 3, 1);
  return generation;
}

export function markCellEnd(): void {
  Atomics.store(state, 3, 0);
}

/** Runs `fn` marked as a synchronous guarded section: an interrupt then arrives as SIGINT, which
 *  vm's `breakOnSigint` turns into an exception inside `fn`. */
export function guardedSync<T>(fn: () => T): T {
  if (Atomics.add(state, 0, 1) === 0) Atomics.add(state, 5, 1);
  try {
    return fn();
  } finally {
    Atomics.sub(state, 0, 1);
  }
}

let heartbeat: NodeJS.Timeout | undefined;

/** Starts the interrupt worker on the given pipe fd; `onInterrupt` runs on the main thread. */
export function startInterruptWorker(fd: number, onInterrupt: () => void): Worker {
  const worker = new Worker(path.join(__dirname, 'kernel-interrupt-worker.js'), { workerData: { shared, fd } });
  // The worker names the cell it was asked to stop: an interrupt that arrives after that cell ended
  // must not hit the next one.
  worker.on('message', (m: { type: string; generation: number }) => {
    if (m.type === 'interrupt' && m.generation === Atomics.load(state, 2) && Atomics.load(state, 3) === 1) onInterrupt();
  });
  worker.unref();
  heartbeat = setInterval(() => Atomics.add(state, 1, 1), 50);
  heartbeat.unref();
  return worker;
}

export const SIGINT_MESSAGE = 'Script execution was interrupted by `SIGINT`';

export function isSigintInterruption(error: unknown): boolean {
  return error instanceof Error && error.message.includes(SIGINT_MESSAGE);
}
