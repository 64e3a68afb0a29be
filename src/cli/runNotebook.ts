// Runs every code cell of a notebook in order with one kernel and writes the outputs back, like
// `jupyter nbconvert --execute --inplace`. The file is replaced atomically and only after the run,
// so an interrupted or failing run never leaves a half-written notebook.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelClient } from '../kernel/client';
import { OutputCollector } from './collector';
import { asKernelLanguage, cellLanguage, cellSource, parseNotebook, serializeNotebook } from './nbformat';

export interface RunOptions {
  input: string;
  /** Default: write back to `input`. */
  output?: string;
  /** Per-cell limit; the cell is interrupted, then the kernel killed if it does not stop. */
  timeoutSeconds?: number;
  allowErrors?: boolean;
  kernelPath: string;
  nodePath?: string;
  env?: Record<string, string | undefined>;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export interface RunSummary {
  cellsRun: number;
  failedCells: number[];
  /** 1-based index of the cell that stopped the run (no --allow-errors), if any. */
  stoppedAt?: number;
  written: boolean;
  seconds: number;
}

export async function runNotebook(options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const progress = options.progress ?? (() => {});
  const input = path.resolve(options.input);
  const nb = parseNotebook(fs.readFileSync(input, 'utf8'), input);
  const codeCells = nb.cells.map((c, i) => ({ cell: c, index: i })).filter(({ cell }) => cell.cell_type === 'code');
  const kernel = KernelClient.start({
    kernelPath: options.kernelPath,
    cwd: path.dirname(input),
    nodePath: options.nodePath,
    env: options.env,
    log: line => { if (process.env.CONVNET_DEBUG) progress(line); },
  });
  const summary: RunSummary = { cellsRun: 0, failedCells: [], written: false, seconds: 0 };
  try {
    await kernel.ready;
    let executionCount = 0;
    for (const { cell, index } of codeCells) {
      const cellName = `Cell ${index + 1}`;
      const source = cellSource(cell);
      const collector = new OutputCollector(++executionCount);
      const cellStarted = Date.now();
      const languageName = cellLanguage(cell, nb);
      const language = asKernelLanguage(languageName);
      let ok: boolean;
      if (!source.trim()) {
        ok = true;
      } else if (!language) {
        collector.addFailure('UnsupportedLanguage', `${cellName} is ${languageName}; this kernel runs TypeScript and JavaScript cells`);
        ok = false;
      } else {
        ok = await runCell(kernel, source, language, cellName, collector, options.timeoutSeconds);
      }
      cell.outputs = collector.outputs;
      cell.execution_count = executionCount;
      summary.cellsRun++;
      progress(`[${summary.cellsRun}/${codeCells.length}] ${cellName} ${ok ? 'ok' : 'FAILED'} in ${((Date.now() - cellStarted) / 1000).toFixed(2)} s`);
      if (!ok) {
        summary.failedCells.push(index + 1);
        for (const o of collector.outputs) if (o.output_type === 'error') progress(`  ${o.ename}: ${o.evalue}`);
        if (!options.allowErrors) { summary.stoppedAt = index + 1; break; }
        if (!kernel.alive) break;
      }
    }
    // The backend is part of every result: say which one ran the maths, and any fallback.
    const info = await kernel.info();
    if (info?.backend) {
      progress(`backend: ${info.backend.name} (${info.backend.detail})`);
      if (info.backend.warning) progress(`warning: ${info.backend.warning}`);
    }
  } finally {
    await kernel.shutdown();
  }
  // Like nbconvert: a failing run writes nothing unless errors are allowed.
  if (summary.stoppedAt === undefined) {
    const out = path.resolve(options.output ?? input);
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, serializeNotebook(nb));
    fs.renameSync(tmp, out);
    summary.written = true;
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

async function runCell(kernel: KernelClient, source: string, language: 'typescript' | 'javascript', cellName: string,
  collector: OutputCollector, timeoutSeconds?: number): Promise<boolean> {
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  if (timeoutSeconds && timeoutSeconds > 0) {
    timers.push(setTimeout(() => {
      timedOut = true;
      kernel.interrupt();
      // Interrupt is polite; a kernel that does not stop within 5 s is killed.
      timers.push(setTimeout(() => kernel.kill(), 5000));
    }, timeoutSeconds * 1000));
  }
  const outcome = await kernel.execute(source, language, cellName, m => collector.add(m));
  timers.forEach(clearTimeout);
  if (timedOut) collector.addFailure('CellTimeoutError', `${cellName} did not finish within ${timeoutSeconds} s (--timeout)`);
  if (outcome.status === 'died') {
    if (!timedOut) collector.addFailure('KernelDied', outcome.message);
    return false;
  }
  return outcome.status === 'ok' && !timedOut;
}
