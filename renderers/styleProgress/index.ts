// Entry point of the style-transfer progress renderer (application/vnd.convnet.style-progress+json);
// render.ts does the drawing. The kernel updates the output many times a run (`display.update`), and VS Code
// then calls renderOutputItem again with the same item id: the view for that id is updated in place.
import type { ActivationFunction } from 'vscode-notebook-renderer';
import { renderError, renderStyleProgress, type StyleProgressView } from './render';

export const activate: ActivationFunction = () => {
  const views = new Map<string, StyleProgressView>();
  const dispose = (id: string) => {
    views.get(id)?.dispose();
    views.delete(id);
  };

  return {
    renderOutputItem(item, element) {
      let data: unknown;
      try {
        data = item.json();
      } catch (error) {
        dispose(item.id);
        renderError(element, `Not a style-progress output: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
        return;
      }
      const view = renderStyleProgress(element, data, views.get(item.id));
      if (view) views.set(item.id, view); else views.delete(item.id);
    },
    disposeOutputItem(id) {
      if (id === undefined) [...views.keys()].forEach(dispose);
      else dispose(id);
    },
  };
};
