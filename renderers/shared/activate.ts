// The `activate` every renderer that redraws an output from scratch exports: one handle per output id,
// disposed when VS Code disposes the output or renders it again (an updated output keeps its id).
import type { ActivationFunction } from 'vscode-notebook-renderer';

export interface RenderHandle {
  /** Resolves when everything is drawn. */
  ready: Promise<void>;
  dispose(): void;
  /** What the reader chose in this view (a projection, a threshold…), handed to the next render of the same
   *  output: an output updated while its cell runs (display.update) keeps those choices. */
  state?(): unknown;
}

/**
 * @param what how an invalid output is named in the error, e.g. 'a tensor output'
 * @param render draws the parsed JSON payload into the element (`previous`: the state of the view it replaces)
 * @param renderError shows a message in place of the output
 */
export function redrawingRenderer(what: string,
  render: (element: HTMLElement, data: unknown, signal: AbortSignal, previous?: unknown) => RenderHandle,
  renderError: (element: HTMLElement, message: string) => void): ActivationFunction {
  return () => {
    const rendered = new Map<string, RenderHandle>();
    const dispose = (id: string) => {
      rendered.get(id)?.dispose();
      rendered.delete(id);
    };
    return {
      renderOutputItem(item, element, signal) {
        const previous = rendered.get(item.id)?.state?.();
        dispose(item.id);
        let data: unknown;
        try {
          data = item.json();
        } catch (error) {
          renderError(element, `Not ${what}: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
          return;
        }
        const handle = render(element, data, signal, previous);
        rendered.set(item.id, handle);
        return handle.ready;
      },
      disposeOutputItem(id) {
        if (id === undefined) [...rendered.keys()].forEach(dispose);
        else dispose(id);
      },
    };
  };
}
