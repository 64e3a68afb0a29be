// Entry point of the patches renderer (application/vnd.convnet.patches+json); render.ts does the drawing.
import type { ActivationFunction } from 'vscode-notebook-renderer';
import { renderPatches, renderError, type RenderHandle } from './render';

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
        renderError(element, `Not a patches output: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
        return;
      }
      const handle = renderPatches(element, data, signal);
      rendered.set(item.id, handle);
      return handle.ready;
    },
    disposeOutputItem(id) {
      if (id === undefined) [...rendered.keys()].forEach(dispose);
      else dispose(id);
    },
  };
};
