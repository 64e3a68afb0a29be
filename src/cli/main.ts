// `convnet-notebooks run IN.ipynb [--out OUT.ipynb] [--timeout SECONDS] [--allow-errors]`
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotebookFormatError } from './nbformat';
import { runNotebook } from './runNotebook';

const USAGE = `Usage: convnet-notebooks run IN.ipynb [--out OUT.ipynb] [--timeout SECONDS] [--allow-errors] [--backend NAME]

Runs every code cell of IN.ipynb in order in one ConvNet TypeScript kernel and writes the outputs
(nbformat 4) back to IN.ipynb, or to OUT.ipynb with --out.
  --out FILE         write the executed notebook here instead of over IN
  --timeout SECONDS  interrupt a cell that runs longer than this (default: no limit)
  --allow-errors     keep going after a failing cell and write the notebook anyway
  --backend NAME     TensorFlow.js backend: auto, webgpu, tensorflow, wasm or cpu (or CONVNET_BACKEND)
Exit status: 0 when every cell succeeded (or --allow-errors), 1 when a cell failed, 2 on bad usage.`;

class UsageError extends Error {}

interface Args { input: string; output?: string; timeoutSeconds?: number; allowErrors: boolean; backend?: string }

function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === undefined) throw new UsageError('');
  if (command !== 'run') throw new UsageError(`unknown command '${command}'`);
  const args: Partial<Args> = { allowErrors: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--out' || a === '-o') args.output = value();
    else if (a === '--timeout') {
      const v = value();
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got '${v}'`);
      args.timeoutSeconds = n;
    } else if (a === '--allow-errors') args.allowErrors = true;
    else if (a === '--backend') args.backend = value();
    else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
    else if (args.input === undefined) args.input = a;
    else throw new UsageError(`unexpected argument '${a}' (one notebook at a time)`);
  }
  if (!args.input) throw new UsageError('missing the notebook to run (IN.ipynb)');
  if (!fs.existsSync(args.input)) throw new UsageError(`no such notebook: ${args.input}`);
  return args as Args;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`convnet-notebooks: ${e.message}\n\n`);
      process.stderr.write(USAGE + '\n');
      return e.message ? 2 : 0;
    }
    throw e;
  }
  const env = args.backend ? { CONVNET_BACKEND: args.backend } : undefined;
  const log = (line: string) => process.stderr.write(line + '\n');
  log(`convnet-notebooks: running ${args.input}`);
  try {
    const summary = await runNotebook({
      input: args.input, output: args.output, timeoutSeconds: args.timeoutSeconds, allowErrors: args.allowErrors,
      kernelPath: path.join(__dirname, 'kernel.js'), env, progress: log,
    });
    if (summary.written) log(`convnet-notebooks: wrote ${args.output ?? args.input} (${summary.cellsRun} cells, ${summary.seconds.toFixed(1)} s)`);
    else log(`convnet-notebooks: stopped at cell ${summary.stoppedAt}; nothing written (use --allow-errors to save the outputs anyway)`);
    return summary.failedCells.length > 0 && !args.allowErrors ? 1 : 0;
  } catch (e) {
    if (e instanceof NotebookFormatError) { log(`convnet-notebooks: ${e.message}`); return 2; }
    throw e;
  }
}

main().then(code => { process.exitCode = code; }, e => { console.error(e); process.exitCode = 1; });
