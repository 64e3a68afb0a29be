// Draws one tensor output: header, stats, and an "Image" and/or "Values" view with a toggle.
import { ensureStyle, h } from '../shared/dom';
import { renderError as showError } from '../shared/error';
import { formatCompact } from '../shared/format';
import { THEME_CSS } from '../shared/theme.css';
import { imageView } from './image';
import { parseTensorPayload, type TensorPayload, type TensorStats } from './payload';
import { TENSOR_CSS } from './style.css';
import { valuesView } from './table';
import type { RenderHandle } from '../shared/activate';

/** Image tensors with fewer pixels than this open on "Values": a 2x3 matrix reads better as numbers. */
const SMALL_IMAGE_PIXELS = 64;


/** Replaces `element`'s content with the tensor output described by `data` (the parsed JSON payload). */
export function renderTensor(element: HTMLElement, data: unknown, signal?: AbortSignal): RenderHandle {
  ensureStyle(element, 'theme', THEME_CSS);
  ensureStyle(element, 'tensor', TENSOR_CSS);
  const lifetime = new AbortController();
  signal?.addEventListener('abort', () => lifetime.abort(), { once: true, signal: lifetime.signal });
  const dispose = () => lifetime.abort();

  let payload: TensorPayload;
  try {
    payload = parseTensorPayload(data);
  } catch (error) {
    renderError(element, error);
    return { ready: Promise.resolve(), dispose };
  }

  const root = h('div', {
    class: 'convnet-output convnet-tensor',
    'data-shape': payload.shape.join(','),
    'data-dtype': payload.dtype,
  }, [header(payload), payload.stats ? statsLine(payload.stats) : null]);

  const views: Array<{ name: string; element: HTMLElement }> = [];
  let ready = Promise.resolve();
  if (payload.image) {
    const image = imageView(payload, payload.image, lifetime.signal);
    ready = image.ready;
    views.push({ name: 'Image', element: image.element });
  }
  if (payload.values) {
    views.push({ name: 'Values', element: valuesView(payload.shape, payload.dtype, payload.values) });
  }
  if (views.length === 2) {
    const small = payload.image!.width * payload.image!.height < SMALL_IMAGE_PIXELS;
    root.append(viewToggle(views, small ? 'Values' : 'Image', lifetime.signal));
  }
  for (const view of views) root.append(view.element);
  if (views.length === 0 && payload.truncated) {
    root.append(h('div', { class: 'convnet-muted' }, ['Values are not included for tensors this large.']));
  }

  element.replaceChildren(root);
  return { ready, dispose };
}

/** Shows why an output cannot be drawn, e.g. a hand-edited notebook with a broken payload. */
export function renderError(element: HTMLElement, error: unknown): void {
  showError(element, 'tensor', error);
}

function header(payload: TensorPayload): HTMLElement {
  const size = `${payload.size.toLocaleString('en-US')} ${payload.size === 1 ? 'value' : 'values'}`;
  return h('div', { class: 'convnet-tensor-header' }, [
    h('span', { class: 'convnet-tensor-title' }, [`Tensor ${payload.dtype} [${payload.shape.join(', ')}]`]),
    h('span', { class: 'convnet-tensor-size convnet-muted' }, [payload.truncated ? `${size} (not all sent)` : size]),
  ]);
}

function statsLine(stats: TensorStats): HTMLElement {
  const stat = (name: string, value: string, className?: string) =>
    h('span', { class: className ? `convnet-tensor-stat ${className}` : 'convnet-tensor-stat', 'data-stat': name }, [
      h('span', { class: 'convnet-tensor-stat-name' }, [name]), value,
    ]);
  return h('div', { class: 'convnet-tensor-stats' }, [
    stat('min', formatCompact(stats.min)),
    stat('max', formatCompact(stats.max)),
    stat('mean', formatCompact(stats.mean)),
    stat('std', formatCompact(stats.std)),
    stats.nan > 0 ? stat('NaN', String(stats.nan), 'convnet-warn') : null,
    stats.inf > 0 ? stat('Inf', String(stats.inf), 'convnet-warn') : null,
  ]);
}

function viewToggle(views: Array<{ name: string; element: HTMLElement }>, initial: string, signal: AbortSignal): HTMLElement {
  const buttons = views.map(view => h('button', { type: 'button', 'data-view': view.name.toLowerCase() }, [view.name]));
  const select = (name: string) => views.forEach((view, i) => {
    view.element.hidden = view.name !== name;
    buttons[i].setAttribute('aria-pressed', String(view.name === name));
  });
  buttons.forEach((button, i) => button.addEventListener('click', () => select(views[i].name), { signal }));
  select(initial);
  return h('div', { class: 'convnet-tensor-toggle', role: 'group', 'aria-label': 'Show tensor as' }, buttons);
}
