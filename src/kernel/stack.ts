// Turns an error thrown by cell code into Jupyter-style error fields, with stack frames mapped
// from the compiled JavaScript back to the cell's TypeScript and kernel-internal frames hidden.
import type { CompiledCell } from './compiler';

export interface FormattedError { ename: string; evalue: string; traceback: string[] }

/** `at fn (file:line:col)` or `at file:line:col`. The file may contain spaces ("Cell 3"). */
const FRAME = /^(\s*at (?:(.*?) \()?)(.*?):(\d+):(\d+)(\)?)$/;

/** Filename prefix of the vm scripts the kernel runs for itself (timer trampoline, SIGINT absorber). */
export const KERNEL_SCRIPT_PREFIX = 'convnet-kernel:';

/** Frames from these places are the kernel's own machinery, not the user's code. */
function isInternalFrame(file: string): boolean {
  return file.startsWith('node:internal') || file.startsWith('internal/') || file === 'node:vm' ||
    file.startsWith(KERNEL_SCRIPT_PREFIX) ||
    /[\\/]dist[\\/]kernel(-interrupt-worker)?\.js$/.test(file) || file === 'evalmachine.<anonymous>';
}

export function formatError(error: unknown, cells: ReadonlyMap<string, CompiledCell>): FormattedError {
  if (!(error instanceof Error) && !(typeof error === 'object' && error !== null && 'stack' in error)) {
    // `throw 'text'` or `throw 42`: there is no stack to show.
    const evalue = typeof error === 'string' ? error : safeString(error);
    return { ename: 'Uncaught', evalue, traceback: [`Uncaught ${evalue}`] };
  }
  const err = error as Error;
  const ename = err.name || 'Error';
  const evalue = err.message ?? '';
  const stack = typeof err.stack === 'string' ? err.stack : `${ename}: ${evalue}`;
  const lines = stack.split('\n');
  // The header may span several lines (multi-line messages): everything before the first frame.
  const firstFrame = lines.findIndex(l => /^\s*at /.test(l));
  const header = firstFrame < 0 ? lines : lines.slice(0, firstFrame);
  const frames = firstFrame < 0 ? [] : lines.slice(firstFrame);
  const mapped: string[] = [];
  for (const line of frames) {
    const m = FRAME.exec(line);
    if (!m) { mapped.push(line); continue; }
    const [, prefix, fn, file, lineNo, colNo, close] = m;
    if (isInternalFrame(file)) continue;
    if (fn && fn.includes('__cnb_')) continue;
    const cell = cells.get(file);
    if (!cell) { mapped.push(line); continue; }
    const pos = cell.originalPosition(Number(lineNo), Number(colNo) - 1);
    if (!pos) continue; // glue code the user never wrote
    mapped.push(`${prefix}${file}:${pos.line}:${pos.column + 1}${close}`);
  }
  return { ename, evalue, traceback: [...header, ...mapped] };
}

function safeString(value: unknown): string {
  try { return String(value); } catch { return Object.prototype.toString.call(value); }
}
