// The style-transfer costs (src/lib/style/costs.ts) against float64 computations written here from the
// course's formulas: the unrolling to [nC, nH·nW], the Gram matrix, J_content, J_style^[l], J_style, J, total
// variation; their gradients against central finite differences of those float64 references; named errors.
process.env.CONVNET_BACKEND = process.env.CONVNET_BACKEND || 'cpu';
import * as assert from 'node:assert/strict';
import type { Scalar, Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import { tf, ready } from '../../src/lib/tf';
import {
  contentCost, gramMatrix, layerStyleCost, layerStyleCostFromGram, styleCost, StyleArgumentError, totalCost, totalVariation, unrollActivations,
} from '../../src/lib/style';
import { lcg } from './faceTestKit';
import { checkNoTensorLeaks } from './libraryTestKit';

/** A seeded activation [1, nH, nW, nC] as float32-representable numbers (index ((h·nW)+w)·nC + c). */
function activation(nH: number, nW: number, nC: number, seed: number, scale = 1, offset = 0): { values: number[]; shape: [1, number, number, number] } {
  return { values: lcg(nH * nW * nC, seed).map(v => Math.fround(offset + scale * v)), shape: [1, nH, nW, nC] };
}
const tensorOf = (a: { values: number[]; shape: readonly number[] }) => tf.tensor4d(a.values, a.shape as [number, number, number, number]);

/** Unrolled by hand: A[c][h·nW + w] = a[0, h, w, c]. */
function unroll64(a: number[], nH: number, nW: number, nC: number): number[][] {
  const A = Array.from({ length: nC }, () => new Array<number>(nH * nW).fill(0));
  for (let h = 0; h < nH; h++) for (let w = 0; w < nW; w++) for (let c = 0; c < nC; c++) A[c][h * nW + w] = a[(h * nW + w) * nC + c];
  return A;
}
function gram64(A: number[][]): number[][] {
  return A.map(ri => A.map(rj => ri.reduce((s, v, k) => s + v * rj[k], 0)));
}
function content64(aC: number[], aG: number[], nH: number, nW: number, nC: number): number {
  return aC.reduce((s, v, i) => s + (v - aG[i]) ** 2, 0) / (4 * nH * nW * nC);
}
function layerStyle64(aS: number[], aG: number[], nH: number, nW: number, nC: number): number {
  const GS = gram64(unroll64(aS, nH, nW, nC)), GG = gram64(unroll64(aG, nH, nW, nC));
  let s = 0;
  for (let i = 0; i < nC; i++) for (let j = 0; j < nC; j++) s += (GS[i][j] - GG[i][j]) ** 2;
  return s / (2 * nH * nW * nC) ** 2;
}
/** x [h, w, c] flat. */
function tvL1_64(x: number[], h: number, w: number, c: number): number {
  let s = 0;
  const at = (i: number, j: number, k: number) => x[(i * w + j) * c + k];
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
    if (i + 1 < h) s += Math.abs(at(i + 1, j, k) - at(i, j, k));
    if (j + 1 < w) s += Math.abs(at(i, j + 1, k) - at(i, j, k));
  }
  return s;
}
function tvKeras64(x: number[], h: number, w: number, c: number): number {
  let s = 0;
  const at = (i: number, j: number, k: number) => x[(i * w + j) * c + k];
  for (let i = 0; i + 1 < h; i++) for (let j = 0; j + 1 < w; j++) for (let k = 0; k < c; k++) {
    s += ((at(i, j, k) - at(i + 1, j, k)) ** 2 + (at(i, j, k) - at(i, j + 1, k)) ** 2) ** 1.25;
  }
  return s;
}

async function scalarOf(t: Scalar): Promise<number> {
  try { return (await t.data())[0]; } finally { t.dispose(); }
}
function assertRelative(got: number, want: number, rtol: number, what: string): void {
  assert.ok(Math.abs(got - want) <= rtol * Math.abs(want), `${what}: got ${got}, want ${want} (relative error ${Math.abs(got - want) / Math.abs(want)})`);
}

/** Central differences of a float64 function at a few coordinates, vs the library's gradient there. */
async function checkGradient(grad: Tensor, x: number[], f64: (x: number[]) => number, coords: number[], h: number, rtol: number, what: string): Promise<void> {
  const g = await grad.data();
  grad.dispose();
  let scale = 0;
  for (const i of coords) {
    const plus = x.slice(), minus = x.slice();
    plus[i] += h; minus[i] -= h;
    const fd = (f64(plus) - f64(minus)) / (2 * h);
    scale = Math.max(scale, Math.abs(fd));
    assert.ok(Math.abs(g[i] - fd) <= rtol * Math.max(Math.abs(fd), 1e-3 * scale),
      `${what}: d/dx[${i}] got ${g[i]}, finite differences ${fd}`);
  }
}

describe('style costs (float64 references)', function () {
  before(async () => { await ready(); });
  checkNoTensorLeaks();

  it('unrolls [1, nH, nW, nC] to [nC, nH·nW] as the course does (not a plain reshape)', async () => {
    const a = activation(3, 4, 5, 1);
    const t = tensorOf(a);
    const A = unrollActivations(t);
    assert.deepEqual(A.shape, [5, 12]);
    const got = await A.array();
    assert.deepEqual(got, unroll64(a.values, 3, 4, 5));
    const naive = tf.reshape(t, [5, 12]);
    assert.notDeepEqual(await naive.array(), got, 'a plain reshape gives another matrix: the test would not catch the mistake');
    tf.dispose([t, A, naive]);
  });

  it('gramMatrix(A) = A·Aᵀ for A [nC, nH·nW]', async () => {
    const A = lcg(6 * 20, 3).map(Math.fround);
    const rows = Array.from({ length: 6 }, (_, i) => A.slice(i * 20, (i + 1) * 20));
    const t = tf.tensor2d(A, [6, 20]);
    const G = gramMatrix(t);
    assert.deepEqual(G.shape, [6, 6]);
    const got = await G.array();
    const want = gram64(rows);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) assertRelative(got[i][j], want[i][j], 1e-5, `G[${i}][${j}]`);
    tf.dispose([t, G]);
  });

  it('contentCost = Σ(a(C) − a(G))² / (4·nH·nW·nC)', async () => {
    for (const [nH, nW, nC, seed] of [[4, 4, 3, 5], [7, 5, 16, 6], [1, 1, 1, 7]]) {
      const aC = activation(nH, nW, nC, seed, 2, 1), aG = activation(nH, nW, nC, seed + 100, 2, 1);
      const [tc, tg] = [tensorOf(aC), tensorOf(aG)];
      assertRelative(await scalarOf(contentCost(tc, tg)), content64(aC.values, aG.values, nH, nW, nC), 1e-5, `J_content ${nH}x${nW}x${nC}`);
      tf.dispose([tc, tg]);
    }
  });

  it('layerStyleCost = Σ(Gram(S) − Gram(G))² / (2·nH·nW·nC)², unrolled channel by channel', async () => {
    for (const [nH, nW, nC, seed] of [[4, 4, 3, 8], [6, 5, 12, 9], [2, 3, 1, 10]]) {
      // relu-like (non-negative) activations, as the network gives
      const aS = activation(nH, nW, nC, seed, 1, 1), aG = activation(nH, nW, nC, seed + 50, 1, 1);
      const [ts, tg] = [tensorOf(aS), tensorOf(aG)];
      assertRelative(await scalarOf(layerStyleCost(ts, tg)), layerStyle64(aS.values, aG.values, nH, nW, nC), 1e-5, `J_style ${nH}x${nW}x${nC}`);
      tf.dispose([ts, tg]);
    }
  });

  it('layerStyleCostFromGram (the style Gram computed once, as transfer does) = the same float64 cost; wrong Gram shape named', async () => {
    const [nH, nW, nC] = [5, 4, 6];
    const aS = activation(nH, nW, nC, 11, 1, 1), aG = activation(nH, nW, nC, 61, 1, 1);
    const [ts, tg] = [tensorOf(aS), tensorOf(aG)];
    const gS = tf.tidy(() => gramMatrix(unrollActivations(ts)));
    assertRelative(await scalarOf(layerStyleCostFromGram(gS, tg)), layerStyle64(aS.values, aG.values, nH, nW, nC), 1e-5, 'J_style from the Gram');
    const wrong = tf.zeros([nC + 1, nC + 1]) as tf.Tensor2D;
    assert.throws(() => layerStyleCostFromGram(wrong, tg), /layerStyleCostFromGram: gS must be the style Gram matrix \[6, 6\]/);
    tf.dispose([ts, tg, gS, wrong]);
  });

  it('styleCost = Σ_l λ^[l]·J_style^[l], with weights as pairs or as an object', async () => {
    const shapes: Record<string, [number, number, number]> = { a: [8, 8, 4], b: [4, 4, 6], c: [2, 2, 8] };
    const S: Record<string, Tensor4D> = {}, G: Record<string, Tensor4D> = {};
    const weights: Array<[string, number]> = [['a', 0.2], ['b', 0.5], ['c', 0.3]];
    let want = 0;
    Object.entries(shapes).forEach(([name, [h, w, c]], i) => {
      const s = activation(h, w, c, 20 + i, 1, 1), g = activation(h, w, c, 40 + i, 1, 1);
      S[name] = tensorOf(s); G[name] = tensorOf(g);
      want += weights[i][1] * layerStyle64(s.values, g.values, h, w, c);
    });
    assertRelative(await scalarOf(styleCost(S, G, weights)), want, 1e-5, 'J_style (pairs)');
    assertRelative(await scalarOf(styleCost(S, G, Object.fromEntries(weights))), want, 1e-5, 'J_style (object)');
    tf.dispose([...Object.values(S), ...Object.values(G)]);
  });

  it('totalCost = α·J_content + β·J_style, default α = 10, β = 40, for numbers and scalars', async () => {
    assert.equal(totalCost(0.5, 0.25), 10 * 0.5 + 40 * 0.25);
    assert.equal(totalCost(0.5, 0.25, 2, 3), 2 * 0.5 + 3 * 0.25);
    const [c, s] = [tf.scalar(1.5), tf.scalar(0.75)];
    assertRelative(await scalarOf(totalCost(c, s)), 10 * 1.5 + 40 * 0.75, 1e-7, 'J (tensors)');
    assertRelative(await scalarOf(totalCost(c, 0.75, 1, 1e3)), 1.5 + 750, 1e-7, 'J (mixed)');
    tf.dispose([c, s]);
  });

  it('totalVariation: l1 (tf.image.total_variation) and the Keras example\'s power 1.25', async () => {
    const x = lcg(5 * 6 * 3, 30).map(v => Math.fround(0.5 + 0.5 * v));
    const t3 = tf.tensor3d(x, [5, 6, 3]);
    assertRelative(await scalarOf(totalVariation(t3)), tvL1_64(x, 5, 6, 3), 1e-5, 'TV l1');
    assertRelative(await scalarOf(totalVariation(t3, 'keras')), tvKeras64(x, 5, 6, 3), 1e-5, 'TV keras');
    const t4 = tf.expandDims(t3, 0) as Tensor4D;
    assertRelative(await scalarOf(totalVariation(t4)), tvL1_64(x, 5, 6, 3), 1e-5, 'TV l1 [1, h, w, c]');
    tf.dispose([t3, t4]);
  });

  it('gradients match central finite differences of the float64 references', async () => {
    const [nH, nW, nC] = [3, 4, 5];
    const aC = activation(nH, nW, nC, 60, 1, 1), aG = activation(nH, nW, nC, 61, 1, 1);
    const tc = tensorOf(aC), tg = tensorOf(aG);
    const coords = [0, 7, 13, 29, 42, 59];
    await checkGradient(tf.grad(g => contentCost(tc, g as Tensor4D))(tg), aG.values,
      x => content64(aC.values, x, nH, nW, nC), coords, 1e-4, 1e-4, 'J_content');
    await checkGradient(tf.grad(g => layerStyleCost(tc, g as Tensor4D))(tg), aG.values,
      x => layerStyle64(aC.values, x, nH, nW, nC), coords, 1e-4, 1e-3, 'J_style^[l]');
    const img = lcg(4 * 5 * 3, 62).map(v => Math.fround(0.5 + 0.5 * v));
    const ti = tf.tensor3d(img, [4, 5, 3]);
    await checkGradient(tf.grad(x => totalVariation(x as Tensor4D, 'keras'))(ti), img, x => tvKeras64(x, 4, 5, 3), [0, 11, 23, 40, 59], 1e-5, 1e-3, 'TV keras');
    // |·| is smooth away from ties: the seeded pixels have none closer than the step.
    await checkGradient(tf.grad(x => totalVariation(x as Tensor4D))(ti), img, x => tvL1_64(x, 4, 5, 3), [0, 11, 23, 40, 59], 1e-6, 1e-4, 'TV l1');
    // gramMatrix's own gradient (one product, (dG + dGᵀ)·A) under an asymmetric weighting of its entries.
    const [c, p] = [4, 6];
    const A = lcg(c * p, 63).map(v => Math.fround(v));
    const W = lcg(c * c, 64).map(v => Math.fround(v));
    const weightedGram64 = (a: number[]) => {
      let sum = 0;
      for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) for (let k = 0; k < p; k++) sum += W[i * c + j] * a[i * p + k] * a[j * p + k];
      return sum;
    };
    const tA = tf.tensor2d(A, [c, p]), tW = tf.tensor2d(W, [c, c]);
    await checkGradient(tf.grad(a => tf.sum(tf.mul(gramMatrix(a as Tensor2D), tW)))(tA), A, weightedGram64, [0, 5, 11, 17, 23], 1e-3, 1e-3, 'Σ W∘gramMatrix(A)');
    tf.dispose([tc, tg, ti, tA, tW]);
  });

  it('bad inputs get named errors that say what was expected', () => {
    const a = tf.zeros([1, 4, 4, 3]) as Tensor4D, b = tf.zeros([1, 4, 4, 2]) as Tensor4D, r3 = tf.zeros([4, 4, 3]), r1 = tf.zeros([4]);
    const cases: Array<[() => unknown, RegExp]> = [
      [() => contentCost(a, b), /contentCost: aC and aG must have the same shape; got \[1, 4, 4, 3\] and \[1, 4, 4, 2\]/],
      [() => contentCost(r3 as unknown as Tensor4D, a), /contentCost: aC must be the activations of one image, shape \[1, nH, nW, nC\]; got \[4, 4, 3\]/],
      [() => layerStyleCost(a, [1, 2] as unknown as Tensor4D), /layerStyleCost: aG must be a live tf.Tensor/],
      [() => gramMatrix(a as never), /gramMatrix: A must be a live \[nC, nH·nW\] tensor/],
      [() => styleCost({ x: a }, { x: a }, [['y', 1]]), /styleCost: styleActs has no layer 'y'; it has x/],
      [() => styleCost({ x: a }, { x: a }, [['x', NaN]]), /styleCost: the weight of layer 'x' must be a finite number/],
      [() => totalCost('1' as never, 2), /totalCost: jContent must be a number or a scalar tensor/],
      [() => totalVariation(r1 as never), /totalVariation: image must be a live \[h, w, c\] or \[n, h, w, c\] tensor; got \[4\]/],
      [() => totalVariation(r3 as never, 'l2' as never), /totalVariation: kind must be 'l1' or 'keras'/],
    ];
    for (const [call, message] of cases) {
      assert.throws(call, (e: Error) => e instanceof StyleArgumentError && e.name === 'StyleArgumentError' && message.test(e.message), String(message));
    }
    tf.dispose([a, b, r3, r1]);
  });
});
