// Kernel process entry (dist/kernel.js), forked by the extension host or the headless runner.
// Talks only through the IPC channel (messages in src/protocol) and the interrupt pipe on fd 3.
import * as path from 'node:path';
import type { HostToKernel, KernelInfo, KernelToHost } from '../protocol/messages';
import { Executor } from './executor';
import { startInterruptWorker } from './guard';
import { ModuleLoader } from './modules';
import { installProcessHandlers } from './processHandlers';

if (!process.send) {
  console.error('dist/kernel.js is the ConvNet Notebooks kernel: it is started by the extension or by `convnet-notebooks run`.');
  process.exit(2);
}
const ipcSend = process.send.bind(process);
const send = (message: KernelToHost) => { if (process.connected) ipcSend(message); };

// A SIGINT that arrives outside a guarded run (a race with the end of a loop) must not kill us.
process.on('SIGINT', () => { /* interrupts are handled by the interrupt worker */ });

const libraryPath = path.join(__dirname, 'lib.js');
const loader = new ModuleLoader({ notebookDir: process.cwd(), libraryPath });
const executor = new Executor(send, loader);

installProcessHandlers((error, kind) => executor.reportUncaught(error, kind));

const interruptFd = Number(process.env.CONVNET_INTERRUPT_FD);
if (Number.isInteger(interruptFd) && interruptFd > 2) startInterruptWorker(interruptFd, () => executor.interrupt());

// Cells run one after another, in the order the host sent them.
let queue: Promise<void> = Promise.resolve();

process.on('message', (message: HostToKernel) => {
  switch (message.type) {
    case 'execute':
      queue = queue.then(() => executor.execute(message));
      break;
    case 'interrupt':
      executor.interrupt();
      break;
    case 'reset':
      queue = queue.then(() => executor.reset());
      break;
    case 'info':
      try {
        send({ type: 'info', requestId: message.requestId, info: kernelInfo() });
      } catch (e) {
        send({ type: 'log', level: 'warn', text: `kernel: info failed: ${(e as Error).message}` });
      }
      break;
    case 'shutdown':
      process.exit(0);
    default: {
      const unknown: never = message;
      send({ type: 'log', level: 'warn', text: `kernel: unknown message ${JSON.stringify(unknown)}` });
    }
  }
});
// The host went away (window closed, runner killed): nothing left to do.
process.on('disconnect', () => process.exit(0));

function kernelInfo(): KernelInfo {
  const memory = process.memoryUsage();
  const info: KernelInfo = {
    node: process.version, pid: process.pid, backend: null,
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
  };
  // Only report the library once a cell loaded it: requiring it here would start TF.js needlessly.
  const lib = require.cache[libraryPath]?.exports as undefined | {
    backendInfo?: () => { name: string; detail?: string; warning?: string; skipped?: { name: string; reason: string; fix?: string }[] };
    tf?: { memory(): { numTensors: number; numBytes: number } };
  };
  if (lib?.backendInfo) {
    const b = lib.backendInfo();
    info.backend = { name: b.name, detail: b.detail ?? '' };
    if (b.warning) info.backend.warning = b.warning;
    if (b.skipped?.length) info.backend.skipped = b.skipped.map(s => ({ name: s.name, reason: s.reason, ...(s.fix ? { fix: s.fix } : {}) }));
  }
  if (lib?.tf) {
    try {
      const m = lib.tf.memory();
      info.memory.tensors = m.numTensors;
      info.memory.tensorBytes = m.numBytes;
    } catch {
      // The backend is still initialising (tf.memory() throws until it is ready): no figures yet.
    }
  }
  return info;
}

send({ type: 'ready', pid: process.pid, node: process.version, cwd: process.cwd() });
