// Draws one embeddings output: header, projection selector and scatter, nearest neighbours, the
// threshold slider with the verification readout and ROC, the distance heatmap and the triplets panel.
// Data reaches the page only as text nodes and attribute values (renderers/shared/dom.ts).
import { ensureStyle, h } from '../shared/dom';
import { renderError as showError } from '../shared/error';
import { truncateText } from '../shared/escape';
import { formatCompact } from '../shared/format';
import { THEME_CSS } from '../shared/theme.css';
import { nextFrame, readTheme, type Theme } from '../shared/canvas';
import { heatmapView } from './heatmap';
import { pairwiseDistances, type Verification } from './math';
import { buildModel, type Model } from './model';
import { neighboursView } from './neighbours';
import { parseEmbeddingsPayload, type EmbeddingsPayload, type ProjectionMethod } from './payload';
import {
  alignAxes, allFinite, createStepper, DEFAULT_SEED, MIN_POINTS_STOCHASTIC, pcaProjection, runInChunks, type Coordinates,
} from './projection';
import { rocView } from './roc';
import { scatterView } from './scatter';
import { EMBEDDINGS_CSS } from './style.css';
import { tripletsView } from './triplets';
import type { RenderHandle } from '../shared/activate';

const METHOD_NAMES: Record<ProjectionMethod, string> = { pca: 'PCA', umap: 'UMAP', tsne: 't-SNE' };
const TITLE_CHARS = 120;
/** All N(N-1)/2 pairs are kept sorted (about 60 bytes each with the distance matrix): past this, memory and time grow too large. */
export const MAX_POINTS = 2500;


/** What a reader chose in a view, kept when the same output is drawn again with new data (see ViewState). */
interface ViewState { points: number; method: ProjectionMethod; threshold: number; pca?: Coordinates }

function viewState(previous: unknown, points: number): ViewState | undefined {
  const p = previous as Partial<ViewState> | undefined;
  return p && p.points === points && typeof p.threshold === 'number' && (p.method === 'pca' || p.method === 'umap' || p.method === 'tsne')
    ? p as ViewState : undefined;
}

/** Replaces `element`'s content with the embeddings output described by `data` (the parsed JSON payload).
 *  `previous`: the state of the view this one replaces (same output, updated): its projection, threshold and
 *  PCA orientation carry over when the points are the same in number. */
export function renderEmbeddings(element: HTMLElement, data: unknown, signal?: AbortSignal, previous?: unknown): RenderHandle {
  ensureStyle(element, 'theme', THEME_CSS);
  ensureStyle(element, 'embeddings', EMBEDDINGS_CSS);
  const lifetime = new AbortController();
  signal?.addEventListener('abort', () => lifetime.abort(), { once: true, signal: lifetime.signal });
  const dispose = () => lifetime.abort();

  let payload: EmbeddingsPayload;
  let model: Model;
  try {
    payload = parseEmbeddingsPayload(data);
    if (payload.points.length > MAX_POINTS) {
      throw new Error(`Too many points to draw: ${payload.points.length}; the embeddings view shows at most ${MAX_POINTS} (pass a sample)`);
    }
    model = buildModel(payload, pairwiseDistances(payload.points.map(p => p.vector)));
  } catch (error) {
    renderError(element, error);
    return { ready: Promise.resolve(), dispose };
  }
  const view = new EmbeddingsView(element, model, lifetime.signal, viewState(previous, model.n));
  element.replaceChildren(view.root);
  view.start();
  return { ready: Promise.resolve(), dispose, state: () => view.state() };
}

/** Shows why an output cannot be drawn, e.g. a hand-edited notebook with a broken payload. */
export function renderError(element: HTMLElement, error: unknown): void {
  showError(element, 'embeddings', error);
}

interface ProjectionState {
  coordinates?: Coordinates;
  caption: string;
  status: 'idle' | 'running' | 'done' | 'error';
}

class EmbeddingsView {
  readonly root: HTMLElement;
  private theme: Theme;
  private threshold: number;
  private selected: number | undefined;
  private method: ProjectionMethod;
  private readonly projections = new Map<ProjectionMethod, ProjectionState>();
  private readonly seed: number;
  private readonly scatter;
  private readonly neighbours;
  private readonly heatmap;
  private readonly roc;
  private readonly triplets;
  private readonly methodButtons: HTMLButtonElement[];
  private readonly progress: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly numberInput: HTMLInputElement;
  private readonly verification: HTMLElement;

  constructor(element: HTMLElement, private readonly model: Model, private readonly signal: AbortSignal, private readonly previous?: ViewState) {
    const { payload, n, identities } = model;
    this.theme = readTheme(element);
    const theme = () => this.theme;
    this.seed = payload.seed ?? DEFAULT_SEED;
    this.method = previous?.method ?? payload.projection ?? 'pca';
    this.threshold = clampTo(previous?.threshold ?? payload.threshold, model.range);

    this.methodButtons = (['pca', 'umap', 'tsne'] as const).map(method => {
      const button = h('button', { type: 'button', 'data-method': method, 'aria-pressed': String(method === this.method) }, [METHOD_NAMES[method]]);
      button.addEventListener('click', () => this.showProjection(method), { signal });
      return button;
    });
    this.progress = h('span', { class: 'convnet-emb-progress convnet-muted', 'data-role': 'projection-status', 'aria-live': 'polite' });
    this.scatter = scatterView(model, theme, index => this.select(index), signal);
    this.neighbours = neighboursView(model, theme, index => this.select(index), signal);
    this.heatmap = heatmapView(model, theme, signal);
    this.roc = rocView(model.pairs.roc(), theme);
    this.triplets = payload.triplets ? tripletsView(model, theme) : undefined;

    const [low, high] = model.range;
    this.slider = h('input', {
      type: 'range', min: low, max: high, step: 'any', value: this.threshold, 'data-role': 'threshold',
      'aria-label': 'Verification threshold: a pair is accepted when its distance is below it',
    });
    this.numberInput = h('input', {
      type: 'number', min: low, max: high, step: niceStep((high - low) / 100), value: roundForInput(this.threshold),
      class: 'convnet-emb-threshold-number', 'data-role': 'threshold-number', 'aria-label': 'Verification threshold',
    });
    this.verification = h('div', { class: 'convnet-emb-verification', 'data-role': 'verification', 'aria-live': 'polite' });
    this.slider.addEventListener('input', () => this.setThreshold(Number(this.slider.value), 'slider'), { signal });
    this.numberInput.addEventListener('input', () => {
      const value = Number(this.numberInput.value);
      if (this.numberInput.value !== '' && Number.isFinite(value)) this.setThreshold(clampTo(value, model.range), 'number');
    }, { signal });

    const title = payload.title ? truncateText(payload.title, TITLE_CHARS) : 'Face embeddings';
    const stochasticNote = n < MIN_POINTS_STOCHASTIC ? ` (UMAP and t-SNE need at least ${MIN_POINTS_STOCHASTIC} points)` : '';
    this.root = h('div', {
      class: 'convnet-output convnet-embeddings', 'data-points': n, 'data-identities': identities.labels.length,
      'data-dim': payload.dim, 'data-projection': this.method,
    }, [
      h('div', { class: 'convnet-emb-header' }, [
        h('span', { class: 'convnet-emb-title', title: payload.title ?? undefined }, [title]),
        h('span', { class: 'convnet-muted' }, [
          `${n} ${n === 1 ? 'point' : 'points'} · ${identities.labels.length} ${identities.labels.length === 1 ? 'identity' : 'identities'} · dim ${payload.dim} · Euclidean`,
        ]),
      ]),
      model.maxDistance === 0 && n > 1
        ? h('div', { class: 'convnet-warn', 'data-role': 'identical-warning' }, ['All vectors are identical: every distance is 0, and UMAP or t-SNE can only scatter them at random.'])
        : null,
      h('div', { class: 'convnet-emb-columns' }, [
        h('div', { class: 'convnet-emb-column convnet-emb-scatter-column' }, [
          h('div', { class: 'convnet-emb-toolbar' }, [
            h('div', { class: 'convnet-emb-methods', role: 'group', 'aria-label': 'Projection' }, this.methodButtons),
            this.progress,
          ]),
          stochasticNote ? h('div', { class: 'convnet-muted' }, [stochasticNote.trim()]) : null,
          this.scatter.element,
        ]),
        h('div', { class: 'convnet-emb-column convnet-emb-side' }, [
          h('h3', {}, ['Nearest neighbours']),
          this.neighbours.element,
        ]),
      ]),
      h('div', { class: 'convnet-emb-columns' }, [
        h('section', { class: 'convnet-emb-column', 'aria-label': 'Verification' }, [
          h('h3', {}, ['Verification: accept a pair when distance < threshold']),
          h('div', { class: 'convnet-emb-threshold' }, [h('label', {}, ['threshold ', this.slider]), this.numberInput]),
          this.verification,
          this.roc.element,
        ]),
        h('section', { class: 'convnet-emb-column', 'aria-label': 'Distance matrix' }, [
          h('h3', {}, ['Pairwise distances (sorted by identity)']),
          this.heatmap.element,
        ]),
      ]),
      this.triplets?.element ?? null,
    ]);

    // VS Code switches themes by changing the body's classes; canvases read colours, so redraw then.
    const observer = new MutationObserver(() => {
      this.theme = readTheme(this.root);
      this.scatter.redraw();
      this.heatmap.redraw();
      this.roc.redraw();
      this.triplets?.redraw();
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    signal.addEventListener('abort', () => observer.disconnect(), { once: true });
  }

  /** The reader's choices, for a redraw of this output with new data. */
  state(): ViewState {
    return { points: this.model.n, method: this.method, threshold: this.threshold, pca: this.projections.get('pca')?.coordinates ?? this.previous?.pca };
  }

  start(): void {
    // Colours are read again now the root is in the document, where the theme's variables apply.
    this.theme = readTheme(this.root);
    this.scatter.redraw();
    this.heatmap.redraw();
    this.triplets?.redraw();
    this.setThreshold(this.threshold, 'initial');
    this.neighbours.update(undefined, this.threshold);
    this.showProjection(this.method);
  }

  private select(index: number | undefined): void {
    this.selected = index;
    this.scatter.setSelected(index);
    this.neighbours.update(index, this.threshold);
  }

  private setThreshold(threshold: number, source: 'slider' | 'number' | 'initial'): void {
    this.threshold = threshold;
    if (source !== 'slider') this.slider.value = String(threshold);
    if (source !== 'number') this.numberInput.value = roundForInput(threshold);
    const result = this.model.pairs.verify(threshold);
    this.showVerification(result);
    this.roc.setVerification(result);
    this.heatmap.setThreshold(threshold);
    this.scatter.setThreshold(threshold);
    if (this.selected !== undefined) this.neighbours.update(this.selected, threshold);
  }

  private showVerification(v: Verification): void {
    const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');
    Object.assign(this.verification.dataset, {
      threshold: String(v.threshold), accepted: String(v.accepted), pairs: String(v.pairs),
      accuracy: String(v.accuracy), tpr: String(v.tpr), fpr: String(v.fpr),
    });
    this.verification.replaceChildren(
      h('div', {}, [
        `accepted pairs: ${v.accepted} of ${v.pairs}; accuracy ${percent(v.accuracy)}; TPR ${percent(v.tpr)}, FPR ${percent(v.fpr)}`,
      ]),
      h('div', { class: 'convnet-muted' }, [
        `threshold ${formatCompact(v.threshold)} · true accepts ${v.truePositives} · false accepts ${v.falsePositives} · `
        + `true rejects ${v.trueNegatives} · false rejects ${v.falseNegatives} (${v.positives} same-identity, ${v.negatives} different pairs)`,
      ]),
    );
  }

  private showProjection(method: ProjectionMethod): void {
    this.method = method;
    this.root.dataset.projection = method;
    this.methodButtons.forEach(button => button.setAttribute('aria-pressed', String(button.dataset.method === method)));
    let state = this.projections.get(method);
    if (!state) {
      state = { caption: '', status: 'idle' };
      this.projections.set(method, state);
      if (method === 'pca') {
        const result = pcaProjection(this.model.payload.points.map(p => p.vector));
        const coordinates = alignAxes(result.coordinates, this.previous?.pca);
        Object.assign(state, { coordinates, caption: `PCA: ${result.note}`, status: 'done' });
      } else {
        void this.runStochastic(method, state);
      }
    }
    this.showState(method, state);
  }

  /** Runs UMAP or t-SNE in chunks between frames, redrawing the scatter as it settles. */
  private async runStochastic(method: Exclude<ProjectionMethod, 'pca'>, state: ProjectionState): Promise<void> {
    state.status = 'running';
    state.caption = `${METHOD_NAMES[method]}: preparing…`;
    this.showState(method, state);
    await nextFrame();
    try {
      const stepper = createStepper(method, this.model.payload.points.map(p => p.vector), this.seed, this.model.distances);
      const finished = await runInChunks(stepper, {
        yieldToPage: nextFrame,
        signal: this.signal,
        onProgress: (done, total) => {
          state.coordinates = stepper.coordinates();
          state.caption = `${stepper.note}: ${method === 'umap' ? 'epoch' : 'iteration'} ${done} of ${total}`;
          if (this.method === method) this.showState(method, state);
        },
      });
      if (!finished) return;
      const coordinates = stepper.coordinates();
      if (!allFinite(coordinates)) throw new Error('the layout diverged (non-finite coordinates)');
      Object.assign(state, { coordinates, caption: stepper.note, status: 'done' });
    } catch (error) {
      Object.assign(state, {
        coordinates: undefined, status: 'error',
        caption: `${METHOD_NAMES[method]} could not run: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (!this.signal.aborted && this.method === method) this.showState(method, state);
  }

  private showState(method: ProjectionMethod, state: ProjectionState): void {
    if (this.method !== method) return;
    this.root.dataset.projectionStatus = state.status;
    this.progress.textContent = state.status === 'running' ? state.caption : '';
    this.progress.classList.toggle('convnet-error', state.status === 'error');
    if (state.status === 'error') this.progress.textContent = state.caption;
    this.scatter.setCoordinates(state.coordinates, state.status === 'running' ? `${METHOD_NAMES[method]} (running)` : state.caption);
  }
}

function clampTo(value: number, [low, high]: [number, number]): number {
  return Math.min(high, Math.max(low, value));
}

/** A round step for the number box: 1, 2 or 5 times a power of ten. */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 0.01;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
}

function roundForInput(value: number): string {
  return String(Number(value.toPrecision(6)));
}
