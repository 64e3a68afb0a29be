// Turns what `topPatches` accepts as images into a stream of [b, h, w, c] batches, made one at a time so
// hundreds of images never sit in memory as activations. Tensors the caller holds (a batch tensor, an array)
// are left alone; tensors an iterator yields were made for this run and are disposed once used.
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { tf } from '../tf';
import { check, shapeOf } from './errors';

export type ImageSource = Tensor4D | readonly Tensor3D[] | Iterable<Tensor3D | Tensor4D> | AsyncIterable<Tensor3D | Tensor4D>;

/** A batch to run; `dispose()` frees what the stream made or took over (nothing the caller still owns). */
export interface SourceBatch {
  images: Tensor4D;
  dispose(): void;
}

const isTensor = (v: unknown): v is Tensor3D | Tensor4D => v instanceof tf.Tensor;

export function checkImageSource(images: unknown, fn: string): void {
  const ok = isTensor(images) || Array.isArray(images)
    || (images != null && typeof images === 'object' && (Symbol.asyncIterator in images || Symbol.iterator in images));
  check(ok, () => `${fn}: options.images must be a [n, h, w, c] tensor, a list of [h, w, c] tensors, or an (async) iterable of them; got ${images === null ? 'null' : typeof images}`);
  if (isTensor(images)) {
    check(!images.isDisposed && images.rank === 4 && images.shape[0] > 0,
      () => `${fn}: options.images must be a non-empty [n, h, w, c] tensor; got ${images.isDisposed ? 'a disposed tensor' : `shape ${shapeOf(images)}`}`);
  }
  if (Array.isArray(images)) check(images.length > 0, () => `${fn}: options.images is an empty list`);
}

function checkItem(item: unknown, index: number, fn: string): asserts item is Tensor3D | Tensor4D {
  check(isTensor(item) && !item.isDisposed && (item.rank === 3 || item.rank === 4) && item.size > 0,
    () => `${fn}: image #${index} must be a live [h, w, c] or [n, h, w, c] tensor; got ${isTensor(item) ? (item.isDisposed ? 'a disposed tensor' : `shape ${shapeOf(item)}`) : typeof item}`);
}

/** The batches of `images`, at most `batchSize` each; images of one batch share a size. */
export async function* batchesOf(images: ImageSource, batchSize: number, fn: string): AsyncGenerator<SourceBatch> {
  if (isTensor(images)) {
    const batch = images as Tensor4D;
    for (let start = 0; start < batch.shape[0]; start += batchSize) {
      const size = Math.min(batchSize, batch.shape[0] - start);
      if (start === 0 && size === batch.shape[0]) yield { images: batch, dispose: () => undefined };
      else {
        const part = tf.slice(batch, [start, 0, 0, 0], [size, -1, -1, -1]);
        yield { images: part, dispose: () => part.dispose() };
      }
    }
    return;
  }
  const owned = !Array.isArray(images);
  let pending: Tensor3D[] = [];
  let seen = 0;
  const flush = (): SourceBatch => {
    const list = pending;
    pending = [];
    const stacked = tf.stack(list) as Tensor4D;
    return { images: stacked, dispose: () => { stacked.dispose(); if (owned) list.forEach(t => t.dispose()); } };
  };
  try {
    for await (const item of images as AsyncIterable<Tensor3D | Tensor4D>) {
      checkItem(item, seen, fn);
      if (item.rank === 4) {
        if (pending.length) yield flush();
        const batch = item as Tensor4D;
        seen += batch.shape[0];
        for (let start = 0; start < batch.shape[0]; start += batchSize) {
          const size = Math.min(batchSize, batch.shape[0] - start);
          const last = start + size >= batch.shape[0];
          if (start === 0 && last) yield { images: batch, dispose: () => { if (owned) batch.dispose(); } };
          else {
            const part = tf.slice(batch, [start, 0, 0, 0], [size, -1, -1, -1]);
            yield { images: part, dispose: () => { part.dispose(); if (owned && last) batch.dispose(); } };
          }
        }
        continue;
      }
      seen += 1;
      if (pending.length && pending[0].shape.join() !== item.shape.join()) yield flush();
      pending.push(item as Tensor3D);
      if (pending.length === batchSize) yield flush();
    }
    if (pending.length) yield flush();
  } finally {
    // Stopped early (an abort, an error): what was taken from an iterator and not yet run is freed here.
    if (owned) pending.forEach(t => t.dispose());
  }
}
