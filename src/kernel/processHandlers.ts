// The kernel's process-wide error handlers, and keeping them the only ones.
// Emscripten's Node glue (loaded with tfjs-backend-wasm) adds `uncaughtException` and
// `unhandledRejection` listeners that rethrow: a user's stray `setTimeout(() => { throw e })` would
// then end the kernel with exit code 7. After anything that may load such code we drop them again.

type Reporter = (error: unknown, kind: 'exception' | 'rejection') => void;

const onException = (error: unknown) => report?.(error, 'exception');
const onRejection = (reason: unknown) => report?.(reason, 'rejection');
let report: Reporter | undefined;

export function installProcessHandlers(reporter: Reporter): void {
  report = reporter;
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
}

/** Removes uncaught-error listeners that are not the kernel's. Returns how many were removed. */
export function dropForeignHandlers(): number {
  let removed = 0;
  for (const listener of process.listeners('uncaughtException')) {
    if (listener !== onException) { process.removeListener('uncaughtException', listener); removed++; }
  }
  for (const listener of process.listeners('unhandledRejection')) {
    if (listener !== onRejection) { process.removeListener('unhandledRejection', listener); removed++; }
  }
  return removed;
}
