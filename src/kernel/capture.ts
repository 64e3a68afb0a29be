// Routes console.* and process.stdout/stderr writes into the running cell's output. The kernel
// never scrapes its own stdout: the host reads that only for crash diagnostics.
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import type { OutputChannel } from './outputChannel';

export function installCapture(output: OutputChannel): void {
  const stream = (name: 'stdout' | 'stderr') => new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      output.stream(name, typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  });
  // colorMode false: cell outputs are plain text, ANSI codes would show as garbage in saved notebooks.
  const captured = new Console({ stdout: stream('stdout'), stderr: stream('stderr'), colorMode: false });
  globalThis.console = captured;

  const hook = (target: NodeJS.WriteStream, name: 'stdout' | 'stderr') => {
    target.write = ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      output.stream(name, text);
      const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }) as typeof target.write;
  };
  hook(process.stdout, 'stdout');
  hook(process.stderr, 'stderr');
}
