// An independent float64 reference for the wasm kernel tests: convolutions (1-3 spatial axes, depthwise),
// their input and filter gradients, pooling and its gradients, matmul, sum and mean - plain loops over
// Float64Array, written from the definitions (TensorFlow's conventions: NHWC / NDHWC, filters
// [..k, in, out], "same" padding puts the odd pixel after). Nothing here uses TF.js.
//
// Every result also carries `scale`: for each output, the sum of |terms| that went into it. A float32
// computation of a sum of n terms is off by at most about n * 2^-24 * scale (and in practice by
// ~sqrt(n) * 2^-24 * scale), so tests compare |got - ref| against rtol * scale: a tolerance that is
// tight where cancellation is absent and honest where it is not.

export type PadSpec = 'same' | 'valid' | number | [number, number][];
export type Rounding = 'floor' | 'round' | 'ceil' | undefined;

export interface F64 {
  values: Float64Array;
  shape: number[];
  /** Sum of |terms| per output (the error scale of a float32 computation of it). */
  scale: Float64Array;
}

const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

function roundWith(v: number, rounding: Rounding): number {
  if (rounding === 'ceil') return Math.ceil(v);
  if (rounding === 'round') return Math.round(v);
  return Math.floor(v);
}

/** Output size and padding before, per spatial axis. */
export interface Geometry { out: number[]; before: number[] }

export function geometry(inSp: number[], kSp: number[], strides: number[], dilations: number[], pad: PadSpec, rounding?: Rounding): Geometry {
  const out: number[] = [], before: number[] = [];
  inSp.forEach((n, i) => {
    const eff = (kSp[i] - 1) * dilations[i] + 1, s = strides[i];
    if (pad === 'valid') {
      out.push(Math.floor((n - eff) / s) + 1);
      before.push(0);
    } else if (pad === 'same') {
      const o = Math.ceil(n / s);
      const total = Math.max(0, (o - 1) * s + eff - n);
      out.push(o);
      before.push(Math.floor(total / 2));
    } else if (typeof pad === 'number') {
      out.push(roundWith((n + 2 * pad - eff) / s + 1, rounding));
      before.push(pad);
    } else {
      out.push(roundWith((n + pad[i][0] + pad[i][1] - eff) / s + 1, rounding));
      before.push(pad[i][0]);
    }
  });
  return { out, before };
}

/** For each output position (flat), the (kernel position, input position) pairs inside the input. */
function windows(inSp: number[], outSp: number[], kSp: number[], strides: number[], dilations: number[], before: number[]): [number, number][][] {
  const r = inSp.length;
  const result: [number, number][][] = [];
  const o = new Array(r).fill(0);
  for (let of = 0; of < prod(outSp); of++) {
    let rem = of;
    for (let i = r - 1; i >= 0; i--) { o[i] = rem % outSp[i]; rem = Math.floor(rem / outSp[i]); }
    const pairs: [number, number][] = [];
    for (let kf = 0; kf < prod(kSp); kf++) {
      let kr = kf, inFlat = 0, inside = true;
      const k = new Array(r);
      for (let i = r - 1; i >= 0; i--) { k[i] = kr % kSp[i]; kr = Math.floor(kr / kSp[i]); }
      for (let i = 0; i < r; i++) {
        const p = o[i] * strides[i] + k[i] * dilations[i] - before[i];
        if (p < 0 || p >= inSp[i]) { inside = false; break; }
        inFlat = inFlat * inSp[i] + p;
      }
      if (inside) pairs.push([kf, inFlat]);
    }
    result.push(pairs);
  }
  return result;
}

export interface ConvOptions {
  strides?: number[];
  dilations?: number[];
  pad: PadSpec;
  rounding?: Rounding;
  /** Depthwise: filter [..k, C, M], output channels C*M. */
  depthwise?: boolean;
}

interface ConvSetup { n: number; inSp: number[]; kSp: number[]; ci: number; co: number; m: number; geo: Geometry; win: [number, number][][] }

function setup(xShape: number[], wShape: number[], o: ConvOptions): ConvSetup {
  const r = xShape.length - 2;
  const inSp = xShape.slice(1, 1 + r), kSp = wShape.slice(0, r);
  const strides = o.strides ?? new Array(r).fill(1), dilations = o.dilations ?? new Array(r).fill(1);
  const ci = xShape[r + 1];
  if (wShape[r] !== ci) throw new Error(`reference conv: filter in-channels ${wShape[r]} != input channels ${ci}`);
  const m = wShape[r + 1];
  const co = o.depthwise ? ci * m : m;
  const geo = geometry(inSp, kSp, strides, dilations, o.pad, o.rounding);
  return { n: xShape[0], inSp, kSp, ci, co, m, geo, win: windows(inSp, geo.out, kSp, strides, dilations, geo.before) };
}

/** Visits every product x[xi] * w[wi] that contributes to y[yi]. */
function eachTerm(c: ConvSetup, depthwise: boolean | undefined, visit: (xi: number, wi: number, yi: number) => void): void {
  const inSize = prod(c.inSp), outSize = prod(c.geo.out);
  for (let b = 0; b < c.n; b++) {
    for (let of = 0; of < outSize; of++) {
      for (const [kf, inf] of c.win[of]) {
        const xb = (b * inSize + inf) * c.ci, yb = (b * outSize + of) * c.co;
        if (depthwise) {
          for (let ch = 0; ch < c.ci; ch++) {
            for (let q = 0; q < c.m; q++) visit(xb + ch, (kf * c.ci + ch) * c.m + q, yb + ch * c.m + q);
          }
        } else {
          for (let i = 0; i < c.ci; i++) {
            for (let j = 0; j < c.co; j++) visit(xb + i, (kf * c.ci + i) * c.co + j, yb + j);
          }
        }
      }
    }
  }
}

/** y = conv(x, w): x [N, ...spatial, Ci], w [...k, Ci, Co] (depthwise: [...k, C, M]). */
export function conv(x: ArrayLike<number>, xShape: number[], w: ArrayLike<number>, wShape: number[], o: ConvOptions): F64 {
  const c = setup(xShape, wShape, o);
  const shape = [c.n, ...c.geo.out, c.co];
  const values = new Float64Array(prod(shape)), scale = new Float64Array(values.length);
  eachTerm(c, o.depthwise, (xi, wi, yi) => { const t = x[xi] * w[wi]; values[yi] += t; scale[yi] += Math.abs(t); });
  return { values, shape, scale };
}

/** dx of sum(dy * conv(x, w)) for x of shape xShape. */
export function convBackpropInput(dy: ArrayLike<number>, w: ArrayLike<number>, wShape: number[], xShape: number[], o: ConvOptions): F64 {
  const c = setup(xShape, wShape, o);
  const values = new Float64Array(prod(xShape)), scale = new Float64Array(values.length);
  eachTerm(c, o.depthwise, (xi, wi, yi) => { const t = dy[yi] * w[wi]; values[xi] += t; scale[xi] += Math.abs(t); });
  return { values, shape: xShape.slice(), scale };
}

/** dw of sum(dy * conv(x, w)) for w of shape wShape. */
export function convBackpropFilter(x: ArrayLike<number>, xShape: number[], dy: ArrayLike<number>, wShape: number[], o: ConvOptions): F64 {
  const c = setup(xShape, wShape, o);
  const values = new Float64Array(prod(wShape)), scale = new Float64Array(values.length);
  eachTerm(c, o.depthwise, (xi, wi, yi) => { const t = x[xi] * dy[yi]; values[wi] += t; scale[wi] += Math.abs(t); });
  return { values, shape: wShape.slice(), scale };
}

export interface PoolOptions { filter: number[]; strides: number[]; pad: PadSpec; rounding?: Rounding }

function poolSetup(xShape: number[], o: PoolOptions) {
  const r = xShape.length - 2;
  const inSp = xShape.slice(1, 1 + r);
  const ones = new Array(r).fill(1);
  const geo = geometry(inSp, o.filter, o.strides, ones, o.pad, o.rounding);
  return { n: xShape[0], c: xShape[r + 1], inSize: prod(inSp), outSize: prod(geo.out), geo, win: windows(inSp, geo.out, o.filter, o.strides, ones, geo.before) };
}

/** Average pooling over the window cells inside the input (padding is not counted), NHWC / NDHWC. */
export function avgPool(x: ArrayLike<number>, xShape: number[], o: PoolOptions): F64 {
  const p = poolSetup(xShape, o);
  const shape = [p.n, ...p.geo.out, p.c];
  const values = new Float64Array(prod(shape)), scale = new Float64Array(values.length);
  for (let b = 0; b < p.n; b++) for (let of = 0; of < p.outSize; of++) for (let ch = 0; ch < p.c; ch++) {
    const cells = p.win[of];
    let s = 0, a = 0;
    for (const [, inf] of cells) { const v = x[(b * p.inSize + inf) * p.c + ch]; s += v; a += Math.abs(v); }
    const yi = (b * p.outSize + of) * p.c + ch;
    values[yi] = s / cells.length;
    scale[yi] = a / cells.length;
  }
  return { values, shape, scale };
}

export function avgPoolGrad(dy: ArrayLike<number>, xShape: number[], o: PoolOptions): F64 {
  const p = poolSetup(xShape, o);
  const values = new Float64Array(prod(xShape)), scale = new Float64Array(values.length);
  for (let b = 0; b < p.n; b++) for (let of = 0; of < p.outSize; of++) for (let ch = 0; ch < p.c; ch++) {
    const cells = p.win[of];
    const g = dy[(b * p.outSize + of) * p.c + ch] / cells.length;
    for (const [, inf] of cells) { const xi = (b * p.inSize + inf) * p.c + ch; values[xi] += g; scale[xi] += Math.abs(g); }
  }
  return { values, shape: xShape.slice(), scale };
}

/** Index (flat, into x) of each window's maximum; `lastOnTies` picks the last of equal maxima. */
function argmaxes(x: ArrayLike<number>, xShape: number[], o: PoolOptions, lastOnTies: boolean): { pos: Int32Array; shape: number[] } {
  const p = poolSetup(xShape, o);
  const shape = [p.n, ...p.geo.out, p.c];
  const pos = new Int32Array(prod(shape)).fill(-1);
  for (let b = 0; b < p.n; b++) for (let of = 0; of < p.outSize; of++) for (let ch = 0; ch < p.c; ch++) {
    let best = -Infinity, at = -1;
    for (const [, inf] of p.win[of]) {
      const xi = (b * p.inSize + inf) * p.c + ch;
      if (x[xi] > best || (lastOnTies && x[xi] === best)) { best = x[xi]; at = xi; }
    }
    pos[(b * p.outSize + of) * p.c + ch] = at;
  }
  return { pos, shape };
}

export function maxPool(x: ArrayLike<number>, xShape: number[], o: PoolOptions): F64 {
  const { pos, shape } = argmaxes(x, xShape, o, false);
  const values = Float64Array.from(pos, i => (i < 0 ? -Infinity : x[i]));
  return { values, shape, scale: values.map(Math.abs) };
}

/** dy routed to each window's maximum (the first one, or the last with `lastOnTies`). */
export function maxPoolGrad(dy: ArrayLike<number>, x: ArrayLike<number>, xShape: number[], o: PoolOptions, lastOnTies = false): F64 {
  const { pos } = argmaxes(x, xShape, o, lastOnTies);
  const values = new Float64Array(prod(xShape)), scale = new Float64Array(values.length);
  pos.forEach((xi, yi) => { if (xi >= 0) { values[xi] += dy[yi]; scale[xi] += Math.abs(dy[yi]); } });
  return { values, shape: xShape.slice(), scale };
}

/** op(a) @ op(b) over broadcast batch dimensions; op transposes the last two axes when asked. */
export function matmul(a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[], transposeA = false, transposeB = false): F64 {
  const ra = aShape.length, rb = bShape.length;
  const [am, ak] = transposeA ? [aShape[ra - 1], aShape[ra - 2]] : [aShape[ra - 2], aShape[ra - 1]];
  const [bk, bn] = transposeB ? [bShape[rb - 1], bShape[rb - 2]] : [bShape[rb - 2], bShape[rb - 1]];
  if (ak !== bk) throw new Error(`reference matmul: inner sizes ${ak} and ${bk} differ`);
  const aBatch = aShape.slice(0, -2), bBatch = bShape.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const pa = [...new Array(rank - aBatch.length).fill(1), ...aBatch], pb = [...new Array(rank - bBatch.length).fill(1), ...bBatch];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const shape = [...batch, am, bn];
  const values = new Float64Array(prod(shape)), scale = new Float64Array(values.length);
  const idx = new Array(rank).fill(0);
  for (let t = 0; t < prod(batch); t++) {
    let rem = t;
    for (let i = rank - 1; i >= 0; i--) { idx[i] = rem % batch[i]; rem = Math.floor(rem / batch[i]); }
    let ao = 0, bo = 0;
    for (let i = 0; i < rank; i++) { ao = ao * pa[i] + (pa[i] === 1 ? 0 : idx[i]); bo = bo * pb[i] + (pb[i] === 1 ? 0 : idx[i]); }
    ao *= am * ak; bo *= bk * bn;
    for (let i = 0; i < am; i++) for (let j = 0; j < bn; j++) {
      let s = 0, sa = 0;
      for (let k = 0; k < ak; k++) {
        const av = a[ao + (transposeA ? k * am + i : i * ak + k)];
        const bv = b[bo + (transposeB ? j * bk + k : k * bn + j)];
        s += av * bv; sa += Math.abs(av * bv);
      }
      values[(t * am + i) * bn + j] = s;
      scale[(t * am + i) * bn + j] = sa;
    }
  }
  return { values, shape, scale };
}

/** Sum (or mean) over `axes`. */
export function reduceSum(x: ArrayLike<number>, xShape: number[], axes: number[], mean = false): F64 {
  const keep = xShape.map((_, i) => !axes.includes(i));
  const shape = xShape.filter((_, i) => keep[i]);
  const values = new Float64Array(prod(shape)), scale = new Float64Array(values.length);
  const idx = new Array(xShape.length).fill(0);
  for (let f = 0; f < prod(xShape); f++) {
    let rem = f;
    for (let i = xShape.length - 1; i >= 0; i--) { idx[i] = rem % xShape[i]; rem = Math.floor(rem / xShape[i]); }
    let o = 0;
    for (let i = 0; i < xShape.length; i++) if (keep[i]) o = o * xShape[i] + idx[i];
    values[o] += x[f];
    scale[o] += Math.abs(x[f]);
  }
  if (mean) {
    const n = prod(axes.map(a => xShape[a]));
    for (let i = 0; i < values.length; i++) { values[i] /= n; scale[i] /= n; }
  }
  return { values, shape, scale };
}

// ---- seeded inputs and comparisons against the reference (no TF.js either) ----

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n float32 values uniform in [lo, hi). */
export function randomValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export interface Closeness {
  /** max over outputs of |got - ref| / (rtol * scale + atol): <= 1 passes. */
  worst: number;
  at: number;
  got: number;
  want: number;
}

/** How close `got` is to the reference, with the error bound rtol * scale + atol per output. */
export function closeness(got: ArrayLike<number>, ref: F64, rtol: number, atol = 1e-30): Closeness {
  if (got.length !== ref.values.length) throw new Error(`closeness: ${got.length} values against ${ref.values.length}`);
  let worst = 0, at = -1;
  for (let i = 0; i < got.length; i++) {
    const want = ref.values[i];
    const err = want === got[i] ? 0 : Math.abs(got[i] - want);
    const r = err / (rtol * ref.scale[i] + atol);
    if (!(r <= worst)) { worst = Number.isNaN(r) ? Infinity : r; at = i; }
  }
  return { worst, at, got: at >= 0 ? got[at] : NaN, want: at >= 0 ? ref.values[at] : NaN };
}
