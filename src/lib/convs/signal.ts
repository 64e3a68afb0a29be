// An ECG pipeline built from 1-D convolutions, in the spirit of Pan & Tompkins (1985): band-pass (a triangular
// low-pass, then "signal minus its moving average" as a high-pass), a 5-point derivative, squaring and a moving-
// window integration, each a tf.conv1d with a documented kernel; then R-peak detection with adaptive thresholds
// and a refractory period, beat windows, and a documented rule that labels beats normal or abnormal.
import type { Tensor1D, Tensor3D } from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { tf } from '../tf';
import { check, isPositiveInteger } from './errors';

export interface EcgRecord {
  /** Samples in `unit`. */
  samples: Float32Array;
  /** Samples per second. */
  sampleRate: number;
  /** The CSV header, e.g. 'mV'. */
  unit: string;
}

/** Reads a one-column CSV (a header line such as `mV`, then one number per line). */
export function parseEcgCsv(text: string, sampleRate = 360): EcgRecord {
  check(typeof text === 'string', () => `parseEcgCsv: text must be the CSV's contents (a string); got ${typeof text}`);
  check(typeof sampleRate === 'number' && sampleRate > 0, () => `parseEcgCsv: sampleRate must be a positive number; got ${sampleRate}`);
  const lines = text.split(/\r?\n/).map(l => l.trim()).filter(l => l.length > 0);
  const unit = lines.length > 0 && Number.isNaN(Number(lines[0])) ? lines.shift()! : '';
  const samples = new Float32Array(lines.length);
  lines.forEach((l, i) => {
    const v = Number(l);
    check(Number.isFinite(v), () => `parseEcgCsv: line ${i + (unit ? 2 : 1)} is not a number: ${JSON.stringify(l.slice(0, 40))}`);
    samples[i] = v;
  });
  check(samples.length > 0, () => 'parseEcgCsv: the CSV has no samples');
  return { samples, sampleRate, unit };
}

/** Loads an ECG CSV from disk (relative paths resolve from the notebook's folder). Default 360 Hz (MIT-BIH). */
export async function loadEcg(path: string, options: { sampleRate?: number } = {}): Promise<EcgRecord> {
  check(typeof path === 'string', () => `loadEcg: path must be a file path (string); got ${typeof path}`);
  return parseEcgCsv(await readFile(path, 'utf8'), options.sampleRate ?? 360);
}

/** The FIR kernels of the pipeline at a sample rate; all have odd length, so 'same' padding keeps them centred. */
export interface EcgKernels {
  /** Triangle (a box of round(fs/33) convolved with itself): low-pass with its first zero near 33 Hz, as P&T's. */
  lowPass: Float32Array;
  /** δ − box(2·round(0.08·fs)+1): removes the 160 ms moving average (baseline wander, P and T waves). */
  highPass: Float32Array;
  /** fs/8 · [−1, −2, 0, 2, 1]: P&T's five-point derivative, in units per second. */
  derivative: Float32Array;
  /** box(2·round(0.075·fs)+1) / length: the 150 ms moving-window integration. */
  integration: Float32Array;
}

function box(length: number): Float32Array {
  return new Float32Array(length).fill(1 / length);
}

/** The kernels used by filterEcg at `sampleRate` Hz. */
export function ecgKernels(sampleRate: number): EcgKernels {
  check(typeof sampleRate === 'number' && sampleRate >= 50, () => `ecgKernels: sampleRate must be a number of Hz >= 50; got ${sampleRate}`);
  const m = Math.max(2, Math.round(sampleRate / 33));
  const lowPass = new Float32Array(2 * m - 1);
  for (let i = 0; i < lowPass.length; i++) lowPass[i] = (m - Math.abs(i - (m - 1))) / (m * m);
  const highPass = box(2 * Math.round(0.08 * sampleRate) + 1).map(v => -v);
  highPass[(highPass.length - 1) / 2] += 1;
  const derivative = Float32Array.from([-1, -2, 0, 2, 1], v => v * sampleRate / 8);
  const integration = box(2 * Math.round(0.075 * sampleRate) + 1);
  return { lowPass, highPass, derivative, integration };
}

/** Every stage of the filter, one value per input sample. */
export interface EcgStages {
  sampleRate: number;
  raw: Float32Array;
  /** Low-pass then high-pass: the QRS complexes stand out, baseline and T waves are flattened. */
  bandPassed: Float32Array;
  /** Slope of the band-passed signal. */
  derivative: Float32Array;
  /** derivative²: positive, and steep slopes (QRS) dominate. */
  squared: Float32Array;
  /** The 150 ms moving average of `squared`: one smooth bump per QRS complex. */
  integrated: Float32Array;
  kernels: EcgKernels;
}

/** Cross-correlation with `kernel` by tf.conv1d, 'same' padding: x [1, n, 1] → [1, n, 1]. */
function conv1dSame(x: Tensor3D, kernel: Float32Array): Tensor3D {
  return tf.conv1d(x, tf.tensor3d(kernel, [kernel.length, 1, 1]), 1, 'same');
}

/**
 * Runs the Pan–Tompkins-style filter chain; every step except squaring is a tf.conv1d.
 * @param signal [n] samples (e.g. millivolts)
 */
export async function filterEcg(signal: Float32Array | number[] | Tensor1D, sampleRate = 360): Promise<EcgStages> {
  const isTensor = signal instanceof tf.Tensor;
  check(isTensor ? (signal as Tensor1D).rank === 1 : (Array.isArray(signal) || signal instanceof Float32Array),
    () => `filterEcg: signal must be a Float32Array, a number[] or a 1-D tensor [n]; got ${isTensor ? `shape [${(signal as Tensor1D).shape}]` : typeof signal}`);
  const kernels = ecgKernels(sampleRate);
  const n = isTensor ? (signal as Tensor1D).shape[0] : (signal as ArrayLike<number>).length;
  check(n >= kernels.highPass.length, () => `filterEcg: signal needs at least ${kernels.highPass.length} samples (0.16 s) at ${sampleRate} Hz; got ${n}`);
  const stages = tf.tidy(() => {
    const x = (isTensor ? (signal as Tensor1D) : tf.tensor1d(Float32Array.from(signal as ArrayLike<number>))).reshape([1, n, 1]) as Tensor3D;
    const bandPassed = conv1dSame(conv1dSame(x, kernels.lowPass), kernels.highPass);
    const derivative = conv1dSame(bandPassed, kernels.derivative);
    const squared = derivative.square();
    const integrated = conv1dSame(squared, kernels.integration);
    return [x, bandPassed, derivative, squared, integrated];
  });
  try {
    const [raw, bandPassed, derivative, squared, integrated] = await Promise.all(stages.map(t => t.data() as Promise<Float32Array>));
    return { sampleRate, raw, bandPassed, derivative, squared, integrated, kernels };
  } finally {
    tf.dispose(stages);
  }
}

export interface DetectBeatsOptions {
  /** No second beat within this many seconds of one (the heart's refractory period); default 0.2. */
  refractory?: number;
  /** Search back for a missed beat after this many average RR intervals without one; default 1.66 (P&T). */
  searchBack?: number;
}

export interface Beats {
  /** Sample index of each R peak (the largest |band-passed| value near the integrated bump). */
  peaks: number[];
  /** RR intervals in seconds (peaks.length − 1 of them). */
  rr: number[];
  /** Beats per minute over the whole signal. */
  heartRate: number;
}

/** Local maxima of `x` that are the largest value within ±halfWidth samples. */
function localMaxima(x: Float32Array, halfWidth: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < x.length - 1; i++) {
    if (x[i] <= 0 || x[i] < x[i - 1] || x[i] < x[i + 1]) continue;
    let isMax = true;
    for (let j = Math.max(0, i - halfWidth); j <= Math.min(x.length - 1, i + halfWidth) && isMax; j++) {
      if (x[j] > x[i] || (x[j] === x[i] && j < i)) isMax = false;
    }
    if (isMax) out.push(i);
  }
  return out;
}

/**
 * Finds the R peaks: bumps of the integrated signal above an adaptive threshold (P&T: threshold = noise +
 * ¼·(signal − noise), both running estimates), at least `refractory` apart, with a search back at half the
 * threshold when a beat seems missed; each peak is then moved to the largest |band-passed| sample within ±75 ms.
 */
export function detectBeats(stages: EcgStages, options: DetectBeatsOptions = {}): Beats {
  check(stages != null && stages.integrated instanceof Float32Array && stages.bandPassed instanceof Float32Array,
    () => 'detectBeats: stages must be the result of filterEcg');
  const fs = stages.sampleRate;
  const refractory = options.refractory ?? 0.2;
  const searchBack = options.searchBack ?? 1.66;
  check(typeof refractory === 'number' && refractory > 0 && refractory < 2, () => `detectBeats: refractory must be seconds in (0, 2); got ${refractory}`);
  check(typeof searchBack === 'number' && searchBack > 1, () => `detectBeats: searchBack must be a number > 1; got ${searchBack}`);
  const x = stages.integrated;
  const gap = Math.round(refractory * fs);
  const candidates = localMaxima(x, Math.round(gap / 2));

  // Learning phase: the first 2 s give the starting signal and noise levels.
  const learn = x.subarray(0, Math.min(x.length, Math.round(2 * fs)));
  let signalLevel = 0.25 * learn.reduce((a, b) => Math.max(a, b), 0);
  let noiseLevel = 0.5 * learn.reduce((a, b) => a + b, 0) / learn.length;
  const threshold = () => noiseLevel + 0.25 * (signalLevel - noiseLevel);

  const found: number[] = [];
  let lastCandidateChecked = -1;
  for (let c = 0; c < candidates.length; c++) {
    const i = candidates[c];
    const last = found.length ? found[found.length - 1] : -Infinity;
    // Search back: no beat for searchBack × the recent mean RR → take the largest candidate since the last beat
    // that clears half the threshold.
    if (found.length >= 2) {
      const recent = found.slice(-9);
      const meanRR = (recent[recent.length - 1] - recent[0]) / (recent.length - 1);
      if (i - last > searchBack * meanRR) {
        let best = -1;
        for (let b = lastCandidateChecked + 1; b < c; b++) {
          const j = candidates[b];
          if (j - last >= gap && x[j] > threshold() / 2 && (best < 0 || x[j] > x[best])) best = j;
        }
        if (best >= 0) {
          found.push(best);
          signalLevel = 0.25 * x[best] + 0.75 * signalLevel;
        }
      }
    }
    const prev = found.length ? found[found.length - 1] : -Infinity;
    if (x[i] > threshold() && i - prev >= gap) {
      found.push(i);
      signalLevel = 0.125 * x[i] + 0.875 * signalLevel;
      lastCandidateChecked = c;
    } else {
      noiseLevel = 0.125 * x[i] + 0.875 * noiseLevel;
    }
  }
  found.sort((a, b) => a - b);

  // The integrated bump is centred on the QRS (all kernels are centred): the R peak is the largest |band-passed| near it.
  const reach = Math.round(0.075 * fs);
  const bp = stages.bandPassed;
  const peaks: number[] = [];
  for (const i of found) {
    let best = i;
    for (let j = Math.max(0, i - reach); j <= Math.min(bp.length - 1, i + reach); j++) if (Math.abs(bp[j]) > Math.abs(bp[best])) best = j;
    if (!peaks.length || best - peaks[peaks.length - 1] >= gap) peaks.push(best);
  }
  const rr = peaks.slice(1).map((p, k) => (p - peaks[k]) / fs);
  const heartRate = peaks.length / (x.length / fs / 60);
  return { peaks, rr, heartRate };
}

export interface BeatLabelRule {
  /** A beat is wide when the main lobe of its band-passed QRS is wider than this many ms at half height; default 50. */
  wideLobeMs?: number;
  /** Also require prematurity (RR < prematureRatio × the local median RR) for "abnormal"; default false. */
  requirePremature?: boolean;
  /** Premature: the preceding RR < this × the median RR of the beats around it; default 0.85. */
  prematureRatio?: number;
  /** Beats on each side for the local median RR; default 8. */
  medianBeats?: number;
}

export interface LabelledBeats {
  /** 1 = abnormal by the rule, 0 = normal; one per peak. */
  labels: (0 | 1)[];
  /** Half-height width of the band-passed QRS's main lobe in ms, per beat. */
  lobeWidthMs: number[];
  /** Preceding RR / local median RR, per beat (NaN for the first). */
  rrRatio: number[];
  /** Whether rrRatio < prematureRatio, per beat. */
  premature: boolean[];
  counts: { normal: number; abnormal: number; wide: number; premature: number; wideAndPremature: number };
  /** The rule in words, with its numbers. */
  rule: string;
}

/**
 * How wide each QRS complex is: the run of samples around the R peak where the band-passed signal keeps the
 * peak's sign and at least half its height, in ms. Normal (narrow) QRS complexes give a sharp lobe (about
 * 25–45 ms in MIT-BIH 208); ventricular beats give a broad one (about 50–85 ms).
 */
export function qrsLobeWidths(stages: EcgStages, peaks: readonly number[]): number[] {
  const bp = stages.bandPassed, fs = stages.sampleRate;
  return peaks.map(p => {
    const sign = Math.sign(bp[p]) || 1, half = Math.abs(bp[p]) / 2;
    let a = p, z = p;
    while (a > 0 && sign * bp[a - 1] > half) a--;
    while (z < bp.length - 1 && sign * bp[z + 1] > half) z++;
    return (z - a + 1) / fs * 1000;
  });
}

/**
 * Labels beats by a documented rule, NOT by a cardiologist: abnormal (1) when the QRS is wide (main band-passed
 * lobe wider than wideLobeMs at half height), the mark of a ventricular beat; with requirePremature, only when it
 * also comes early (RR < prematureRatio × local median RR). Everything else is normal (0).
 */
export function labelBeatsByRule(stages: EcgStages, peaks: readonly number[], rule: BeatLabelRule = {}): LabelledBeats {
  check(stages != null && stages.bandPassed instanceof Float32Array, () => 'labelBeatsByRule: stages must be the result of filterEcg');
  check(Array.isArray(peaks) && peaks.every(p => Number.isInteger(p) && p >= 0 && p < stages.bandPassed.length),
    () => `labelBeatsByRule: peaks must be sample indices inside the signal (0..${stages.bandPassed.length - 1})`);
  const wideLobeMs = rule.wideLobeMs ?? 50;
  const requirePremature = rule.requirePremature ?? false;
  const prematureRatio = rule.prematureRatio ?? 0.85;
  const medianBeats = rule.medianBeats ?? 8;
  check(typeof wideLobeMs === 'number' && wideLobeMs > 0, () => `labelBeatsByRule: wideLobeMs must be a positive number; got ${wideLobeMs}`);
  check(typeof prematureRatio === 'number' && prematureRatio > 0 && prematureRatio <= 1, () => `labelBeatsByRule: prematureRatio must be in (0, 1]; got ${prematureRatio}`);
  check(isPositiveInteger(medianBeats), () => `labelBeatsByRule: medianBeats must be a positive integer; got ${medianBeats}`);
  const rrs = peaks.map((p, i) => (i === 0 ? NaN : p - peaks[i - 1]));
  const rrRatio = rrs.map((rr, i) => {
    if (i === 0) return NaN;
    const around = rrs.slice(Math.max(1, i - medianBeats), i + medianBeats + 1).sort((a, b) => a - b);
    return rr / around[Math.floor(around.length / 2)];
  });
  const premature = rrRatio.map(r => r < prematureRatio);
  const lobeWidthMs = qrsLobeWidths(stages, peaks);
  const wide = lobeWidthMs.map(w => w > wideLobeMs);
  const labels = wide.map((w, i) => (w && (!requirePremature || premature[i]) ? 1 : 0) as 0 | 1);
  const abnormal = labels.reduce<number>((a, b) => a + b, 0);
  const count = (xs: boolean[]) => xs.filter(Boolean).length;
  return {
    labels, lobeWidthMs, rrRatio, premature,
    counts: { normal: labels.length - abnormal, abnormal, wide: count(wide), premature: count(premature), wideAndPremature: count(wide.map((w, i) => w && premature[i])) },
    rule: `abnormal ⇔ QRS main lobe wider than ${wideLobeMs} ms at half height${requirePremature ? ` AND RR < ${prematureRatio} × median RR of ±${medianBeats} beats` : ''}`
      + ' (rule labels, not cardiologist annotations)',
  };
}

export interface BeatWindowOptions {
  /** Seconds before the R peak; default 0.25. */
  before?: number;
  /** Seconds after the R peak; default 0.4. */
  after?: number;
  /** Divide every window by the standard deviation of all of them (inputs near unit scale train better); default true. */
  standardize?: boolean;
}

/**
 * Cuts a window around each R peak of `signal`, centres it on its median (baseline) and, by default, scales all
 * windows by their common standard deviation, as a tensor ready for a 1-D CNN. Beats whose window would leave the signal are dropped; `kept` says which peaks are in.
 * @returns windows [beats, length, 1] (the caller disposes it)
 */
export function beatWindows(signal: Float32Array, peaks: readonly number[], sampleRate: number, options: BeatWindowOptions = {}): { windows: Tensor3D; kept: number[] } {
  check(signal instanceof Float32Array, () => `beatWindows: signal must be a Float32Array; got ${typeof signal}`);
  const before = Math.round((options.before ?? 0.25) * sampleRate);
  const after = Math.round((options.after ?? 0.4) * sampleRate);
  check(before >= 0 && after > 0, () => `beatWindows: before must be >= 0 and after > 0 seconds; got ${options.before}, ${options.after}`);
  const length = before + after;
  const kept = peaks.map((p, i) => [p, i]).filter(([p]) => p - before >= 0 && p + after <= signal.length).map(([, i]) => i);
  check(kept.length > 0, () => `beatWindows: no beat has a full window of ${length} samples inside the signal`);
  const data = new Float32Array(kept.length * length);
  kept.forEach((i, k) => {
    const w = signal.subarray(peaks[i] - before, peaks[i] + after);
    const median = Float32Array.from(w).sort()[Math.floor(length / 2)];
    for (let j = 0; j < length; j++) data[k * length + j] = w[j] - median;
  });
  if (options.standardize ?? true) {
    let sum = 0, squares = 0;
    for (const v of data) { sum += v; squares += v * v; }
    const std = Math.sqrt(Math.max(squares / data.length - (sum / data.length) ** 2, 1e-12));
    for (let i = 0; i < data.length; i++) data[i] /= std;
  }
  return { windows: tf.tensor3d(data, [kept.length, length, 1]), kept };
}
