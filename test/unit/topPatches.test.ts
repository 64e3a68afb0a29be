// Top-activating patches: the streaming top-k bookkeeping against a brute-force search over all activations of a
// tiny conv net (written in the test), crop boxes and border marks against hand-derived fields, bounded memory
// while hundreds of images stream, aborts, named errors, the crop data set and the view's payload and PNG.
import * as assert from 'node:assert/strict';
import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import { ready, tf } from '../../src/lib/tf';
import { activations } from '../../src/lib';
import { ActivationsArgumentError, TopK, topPatches, type ActivationNet, type LayerGeometry, type TopPatchesResult } from '../../src/lib/activations';
import { DISPLAY_SYMBOL_KEY, PATCHES_MIME } from '../../src/protocol/mime';
import type { PatchesPayload } from '../../src/protocol/patches';
import { checkNoTensorLeaks } from './libraryTestKit';
import { decodePng } from './pngDecode';

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state / 2 ** 32; };
}

/** 'shallow': 3x3 'same' conv, 4 units. 'deep': then 2x2/2 average pool and a 3x3/2 'valid' conv, 6 units. */
class TinyNet implements ActivationNet {
  readonly layers = ['shallow', 'deep'];
  private readonly w1: Tensor4D;
  private readonly w2: Tensor4D;
  constructor(seed: number) {
    const rand = lcg(seed);
    this.w1 = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 4 }, () => rand() - 0.5), [3, 3, 3, 4]);
    this.w2 = tf.tensor4d(Array.from({ length: 3 * 3 * 4 * 6 }, () => rand() - 0.5), [3, 3, 4, 6]);
  }
  activations(images: Tensor4D, layers: readonly string[]): Record<string, Tensor4D> {
    const shallow = tf.conv2d(images, this.w1, 1, 'same');
    const out: Record<string, Tensor4D> = { shallow };
    if (layers.includes('deep')) out.deep = tf.conv2d(tf.avgPool(shallow, 2, 2, 'valid'), this.w2, 2, 'valid');
    return out;
  }
  geometry(layer: string): LayerGeometry[] {
    const shallow: LayerGeometry[] = [{ name: 'shallow', kernel: 3, padding: 'same' }];
    return layer === 'shallow' ? shallow : [...shallow, { name: 'pool', kernel: 2, stride: 2 }, { name: 'deep', kernel: 3, stride: 2 }];
  }
  dispose(): void { this.w1.dispose(); this.w2.dispose(); }
}

/** Seeded images [n, size, size, 3] in 0..255, made in plain JS. */
function imagesOf(n: number, size: number, seed: number): Float32Array {
  const rand = lcg(seed);
  return Float32Array.from({ length: n * size * size * 3 }, () => Math.round(rand() * 255));
}

interface Found { value: number; image: number; y: number; x: number }

/** Every activation of every unit, ranked (value desc, image asc, position asc), top k: no heaps, no streaming. */
function bruteForce(acts: number[][][][], unit: number, k: number, onePerImage: boolean): Found[] {
  const all: Found[] = [];
  acts.forEach((image, i) => {
    const mine: Found[] = [];
    image.forEach((row, y) => row.forEach((units, x) => mine.push({ value: units[unit], image: i, y, x })));
    mine.sort((a, b) => b.value - a.value || a.y - b.y || a.x - b.x);
    all.push(...(onePerImage ? mine.slice(0, 1) : mine));
  });
  all.sort((a, b) => b.value - a.value || a.image - b.image || a.y - b.y || a.x - b.x);
  return all.slice(0, k);
}

const fieldTop = { shallow: (p: number) => p - 1, deep: (p: number) => 4 * p - 1 };
const fieldSize = { shallow: 3, deep: 8 };

describe('activations.topPatches', () => {
  let net: TinyNet;
  before(async () => {
    process.env.CONVNET_BACKEND = 'cpu';
    await ready();
    net = new TinyNet(5);
  });
  after(() => net.dispose());
  checkNoTensorLeaks();

  for (const onePerImage of [true, false]) {
    it(`keeps the same top ${onePerImage ? '(one per image)' : '(several per image)'} k as a brute-force search, with crops of the original pixels`, async () => {
      const n = 23, size = 12, k = 5;
      const pixels = imagesOf(n, size, 1);
      const images = tf.tensor4d(pixels, [n, size, size, 3]);
      const result = await topPatches(net, { layers: ['shallow', 'deep'], units: 'all', images, k, batchSize: 4, onePerImage });
      const all = tf.tidy(() => net.activations(images, ['shallow', 'deep']));
      const acts = { shallow: await all.shallow.array(), deep: await all.deep.array() };
      Object.values(all).forEach(t => t.dispose());
      images.dispose();

      assert.equal(result.images, n);
      assert.equal(result.stopped, false);
      for (const layer of result.layers) {
        const name = layer.layer as 'shallow' | 'deep';
        assert.deepEqual(layer.featureShape, name === 'shallow' ? [12, 12, 4] : [2, 2, 6]);
        assert.equal(layer.units.length, name === 'shallow' ? 4 : 6);
        for (const { unit, patches } of layer.units) {
          const expected = bruteForce(acts[name], unit, k, onePerImage);
          assert.deepEqual(patches.map(p => [p.image, ...p.position]), expected.map(e => [e.image, e.y, e.x]), `${name} unit ${unit}`);
          patches.forEach((p, j) => assert.ok(Math.abs(p.value - expected[j].value) <= 1e-3 * Math.max(1, Math.abs(expected[j].value)), `${name} unit ${unit} value ${j}`));
          if (onePerImage) assert.equal(new Set(patches.map(p => p.image)).size, patches.length, 'one patch per image');
          for (const p of patches) {
            // The field from the hand-derived recurrences, clipped to the 12 x 12 image.
            const top = fieldTop[name](p.position[0]), left = fieldTop[name](p.position[1]), s = fieldSize[name];
            assert.deepEqual(p.box, { top, left, height: s, width: s });
            const t0 = Math.max(0, top), l0 = Math.max(0, left), t1 = Math.min(size, top + s), l1 = Math.min(size, left + s);
            assert.deepEqual(p.crop, { top: t0, left: l0, height: t1 - t0, width: l1 - l0 });
            assert.equal(p.clipped, t0 !== top || l0 !== left || t1 !== top + s || l1 !== left + s);
            for (let y = 0; y < p.crop.height; y++) for (let x = 0; x < p.crop.width; x++) for (let c = 0; c < 3; c++) {
              const want = pixels[((p.image * size + t0 + y) * size + l0 + x) * 3 + c];
              assert.equal(p.pixels[(y * p.crop.width + x) * 3 + c], want);
            }
          }
        }
      }
      // Every patch's source has a small copy; nothing else is kept.
      const used = new Set(result.layers.flatMap(l => l.units.flatMap(u => u.patches.map(p => p.image))));
      assert.deepEqual([...result.sources.keys()].sort((a, b) => a - b), [...used].sort((a, b) => a - b));
    });
  }

  it('marks deep-layer fields that reach past the border as clipped, and crops only the inside', async () => {
    const images = tf.tensor4d(imagesOf(3, 12, 2), [3, 12, 12, 3]);
    const result = await topPatches(net, { layers: 'deep', units: [0, 5], images, k: 3, onePerImage: false });
    images.dispose();
    const patches = result.layers[0].units.flatMap(u => u.patches);
    assert.deepEqual(result.layers[0].units.map(u => u.unit), [0, 5]);
    assert.ok(patches.some(p => p.clipped) && patches.every(p => p.clipped === (p.position[0] === 0 || p.position[1] === 0)));
    for (const p of patches) assert.equal(p.pixels.length, p.crop.height * p.crop.width * 3);
  });

  it('streams hundreds of images from an async iterable with a flat tensor count, and matches brute force', async () => {
    const n = 320, size = 12, batchSize = 16;
    const pixels = imagesOf(n, size, 3);
    let made = 0;
    async function* stream(): AsyncGenerator<Tensor3D> {
      for (let i = 0; i < n; i++, made++) yield tf.tensor3d(pixels.subarray(i * size * size * 3, (i + 1) * size * size * 3), [size, size, 3]);
    }
    const counts: number[] = [];
    const baseline = tf.memory().numTensors;
    const result = await topPatches(net, {
      layers: ['shallow', 'deep'], units: 'all', images: stream(), batchSize, k: 9,
      onProgress: () => { counts.push(tf.memory().numTensors); },
    });
    assert.equal(made, n);
    assert.equal(result.images, n);
    assert.equal(counts.length, n / batchSize);
    assert.deepEqual(counts, counts.map(() => baseline), 'no tensor outlives its batch');

    const all = tf.tidy(() => net.activations(tf.tensor4d(pixels, [n, size, size, 3]), ['deep']));
    const acts = await all.deep.array();
    Object.values(all).forEach(t => t.dispose());
    for (const { unit, patches } of result.layers[1].units) {
      assert.deepEqual(patches.map(p => [p.image, ...p.position]), bruteForce(acts, unit, 9, true).map(e => [e.image, e.y, e.x]), `deep unit ${unit}`);
    }
  });

  it('stops between batches on the signal and returns what it saw', async () => {
    const images = tf.tensor4d(imagesOf(40, 12, 4), [40, 12, 12, 3]);
    const controller = new AbortController();
    const result = await topPatches(net, {
      layers: 'shallow', images, batchSize: 8, signal: controller.signal,
      onProgress: p => { if (p.batches === 2) controller.abort(); },
    });
    images.dispose();
    assert.equal(result.stopped, true);
    assert.equal(result.images, 16);
    assert.ok(result.layers[0].units[0].patches.every(p => p.image < 16));
  });

  it('frees the tensors an iterator yielded when it stops early', async () => {
    const controller = new AbortController();
    const baseline = tf.memory().numTensors;
    async function* stream(): AsyncGenerator<Tensor3D> {
      for (let i = 0; i < 100; i++) yield tf.zeros([8, 8, 3]) as Tensor3D;
    }
    const result = await topPatches(net, { layers: 'shallow', images: stream(), batchSize: 5, signal: controller.signal, onProgress: () => controller.abort() });
    assert.equal(result.images, 5);
    assert.equal(tf.memory().numTensors, baseline);
  });

  it('fails with named errors on bad input', async () => {
    const images = tf.zeros([2, 12, 12, 3]) as Tensor4D;
    const empty = tf.zeros([0, 12, 12, 3]), twoChannels = tf.zeros([2, 12, 12, 2]);
    const bad = (options: object, pattern: RegExp, which: ActivationNet = net) => assert.rejects(topPatches(which, options as never),
      (e: Error) => e instanceof ActivationsArgumentError && pattern.test(e.message), String(pattern));
    try {
      await bad({ layers: 'conv9', images }, /topPatches: unknown layer 'conv9'; the network's layers are shallow, deep/);
      await bad({ layers: 'deep', images, k: 0 }, /topPatches: options.k must be a positive integer; got 0/);
      await bad({ layers: 'deep', images: 'photo.png' }, /topPatches: options.images must be a \[n, h, w, c\] tensor/);
      await bad({ layers: 'deep', images: empty }, /non-empty \[n, h, w, c\] tensor/);
      await bad({ layers: 'deep', images, units: [7] }, /options.units for 'deep' must be 'all' or channel indices in 0..5; got \[7\]/);
      const noGeometry: ActivationNet = { activations: (x, l) => net.activations(x, l) };
      await bad({ layers: 'deep', images }, /does not describe its layer geometry .* pass options.geometry = \{ 'deep': LayerGeometry\[\] \}/, noGeometry);
      await bad({ layers: 'deep', images, geometry: { deep: [{ name: 'deep', kernel: 3, stride: 2 }] } },
        /'deep' is 2 x 2 for 12 x 12 images, but its geometry gives 5 x 5: the geometry does not describe this network/, noGeometry);
      await bad({ layers: 'deep', images: twoChannels }, /images must have 1 or 3 channels/);
    } finally {
      [images, empty, twoChannels].forEach(t => t.dispose());
    }
  });
});

describe('activations.TopK', () => {
  it('agrees with sorting for random streams, with and without one entry per image', () => {
    const rand = lcg(9);
    for (let trial = 0; trial < 50; trial++) {
      const k = 1 + Math.floor(rand() * 6), onePerImage = rand() < 0.5;
      const entries = Array.from({ length: 40 }, (_, i) => ({ value: Math.round(rand() * 20), image: Math.floor(rand() * 8), index: i }));
      const heap = new TopK<typeof entries[number]>(k, onePerImage);
      entries.forEach(e => heap.push(e));
      const order = (a: typeof entries[number], b: typeof entries[number]) => b.value - a.value || a.image - b.image || a.index - b.index;
      let expected = [...entries].sort(order);
      if (onePerImage) expected = expected.filter((e, i) => expected.findIndex(f => f.image === e.image) === i);
      assert.deepEqual(heap.sorted(), expected.slice(0, k), `trial ${trial}`);
    }
  });
});

describe('activations.dataset', () => {
  before(async () => { process.env.CONVNET_BACKEND = 'cpu'; await ready(); });
  checkNoTensorLeaks();

  it('cuts crops on a grid, in reading order, with exact pixel values', async () => {
    const [h, w] = [5, 7];
    const values = Array.from({ length: h * w * 2 }, (_, i) => i);
    const image = tf.tensor3d(values, [h, w, 2]);
    const crops = activations.dataset.patches(image, { size: 2, stride: [2, 3] });
    // rows 0, 2; columns 0, 3: four crops of 2 x 2.
    assert.deepEqual(crops.shape, [4, 2, 2, 2]);
    const got = await crops.array();
    const corners = [[0, 0], [0, 3], [2, 0], [2, 3]];
    corners.forEach(([r, c], i) => {
      for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let ch = 0; ch < 2; ch++) {
        assert.equal(got[i][y][x][ch], values[((r + y) * w + c + x) * 2 + ch]);
      }
    });
    const few = activations.dataset.patches([image, image], { size: 2, stride: [2, 3], max: 3 });
    assert.deepEqual(few.shape, [3, 2, 2, 2]);
    // Evenly spread over the 8 crops: 0, 2, 5 (image 1's second crop).
    assert.deepEqual((await few.array())[2], got[1]);
    let streamed = 0;
    for await (const batch of activations.dataset.patchBatches(image, { size: 2, stride: [2, 3], batchSize: 3 })) {
      assert.deepEqual(await batch.array(), got.slice(streamed, streamed + batch.shape[0]));
      streamed += batch.shape[0];
      batch.dispose();
    }
    assert.equal(streamed, 4);
    [image, crops, few].forEach(t => t.dispose());
    const small = tf.zeros([3, 3, 3]) as Tensor3D;
    assert.throws(() => activations.dataset.patches(small, { size: 4 }), /dataset.patches: no 4 x 4 crop fits in images of 3 x 3/);
    small.dispose();
    assert.throws(() => activations.dataset.patches([], { size: 4 }), /dataset.patches: images is an empty list/);
  });
});

describe('activations.patchesView', () => {
  let result: TopPatchesResult;
  before(async () => {
    process.env.CONVNET_BACKEND = 'cpu';
    await ready();
    const net = new TinyNet(6);
    const images = tf.tensor4d(imagesOf(10, 12, 7), [10, 12, 12, 3]);
    result = await topPatches(net, { layers: ['shallow', 'deep'], images, k: 4 });
    images.dispose();
    net.dispose();
  });
  checkNoTensorLeaks();

  it('describes itself with the patches payload, a PNG fallback and a summary', () => {
    const view = activations.patchesView(result, { title: 'tiny', maxUnits: 3, thumbnailSide: 16 });
    const bundle = (view as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for(DISPLAY_SYMBOL_KEY)]();
    const payload = bundle[PATCHES_MIME] as PatchesPayload;
    assert.equal(payload.version, 1);
    assert.equal(payload.imageCount, 10);
    assert.deepEqual(payload.layers.map(l => [l.name, l.units.length, l.receptiveField.size]), [['shallow', 3, [3, 3]], ['deep', 3, [8, 8]]]);
    const patch = payload.layers[1].units[0].patches[0];
    const original = result.layers[1].units[0].patches[0];
    assert.deepEqual(patch.box, [original.box.top, original.box.left, original.box.height, original.box.width]);
    assert.equal(patch.value, original.value);
    const thumb = decodePng(Buffer.from(patch.thumbnail, 'base64'));
    assert.deepEqual([thumb.width, thumb.height], [8, 8], 'the whole 8 x 8 field, not upscaled');
    // Inside pixels are the image's; a clipped field's outside is the grey hatch.
    const { crop, box } = original;
    const inside = ((crop.top - box.top) * 8 + (crop.left - box.left)) * thumb.channels;
    assert.deepEqual([...thumb.pixels.slice(inside, inside + 3)], [...original.pixels.slice(0, 3)]);
    if (original.clipped) assert.ok([96, 160].includes(thumb.pixels[0]) && thumb.pixels[0] === thumb.pixels[1]);
    assert.ok(Object.keys(payload.images ?? {}).length > 0, 'source images are sent');
    for (const [key, source] of Object.entries(payload.images ?? {})) {
      assert.ok(result.sources.has(Number(key)));
      assert.deepEqual([source.height, source.width], [12, 12]);
    }
    const withoutSources = (activations.patchesView(result, { sourceSide: 0 }) as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for(DISPLAY_SYMBOL_KEY)]();
    assert.equal((withoutSources[PATCHES_MIME] as PatchesPayload).images, undefined);
    const png = decodePng(Buffer.from(bundle['image/png'] as string, 'base64'));
    assert.ok(png.width > 100 && png.height > 100);
    assert.match(bundle['text/plain'] as string, /PatchesView 'tiny': top 4 patches over 10 images for shallow \(3 units, field 3x3\), deep/);
  });

  it('names a bad argument', () => {
    assert.throws(() => activations.patchesView({} as never), /patchesView: result must be what activations.topPatches returned/);
    assert.throws(() => activations.patchesView(result, { thumbnailSide: 0 }), /patchesView: options.thumbnailSide must be an integer in 1..256/);
  });
});
