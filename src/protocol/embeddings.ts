// The application/vnd.convnet.embeddings+json payload: written by `face.embeddingView` (src/lib/face/),
// drawn by renderers/embeddings. Type-only, so the renderer bundle imports nothing from the library.
//
// The payload carries the raw vectors: the renderer computes distances, projections (PCA, UMAP, t-SNE),
// verification at any threshold and nearest neighbours itself, so the view stays interactive without
// the kernel.

export interface EmbeddingPoint {
  /** Identity (class) of the face; points with the same label form the positive pairs. */
  label: string;
  /** What to call this image in tooltips and lists, e.g. a file name. Defaults to `label #i`. */
  name?: string;
  /** The embedding, length `dim`. Finite numbers only. */
  vector: number[];
  /** Base64 PNG thumbnail (no data: prefix), small (≤ 64 px a side). */
  thumbnail?: string;
}

/** A triplet of point indices (anchor, positive, negative); positive shares the anchor's label, negative does not. */
export interface EmbeddingTriplet {
  anchor: number;
  positive: number;
  negative: number;
}

export type ProjectionMethod = 'pca' | 'umap' | 'tsne';

export interface EmbeddingsPayload {
  version: 1;
  title?: string;
  /** Length of every vector. */
  dim: number;
  points: EmbeddingPoint[];
  /** Distances are Euclidean (the course's ||f(a) - f(b)||). */
  metric: 'euclidean';
  /** Verification threshold the slider starts at: a pair matches when distance < threshold. */
  threshold: number;
  /** Slider range; defaults to [0, max pairwise distance]. */
  thresholdRange?: [number, number];
  /** Projection shown first (default 'pca'). */
  projection?: ProjectionMethod;
  /** Seed for the stochastic projections (UMAP, t-SNE), so a saved notebook reopens with the same picture. */
  seed?: number;
  /** A triplet batch to classify against `margin`: easy d(a,n) > d(a,p) + margin, semi-hard
   *  d(a,p) < d(a,n) ≤ d(a,p) + margin, hard d(a,n) ≤ d(a,p). Distances are squared when `squaredTriplets`. */
  triplets?: EmbeddingTriplet[];
  margin?: number;
  /** Classify triplets on squared distances (the course's loss uses ||.||²). Default true. */
  squaredTriplets?: boolean;
}
