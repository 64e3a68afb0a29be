// Draws one patches output (Zeiler & Fergus): a layer selector; for the chosen layer a grid with a row per unit
// and its top-k patches left to right, each with its activation; clicking a unit (or Enter / Space on it) opens
// a panel with its patches large and where each sits in its source image.
// Data reaches the page only as text nodes and attribute values (renderers/shared/dom.ts).
import { ensureStyle, h } from '../shared/dom';
import { renderError as showError } from '../shared/error';
import { truncateText } from '../shared/escape';
import { formatCompact } from '../shared/format';
import { THEME_CSS } from '../shared/theme.css';
import { describeLayer, describePatch, overlayBox, sourceOf, strongest } from './layout';
import { parsePatchesPayload, type PatchEntry, type PatchesPayload, type PatchLayer, type PatchUnit } from './payload';
import { PATCHES_CSS } from './style.css';
import type { RenderHandle } from '../shared/activate';

const TITLE_CHARS = 120;


/** Replaces `element`'s content with the patches output described by `data` (the parsed JSON payload). */
export function renderPatches(element: HTMLElement, data: unknown, signal?: AbortSignal): RenderHandle {
  ensureStyle(element, 'theme', THEME_CSS);
  ensureStyle(element, 'patches', PATCHES_CSS);
  const lifetime = new AbortController();
  signal?.addEventListener('abort', () => lifetime.abort(), { once: true, signal: lifetime.signal });
  const dispose = () => lifetime.abort();
  let payload: PatchesPayload;
  try {
    payload = parsePatchesPayload(data);
  } catch (error) {
    renderError(element, error);
    return { ready: Promise.resolve(), dispose };
  }
  const view = new PatchesView(payload, lifetime.signal);
  element.replaceChildren(view.root);
  return { ready: Promise.resolve(), dispose };
}

/** Shows why an output cannot be drawn, e.g. a hand-edited notebook with a broken payload. */
export function renderError(element: HTMLElement, error: unknown): void {
  showError(element, 'patches', error);
}

class PatchesView {
  readonly root: HTMLElement;
  private readonly layerButtons: HTMLButtonElement[];
  private readonly info = h('div', { class: 'convnet-patches-info convnet-muted' });
  private readonly grid = h('div', { class: 'convnet-patches-grid' });
  private readonly detail = h('div', { class: 'convnet-patches-detail', 'data-role': 'unit-detail', 'aria-live': 'polite', hidden: true });
  private layer: PatchLayer;
  private selectedRow: HTMLElement | undefined;

  constructor(private readonly payload: PatchesPayload, private readonly signal: AbortSignal) {
    this.layer = payload.layers[0];
    const per = payload.onePerImage ? ', one per image' : '';
    this.layerButtons = payload.layers.map(layer => {
      const button = h('button', { type: 'button', 'data-role': 'layer', 'data-layer': layer.name, 'aria-pressed': 'false' }, [layer.name]);
      button.addEventListener('click', () => this.showLayer(layer), { signal });
      return button;
    });
    this.root = h('div', { class: 'convnet-output convnet-patches', 'data-layers': payload.layers.map(l => l.name).join(',') }, [
      h('div', { class: 'convnet-patches-header' }, [
        payload.title ? h('span', { class: 'convnet-patches-title' }, [truncateText(payload.title, TITLE_CHARS)]) : null,
        h('span', { class: 'convnet-muted' }, [`top ${payload.k} patches per unit over ${payload.imageCount.toLocaleString('en-US')} images${per}`]),
      ]),
      h('div', { class: 'convnet-patches-layers', role: 'group', 'aria-label': 'Layer' }, this.layerButtons),
      this.info, this.grid, this.detail,
    ]);
    this.showLayer(this.layer);
  }

  private showLayer(layer: PatchLayer): void {
    this.layer = layer;
    this.layerButtons.forEach(b => b.setAttribute('aria-pressed', String(b.dataset.layer === layer.name)));
    this.root.dataset.layer = layer.name;
    this.info.textContent = describeLayer(layer);
    this.grid.dataset.layer = layer.name;
    this.grid.replaceChildren(...(layer.units.length ? layer.units.map(unit => this.unitRow(unit))
      : [h('div', { class: 'convnet-muted' }, ['No units in this layer.'])]));
    this.closeDetail();
  }

  private unitRow(unit: PatchUnit): HTMLElement {
    const best = strongest(unit.patches);
    const row = h('div', {
      class: 'convnet-patches-unit', role: 'button', tabindex: 0, 'data-role': 'unit', 'data-unit': unit.unit,
      'aria-expanded': 'false', 'aria-label': `unit ${unit.unit}: ${unit.patches.length} patches${best === undefined ? '' : `, strongest ${formatCompact(best)}`}`,
    }, [
      h('span', { class: 'convnet-patches-label' }, [`unit ${unit.unit}`]),
      ...unit.patches.map(patch => patchCell(patch)),
      unit.patches.length ? null : h('span', { class: 'convnet-muted' }, ['no patches']),
    ]);
    const toggle = () => (this.selectedRow === row ? this.closeDetail() : this.openDetail(unit, row));
    row.addEventListener('click', toggle, { signal: this.signal });
    row.addEventListener('keydown', event => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      toggle();
    }, { signal: this.signal });
    return row;
  }

  private openDetail(unit: PatchUnit, row: HTMLElement): void {
    this.selectedRow?.setAttribute('aria-expanded', 'false');
    this.selectedRow = row;
    row.setAttribute('aria-expanded', 'true');
    this.detail.dataset.unit = String(unit.unit);
    this.detail.replaceChildren(
      h('h3', {}, [`${this.layer.name} · unit ${unit.unit}`]),
      h('div', { class: 'convnet-patches-cards' }, unit.patches.map((patch, rank) => this.card(patch, rank))),
    );
    this.detail.hidden = false;
  }

  private closeDetail(): void {
    this.selectedRow?.setAttribute('aria-expanded', 'false');
    this.selectedRow = undefined;
    this.detail.hidden = true;
    this.detail.replaceChildren();
    delete this.detail.dataset.unit;
  }

  /** A patch large, its numbers, and its source image with the field outlined. */
  private card(patch: PatchEntry, rank: number): HTMLElement {
    const source = sourceOf(this.payload.images, patch);
    let where: HTMLElement | null = null;
    if (source) {
      const overlay = overlayBox(patch.box, source.height, source.width);
      const mark = overlay ? h('div', { class: `convnet-patches-overlay${patch.clipped ? ' convnet-patches-overlay-clipped' : ''}`, 'aria-hidden': 'true' }) : null;
      if (mark && overlay) Object.assign(mark.style, { top: `${overlay.top}%`, left: `${overlay.left}%`, height: `${overlay.height}%`, width: `${overlay.width}%` });
      where = h('div', { class: 'convnet-patches-source', 'data-role': 'patch-source' }, [
        h('img', { src: `data:image/png;base64,${source.thumbnail}`, alt: `image #${patch.image}, the field outlined` }), mark,
      ]);
    }
    return h('figure', { class: 'convnet-patches-card', 'data-role': 'patch-card' }, [
      h('img', {
        class: `convnet-patches-thumb${patch.clipped ? ' convnet-patches-clipped' : ''}`, src: `data:image/png;base64,${patch.thumbnail}`,
        alt: `patch ${rank + 1}`, title: describePatch(patch),
      }),
      h('figcaption', { class: 'convnet-patches-note' }, [
        `#${rank + 1}  ${formatCompact(patch.value)}`, h('br'), `image #${patch.image} at (${patch.position[0]}, ${patch.position[1]})`,
        patch.clipped ? h('span', { class: 'convnet-warn' }, [' · clipped']) : null,
      ]),
      where ?? h('span', { class: 'convnet-muted convnet-patches-note' }, ['(source image not included)']),
    ]);
  }
}

function patchCell(patch: PatchEntry): HTMLElement {
  return h('figure', { class: 'convnet-patches-cell', title: describePatch(patch) }, [
    h('img', {
      class: `convnet-patches-thumb${patch.clipped ? ' convnet-patches-clipped' : ''}`, src: `data:image/png;base64,${patch.thumbnail}`,
      alt: `activation ${formatCompact(patch.value)}, image #${patch.image}${patch.clipped ? ', clipped' : ''}`, width: 40, height: 40,
    }),
    h('figcaption', {}, [formatCompact(patch.value)]),
  ]);
}
