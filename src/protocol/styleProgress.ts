// The application/vnd.convnet.style-progress+json payload: written by the style-transfer progress display
// (src/lib/style/), drawn by renderers/styleProgress. Type-only. The kernel sends it again through
// `display.update` as the run goes (throttled), each time whole: the renderer redraws from the latest payload.

export interface StyleProgressImage {
  /** Base64 PNG (no data: prefix), RGB, downscaled so the longer side is at most ~256 px. */
  png: string;
  width: number;
  height: number;
}

/** Losses at one iteration; absent terms were not part of the objective. */
export interface StyleLossPoint {
  iteration: number;
  total: number;
  content?: number;
  /** Weighted total style cost β·J_style is not stored; this is J_style (Σ λ_l J_style^[l]). */
  style?: number;
  /** J_style^[l] per style layer, unweighted, keyed by layer name. */
  styleLayers?: Record<string, number>;
  tv?: number;
  /** Seconds since the run started. */
  elapsed: number;
}

export interface StyleProgressFrame {
  iteration: number;
  image: StyleProgressImage;
}

export interface StyleProgressPayload {
  version: 1;
  status: 'running' | 'done' | 'interrupted' | 'error';
  /** Set when status is 'error'. */
  message?: string;
  iteration: number;
  iterations: number;
  /** Iterations per second over the run so far. */
  speed?: number;
  /** Network, backend, size, optimizer, α, β… as label → value, shown as a caption. */
  settings?: Record<string, string | number>;
  content?: StyleProgressImage;
  style?: StyleProgressImage;
  /** The current generated image (the best so far once the run stops). */
  current: StyleProgressImage;
  /** One point per iteration (or thinned evenly to ≤ 1000 points for long runs). */
  losses: StyleLossPoint[];
  /** Saved frames for the scrubber, oldest first (a few dozen at most). */
  frames: StyleProgressFrame[];
}
