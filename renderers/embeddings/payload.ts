// The application/vnd.convnet.embeddings+json payload, declared in src/protocol/embeddings.ts and
// checked here on arrival: outputs also come from saved notebooks, which anyone can edit. Every error
// names the field that is wrong.
import type { EmbeddingPoint, EmbeddingsPayload, EmbeddingTriplet, ProjectionMethod } from '../../src/protocol/embeddings';
export type { EmbeddingPoint, EmbeddingsPayload, EmbeddingTriplet, ProjectionMethod };

export const DEFAULT_MARGIN = 0.2;
const PROJECTIONS: readonly ProjectionMethod[] = ['pca', 'umap', 'tsne'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fail(what: string): never {
  throw new Error(`Not an embeddings output: ${what}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A short description of a bad value for an error message: the number itself, a shortened string, or its type. */
function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : v === undefined ? 'nothing' : typeof v;
}

/** Checks `data` (parsed JSON) and returns it typed, with defaults filled in; throws an Error naming the bad field. */
export function parseEmbeddingsPayload(data: unknown): EmbeddingsPayload {
  if (!isObject(data)) fail(`expected an object, got ${describe(data)}`);
  if (data.version !== 1) fail(`version must be 1, got ${describe(data.version)}`);
  if (!(typeof data.dim === 'number' && Number.isInteger(data.dim) && data.dim >= 1)) {
    fail(`dim must be a whole number >= 1, got ${describe(data.dim)}`);
  }
  const dim = data.dim;
  if (!Array.isArray(data.points) || data.points.length === 0) fail('points must be a non-empty array');
  const points = data.points.map((raw, i) => parsePoint(raw, i, dim));
  if (data.metric !== undefined && data.metric !== 'euclidean') fail(`metric must be 'euclidean', got ${describe(data.metric)}`);
  if (!isFiniteNumber(data.threshold) || data.threshold < 0) fail(`threshold must be a finite number >= 0, got ${describe(data.threshold)}`);

  const payload: EmbeddingsPayload = { version: 1, dim, points, metric: 'euclidean', threshold: data.threshold };
  if (data.title !== undefined) {
    if (typeof data.title !== 'string') fail(`title must be a string, got ${describe(data.title)}`);
    payload.title = data.title;
  }
  if (data.thresholdRange !== undefined) {
    const range = data.thresholdRange;
    if (!Array.isArray(range) || range.length !== 2 || !range.every(isFiniteNumber) || !(range[0] < range[1])) {
      fail('thresholdRange must be [low, high] with finite low < high');
    }
    payload.thresholdRange = [range[0], range[1]];
  }
  if (data.projection !== undefined) {
    if (!PROJECTIONS.includes(data.projection as ProjectionMethod)) {
      fail(`projection must be one of ${PROJECTIONS.join(', ')}, got ${describe(data.projection)}`);
    }
    payload.projection = data.projection as ProjectionMethod;
  }
  if (data.seed !== undefined) {
    if (!isFiniteNumber(data.seed)) fail(`seed must be a finite number, got ${describe(data.seed)}`);
    payload.seed = data.seed;
  }
  if (data.margin !== undefined) {
    if (!isFiniteNumber(data.margin) || data.margin < 0) fail(`margin must be a finite number >= 0, got ${describe(data.margin)}`);
    payload.margin = data.margin;
  }
  if (data.squaredTriplets !== undefined) {
    if (typeof data.squaredTriplets !== 'boolean') fail(`squaredTriplets must be true or false, got ${describe(data.squaredTriplets)}`);
    payload.squaredTriplets = data.squaredTriplets;
  }
  if (data.triplets !== undefined) {
    if (!Array.isArray(data.triplets)) fail(`triplets must be an array, got ${describe(data.triplets)}`);
    payload.triplets = data.triplets.map((raw, i) => parseTriplet(raw, i, points));
  }
  return payload;
}

function parsePoint(raw: unknown, i: number, dim: number): EmbeddingPoint {
  const at = `points[${i}]`;
  if (!isObject(raw)) fail(`${at} must be an object, got ${describe(raw)}`);
  if (typeof raw.label !== 'string') fail(`${at}.label must be a string, got ${describe(raw.label)}`);
  if (!Array.isArray(raw.vector)) fail(`${at}.vector must be an array of ${dim} numbers, got ${describe(raw.vector)}`);
  if (raw.vector.length !== dim) fail(`${at}.vector must have dim = ${dim} numbers, got ${raw.vector.length}`);
  const bad = raw.vector.findIndex(v => !isFiniteNumber(v));
  if (bad >= 0) fail(`${at}.vector[${bad}] must be a finite number, got ${describe(raw.vector[bad])}`);
  const point: EmbeddingPoint = { label: raw.label, vector: raw.vector as number[] };
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string') fail(`${at}.name must be a string, got ${describe(raw.name)}`);
    point.name = raw.name;
  }
  if (raw.thumbnail !== undefined && raw.thumbnail !== '') {
    // Checked so that the data: URL built from it can only ever be an image.
    if (typeof raw.thumbnail !== 'string' || !BASE64.test(raw.thumbnail)) fail(`${at}.thumbnail must be base64 PNG data (no data: prefix)`);
    point.thumbnail = raw.thumbnail;
  }
  return point;
}

function parseTriplet(raw: unknown, i: number, points: readonly EmbeddingPoint[]): EmbeddingTriplet {
  const at = `triplets[${i}]`;
  if (!isObject(raw)) fail(`${at} must be an object with anchor, positive and negative, got ${describe(raw)}`);
  for (const role of ['anchor', 'positive', 'negative'] as const) {
    const index = raw[role];
    if (!(typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < points.length)) {
      fail(`${at}.${role} must be a point index in 0..${points.length - 1}, got ${describe(index)}`);
    }
  }
  const triplet = raw as unknown as EmbeddingTriplet;
  const anchorLabel = points[triplet.anchor].label;
  if (points[triplet.positive].label !== anchorLabel) fail(`${at}.positive must have the anchor's label`);
  if (points[triplet.negative].label === anchorLabel) fail(`${at}.negative must not have the anchor's label`);
  return { anchor: triplet.anchor, positive: triplet.positive, negative: triplet.negative };
}

/** What to call point `i` in tooltips and lists. */
export function pointName(point: EmbeddingPoint, i: number): string {
  return point.name ?? `${point.label} #${i}`;
}
