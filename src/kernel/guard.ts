// Shared state between the main thread and the interrupt worker (see interruptWorker.ts).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const shared = new SharedArrayBuffer(8);
const state = new Int32Array(shared);

/** Runs `fn` marked as a synchronous guarded section: an interrupt then arrives as SIGINT, which
 *  vm's `breakOnSigint` turns into an exception inside `fn`. */
export function guardedSync<T>(fn: () => T): T {
  Atomics.add(state, 0, 1);
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
  worker.on('message', m => { if (m === 'interrupt') onInterrupt(); });
  worker.unref();
  heartbeat = setInterval(() => Atomics.add(state, 1, 1), 50);
  heartbeat.unref();
  return worker;
}

export const SIGINT_MESSAGE = 'Script execution was interrupted by `SIGINT`';

export function isSigintInterruption(error: unknown): boolean {
  return error instanceof Error && error.message.includes(SIGINT_MESSAGE);
}
