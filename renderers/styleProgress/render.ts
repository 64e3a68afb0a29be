// Draws one style-transfer progress output: a header (status, iteration i / N, progress bar, speed, the
// run's settings), the content, style and current images, the loss chart and, once the run has stopped,
// a scrubber through the saved frames. The kernel sends the whole payload again on every update; the view
// is built once per output id and updated in place, so images, focus, hidden series, the hover and the
// scrubber position survive. Data reaches the page only as text nodes and attribute values (shared/dom.ts).
import { ensureStyle, h } from '../shared/dom';
import { renderError as showError } from '../shared/error';
import { formatCompact } from '../shared/format';
import { THEME_CSS } from '../shared/theme.css';
import { LossChart } from './chart';
import { nearestIndex } from './curves';
import { speedText } from './summary';
import { parseStyleProgressPayload, type StyleProgressImage, type StyleProgressPayload } from './payload';
import { STYLE_PROGRESS_CSS } from './style.css';

/** Longest side on screen of the current image, and of the content and style images. */
const CURRENT_SIDE = 256;
const SOURCE_SIDE = 128;

/** Shows why an output cannot be drawn, e.g. a hand-edited notebook with a broken payload. */
export function renderError(element: HTMLElement, error: unknown): void {
  showError(element, 'style-progress', error);
}

/** Checks `data` and shows it in `view` (made when undefined); returns the view, or undefined after showing an error. */
export function renderStyleProgress(element: HTMLElement, data: unknown, view: StyleProgressView | undefined): StyleProgressView | undefined {
  ensureStyle(element, 'theme', THEME_CSS);
  ensureStyle(element, 'style-progress', STYLE_PROGRESS_CSS);
  let payload: StyleProgressPayload;
  try {
    payload = parseStyleProgressPayload(data);
  } catch (error) {
    view?.dispose();
    renderError(element, error);
    return undefined;
  }
  view ??= new StyleProgressView();
  // An update may come with the same element (keep everything) or a fresh one (move the view there).
  if (view.root.parentNode !== element) element.replaceChildren(view.root);
  view.update(payload);
  return view;
}

/** An <img> whose src changes only when its PNG does (a new data: URL makes the browser decode again). */
class ImageSlot {
  readonly element: HTMLElement;
  readonly img: HTMLImageElement;
  private readonly placeholder: HTMLElement;
  private readonly caption: HTMLElement;
  private png: string | undefined;

  constructor(role: string, private readonly side: number, captionText: string) {
    this.img = h('img', { 'data-role': role, alt: '', decoding: 'async' });
    this.placeholder = h('div', { class: 'convnet-sp-placeholder convnet-muted', hidden: true }, ['no image yet']);
    this.caption = h('figcaption', { 'data-role': `${role}-caption` }, [captionText]);
    this.element = h('figure', { class: `convnet-sp-figure convnet-sp-${role}` }, [this.img, this.placeholder, this.caption]);
  }

  show(image: StyleProgressImage | undefined, alt: string, caption?: string): void {
    this.element.hidden = image === undefined;
    if (caption !== undefined && this.caption.textContent !== caption) this.caption.textContent = caption;
    if (!image) return;
    const empty = image.png === '' || image.width === 0 || image.height === 0;
    this.img.hidden = empty;
    this.placeholder.hidden = !empty;
    if (this.img.getAttribute('alt') !== alt) this.img.setAttribute('alt', alt);
    if (empty || image.png === this.png) return;
    this.png = image.png;
    const scale = this.side / Math.max(image.width, image.height);
    this.img.style.width = `${Math.round(image.width * scale)}px`;
    this.img.style.aspectRatio = `${image.width} / ${image.height}`;
    this.img.setAttribute('src', `data:image/png;base64,${image.png}`);
  }
}

const STATUS_TEXT: Record<StyleProgressPayload['status'], string> = {
  running: 'running', done: 'done', interrupted: 'interrupted', error: 'error',
};

export class StyleProgressView {
  readonly root: HTMLElement;
  private readonly lifetime = new AbortController();
  private readonly badge = h('span', { class: 'convnet-sp-badge', 'data-role': 'status' });
  private readonly message = h('span', { class: 'convnet-sp-message', 'data-role': 'message', hidden: true });
  private readonly iterationText = h('span', { class: 'convnet-sp-iteration', 'data-role': 'iteration' });
  private readonly bar = h('div', { class: 'convnet-sp-bar-fill' });
  private readonly progress = h('div', {
    class: 'convnet-sp-bar', role: 'progressbar', 'aria-label': 'Iterations done', 'aria-valuemin': 0,
  }, [this.bar]);
  private readonly speedText = h('span', { class: 'convnet-sp-speed convnet-muted', 'data-role': 'speed' });
  private readonly settings = h('div', { class: 'convnet-sp-settings convnet-muted', 'data-role': 'settings' });
  private settingsKey = '';
  private readonly content = new ImageSlot('content', SOURCE_SIDE, 'content');
  private readonly style = new ImageSlot('style', SOURCE_SIDE, 'style');
  private readonly current = new ImageSlot('current', CURRENT_SIDE, 'current');
  private readonly chart: LossChart;
  private readonly scrubberSlot = h('div', { class: 'convnet-sp-scrubber-slot' });
  private scrubber: { element: HTMLElement; range: HTMLInputElement; latest: HTMLButtonElement; caption: HTMLElement } | undefined;
  private payload: StyleProgressPayload | undefined;
  /** The scrubbed frame's iteration; undefined while the latest (final) image is shown. */
  private scrubbed: number | undefined;

  constructor() {
    const signal = this.lifetime.signal;
    this.chart = new LossChart(signal);
    this.root = h('div', { class: 'convnet-output convnet-style-progress' }, [
      h('div', { class: 'convnet-sp-header' }, [
        this.badge, this.iterationText, this.progress, this.speedText, this.message,
      ]),
      this.settings,
      h('div', { class: 'convnet-sp-images' }, [this.content.element, this.style.element, this.current.element]),
      this.scrubberSlot,
      this.chart.element,
    ]);
    // VS Code switches themes by changing the body's classes; the canvas reads colours, so redraw then.
    const observer = new MutationObserver(() => this.chart.redraw());
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    signal.addEventListener('abort', () => observer.disconnect(), { once: true });
  }

  dispose(): void {
    this.lifetime.abort();
  }

  update(payload: StyleProgressPayload): void {
    this.payload = payload;
    const { status, iteration, iterations } = payload;
    Object.assign(this.root.dataset, { status, iteration: String(iteration), iterations: String(iterations) });
    this.badge.className = `convnet-sp-badge convnet-sp-${status}`;
    this.badge.textContent = STATUS_TEXT[status];
    this.iterationText.textContent = `iteration ${iteration} / ${iterations}`;
    const fraction = iterations > 0 ? Math.min(1, iteration / iterations) : status === 'running' ? 0 : 1;
    this.bar.style.width = `${(100 * fraction).toFixed(2)}%`;
    this.progress.setAttribute('aria-valuemax', String(iterations));
    this.progress.setAttribute('aria-valuenow', String(Math.min(iteration, iterations)));
    this.speedText.textContent = speedText(payload);
    this.message.hidden = !payload.message;
    this.message.textContent = payload.message ?? '';
    this.message.classList.toggle('convnet-error', status === 'error');
    if (status === 'error') this.message.setAttribute('role', 'alert'); else this.message.removeAttribute('role');
    this.showSettings(payload.settings);

    this.content.show(payload.content, 'content image');
    this.style.show(payload.style, 'style image');
    this.chart.update(payload.losses, iterations);
    this.updateScrubber();
  }

  private showSettings(settings: Record<string, string | number> | undefined): void {
    const key = JSON.stringify(settings ?? {});
    if (key === this.settingsKey) return;
    this.settingsKey = key;
    this.settings.hidden = !settings || Object.keys(settings).length === 0;
    this.settings.replaceChildren(...Object.entries(settings ?? {}).map(([label, value]) =>
      h('span', { class: 'convnet-sp-setting' }, [h('span', { class: 'convnet-sp-setting-label' }, [`${label}: `]),
        typeof value === 'number' ? formatCompact(value) : value])));
  }

  /** The scrubber exists once the run has stopped and there are frames; it keeps the frame the user chose. */
  private updateScrubber(): void {
    const payload = this.payload!;
    const frames = payload.frames;
    if (payload.status === 'running' || frames.length === 0) {
      this.scrubber?.element.remove();
      this.scrubber = undefined;
      this.scrubbed = undefined;
      this.showCurrent();
      return;
    }
    if (!this.scrubber) this.scrubber = this.buildScrubber();
    const { range } = this.scrubber;
    range.max = String(frames.length - 1);
    if (this.scrubbed !== undefined) {
      const index = nearestIndex(frames, this.scrubbed);
      this.scrubbed = frames[index].iteration;
      range.value = String(index);
    } else {
      range.value = String(frames.length - 1);
    }
    this.showCurrent();
  }

  private buildScrubber(): NonNullable<StyleProgressView['scrubber']> {
    const signal = this.lifetime.signal;
    const range = h('input', {
      type: 'range', min: 0, step: 1, 'data-role': 'scrubber', 'aria-label': 'Saved frame (by iteration)',
    });
    const latest = h('button', { type: 'button', 'data-role': 'latest', title: 'Show the final image again' }, ['latest']);
    const caption = h('span', { class: 'convnet-sp-scrubber-caption', 'data-role': 'scrubber-caption', 'aria-live': 'polite' });
    range.addEventListener('input', () => {
      const frames = this.payload!.frames;
      this.scrubbed = frames[Math.min(frames.length - 1, Math.max(0, Number(range.value)))].iteration;
      this.showCurrent();
    }, { signal });
    latest.addEventListener('click', () => {
      this.scrubbed = undefined;
      range.value = range.max;
      this.showCurrent();
    }, { signal });
    const element = h('div', { class: 'convnet-sp-scrubber' }, [
      h('label', {}, ['frames ', range]), latest, caption,
    ]);
    this.scrubberSlot.replaceChildren(element);
    return { element, range, latest, caption };
  }

  /** The current slot: the scrubbed frame, or the payload's current image; with the chart's marker and the scrubber's hooks. */
  private showCurrent(): void {
    const payload = this.payload!;
    const stopped = payload.status !== 'running';
    if (this.scrubbed !== undefined && this.scrubber) {
      const frame = payload.frames[nearestIndex(payload.frames, this.scrubbed)];
      this.current.show(frame.image, `generated image at iteration ${frame.iteration}`, `frame at iteration ${frame.iteration}`);
      this.scrubber.range.dataset.frameIteration = String(frame.iteration);
      this.scrubber.range.setAttribute('aria-valuetext', `iteration ${frame.iteration}`);
      this.scrubber.caption.textContent = `iteration ${frame.iteration} of ${payload.iteration}`;
      this.scrubber.latest.setAttribute('aria-pressed', 'false');
      this.chart.setMarker(frame.iteration);
      return;
    }
    const caption = stopped ? 'result (best image of the run)' : `current · iteration ${payload.iteration}`;
    this.current.show(payload.current, stopped ? 'the resulting generated image' : `generated image at iteration ${payload.iteration}`, caption);
    if (this.scrubber) {
      this.scrubber.range.dataset.frameIteration = 'latest';
      this.scrubber.range.setAttribute('aria-valuetext', 'the final image');
      this.scrubber.caption.textContent = `final image · ${payload.frames.length} saved ${payload.frames.length === 1 ? 'frame' : 'frames'}`;
      this.scrubber.latest.setAttribute('aria-pressed', 'true');
    }
    this.chart.setMarker(undefined);
  }
}
