// Runs on a worker thread inside the kernel process, so it stays responsive while the main thread
// is stuck in user code. The host writes one byte to the kernel's interrupt pipe (fd 3) per
// interrupt. Three cases:
//  - main thread inside a synchronous cell run (guard counter > 0): SIGINT, which `breakOnSigint`
//    turns into an exception in that run;
//  - main thread busy elsewhere (an async continuation spinning, heartbeat stale): the inspector's
//    Runtime.terminateExecution stops that microtask; the event loop carries on with state intact;
//  - main thread idle (awaiting timers): only the soft interrupt below is needed.
// In every case the main thread gets an 'interrupt' message to abort the cell's signal, cancel its
// timers and end it.
import { parentPort, workerData } from 'node:worker_threads';
import * as inspector from 'node:inspector';
import * as net from 'node:net';

interface InterruptWorkerData { shared: SharedArrayBuffer; fd: number }
const { shared, fd } = workerData as InterruptWorkerData;
/** Layout in guard.ts: [0] guarded-run depth, [1] heartbeat, [2] running cell's generation, [3] running flag,
 *  [4] SIGINTs sent, [5] guarded runs started. */
const state = new Int32Array(shared);

/** How often the worker looks at the main thread while a cell is being interrupted. */
const POLL_MS = 50;
/** The main thread counts as stuck when its heartbeat (every 50 ms) has not moved for this long. */
const STALE_MS = 250;
/** Give up escalating after this long; the host then restarts the kernel (its own timeout). */
const GIVE_UP_MS = 10000;

const session = new inspector.Session();
session.connectToMainThread();

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Counted, so the main thread can absorb one that arrives after its guarded run ended (guard.ts). */
function sigint(): void {
  Atomics.add(state, 4, 1);
  process.kill(process.pid, 'SIGINT');
}

/** True while the cell that was running when the interrupt arrived is still running. */
const sameCell = (generation: number) => Atomics.load(state, 3) === 1 && Atomics.load(state, 2) === generation;

async function interrupt(): Promise<void> {
  const generation = Atomics.load(state, 2);
  if (Atomics.load(state, 3) !== 1) return; // nothing running: an interrupt must not hit a later cell
  parentPort!.postMessage({ type: 'interrupt', generation });
  // The soft interrupt ends most cells at once. Escalate only for a main thread that stays stuck:
  // - in ONE guarded synchronous run for two polls in a row (a short run ending just as the signal is
  //   handled would leave the signal to hit whatever guarded run comes next): SIGINT;
  // - outside guarded runs with a stale heartbeat (an async continuation spinning): terminateExecution.
  let lastRun = -1;
  let lastBeat = Atomics.load(state, 1);
  let beatSince = Date.now();
  for (const started = Date.now(); Date.now() - started < GIVE_UP_MS; ) {
    await sleep(POLL_MS);
    if (!sameCell(generation)) return;
    const beat = Atomics.load(state, 1);
    if (beat !== lastBeat) { lastBeat = beat; beatSince = Date.now(); }
    if (Atomics.load(state, 0) > 0) {
      const run = Atomics.load(state, 5);
      if (run === lastRun) { sigint(); return; }
      lastRun = run;
    } else {
      lastRun = -1;
      if (Date.now() - beatSince >= STALE_MS) { session.post('Runtime.terminateExecution'); return; }
    }
  }
}

const pipe = new net.Socket({ fd, readable: true, writable: false });
pipe.on('data', (bytes: Buffer) => { for (let i = 0; i < bytes.length; i++) void interrupt(); });
pipe.on('error', () => { /* host gone: the main thread notices the IPC disconnect */ });
