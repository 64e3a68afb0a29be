// The three 2-D projections. PCA is computed at once; UMAP (umap-js) and t-SNE (@keckelt/tsne) are
// iterative, so they come as steppers that the page runs in short chunks between frames. Both are fed a
// seeded generator, so a reopened notebook shows the same picture. No DOM here: the caller supplies
// how to yield to the page, which keeps this module testable in plain Node.
import { TSNE } from '@keckelt/tsne';
import { UMAP } from 'umap-js';
import type { ProjectionMethod } from '../../src/protocol/embeddings';
import { pca } from './pca';

export const DEFAULT_SEED = 42;
/** UMAP and t-SNE need a few neighbours to say anything; below this the selector explains why not. */
export const MIN_POINTS_STOCHASTIC = 4;
const UMAP_NEIGHBOURS = 15;
const TSNE_PERPLEXITY = 30;
const TSNE_ITERATIONS = 500;
/** Exact t-SNE costs O(N²) per iteration: past this many points one step takes longer than a frame. */
export const MAX_POINTS_TSNE = 1000;

/** 2-D coordinates, N x 2 row-major. */
export type Coordinates = Float64Array;

export interface ProjectionResult {
  coordinates: Coordinates;
  /** A note for the axis caption, e.g. explained variance. */
  note: string;
}

/** mulberry32: a small, fast seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = (Math.floor(seed) >>> 0) ^ 0x9e3779b9;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal numbers from `random` (Box-Muller). */
export function seededGaussian(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) { const value = spare; spare = undefined; return value; }
    let u = 0;
    while (u === 0) u = random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * Flips the signs of `next`'s axes (n points x 2, row-major) to agree with `previous` (same points): PCA fixes
 * each axis only up to its sign, so a view redrawn with slightly changed embeddings (an encoder training) could
 * mirror from one update to the next. Returns `next`, changed in place.
 */
export function alignAxes(next: Coordinates, previous: Coordinates | undefined): Coordinates {
  if (!previous || previous.length !== next.length) return next;
  for (let axis = 0; axis < 2; axis++) {
    let agreement = 0;
    for (let i = axis; i < next.length; i += 2) agreement += next[i] * previous[i];
    if (agreement < 0) for (let i = axis; i < next.length; i += 2) next[i] = -next[i];
  }
  return next;
}

export function pcaProjection(vectors: ReadonlyArray<ArrayLike<number>>): ProjectionResult {
  const result = pca(vectors, 2);
  const share = result.explained.map(e => (Number.isFinite(e) ? `${(100 * e).toFixed(1)}%` : '–'));
  return { coordinates: result.coordinates, note: `PC1 ${share[0] ?? '–'}, PC2 ${share[1] ?? '–'} of the variance` };
}

/** An iterative projection advanced a few steps at a time. */
export interface Stepper {
  readonly totalSteps: number;
  readonly stepsDone: number;
  /** Runs one step; returns false once all steps are done. */
  step(): boolean;
  coordinates(): Coordinates;
  note: string;
}

/** A stepper for UMAP or t-SNE of `vectors`. With `distances` (their N x N Euclidean distance matrix),
 *  UMAP gets exact nearest neighbours from it instead of its approximate search, and t-SNE its input
 *  distances: both skip work the renderer has already done. */
export function createStepper(method: Exclude<ProjectionMethod, 'pca'>, vectors: number[][], seed: number,
  distances?: Float64Array): Stepper {
  const name = method === 'umap' ? 'UMAP' : 't-SNE';
  if (vectors.length < MIN_POINTS_STOCHASTIC) {
    throw new Error(`${name} needs at least ${MIN_POINTS_STOCHASTIC} points; this set has ${vectors.length}`);
  }
  if (method === 'tsne' && vectors.length > MAX_POINTS_TSNE) {
    throw new Error(`t-SNE is limited to ${MAX_POINTS_TSNE} points here (each iteration compares every pair); this set has ${vectors.length}. Use UMAP or PCA`);
  }
  return method === 'umap' ? umapStepper(vectors, seed, distances) : tsneStepper(vectors, seed, distances);
}

/** Each point's `k` nearest points, itself first (umap-js's convention for its own search). */
export function exactNeighbours(distances: Float64Array, n: number, k: number): { indices: number[][]; distances: number[][] } {
  const indices: number[][] = [], found: number[][] = [];
  const others = Array.from({ length: n }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    others.sort((a, b) => (a === i ? -1 : b === i ? 1 : distances[row + a] - distances[row + b] || a - b));
    const nearest = others.slice(0, k);
    indices.push(nearest);
    found.push(nearest.map(j => (j === i ? 0 : distances[row + j])));
  }
  return { indices, distances: found };
}

function umapStepper(vectors: number[][], seed: number, distances?: Float64Array): Stepper {
  const nNeighbors = Math.min(UMAP_NEIGHBOURS, vectors.length - 1);
  const umap = new UMAP({ nComponents: 2, nNeighbors, random: seededRandom(seed) });
  if (distances) {
    const knn = exactNeighbours(distances, vectors.length, nNeighbors);
    umap.setPrecomputedKNN(knn.indices, knn.distances);
  }
  // Builds the fuzzy neighbour graph synchronously (the costly part before the first epoch).
  const totalSteps = umap.initializeFit(vectors);
  let done = 0;
  return {
    totalSteps,
    get stepsDone() { return done; },
    step() {
      if (done >= totalSteps) return false;
      umap.step();
      done++;
      return done < totalSteps;
    },
    coordinates: () => toCoordinates(umap.getEmbedding()),
    note: `UMAP, ${nNeighbors} neighbours, seed ${seed}`,
  };
}

function tsneStepper(vectors: number[][], seed: number, distances?: Float64Array): Stepper {
  // The perplexity must stay well below N or every point becomes everyone's neighbour.
  const perplexity = Math.max(1, Math.min(TSNE_PERPLEXITY, Math.floor((vectors.length - 1) / 3)));
  const tsne = new TSNE({ dim: 2, perplexity, epsilon: 10 });
  // The library draws its start from Math.random; its gaussRandom is the only source, so replace it.
  tsne.gaussRandom = seededGaussian(seededRandom(seed));
  if (distances) {
    // The library works on squared distances (its own initDataRaw squares them too).
    const n = vectors.length;
    const squared = distances.map(d => d * d);
    tsne.initDataDist(Array.from({ length: n }, (_, i) => squared.subarray(i * n, (i + 1) * n)));
  } else {
    tsne.initDataRaw(vectors);
  }
  let done = 0;
  return {
    totalSteps: TSNE_ITERATIONS,
    get stepsDone() { return done; },
    step() {
      if (done >= TSNE_ITERATIONS) return false;
      tsne.step();
      done++;
      return done < TSNE_ITERATIONS;
    },
    coordinates: () => toCoordinates(tsne.getSolution() as ArrayLike<number>[]),
    note: `t-SNE, perplexity ${perplexity}, seed ${seed}`,
  };
}

function toCoordinates(rows: ReadonlyArray<ArrayLike<number>>): Coordinates {
  const coordinates = new Float64Array(rows.length * 2);
  rows.forEach((row, i) => {
    coordinates[2 * i] = row[0];
    coordinates[2 * i + 1] = row[1];
  });
  return coordinates;
}

export interface ChunkOptions {
  /** Resolves when the page has had a chance to paint and handle input (requestAnimationFrame in a webview). */
  yieldToPage: () => Promise<void>;
  /** Milliseconds of work per chunk. */
  budgetMs?: number;
  now?: () => number;
  signal?: AbortSignal;
  onProgress?: (stepsDone: number, totalSteps: number) => void;
}

/** Runs `stepper` to the end in chunks of about `budgetMs`, yielding between chunks. Resolves to false if aborted. */
export async function runInChunks(stepper: Stepper, options: ChunkOptions): Promise<boolean> {
  const budget = options.budgetMs ?? 12;
  const now = options.now ?? (() => Date.now());
  let more = stepper.stepsDone < stepper.totalSteps;
  while (more) {
    if (options.signal?.aborted) return false;
    const start = now();
    do more = stepper.step(); while (more && now() - start < budget);
    options.onProgress?.(stepper.stepsDone, stepper.totalSteps);
    if (more) await options.yieldToPage();
  }
  return !options.signal?.aborted;
}

/** True when every coordinate is a finite number (the iterative methods can blow up on degenerate data). */
export function allFinite(coordinates: Coordinates): boolean {
  for (const value of coordinates) if (!Number.isFinite(value)) return false;
  return true;
}
