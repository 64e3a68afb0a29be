// Reading and writing nbformat 4 notebooks (the .ipynb JSON) for the headless runner.
import type { Language, MimeBundle } from '../protocol/messages';

export interface NbOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  [key: string]: unknown;
}

export interface NbCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NbOutput[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NbCell[];
}

export class NotebookFormatError extends Error {}

export function parseNotebook(text: string, file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new NotebookFormatError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!nb || typeof nb !== 'object' || !Array.isArray(nb.cells)) {
    throw new NotebookFormatError(`${file} is not a Jupyter notebook: expected an object with a "cells" array`);
  }
  if (nb.nbformat !== 4) {
    throw new NotebookFormatError(`${file} has nbformat ${nb.nbformat}; only nbformat 4 notebooks are supported`);
  }
  return nb;
}

/** Jupyter's own layout: one-space indent, trailing newline. */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + '\n';
}

export function cellSource(cell: NbCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source ?? '';
}

/** The cell's language: VS Code's per-cell metadata, else the notebook's, else TypeScript. */
export function cellLanguage(cell: NbCell, nb: Notebook): string {
  const vscodeMeta = cell.metadata?.vscode as { languageId?: string } | undefined;
  const info = nb.metadata?.language_info as { name?: string } | undefined;
  const spec = nb.metadata?.kernelspec as { language?: string } | undefined;
  return (vscodeMeta?.languageId ?? info?.name ?? spec?.language ?? 'typescript').toLowerCase();
}

export function asKernelLanguage(language: string): Language | undefined {
  if (language === 'typescript' || language === 'ts') return 'typescript';
  if (language === 'javascript' || language === 'js') return 'javascript';
  return undefined;
}

/** Text goes into notebooks as lists of lines (each keeping its '\n'), as Jupyter writes it. */
export function toLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

const isTextMime = (mime: string) => mime.startsWith('text/') || mime === 'image/svg+xml' || mime === 'application/javascript';

/** A kernel bundle as nbformat `data`: text as line lists, JSON as is, binary as base64 strings. */
export function bundleToNbData(bundle: MimeBundle): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(bundle)) {
    data[mime] = isTextMime(mime) && typeof value === 'string' ? toLines(value) : value;
  }
  return data;
}
