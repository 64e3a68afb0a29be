// face.embeddingView: the payload for renderers/embeddings, the PNG fallback (PCA scatter + distance heatmap)
// drawn in plain JS, named errors, and display through the kernel's formatValue.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'cpu';
import * as assert from 'node:assert/strict';
import { tf, ready } from '../../src/lib/tf';
import { embeddingView, EmbeddingView, FaceArgumentError, mineTriplets, DLIB_MATCH_THRESHOLD } from '../../src/lib/face';
import { FALLBACK_HEIGHT, FALLBACK_WIDTH, HEATMAP_BOX, SCATTER_BOX, pcaProject } from '../../src/lib/face/embeddingView';
import { categoryColour } from '../../src/lib/images/plot';
import type { EmbeddingsPayload } from '../../src/protocol/embeddings';
import { DISPLAY_SYMBOL_KEY, EMBEDDINGS_MIME } from '../../src/protocol/mime';
import { formatValue } from '../../src/kernel/formatters';
import { decodePng, type DecodedPng } from './pngDecode';
import { lcg } from './faceTestKit';
import { checkNoTensorLeaks } from './libraryTestKit';

/** Two clusters far apart along `axis` in `dim` dimensions, `perCluster` points each, small noise elsewhere. */
function twoClusters(perCluster: number, dim: number, axis: number, seed: number): { rows: number[][]; labels: string[] } {
  const noise = lcg(2 * perCluster * dim, seed);
  const rows: number[][] = [], labels: string[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < perCluster; i++) {
      const r = Array.from({ length: dim }, (_, k) => 0.05 * noise[(c * perCluster + i) * dim + k]);
      r[axis] += c === 0 ? -3 : 3;
      rows.push(r.map(Math.fround));
      labels.push(c === 0 ? 'ada' : 'grace');
    }
  }
  return { rows, labels };
}

function pngOf(view: EmbeddingView): DecodedPng {
  const bundle = view[Symbol.for(DISPLAY_SYMBOL_KEY) as unknown as keyof EmbeddingView] as unknown as () => Record<string, unknown>;
  return decodePng(Buffer.from(bundle.call(view)['image/png'] as string, 'base64'));
}

/** Pixels of exactly colour `rgb` inside `box`. */
function pixelsOf(png: DecodedPng, rgb: readonly number[], box: { x: number; y: number; width: number; height: number }): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const i = (y * png.width + x) * png.channels;
      if (png.pixels[i] === rgb[0] && png.pixels[i + 1] === rgb[1] && png.pixels[i + 2] === rgb[2]) out.push([x, y]);
    }
  }
  return out;
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

describe('face.embeddingView', function () {
  this.timeout(60_000);
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  it('puts the vectors, labels, names, threshold and options into the payload', async () => {
    const { rows, labels } = twoClusters(3, 5, 1, 7);
    const t = tf.tensor2d(rows);
    const names = labels.map((l, i) => `${l}-${i}.jpg`);
    const view = await embeddingView(t, labels, { names, title: 'two people', threshold: 0.45, projection: 'tsne', seed: 3 });
    t.dispose();
    const p = view.payload;
    assert.equal(p.version, 1);
    assert.equal(p.dim, 5);
    assert.equal(p.metric, 'euclidean');
    assert.equal(p.threshold, 0.45);
    assert.equal(p.title, 'two people');
    assert.equal(p.projection, 'tsne');
    assert.equal(p.seed, 3);
    assert.equal(p.triplets, undefined);
    assert.deepEqual(p.points.map(q => q.label), labels);
    assert.deepEqual(p.points.map(q => q.name), names);
    // Each number reads back as the float32 the tensor held.
    p.points.forEach((q, i) => assert.deepEqual(q.vector.map(Math.fround), rows[i]));
    assert.ok(p.points.every(q => q.thumbnail === undefined));
    // The payload survives JSON (what the kernel sends and the notebook saves).
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });

  it("defaults the threshold to dlib's 0.6 and the projection to PCA; accepts plain arrays", async () => {
    const view = await embeddingView([[0, 0], [1, 0], [0, 1]], ['a', 'a', 'b']);
    assert.equal(view.payload.threshold, DLIB_MATCH_THRESHOLD);
    assert.equal(view.payload.threshold, 0.6);
    assert.equal(view.payload.projection, 'pca');
    assert.deepEqual(view.payload.points.map(q => q.vector), [[0, 0], [1, 0], [0, 1]]);
    assert.deepEqual(view.payload.points.map(q => q.name), [undefined, undefined, undefined]);
  });

  it('makes thumbnails of at most 48 px from 0..1 and 0..255 images, lists and batches', async () => {
    const dark = tf.fill([100, 60, 3], 0.5) as tf.Tensor3D;        // 0..1 grey
    const bright = tf.fill([20, 30, 1], 255) as tf.Tensor3D;      // 0..255 white
    const view = await embeddingView([[0], [1]], ['a', 'b'], { thumbnails: [dark, bright] });
    const [a, b] = view.payload.points.map(q => decodePng(Buffer.from(q.thumbnail!, 'base64')));
    assert.deepEqual([a.width, a.height, a.channels], [29, 48, 3]);
    assert.ok(a.pixels.every(v => v === 128), '0.5 is mid grey');
    assert.deepEqual([b.width, b.height, b.channels], [30, 20, 1]);
    assert.ok(b.pixels.every(v => v === 255), '255 stays white (read as 0..255)');
    const batch = tf.stack([dark, dark]) as tf.Tensor4D;
    const fromBatch = await embeddingView([[0], [1]], ['a', 'b'], { thumbnails: batch });
    assert.equal(fromBatch.payload.points[1].thumbnail, view.payload.points[0].thumbnail);
    assert.ok(!dark.isDisposed && !batch.isDisposed, 'the caller keeps its tensors');
    tf.dispose([dark, bright, batch]);
  });

  it("takes triplets as a list or as mineTriplets's result, with margin and squared", async () => {
    const { rows, labels } = twoClusters(3, 4, 0, 11);
    const t = tf.tensor2d(rows);
    const mined = await mineTriplets(t, labels, { strategy: 'all' });
    const view = await embeddingView(t, labels, { triplets: mined, margin: 0.3 });
    const p = view.payload;
    assert.equal(p.triplets!.length, mined.count);
    assert.ok(mined.count > 0);
    p.triplets!.forEach((tr, k) => assert.deepEqual(tr, { anchor: mined.anchor[k], positive: mined.positive[k], negative: mined.negative[k] }));
    assert.equal(p.margin, 0.3);
    assert.equal(p.squaredTriplets, true);
    const listed = await embeddingView(t, labels, { triplets: [{ anchor: 0, positive: 1, negative: 4 }], squaredTriplets: false });
    assert.deepEqual(listed.payload.triplets, [{ anchor: 0, positive: 1, negative: 4 }]);
    assert.equal(listed.payload.margin, 0.2);
    assert.equal(listed.payload.squaredTriplets, false);
    t.dispose();
  });

  it('pcaProject recovers coordinates in a plane hidden in 6 dimensions (up to sign), in float64', () => {
    // Orthonormal u, w in R^6; point i = c + a_i u + b_i w with a, b uncorrelated and var(a) > var(b):
    // PC1 = a - mean(a), PC2 = b - mean(b).
    const u = [1, 1, 0, 0, 1, 1].map(v => v / 2);
    const w = [1, -1, 1, -1, 0, 0].map(v => v / 2);
    const c = [5, -2, 1, 0, 3, 7];
    const a = [-3, -1, 1, 3, 0, 0], b = [1, -1, -1, 1, 0.5, -0.5];
    const rows = a.map((ai, i) => c.map((ck, k) => ck + ai * u[k] + b[i] * w[k]));
    const coords = pcaProject(rows);
    const ma = mean(a), mb = mean(b);
    for (const [k, ref] of [[0, a.map(v => v - ma)], [1, b.map(v => v - mb)]] as const) {
      const got = coords.map(q => q[k]);
      const sign = Math.sign(got[0]) * Math.sign(ref[0]);
      got.forEach((g, i) => assert.ok(Math.abs(g - sign * ref[i]) < 1e-9, `component ${k + 1}, point ${i}: ${g} vs ${sign * ref[i]}`));
    }
  });

  it('draws each identity where PCA puts its cluster, with a legend, beside a grouped distance heatmap', async () => {
    const { rows, labels } = twoClusters(5, 16, 9, 3);
    const view = await embeddingView(rows, labels, { threshold: 1 });
    const png = pngOf(view);
    assert.deepEqual([png.width, png.height], [FALLBACK_WIDTH, FALLBACK_HEIGHT]);
    // Where the points should be: PC1 is the axis separating the clusters (computed here from the data's means).
    const scatter = { x: SCATTER_BOX.x + 1, y: SCATTER_BOX.y + 1, width: SCATTER_BOX.width - 2, height: SCATTER_BOX.height - 2 };
    const legendBottom = SCATTER_BOX.y + 24;
    const plotArea = { ...scatter, y: legendBottom, height: scatter.y + scatter.height - legendBottom };
    const ada = pixelsOf(png, categoryColour(0), plotArea), grace = pixelsOf(png, categoryColour(1), plotArea);
    assert.ok(ada.length > 20 && grace.length > 20, `both identities are drawn: ${ada.length}, ${grace.length} pixels`);
    const adaX = ada.map(p => p[0]), graceX = grace.map(p => p[0]);
    // The clusters are 6 apart on PC1 and about 0.2 wide: the two colours sit at opposite ends of the plot.
    assert.ok(Math.max(...adaX) < Math.min(...graceX) || Math.max(...graceX) < Math.min(...adaX), 'the two colours do not overlap in x');
    assert.ok(Math.abs(mean(adaX) - mean(graceX)) > 0.7 * SCATTER_BOX.width, `clusters far apart: ${mean(adaX)} vs ${mean(graceX)}`);
    // Vertically both sit near the middle (PC2 is noise, but scaled by the same factor as PC1).
    const midY = SCATTER_BOX.y + SCATTER_BOX.height / 2;
    assert.ok(Math.abs(mean(ada.map(p => p[1])) - midY) < 20 && Math.abs(mean(grace.map(p => p[1])) - midY) < 20);
    // Legend swatches: both colours in the legend corner.
    const legend = { x: SCATTER_BOX.x + 4, y: SCATTER_BOX.y + 4, width: 6, height: 14 };
    assert.ok(pixelsOf(png, categoryColour(0), legend).length >= 36 && pixelsOf(png, categoryColour(1), legend).length >= 36);
    // Heatmap: same-identity blocks (top-left, bottom-right) are dark (small distance), cross blocks bright.
    const at = (x: number, y: number) => { const i = (y * png.width + x) * png.channels; return png.pixels[i] + png.pixels[i + 1] + png.pixels[i + 2]; };
    const size = HEATMAP_BOX.width - 8, q = Math.round(size / 4);
    const within = at(HEATMAP_BOX.x + q, HEATMAP_BOX.y + q + 2), across = at(HEATMAP_BOX.x + 3 * q, HEATMAP_BOX.y + q + 2);
    assert.ok(across > within + 200, `cross-identity cells brighter: ${across} vs ${within}`);
  });

  it('shows itself through the kernel formatter: the embeddings payload, a PNG and a summary', async () => {
    const { rows, labels } = twoClusters(2, 3, 0, 5);
    const t = tf.tensor2d(rows);
    const view = await embeddingView(t, labels, { title: 'demo' });
    t.dispose();
    const bundle = await formatValue(view);
    const payload = bundle[EMBEDDINGS_MIME] as EmbeddingsPayload;
    assert.equal(payload.points.length, 4);
    assert.equal(payload.dim, 3);
    assert.equal(decodePng(Buffer.from(bundle['image/png'] as string, 'base64')).width, FALLBACK_WIDTH);
    assert.equal(bundle['text/plain'], "EmbeddingView 'demo': 4 points of dim 3, 2 identities (ada, grace), threshold 0.6");
  });

  it('rejects bad input with errors that name the argument', async () => {
    const t = tf.tensor2d([[0, 1], [1, 0]]);
    const t3 = tf.zeros([2, 2, 2]);
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => embeddingView(t3 as unknown as tf.Tensor2D, ['a', 'b']), /embeddingView: embeddings must be a live \[n, dim\] tensor; got shape \[2, 2, 2\]/],
      [() => embeddingView(t, ['a']), /embeddingView: labels must be 2 strings, one per embedding; got 1 entries/],
      [() => embeddingView([[0, NaN], [1, 1]], ['a', 'b']), /embeddingView: embeddings must be finite; row 0 has NaN at column 1/],
      [() => embeddingView([[0, 1], [1]], ['a', 'b']), /rows must all have the same length/],
      [() => embeddingView([], []), /embeddings must be a \[n, dim\] tensor or a non-empty array/],
      [() => embeddingView(t, ['a', 'b'], { names: ['x'] }), /options.names must be 2 strings/],
      [() => embeddingView(t, ['a', 'b'], { threshold: -1 }), /options.threshold must be a finite number >= 0/],
      [() => embeddingView(t, ['a', 'b'], { projection: 'mds' as 'pca' }), /options.projection must be 'pca', 'umap' or 'tsne'/],
      [() => embeddingView(t, ['a', 'b'], { thumbnails: [t3 as tf.Tensor3D] }), /options.thumbnails must be 2 images/],
      [() => embeddingView(t, ['a', 'a'], { triplets: [{ anchor: 0, positive: 1, negative: 1 }] }), /triplets\[0\]: the negative \(1\) must be another identity/],
      [() => embeddingView(t, ['a', 'b'], { triplets: [{ anchor: 0, positive: 1, negative: 1 }] }), /triplets\[0\]: the positive \(1, 'b'\) must be another image of the anchor's identity/],
      [() => embeddingView(t, ['a', 'b'], { triplets: [{ anchor: 0, positive: 5, negative: 1 }] }), /triplets\[0\] must hold whole indices in 0..1/],
    ];
    for (const [call, message] of cases) await assert.rejects(call, (e: Error) => e instanceof FaceArgumentError && message.test(e.message) || assert.fail(`${e.message} !~ ${message}`));
    tf.dispose([t, t3]);
  });
});
