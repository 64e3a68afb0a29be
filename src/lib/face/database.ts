// A face database in the course's style (a dict from names to encodings), with one or more encodings per
// identity, saved as JSON; and the course's `verify` and `who_is_it` on top of it. Embeddings are kept as
// plain Float32Arrays (no tensors to dispose) and distances are computed in float64.
import { readFile, writeFile } from 'node:fs/promises';
import { tf } from '../tf';
import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs';
import { check, shapeOf, type EncodeOptions, type FaceEncoder, type FaceImages } from './types';

/** The JSON a FaceDatabase is saved as. */
export interface FaceDatabaseJson {
  format: 'convnet-face-database';
  version: 1;
  dim: number;
  /** identity -> its embeddings, each `dim` numbers. */
  identities: Record<string, number[][]>;
}

const FORMAT = 'convnet-face-database';

function checkIdentity(identity: unknown, fn: string): asserts identity is string {
  check(typeof identity === 'string' && identity.length > 0, () => `${fn}: identity must be a non-empty string; got ${JSON.stringify(identity)}`);
}

function checkImages(images: FaceImages, fn: string): void {
  const ok = images instanceof tf.Tensor ? images.rank === 3 || images.rank === 4
    : Array.isArray(images) && images.length > 0 && images.every(t => t instanceof tf.Tensor && t.rank === 3);
  check(ok, () => `${fn}: images must be an [h, w, c] tensor, an [n, h, w, c] batch or a non-empty list of [h, w, c] tensors; got ${
    Array.isArray(images) ? `a list of ${images.length} with shapes ${images.map(shapeOf).join(' ')}` : `shape ${shapeOf(images)}`}`);
}

/** Runs the encoder and reads its [n, dim] output into rows; the output tensor is disposed. */
async function encodeRows(encoder: FaceEncoder, images: FaceImages, options: EncodeOptions | undefined, fn: string): Promise<Float32Array[]> {
  checkImages(images, fn);
  const expected = images instanceof tf.Tensor ? (images.rank === 3 ? 1 : images.shape[0]) : images.length;
  const out = await encoder.encode(images, options);
  try {
    check(out instanceof tf.Tensor && out.rank === 2 && out.shape[0] === expected && out.shape[1] === encoder.dim,
      () => `${fn}: the encoder returned shape ${shapeOf(out)}; expected [${expected}, ${encoder.dim}]`);
    return rowsOf(await out.data() as Float32Array, encoder.dim);
  } finally {
    out?.dispose?.();
  }
}

function rowsOf(flat: Float32Array, dim: number): Float32Array[] {
  const rows: Float32Array[] = [];
  for (let i = 0; i < flat.length; i += dim) rows.push(Float32Array.from(flat.subarray(i, i + dim)));
  return rows;
}

/** Euclidean distance in float64. */
export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) { const t = a[k] - b[k]; s += t * t; }
  return Math.sqrt(s);
}

/** Asking about an identity the database does not have. */
export class UnknownIdentityError extends Error {
  constructor(message: string) { super(message); this.name = 'UnknownIdentityError'; }
}

function unknownIdentity(db: FaceDatabase, identity: string, fn: string): UnknownIdentityError {
  const known = db.identities();
  return new UnknownIdentityError(`${fn}: no identity '${identity}' in the database (${known.length ? `it has: ${known.join(', ')}` : 'it is empty'})`);
}

/** Names with the embeddings of their face images, and the encoder that made them. */
export class FaceDatabase {
  private readonly entries = new Map<string, Float32Array[]>();

  constructor(readonly encoder: FaceEncoder) {
    check(encoder && typeof encoder.encode === 'function' && Number.isInteger(encoder.dim) && encoder.dim > 0,
      () => 'FaceDatabase: encoder must be a FaceEncoder (with encode() and a whole-number dim)');
  }

  /** Embedding length. */
  get dim(): number { return this.encoder.dim; }
  /** Number of identities. */
  get size(): number { return this.entries.size; }
  /** The identities, in the order they were added. */
  identities(): string[] { return [...this.entries.keys()]; }
  has(identity: string): boolean { return this.entries.has(identity); }

  /** Copies of the embeddings stored for `identity`. Throws for an unknown identity. */
  embeddings(identity: string): Float32Array[] {
    return this.entriesOf(identity, 'FaceDatabase.embeddings').map(e => Float32Array.from(e));
  }

  /**
   * Encodes the images and stores them under `identity` (after any already there).
   * @param images one [h, w, c] image, a batch [n, h, w, c] or a list of [h, w, c] images
   * @returns how many embeddings `identity` has now
   */
  async add(identity: string, images: FaceImages, options?: EncodeOptions): Promise<number> {
    checkIdentity(identity, 'FaceDatabase.add');
    return this.store(identity, await encodeRows(this.encoder, images, options, 'FaceDatabase.add'));
  }

  /**
   * Stores embeddings made elsewhere (with the same encoder).
   * @param embeddings [n, dim] tensor or n arrays of dim numbers
   */
  async addEmbeddings(identity: string, embeddings: Tensor2D | ArrayLike<number>[]): Promise<number> {
    const fn = 'FaceDatabase.addEmbeddings';
    checkIdentity(identity, fn);
    let rows: Float32Array[];
    if (embeddings instanceof tf.Tensor) {
      check(embeddings.rank === 2 && embeddings.shape[1] === this.dim && embeddings.shape[0] > 0,
        () => `${fn}: embeddings must be [n, ${this.dim}] with n >= 1; got shape ${shapeOf(embeddings)}`);
      rows = rowsOf(await embeddings.data() as Float32Array, this.dim);
    } else {
      check(Array.isArray(embeddings) && embeddings.length > 0, () => `${fn}: embeddings must be a [n, ${this.dim}] tensor or a non-empty array of arrays`);
      rows = embeddings.map((e, i) => {
        check(e && e.length === this.dim, () => `${fn}: embedding ${i} must have ${this.dim} numbers; got ${e?.length}`);
        return Float32Array.from(e);
      });
    }
    return this.store(identity, rows);
  }

  /** Removes an identity with all its embeddings; false when it was not there. */
  remove(identity: string): boolean {
    return this.entries.delete(identity);
  }

  clear(): void { this.entries.clear(); }

  toJSON(): FaceDatabaseJson {
    const identities: Record<string, number[][]> = {};
    for (const [name, rows] of this.entries) identities[name] = rows.map(r => Array.from(r));
    return { format: FORMAT, version: 1, dim: this.dim, identities };
  }

  /** Rebuilds a database from `toJSON()` output; its dim must match the encoder's. */
  static fromJSON(json: FaceDatabaseJson, encoder: FaceEncoder, where = 'the JSON'): FaceDatabase {
    const fn = 'FaceDatabase.load';
    check(json && json.format === FORMAT && json.version === 1 && typeof json.identities === 'object' && json.identities !== null,
      () => `${fn}: ${where} is not a saved FaceDatabase (format '${FORMAT}', version 1)`);
    const db = new FaceDatabase(encoder);
    check(json.dim === encoder.dim, () => `${fn}: ${where} holds ${json.dim}-d embeddings but the encoder makes ${encoder.dim}-d ones`);
    for (const [name, rows] of Object.entries(json.identities)) {
      check(Array.isArray(rows) && rows.length > 0 && rows.every(r => Array.isArray(r) && r.length === json.dim && r.every(v => typeof v === 'number' && Number.isFinite(v))),
        () => `${fn}: identity '${name}' in ${where} must have one or more embeddings of ${json.dim} finite numbers`);
      db.entries.set(name, rows.map(r => Float32Array.from(r)));
    }
    return db;
  }

  /** Writes the database as JSON (float32 values written exactly, so it round-trips bit for bit). */
  async save(path: string): Promise<void> {
    check(typeof path === 'string' && path.length > 0, () => `FaceDatabase.save: path must be a non-empty string; got ${JSON.stringify(path)}`);
    await writeFile(path, JSON.stringify(this.toJSON()));
  }

  /** Reads a database written by `save`; `encoder` must be the one that made its embeddings. */
  static async load(path: string, encoder: FaceEncoder): Promise<FaceDatabase> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new Error(`FaceDatabase.load: cannot read '${path}': ${(e as Error).message}`);
    }
    let json: FaceDatabaseJson;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`FaceDatabase.load: '${path}' is not JSON: ${(e as Error).message}`);
    }
    return FaceDatabase.fromJSON(json, encoder, `'${path}'`);
  }

  /** Distance from `embedding` to the nearest stored embedding of `identity` (float64). */
  distanceTo(embedding: ArrayLike<number>, identity: string): number {
    const rows = this.entriesOf(identity, 'FaceDatabase.distanceTo');
    return Math.min(...rows.map(r => euclidean(embedding, r)));
  }

  private entriesOf(identity: string, fn: string): Float32Array[] {
    const rows = this.entries.get(identity);
    if (!rows) throw unknownIdentity(this, identity, fn);
    return rows;
  }

  private store(identity: string, rows: Float32Array[]): number {
    const all = [...(this.entries.get(identity) ?? []), ...rows];
    this.entries.set(identity, all);
    return all.length;
  }
}


export interface MatchOptions extends EncodeOptions {
  /** Distance threshold; the course's 0.7 by default. */
  threshold?: number;
}

function checkThreshold(threshold: unknown, fn: string): number {
  check(typeof threshold === 'number' && Number.isFinite(threshold) && threshold >= 0, () => `${fn}: options.threshold must be a finite number >= 0; got ${threshold}`);
  return threshold;
}

async function encodeOne(image: Tensor3D, db: FaceDatabase, options: EncodeOptions, fn: string): Promise<Float32Array> {
  check(image instanceof tf.Tensor && image.rank === 3, () => `${fn}: image must be one [height, width, channels] tensor; got shape ${shapeOf(image)}`);
  return (await encodeRows(db.encoder, image, { ...(options.align ? { align: options.align } : {}) }, fn))[0];
}

/**
 * Is `image` the person `identity`? The course's `verify`: the distance from the image's encoding to the
 * identity's (the nearest one, when it has several), and match = distance < threshold.
 * Throws UnknownIdentityError when the database has no such identity.
 * @param image [h, w, c]
 */
export async function verify(image: Tensor3D, identity: string, db: FaceDatabase, options: MatchOptions = {}): Promise<{ distance: number; match: boolean }> {
  const fn = 'verify';
  check(db instanceof FaceDatabase, () => `${fn}: db must be a FaceDatabase`);
  checkIdentity(identity, fn);
  const threshold = checkThreshold(options.threshold ?? 0.7, fn);
  if (!db.has(identity)) throw unknownIdentity(db, identity, fn);
  const embedding = await encodeOne(image, db, options, fn);
  const distance = db.distanceTo(embedding, identity);
  return { distance, match: distance < threshold };
}

/**
 * Who in the database is `image`? The course's `who_is_it`: the identity with the nearest encoding, or
 * null ("not in the database") when even that one is farther than the threshold (distance > threshold).
 * Throws for an empty database.
 * @param image [h, w, c]
 */
export async function whoIsIt(image: Tensor3D, db: FaceDatabase, options: MatchOptions = {}): Promise<{ identity: string | null; distance: number; nearest: string }> {
  const fn = 'whoIsIt';
  check(db instanceof FaceDatabase, () => `${fn}: db must be a FaceDatabase`);
  const threshold = checkThreshold(options.threshold ?? 0.7, fn);
  check(db.size > 0, () => `${fn}: the database is empty; add identities with db.add(name, images) first`);
  const embedding = await encodeOne(image, db, options, fn);
  let nearest = '', distance = Infinity;
  for (const name of db.identities()) {
    const d = db.distanceTo(embedding, name);
    if (d < distance) { distance = d; nearest = name; }
  }
  return { identity: distance > threshold ? null : nearest, distance, nearest };
}
