// Entry point of the embeddings renderer (application/vnd.convnet.embeddings+json); render.ts does the drawing.
import type { ActivationFunction } from 'vscode-notebook-renderer';
import { renderEmbeddings, renderError, type RenderHandle } from './render';

export const activate: ActivationFunction = () => {
  const rendered = new Map<string, RenderHandle>();
  const dispose = (id: string) => {
    rendered.get(id)?.dispose();
    rendered.delete(id);
  };

  return {
    renderOutputItem(item, element, signal) {
      // An updated output is rendered again under the same id.
      dispose(item.id);
      let data: unknown;
      try {
        data = item.json();
      } catch (error) {
        renderError(element, `Not an embeddings output: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
        return;
      }
      const handle = renderEmbeddings(element, data, signal);
      rendered.set(item.id, handle);
      return handle.ready;
    },
    disposeOutputItem(id) {
      if (id === undefined) [...rendered.keys()].forEach(dispose);
      else dispose(id);
    },
  };
};
