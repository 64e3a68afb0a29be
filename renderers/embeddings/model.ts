// Everything the views share, computed once per output: names, identities, distances, sorted pairs.
import { identitiesOf, maxDistance, nearestNeighbours, PairTable, type Identities, type Neighbour } from './math';
import { pointName, type EmbeddingsPayload } from './payload';

/** How many neighbours the panel lists. */
export const NEIGHBOURS = 5;

export interface Model {
  payload: EmbeddingsPayload;
  n: number;
  names: string[];
  identities: Identities;
  /** N x N Euclidean distances. */
  distances: Float64Array;
  pairs: PairTable;
  maxDistance: number;
  /** The slider's range. */
  range: [number, number];
  neighboursOf(i: number): Neighbour[];
}

export function buildModel(payload: EmbeddingsPayload, distances: Float64Array): Model {
  const n = payload.points.length;
  const identities = identitiesOf(payload.points.map(p => p.label));
  const pairs = new PairTable(distances, identities.ofPoint);
  const max = maxDistance(distances);
  const range: [number, number] = payload.thresholdRange ?? [0, max > 0 ? max : Math.max(1, payload.threshold)];
  const cache = new Map<number, Neighbour[]>();
  return {
    payload, n, identities, distances, pairs, maxDistance: max, range,
    names: payload.points.map(pointName),
    neighboursOf(i) {
      let found = cache.get(i);
      if (!found) cache.set(i, found = nearestNeighbours(distances, n, i, NEIGHBOURS));
      return found;
    },
  };
}
