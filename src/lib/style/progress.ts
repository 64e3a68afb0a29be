// Live progress of a style transfer in a notebook: one `display(value, { id })`, then throttled
// `display.update(id, value)`s, each carrying the whole StyleProgressPayload (the renderer redraws from the
// latest) plus an image/png of the current image for front ends without the renderer.
import type { Tensor3D } from '@tensorflow/tfjs';
import type { StyleLossPoint, StyleProgressFrame, StyleProgressImage, StyleProgressPayload } from '../../protocol/styleProgress';
import { DISPLAY_SYMBOL_KEY, STYLE_PROGRESS_MIME } from '../../protocol/mime';
import { toPng } from '../images';
import { tf } from '../tf';
import { kernelDisplayFunction } from '../ops/kernel';

/** The kernel's `display` global (or a stand-in with the same shape, e.g. in tests). */
export interface DisplayLike {
  (value: unknown, options?: { id?: string }): unknown;
  update(id: string, value: unknown): unknown;
}

export interface ProgressLimits {
  /** Fewest milliseconds between two updates (the first and the last are always sent). Default 250 (≤ 4/s). */
  minIntervalMs: number;
  /** Longer side of every image in the payload. Default 256. */
  maxSide: number;
  /** Saved frames for the scrubber. Default 16: every frame stays in the saved notebook. */
  maxFrames: number;
  /** Longer side of the saved frames. Default 128 (16 frames of 128 px are ~250 KB of base64). */
  frameSide: number;
  /** Loss points in one payload (thinned evenly beyond). Default 1000. */
  maxPoints: number;
}

export const DEFAULT_PROGRESS_LIMITS: ProgressLimits = { minIntervalMs: 250, maxSide: 256, maxFrames: 16, frameSide: 128, maxPoints: 1000 };

/** The running kernel's display function, when this runs inside a notebook kernel. */
export function kernelDisplay(): DisplayLike | undefined {
  const display = kernelDisplayFunction();
  return typeof display === 'function' ? display as DisplayLike : undefined;
}

/**
 * A base64 PNG of an RGB image in 0..1, downscaled (bilinear) so its longer side is at most `maxSide`.
 * @param image [h, w, 3], values in 0..1 (clamped); not disposed
 */
export async function progressImage(image: Tensor3D, maxSide = DEFAULT_PROGRESS_LIMITS.maxSide): Promise<StyleProgressImage> {
  const [h, w] = image.shape;
  const shrink = Math.min(1, maxSide / Math.max(h, w));
  const height = Math.max(1, Math.round(h * shrink)), width = Math.max(1, Math.round(w * shrink));
  const small = shrink < 1 ? tf.tidy(() => tf.image.resizeBilinear(image, [height, width], false, true)) : image;
  try {
    return { png: (await toPng(small)).toString('base64'), width, height };
  } finally {
    if (small !== image) small.dispose();
  }
}

/** At most `max` points, evenly spread, always keeping the first and the last. */
export function thinPoints<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return points.slice();
  if (max <= 1) return points.slice(-1);
  return Array.from({ length: max }, (_, i) => points[Math.round((i * (points.length - 1)) / (max - 1))]);
}

/** A value whose notebook display is the payload (custom renderer) with the current image as fallback. */
export function progressValue(payload: StyleProgressPayload): object {
  const last = payload.losses[payload.losses.length - 1];
  const summary = `Style transfer ${payload.status}: iteration ${payload.iteration}/${payload.iterations}`
    + (last ? `, J = ${last.total.toPrecision(5)}` : '');
  return {
    payload,
    [Symbol.for(DISPLAY_SYMBOL_KEY)]: () => ({ [STYLE_PROGRESS_MIME]: payload, 'image/png': payload.current.png, 'text/plain': summary }),
  };
}

let displayCount = 0;

/** Builds the payload as a run goes and sends it through `display`, throttled. */
export class StyleProgressReporter {
  readonly id = `convnet-style-${process.pid}-${++displayCount}`;
  private readonly limits: ProgressLimits;
  private readonly losses: StyleLossPoint[] = [];
  private readonly frames: StyleProgressFrame[] = [];
  private current: StyleProgressImage | undefined;
  private lastSent = -Infinity;
  private shown = false;
  private iteration = 0;
  /** Payloads sent so far (for tests and diagnostics). */
  sent = 0;

  constructor(private readonly display: DisplayLike, private readonly meta: {
    iterations: number; settings?: Record<string, string | number>; content?: StyleProgressImage; style?: StyleProgressImage;
  }, limits: Partial<ProgressLimits> = {}, private readonly now: () => number = () => performance.now()) {
    this.limits = { ...DEFAULT_PROGRESS_LIMITS, ...limits };
  }

  /** Iterations between two saved frames. */
  private get frameEvery(): number { return Math.max(1, Math.ceil(this.meta.iterations / this.limits.maxFrames)); }

  /**
   * Records one loss point; sends an update when one is due (or `force`), and saves a frame every
   * iterations/maxFrames iterations. `image()` gives the current image (0..1, [h, w, 3], the caller keeps it);
   * it is read only when a frame or an update needs it.
   */
  async record(point: StyleLossPoint, image: () => Tensor3D, force = false): Promise<void> {
    this.losses.push(point);
    this.iteration = point.iteration;
    const due = force || !this.shown || this.now() - this.lastSent >= this.limits.minIntervalMs;
    const frameDue = point.iteration % this.frameEvery === 0 && this.frames.length < this.limits.maxFrames;
    if (!due && !frameDue) return;
    const current = image();
    this.current = await progressImage(current, this.limits.maxSide);
    if (frameDue) {
      const frame = this.limits.frameSide >= this.limits.maxSide ? this.current : await progressImage(current, this.limits.frameSide);
      this.frames.push({ iteration: point.iteration, image: frame });
    }
    if (due) await this.send('running');
  }

  /** The last update: status, the final (best) image, and every recorded point (thinned). */
  async finish(status: StyleProgressPayload['status'], image: Tensor3D | undefined, message?: string): Promise<void> {
    if (image) this.current = await progressImage(image, this.limits.maxSide);
    await this.send(status, message);
  }

  payload(status: StyleProgressPayload['status'], message?: string): StyleProgressPayload {
    const last = this.losses[this.losses.length - 1];
    const speed = last && last.elapsed > 0 ? this.losses.length / last.elapsed : undefined;
    return {
      version: 1, status, ...(message ? { message } : {}),
      iteration: this.iteration, iterations: this.meta.iterations,
      ...(speed !== undefined ? { speed } : {}),
      ...(this.meta.settings ? { settings: this.meta.settings } : {}),
      ...(this.meta.content ? { content: this.meta.content } : {}),
      ...(this.meta.style ? { style: this.meta.style } : {}),
      current: this.current ?? this.meta.content ?? { png: '', width: 0, height: 0 },
      losses: thinPoints(this.losses, this.limits.maxPoints),
      frames: this.frames.slice(),
    };
  }

  private async send(status: StyleProgressPayload['status'], message?: string): Promise<void> {
    const value = progressValue(this.payload(status, message));
    this.lastSent = this.now();
    this.sent++;
    if (!this.shown) { this.shown = true; await this.display(value, { id: this.id }); } else await this.display.update(this.id, value);
  }
}
