// Entry point of the tensor renderer (application/vnd.convnet.tensor+json); render.ts does the drawing.
import type { ActivationFunction } from 'vscode-notebook-renderer';
import { renderError, renderTensor, type RenderHandle } from './render';

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
        renderError(element, `Not a tensor output: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
        return;
      }
      const handle = renderTensor(element, data, signal);
      rendered.set(item.id, handle);
      return handle.ready;
    },
    disposeOutputItem(id) {
      if (id === undefined) [...rendered.keys()].forEach(dispose);
      else dispose(id);
    },
  };
};
