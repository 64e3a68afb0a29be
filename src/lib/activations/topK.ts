// The k strongest activations of one unit, kept in a bounded min-heap: the weakest kept entry sits at the root,
// so a new candidate costs one comparison when it is weaker and O(log k) when it gets in.
// Order: larger value first; ties go to the lower image index, then the lower position index, so the result
// does not depend on the order in which images arrive.

export interface Ranked {
  value: number;
  /** Index of the source image in the stream. */
  image: number;
  /** Flat position in the feature map (row-major). */
  index: number;
}

/** True when `a` ranks above `b`. */
export function ranksAbove(a: Ranked, b: Ranked): boolean {
  if (a.value !== b.value) return a.value > b.value;
  if (a.image !== b.image) return a.image < b.image;
  return a.index < b.index;
}

export class TopK<T extends Ranked> {
  private readonly heap: T[] = [];

  /**
   * @param k how many to keep
   * @param onePerImage keep at most one entry per image (its strongest), so k patches show k different images
   */
  constructor(readonly k: number, readonly onePerImage = false) {}

  get size(): number { return this.heap.length; }

  /** Whether `candidate` would be kept now (cheap: lets callers skip building entries that lose). */
  accepts(candidate: Ranked): boolean {
    if (this.heap.length < this.k) return true;
    return ranksAbove(candidate, this.heap[0]);
  }

  /** Offers an entry; returns the entries it pushed out (the displaced weakest, or the same image's weaker one). */
  push(entry: T): T[] {
    if (this.onePerImage) {
      const same = this.heap.findIndex(e => e.image === entry.image);
      if (same >= 0) {
        const old = this.heap[same];
        if (!ranksAbove(entry, old)) return [entry];
        this.heap[same] = entry;
        this.restore(same);
        return [old];
      }
    }
    if (this.heap.length < this.k) {
      this.heap.push(entry);
      this.siftUp(this.heap.length - 1);
      return [];
    }
    if (!ranksAbove(entry, this.heap[0])) return [entry];
    const out = this.heap[0];
    this.heap[0] = entry;
    this.siftDown(0);
    return [out];
  }

  /** The kept entries, strongest first. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => (ranksAbove(a, b) ? -1 : ranksAbove(b, a) ? 1 : 0));
  }

  /** Every kept entry, in heap order. */
  entries(): readonly T[] { return this.heap; }

  // Min-heap on rank: a parent ranks below (is weaker than) its children.
  private restore(i: number): void {
    this.siftUp(i);
    this.siftDown(i);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!ranksAbove(h[parent], h[i])) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let weakest = i;
      if (l < h.length && ranksAbove(h[weakest], h[l])) weakest = l;
      if (r < h.length && ranksAbove(h[weakest], h[r])) weakest = r;
      if (weakest === i) return;
      [h[weakest], h[i]] = [h[i], h[weakest]];
      i = weakest;
    }
  }
}
