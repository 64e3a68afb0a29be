// DOM helpers for renderers: data only ever reaches the page as text nodes or attribute values,
// never as markup, so nothing in an output can inject HTML or script.

export type Attributes = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | number | null | undefined | false;

/** Creates `<tag attrs...>children</tag>`. Strings become text nodes; `true` attributes are present and
 *  empty; `false`, null and undefined ones are left out. Inline handlers (`on*`) are refused. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {},
  children: readonly Child[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (/^on/i.test(name)) throw new Error(`h: inline event handler attribute '${name}' is not allowed; use addEventListener`);
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  appendChildren(element, children);
  return element;
}

export function appendChildren(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Adds a constant style sheet once per document (or shadow root) that `element` lives in. */
export function ensureStyle(element: HTMLElement, id: string, css: string): void {
  const root = element.getRootNode();
  const container: ParentNode = root instanceof ShadowRoot ? root : document.head;
  if (container.querySelector(`style[data-convnet-style="${id}"]`)) return;
  const style = h('style', { 'data-convnet-style': id });
  style.textContent = css;
  container.appendChild(style);
}
