// Kernel MIME bundles as VS Code output items, richest first so the renderer picks the custom view
// and other viewers still have the image/png or text/html fallback.
import * as vscode from 'vscode';
import type { MimeBundle } from '../protocol/messages';

function rank(mime: string): number {
  if (mime.startsWith('application/vnd.convnet.')) return 0;
  if (mime.startsWith('image/')) return 1;
  if (mime === 'text/html') return 2;
  if (mime === 'text/markdown') return 3;
  if (mime === 'text/plain') return 9;
  return 5;
}

export function bundleToItems(bundle: MimeBundle): vscode.NotebookCellOutputItem[] {
  return Object.entries(bundle)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([mime, value]) => toItem(mime, value));
}

function toItem(mime: string, value: unknown): vscode.NotebookCellOutputItem {
  if (mime.startsWith('image/') && mime !== 'image/svg+xml' && typeof value === 'string') {
    return new vscode.NotebookCellOutputItem(Buffer.from(value, 'base64'), mime);
  }
  if (typeof value === 'string') return vscode.NotebookCellOutputItem.text(value, mime);
  return vscode.NotebookCellOutputItem.json(value, mime);
}
