// The one way a renderer shows that it cannot draw its output: the message as text, announced to screen readers.
import { THEME_CSS } from './theme.css';
import { ensureStyle, h } from './dom';

/** Replaces the output with `error`'s message; `kind` names the output (e.g. 'tensor') for styling and tests. */
export function renderError(element: HTMLElement, kind: string, error: unknown): void {
  ensureStyle(element, 'theme', THEME_CSS);
  element.replaceChildren(h('div', { class: `convnet-output convnet-${kind}-error convnet-error`, role: 'alert' },
    [error instanceof Error ? error.message : String(error)]));
}
