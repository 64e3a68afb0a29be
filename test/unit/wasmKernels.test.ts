// Every wasm kernel override (src/lib/backends/wasm/) against the cpu backend and an independent
// float64 reference (float64Reference.ts), on a table of shapes plus seeded random ones, with no
// leaked tensors; then gradients of small nets through tf.grad, wasm against cpu.
//
// Tolerances: a float32 sum of n terms is off by about sqrt(n) * 2^-24 * sum|terms| (at most
// n * 2^-24 * sum|terms|). Every reference value carries that sum|terms| ("scale"); kernels must be
// within RTOL = 1e-5 of it: 170x the unit roundoff, enough for the longest sums here (~600 terms,
// sqrt(600) ~ 25) in any order XNNPACK picks, yet ~100x tighter than the errors the stock kernels make.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { initWasmBackend, type WasmSetup } from '../../src/lib/backends/wasm';
import { derivedCache } from '../../src/lib/backends/wasm/derivedCache';
import type { WasmBackend } from '../../src/lib/backends/wasm/types';
import * as ref from './float64Reference';

const RTOL = 1e-5;
const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;

type Backend = 'cpu' | 'wasm';
interface In { values: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype?: 'float32' | 'int32' | 'bool' }
interface Out { values: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype: string }

/** Runs one kernel on `backend` with fresh input tensors; returns its outputs' values. */
async function runKernel(backend: Backend, name: string, inputs: Record<string, In>, attrs: object = {}): Promise<Out[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape, v.dtype ?? 'float32');
    const out = tf.engine().runKernel(name, ts as never, attrs as never) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map(t => ({ values: t.dataSync() as Out['values'], shape: t.shape, dtype: t.dtype }));
  });
}

/** Runs `name` on wasm and cpu; both must match the reference within RTOL (so each other within
 *  2 * RTOL). `cpuWrong` names a known tfjs-backend-cpu bug for this case: then only wasm is held to
 *  the reference. */
async function checkKernel(label: string, name: string, inputs: Record<string, In>, attrs: object, want: ref.F64, cpuWrong?: string): Promise<void> {
  const rtol = RTOL;
  for (const backend of (cpuWrong ? ['wasm'] : ['wasm', 'cpu']) as Backend[]) {
    const [out] = await runKernel(backend, name, inputs, attrs);
    assert.deepEqual(out.shape, want.shape, `${label}: ${backend} ${name} shape`);
    assert.equal(out.values.length, want.values.length, `${label}: ${backend} ${name} has ${out.values.length} values for shape [${out.shape}]`);
    const c = ref.closeness(out.values, want, rtol);
    assert.ok(c.worst <= 1, `${label}: ${backend} ${name} off the float64 reference by ${c.worst.toFixed(1)}x the tolerance at ${c.at} (got ${c.got}, want ${c.want})`);
  }
}

const wasmBackend = () => tf.findBackend('wasm') as unknown as WasmBackend;

/** Counts tensors and wasm buffers around each test: kernel temporaries must all be freed. */
function expectNoLeaks(): void {
  let tensors = 0, buffers = 0;
  beforeEach(() => { tensors = tf.memory().numTensors; buffers = wasmBackend().numDataIds(); });
  afterEach(function () {
    if (this.currentTest?.state !== 'passed') return;
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked');
    assert.equal(wasmBackend().numDataIds(), buffers, 'wasm buffers leaked (kernel temporaries or cached filters)');
  });
}

const f32 = (shape: number[], seed: number, lo = -1, hi = 1): In => ({ values: ref.randomValues(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape });
const pads4 = (pad: ref.PadSpec): unknown => (Array.isArray(pad) ? [[0, 0], ...pad, [0, 0]] : pad);
const arr = (v: number | number[], n: number) => (typeof v === 'number' ? new Array(n).fill(v) : v);

describe('wasm training kernels', () => {
  let setup: WasmSetup;
  before(async function () {
    this.timeout(60000);
    setup = await initWasmBackend(tf, wasm, { wasmDir });
  });
  expectNoLeaks();

  it('are installed: what was missing is there, the override list names them', () => {
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
      'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2', 'MaxPoolGrad', 'Sum', 'Mean', 'BatchMatMul', 'Identity', 'Tile', 'UnsortedSegmentSum', 'Einsum']) {
      assert.ok(setup.overrides.includes(k), `${k} not in the override list`);
      assert.ok(tf.getKernel(k, 'wasm'), `${k} not registered`);
    }
    assert.ok(tf.findBackend('wasm'), 'the wasm backend runs');
    assert.ok(setup.simd, 'SIMD expected in Node 20');
  });

  describe('conv2d, its input and filter gradients', () => {
    interface Case { x: number[]; k: number[]; co: number; s?: number | number[]; d?: number | number[]; pad: ref.PadSpec; rounding?: 'ceil' | 'round' }
    const table: Case[] = [
      { x: [1, 7, 7, 3], k: [3, 3], co: 4, s: 1, pad: 'same' },
      { x: [2, 9, 8, 3], k: [3, 3], co: 5, s: 2, pad: 'same' },
      { x: [3, 10, 7, 2], k: [2, 2], co: 3, s: 2, pad: 'valid' },
      { x: [2, 11, 9, 4], k: [4, 3], co: 2, s: 3, pad: 'same' },
      { x: [1, 8, 8, 8], k: [5, 5], co: 8, s: 3, pad: 'valid' },
      { x: [2, 9, 8, 5], k: [3, 2], co: 6, s: [2, 1], pad: 'same' },
      { x: [1, 6, 9, 1], k: [1, 1], co: 3, s: 2, pad: 'valid' },
      { x: [2, 7, 9, 3], k: [3, 4], co: 4, s: [1, 3], pad: [[2, 1], [0, 3]] },
      { x: [1, 8, 7, 2], k: [3, 3], co: 3, s: 1, pad: [[4, 0], [1, 5]] },
      { x: [2, 9, 9, 3], k: [2, 2], co: 2, s: 2, pad: 1 },
      // kernels smaller than the stride: phases of dx no kernel element reaches are zeros, not computed
      { x: [2, 8, 8, 5], k: [1, 1], co: 6, s: 2, pad: 'same' },
      { x: [1, 9, 7, 4], k: [1, 1], co: 3, s: 2, pad: 'valid' },
      { x: [2, 10, 11, 3], k: [1, 1], co: 4, s: [3, 2], pad: 'valid' },
      { x: [1, 11, 10, 2], k: [2, 2], co: 3, s: 3, pad: 1 }, // fed phases 2 and 0: they wrap around
      { x: [1, 9, 9, 2], k: [2, 1], co: 3, s: 3, pad: 'same' },
      { x: [1, 9, 8, 3], k: [3, 3], co: 4, s: 2, pad: 1, rounding: 'ceil' },
      // (numeric pads with a non-square kernel or stride: TF.js sizes both axes from the height's, so the
      // table keeps those square)
      { x: [2, 8, 6, 2], k: [3, 3], co: 3, s: 3, pad: 0, rounding: 'ceil' },
      // dilations: forward only (TF.js has no conv gradients with dilation)
      { x: [2, 9, 8, 3], k: [3, 3], co: 4, d: 2, pad: 'same' },
      { x: [1, 12, 11, 2], k: [2, 3], co: 3, d: [3, 2], pad: 'valid' },
    ];
    // seeded random configurations on top of the table
    const r = ref.prng(2024);
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    for (let i = 0; i < 8; i++) {
      const k = [1 + Math.floor(r() * 4), 1 + Math.floor(r() * 4)];
      const x = [1 + Math.floor(r() * 3), k[0] + Math.floor(r() * 8), k[1] + Math.floor(r() * 8), 1 + Math.floor(r() * 8)];
      const pad = pick<ref.PadSpec>(['same', 'valid', [[Math.floor(r() * 3), Math.floor(r() * 3)], [Math.floor(r() * 3), Math.floor(r() * 3)]]]);
      table.push({ x, k, co: 1 + Math.floor(r() * 8), s: [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 3)], pad });
    }

    table.forEach((c, i) => {
      const name = `x ${c.x} k ${c.k}x${c.co} s ${c.s ?? 1} d ${c.d ?? 1} pad ${JSON.stringify(c.pad)}${c.rounding ? ' ' + c.rounding : ''}`;
      it(name, async () => {
        const strides = arr(c.s ?? 1, 2), dilations = arr(c.d ?? 1, 2);
        const wShape = [...c.k, c.x[3], c.co];
        const x = f32(c.x, 10 + i), w = f32(wShape, 100 + i);
        const opts: ref.ConvOptions = { strides, dilations, pad: c.pad, rounding: c.rounding };
        const y = ref.conv(x.values, c.x, w.values, wShape, opts);
        const pad = pads4(c.pad);
        await checkKernel(name, 'Conv2D', { x, filter: w }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: c.rounding }, y);
        if (c.d) return;
        const dy = f32(y.shape, 1000 + i);
        await checkKernel(name, 'Conv2DBackpropInput', { dy, filter: w },
          { strides, pad, dataFormat: 'NHWC', dimRoundingMode: c.rounding, inputShape: c.x }, ref.convBackpropInput(dy.values, w.values, wShape, c.x, opts));
        await checkKernel(name, 'Conv2DBackpropFilter', { x, dy },
          { strides, pad, dataFormat: 'NHWC', dimRoundingMode: c.rounding, filterShape: wShape }, ref.convBackpropFilter(x.values, c.x, dy.values, wShape, opts));
      });
    });

    it("FusedConv2D with 'same' where the kernel misses the last rows (stock: a negative padding, every value wrong)", async () => {
      for (const [xs, k, stride] of [[[1, 9, 9, 3], 2, 3], [[2, 8, 12, 2], 3, 4]] as Array<[number[], number, number]>) {
        const wShape = [k, k, xs[3], 4], opts: ref.ConvOptions = { strides: [stride, stride], pad: 'same' };
        const x = f32(xs, 41), w = f32(wShape, 42), bias = f32([4], 43);
        const y = ref.conv(x.values, xs, w.values, wShape, opts);
        const withBias: ref.F64 = { ...y, values: y.values.map((v, i) => v + bias.values[i % 4]) };
        await checkKernel(`fused k${k} s${stride}`, 'FusedConv2D', { x, filter: w, bias },
          { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'linear' }, withBias);
      }
    });

    it('NCHW: forward and both gradients', async () => {
      const xs = [2, 7, 6, 3], wShape = [3, 2, 3, 4], opts: ref.ConvOptions = { strides: [2, 1], pad: 'same' };
      const x = f32(xs, 7), w = f32(wShape, 8);
      const toNCHW = (v: ArrayLike<number>, [n, h, wd, c]: number[]) => Float32Array.from({ length: v.length }, (_, i) => {
        const q = i % wd, p = Math.floor(i / wd) % h, ch = Math.floor(i / (wd * h)) % c, b = Math.floor(i / (wd * h * c));
        return v[((b * h + p) * wd + q) * c + ch];
      });
      const nchw = (f: ref.F64): ref.F64 => { const [n, h, wd, c] = f.shape; return { values: Float64Array.from(toNCHW(f.values, f.shape)), scale: Float64Array.from(toNCHW(f.scale, f.shape)), shape: [n, c, h, wd] }; };
      const y = ref.conv(x.values, xs, w.values, wShape, opts);
      const xN: In = { values: toNCHW(x.values, xs), shape: [2, 3, 7, 6] };
      await checkKernel('NCHW', 'Conv2D', { x: xN, filter: w }, { strides: [2, 1], pad: 'same', dataFormat: 'NCHW', dilations: 1 }, nchw(y));
      const dy = f32(y.shape, 9);
      const dyN: In = { values: toNCHW(dy.values, y.shape), shape: [y.shape[0], y.shape[3], y.shape[1], y.shape[2]] };
      await checkKernel('NCHW', 'Conv2DBackpropInput', { dy: dyN, filter: w }, { strides: [2, 1], pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 7, 6] },
        nchw(ref.convBackpropInput(dy.values, w.values, wShape, xs, opts)));
      await checkKernel('NCHW', 'Conv2DBackpropFilter', { x: xN, dy: dyN }, { strides: [2, 1], pad: 'same', dataFormat: 'NCHW', filterShape: wShape },
        ref.convBackpropFilter(x.values, xs, dy.values, wShape, opts));
    });

    it('filter gradient in several groups of images (dy larger than one 4 MB group), against the reference', async () => {
      // 2 images of 20x20 output x 1024 channels fill a group: 3 images make two groups
      const xs = [3, 20, 20, 2], wShape = [3, 3, 2, 1024], opts: ref.ConvOptions = { pad: 'same' };
      const x = f32(xs, 35), dy = f32([3, 20, 20, 1024], 36);
      const [dw] = await runKernel('wasm', 'Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: wShape });
      const c = ref.closeness(dw.values, ref.convBackpropFilter(x.values, xs, dy.values, wShape, opts), RTOL);
      assert.ok(c.worst <= 1, `off by ${c.worst}x the tolerance at ${c.at}`);
    });

    it('caches the re-laid-out filter per filter tensor and frees it with the filter', async () => {
      await tf.setBackend('wasm');
      const cache = derivedCache(wasmBackend());
      const before = cache.size;
      const w = tf.tensor4d(ref.randomValues(3 * 3 * 4 * 5, 3), [3, 3, 4, 5]);
      const dy = tf.tensor4d(ref.randomValues(2 * 6 * 6 * 5, 4), [2, 6, 6, 5]);
      const dx = () => tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 6, 6, 4] } as never) as tf.Tensor).dataSync());
      const first = dx();
      assert.equal(cache.size, before + 1);
      assert.deepEqual(dx(), first, 'a cache hit computes the same');
      assert.equal(cache.size, before + 1, 'second call hits the cache');
      w.dispose();
      dy.dispose();
      assert.equal(cache.size, before, 'freed with its filter');
    });
  });

  describe('depthwise conv2d and its gradients', () => {
    const table = [
      { x: [1, 7, 7, 3], k: [3, 3], m: 1, s: [1, 1], pad: 'same' as ref.PadSpec },
      { x: [2, 9, 8, 2], k: [3, 3], m: 2, s: [2, 2], pad: 'same' as ref.PadSpec },
      { x: [1, 8, 9, 3], k: [2, 3], m: 3, s: [1, 2], pad: 'valid' as ref.PadSpec },
      { x: [2, 7, 6, 4], k: [3, 3], m: 1, s: [3, 3], pad: [[1, 2], [2, 0]] as ref.PadSpec },
      { x: [1, 10, 9, 2], k: [4, 2], m: 2, s: [2, 3], pad: 'valid' as ref.PadSpec },
      // 'same' where the kernel misses the last rows: stock hands XNNPACK a negative padding
      { x: [1, 9, 8, 2], k: [2, 2], m: 2, s: [3, 4], pad: 'same' as ref.PadSpec },
    ];
    table.forEach((c, i) => {
      const name = `x ${c.x} k ${c.k} m ${c.m} s ${c.s} pad ${JSON.stringify(c.pad)}`;
      it(name, async () => {
        const wShape = [...c.k, c.x[3], c.m];
        const x = f32(c.x, 20 + i), w = f32(wShape, 200 + i);
        const opts: ref.ConvOptions = { strides: c.s, pad: c.pad, depthwise: true };
        const y = ref.conv(x.values, c.x, w.values, wShape, opts);
        const pad = pads4(c.pad);
        await checkKernel(name, 'DepthwiseConv2dNative', { x, filter: w }, { strides: c.s, dilations: 1, pad, dataFormat: 'NHWC' }, y);
        const dy = f32(y.shape, 2000 + i);
        await checkKernel(name, 'DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { strides: c.s, dilations: 1, pad, inputShape: c.x },
          ref.convBackpropInput(dy.values, w.values, wShape, c.x, opts));
        await checkKernel(name, 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: c.s, dilations: 1, pad, filterShape: wShape },
          ref.convBackpropFilter(x.values, c.x, dy.values, wShape, opts));
      });
    });

    it('dilated (forward and gradients, stride 1)', async () => {
      const xs = [1, 9, 9, 2], wShape = [3, 3, 2, 2], opts: ref.ConvOptions = { dilations: [2, 2], pad: 'same', depthwise: true };
      const x = f32(xs, 31), w = f32(wShape, 32);
      const y = ref.conv(x.values, xs, w.values, wShape, opts);
      await checkKernel('dilated', 'DepthwiseConv2dNative', { x, filter: w }, { strides: 1, dilations: 2, pad: 'same', dataFormat: 'NHWC' }, y);
      const dy = f32(y.shape, 33);
      // wasm against the reference only: the cpu kernels ignore dilations in these two gradients
      const [dx] = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { strides: 1, dilations: 2, pad: 'same', inputShape: xs });
      assert.ok(ref.closeness(dx.values, ref.convBackpropInput(dy.values, w.values, wShape, xs, opts), RTOL).worst <= 1, 'dx');
      const [dw] = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 1, dilations: 2, pad: 'same', filterShape: wShape });
      assert.ok(ref.closeness(dw.values, ref.convBackpropFilter(x.values, xs, dy.values, wShape, opts), RTOL).worst <= 1, 'dw');
    });
  });

  describe('conv3d and its gradients (stock gradients are wrong)', () => {
    const table = [
      { x: [1, 4, 5, 6, 2], k: [2, 3, 3], co: 3, s: [1, 1, 1], pad: 'same' as const },
      { x: [2, 5, 6, 4, 3], k: [3, 2, 2], co: 2, s: [2, 1, 2], pad: 'valid' as const },
      { x: [1, 6, 5, 5, 2], k: [3, 3, 3], co: 4, s: [2, 2, 2], pad: 'same' as const },
      { x: [1, 3, 4, 4, 2], k: [1, 3, 3], co: 2, s: [1, 1, 1], pad: 'same' as const },
      { x: [2, 4, 4, 3, 1], k: [2, 2, 2], co: 2, s: [3, 1, 1], pad: 'same' as const },
    ];
    table.forEach((c, i) => {
      const name = `x ${c.x} k ${c.k}x${c.co} s ${c.s} ${c.pad}`;
      it(name, async () => {
        const wShape = [...c.k, c.x[4], c.co];
        const x = f32(c.x, 40 + i), w = f32(wShape, 400 + i);
        const opts: ref.ConvOptions = { strides: c.s, pad: c.pad };
        const y = ref.conv(x.values, c.x, w.values, wShape, opts);
        await checkKernel(name, 'Conv3D', { x, filter: w }, { strides: c.s, pad: c.pad, dataFormat: 'NDHWC', dilations: 1 }, y);
        const dy = f32(y.shape, 4000 + i);
        await checkKernel(name, 'Conv3DBackpropInputV2', { dy, filter: w }, { strides: c.s, pad: c.pad, inputShape: c.x },
          ref.convBackpropInput(dy.values, w.values, wShape, c.x, opts));
        await checkKernel(name, 'Conv3DBackpropFilterV2', { x, dy }, { strides: c.s, pad: c.pad, filterShape: wShape },
          ref.convBackpropFilter(x.values, c.x, dy.values, wShape, opts));
      });
    });
    it('dilated forward', async () => {
      const xs = [1, 7, 6, 5, 2], wShape = [2, 2, 3, 2, 3], opts: ref.ConvOptions = { dilations: [2, 1, 2], pad: 'same' };
      const x = f32(xs, 51), w = f32(wShape, 52);
      await checkKernel('dilated', 'Conv3D', { x, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NDHWC', dilations: [2, 1, 2] },
        ref.conv(x.values, xs, w.values, wShape, opts));
    });
  });

  describe('pooling', () => {
    const CPU_AVG_GRAD = 'tfjs-backend-cpu divides by the full window where it hangs over the padding, unlike its forward pass';
    const CPU_MAXPOOL3D_GRAD = "tfjs-backend-cpu's MaxPool3DGrad misplaces the gradient when the filter's height and width differ";
    const table = [
      { x: [2, 8, 8, 3], f: [2, 2], s: [2, 2], pad: 'valid' as ref.PadSpec },
      { x: [1, 9, 7, 2], f: [3, 3], s: [2, 2], pad: 'same' as ref.PadSpec },
      { x: [2, 7, 9, 4], f: [3, 2], s: [1, 2], pad: 'same' as ref.PadSpec },
      { x: [1, 6, 8, 3], f: [2, 3], s: [1, 1], pad: 'valid' as ref.PadSpec },
      { x: [3, 10, 9, 1], f: [3, 3], s: [3, 3], pad: 'same' as ref.PadSpec },
      { x: [1, 9, 9, 2], f: [3, 3], s: [2, 2], pad: 1 as ref.PadSpec },
    ];
    table.forEach((c, i) => {
      for (const sign of ['mixed', 'negative'] as const) {
        const name = `x ${c.x} f ${c.f} s ${c.s} pad ${c.pad}, ${sign} inputs`;
        it(name, async () => {
          // negative inputs: every window's max is <= 0 (stock MaxPoolGrad sends those to element 0)
          const x = sign === 'mixed' ? f32(c.x, 60 + i) : f32(c.x, 60 + i, -3, -0.5);
          const opts: ref.PoolOptions = { filter: c.f, strides: c.s, pad: c.pad };
          const attrs = { filterSize: c.f, strides: c.s, pad: c.pad };
          const yMax = ref.maxPool(x.values, c.x, opts);
          await checkKernel(name, 'MaxPool', { x }, attrs, yMax);
          await checkKernel(name, 'AvgPool', { x }, attrs, ref.avgPool(x.values, c.x, opts));
          const dy = f32(yMax.shape, 600 + i);
          await checkKernel(name, 'MaxPoolGrad', { dy, input: x, output: { values: Float32Array.from(yMax.values), shape: yMax.shape } }, attrs,
            ref.maxPoolGrad(dy.values, x.values, c.x, opts));
          await checkKernel(name, 'AvgPoolGrad', { dy, input: x }, attrs, ref.avgPoolGrad(dy.values, c.x, opts), c.pad === 'valid' ? undefined : CPU_AVG_GRAD);
        });
      }
    });

    it("'ceil' output rounding", async () => {
      const xs = [1, 8, 7, 2], x = f32(xs, 70), opts: ref.PoolOptions = { filter: [3, 3], strides: [2, 2], pad: 0, rounding: 'ceil' };
      const attrs = { filterSize: 3, strides: 2, pad: 0, dimRoundingMode: 'ceil' };
      await checkKernel('ceil', 'MaxPool', { x }, attrs, ref.maxPool(x.values, xs, opts));
      await checkKernel('ceil', 'AvgPool', { x }, attrs, ref.avgPool(x.values, xs, opts));
    });

    const table3 = [
      { x: [1, 4, 6, 5, 2], f: [2, 2, 2], s: [2, 2, 2], pad: 'same' as const },
      { x: [2, 5, 4, 6, 3], f: [3, 2, 3], s: [1, 2, 2], pad: 'valid' as const },
    ];
    table3.forEach((c, i) => {
      for (const sign of ['mixed', 'negative'] as const) {
        it(`3d: x ${c.x} f ${c.f} s ${c.s} ${c.pad}, ${sign} inputs`, async () => {
          const x = sign === 'mixed' ? f32(c.x, 80 + i) : f32(c.x, 80 + i, -3, -0.5);
          const opts: ref.PoolOptions = { filter: c.f, strides: c.s, pad: c.pad };
          const attrs = { filterSize: c.f, strides: c.s, pad: c.pad, dataFormat: 'NDHWC' };
          const yMax = ref.maxPool(x.values, c.x, opts);
          await checkKernel('3d', 'MaxPool3D', { x }, attrs, yMax);
          await checkKernel('3d', 'AvgPool3D', { x }, attrs, ref.avgPool(x.values, c.x, opts));
          const dy = f32(yMax.shape, 800 + i);
          await checkKernel('3d', 'MaxPool3DGrad', { dy, input: x, output: { values: Float32Array.from(yMax.values), shape: yMax.shape } }, attrs,
            ref.maxPoolGrad(dy.values, x.values, c.x, opts, true), c.f[1] !== c.f[2] ? CPU_MAXPOOL3D_GRAD : undefined);
          await checkKernel('3d', 'AvgPool3DGrad', { dy, input: x }, attrs, ref.avgPoolGrad(dy.values, c.x, opts), c.pad === 'valid' ? undefined : CPU_AVG_GRAD);
        });
      }
    });

    it('MaxPoolWithArgmax (cpu kernel) gives the same values and int32 indexes as cpu', async () => {
      const x = f32([1, 6, 6, 2], 90, -2, -1);
      const attrs = { filterSize: 2, strides: 2, pad: 'valid', includeBatchInIndex: false };
      const [w, c] = [await runKernel('wasm', 'MaxPoolWithArgmax', { x }, attrs), await runKernel('cpu', 'MaxPoolWithArgmax', { x }, attrs)];
      assert.deepEqual(Array.from(w[0].values), Array.from(c[0].values));
      assert.deepEqual(Array.from(w[1].values), Array.from(c[1].values));
      assert.equal(w[1].dtype, 'int32');
    });
  });

  describe('matmul', () => {
    const table: [number[], number[], boolean, boolean][] = [
      [[3, 4, 5], [3, 5, 6], false, false],
      [[3, 5, 4], [3, 5, 6], true, false],
      [[3, 4, 5], [3, 6, 5], false, true],
      [[3, 5, 4], [3, 6, 5], true, true],
      [[2, 1, 4, 5], [3, 5, 2], false, false],
      [[1, 5, 4], [3, 6, 5], true, true],
      [[7, 1], [7, 3], true, false],
      [[4, 7], [1, 7], false, true],
      [[33, 17], [33, 9], true, false],
    ];
    table.forEach(([as, bs, ta, tb], i) => {
      it(`${as}${ta ? 'ᵀ' : ''} x ${bs}${tb ? 'ᵀ' : ''}`, async () => {
        const a = f32(as, 110 + i), b = f32(bs, 120 + i);
        const bothBroadcast = as.length === 4; // [2,1] against [3]: the stock kernels allocate 3 matrices for 6
        await checkKernel('matmul', 'BatchMatMul', { a, b }, { transposeA: ta, transposeB: tb }, ref.matmul(a.values, as, b.values, bs, ta, tb),
          bothBroadcast ? 'tfjs-backend-cpu computes max(batchA, batchB) matrices, too few when both sides broadcast' : undefined);
      });
    });

    it('one buffer seen as [1,n] then [n,1] (x·xᵀ and its gradient): no stale packed operand, no abort', async () => {
      // The stock kernel caches packed right operands by data id; a reshape shares the id.
      const x = f32([6, 1], 140);
      const grads: Record<string, Float32Array> = {};
      for (const backend of ['cpu', 'wasm'] as Backend[]) {
        await tf.setBackend(backend);
        grads[backend] = tf.tidy(() => {
          const t = tf.tensor2d(x.values as Float32Array, [6, 1]);
          const product = tf.matMul(t, t.reshape([1, 6]) as tf.Tensor2D);           // packs the buffer as [1, 6]
          const after = tf.matMul(product as tf.Tensor2D, t);                         // the same buffer as [6, 1]
          const g = tf.grad((v: tf.Tensor) => tf.matMul(v as tf.Tensor2D, v as tf.Tensor2D, false, true).sum())(t);
          return Float32Array.from([...after.dataSync(), ...g.dataSync()]);
        });
      }
      // Independent: (x xᵀ) x = x |x|², and d/dx Σ x xᵀ = 2 Σx (every entry).
      const v = Array.from(x.values), norm2 = v.reduce((a, b) => a + b * b, 0), sum = v.reduce((a, b) => a + b, 0);
      const want = [...v.map(e => e * norm2), ...v.map(() => 2 * sum)];
      for (const backend of ['cpu', 'wasm']) {
        grads[backend].forEach((got, i) => assert.ok(Math.abs(got - want[i]) <= 1e-5 * (Math.abs(want[i]) + norm2 + Math.abs(sum)),
          `${backend}[${i}]: ${got} vs ${want[i]}`));
      }
    });

    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu']) {
      it(`fused matmul + bias + ${activation}, batched and transposed`, async () => {
        const a = f32([3, 5, 4], 130), b = f32([3, 6, 5], 131), bias = f32([6], 132), alpha = f32([6], 133, 0, 0.5);
        const mm = ref.matmul(a.values, [3, 5, 4], b.values, [3, 6, 5], true, true);
        const act = (v: number, j: number) => {
          switch (activation) {
            case 'relu': return Math.max(0, v);
            case 'relu6': return Math.min(6, Math.max(0, v));
            case 'elu': return v >= 0 ? v : Math.exp(v) - 1;
            case 'sigmoid': return 1 / (1 + Math.exp(-v));
            case 'leakyrelu': return v >= 0 ? v : 0.1 * v;
            case 'prelu': return v >= 0 ? v : alpha.values[j] * v;
            default: return v;
          }
        };
        const values = mm.values.map((v, i) => act(v + bias.values[i % 6], i % 6));
        const scale = mm.scale.map((s, i) => s + Math.abs(bias.values[i % 6]));
        const inputs: Record<string, In> = { a, b, bias };
        if (activation === 'prelu') inputs.preluActivationWeights = alpha;
        await checkKernel(activation, '_FusedMatMul', inputs, { transposeA: true, transposeB: true, activation, leakyreluAlpha: 0.1 }, { values, scale, shape: mm.shape });
      });
    }
  });

  describe('sum and mean', () => {
    const shapes: [number[], number[]][] = [
      [[3, 4, 5, 6], [0, 1, 2]], [[3, 4, 5, 6], [1, 2]], [[3, 4, 5, 6], [3]], [[3, 4, 5, 6], [0, 2]],
      [[3, 4, 5, 6], [1, 3]], [[3, 4, 5, 6], [0, 1, 2, 3]], [[7, 1, 5], [0, 1]], [[11], [0]],
    ];
    shapes.forEach(([shape, axes], i) => {
      for (const kernel of ['Sum', 'Mean'] as const) {
        for (const keepDims of [false, true]) {
          it(`${kernel} of ${shape} over ${axes}${keepDims ? ', keepDims' : ''}`, async () => {
            const x = f32(shape, 140 + i);
            const want = ref.reduceSum(x.values, shape, axes, kernel === 'Mean');
            if (keepDims) want.shape = shape.map((d, j) => (axes.includes(j) ? 1 : d));
            await checkKernel(kernel, kernel, { x }, { axis: axes, keepDims }, want);
          });
        }
      }
    });

    it('over many elements: correctly rounded like the cpu backend, unlike the stock kernel', async () => {
      // batch-norm-like: [16, 32, 32, 8] over N, H, W (16384 terms per output), values in [1, 2)
      const shape = [16, 32, 32, 8], axes = [0, 1, 2];
      const x = f32(shape, 150, 1, 2);
      for (const kernel of ['Sum', 'Mean'] as const) {
        const want = ref.reduceSum(x.values, shape, axes, kernel === 'Mean');
        const err = (v: ArrayLike<number>) => Math.max(...Array.from(v, (g, i) => Math.abs(g - want.values[i]) / Math.abs(want.values[i])));
        const [w] = await runKernel('wasm', kernel, { x }, { axis: axes, keepDims: false });
        const [c] = await runKernel('cpu', kernel, { x }, { axis: axes, keepDims: false });
        // float32 rounding of the exact result: at most half an ulp, 2^-24 relative
        assert.ok(err(w.values) <= 2 ** -24 * (1 + 1e-9), `${kernel}: wasm relative error ${err(w.values)}`);
        assert.ok(err(w.values) <= err(c.values) || err(w.values) <= 2 ** -24, `${kernel}: wasm ${err(w.values)} worse than cpu ${err(c.values)}`);
        // the stock kernel this replaces, for the record: float32 accumulation along 16384 terms
        const stock = (tf.getKernel(kernel, 'wasm')!.kernelFunc as unknown as Record<symbol, { original: (a: object) => tf.TensorInfo }>)[Symbol.for('convnet.wasmTrainingKernel')].original;
        await tf.setBackend('wasm');
        const stockValues = tf.tidy(() => {
          const t = tf.tensor(x.values, shape);
          const info = stock({ inputs: { x: t }, backend: tf.backend(), attrs: { axis: axes, keepDims: false } });
          return tf.engine().makeTensorFromTensorInfo(info).dataSync();
        });
        assert.ok(err(stockValues) > 10 * err(w.values), `${kernel}: stock error ${err(stockValues)} expected far above ours ${err(w.values)}`);
      }
    });
  });

  describe('memory and indexing kernels', () => {
    it('Identity shares the buffer instead of copying', async () => {
      await tf.setBackend('wasm');
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
      assert.equal(y.dataId, x.dataId);
      x.dispose();
      assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3], 'still readable after the source is disposed');
      y.dispose();
    });

    const tiles: [number[], number[], 'float32' | 'int32' | 'bool'][] = [
      [[1, 1, 1, 5], [2, 3, 4, 1], 'float32'], [[2, 3], [3, 2], 'float32'], [[4], [3], 'int32'], [[2, 1, 3], [1, 4, 2], 'bool'], [[3, 2], [1, 1], 'float32'],
    ];
    tiles.forEach(([shape, reps, dtype], i) => {
      it(`Tile ${shape} by ${reps} (${dtype})`, async () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = dtype === 'float32' ? ref.randomValues(n, 160 + i) : dtype === 'int32' ? Int32Array.from({ length: n }, (_, j) => j * 7 - 3) : Uint8Array.from({ length: n }, (_, j) => j % 2);
        const [w] = await runKernel('wasm', 'Tile', { x: { values, shape, dtype } }, { reps });
        const [c] = await runKernel('cpu', 'Tile', { x: { values, shape, dtype } }, { reps });
        assert.deepEqual(w.shape, c.shape);
        assert.deepEqual(Array.from(w.values), Array.from(c.values));
      });
    });

    it('UnsortedSegmentSum (gradient of gather)', async () => {
      const x = f32([6, 3, 2], 170);
      const ids: In = { values: Int32Array.from([2, 0, 2, 1, 0, 2]), shape: [6], dtype: 'int32' };
      const [w] = await runKernel('wasm', 'UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: 4 });
      const [c] = await runKernel('cpu', 'UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: 4 });
      assert.deepEqual(w.shape, [4, 3, 2]);
      w.values.forEach((v, i) => assert.ok(Math.abs(v - c.values[i]) <= 1e-6, `at ${i}`));
    });

    // wrong or missing on stock wasm, now the cpu kernel: results must equal cpu's
    const onCpu: [string, () => tf.Tensor][] = [
      ['Einsum (rgbToGrayscale)', () => tf.image.rgbToGrayscale(tf.tensor4d(ref.randomValues(2 * 5 * 4 * 3, 180, 0, 1), [2, 5, 4, 3]))],
      ['Dilation2D', () => tf.dilation2d(tf.tensor4d(ref.randomValues(2 * 7 * 6 * 3, 181), [2, 7, 6, 3]), tf.tensor3d(ref.randomValues(2 * 3 * 3, 182), [2, 3, 3]), 1, 'same')],
      ['AvgPool with a numeric padding', () => tf.avgPool(tf.tensor4d(ref.randomValues(2 * 9 * 8 * 3, 185), [2, 9, 8, 3]), 3, 2, 1)],
      ['Conv2D with ceil rounding (fixed pads)', () => tf.conv2d(tf.tensor4d(ref.randomValues(1 * 9 * 8 * 3, 186), [1, 9, 8, 3]), tf.tensor4d(ref.randomValues(3 * 3 * 3 * 2, 187), [3, 3, 3, 2]), 2, 1, 'NHWC', 1, 'ceil')],
    ];
    for (const [name, f] of onCpu) {
      it(`${name} equals the cpu backend`, async () => {
        const run = async (b: Backend) => { await tf.setBackend(b); return tf.tidy(() => { const t = f(); return { shape: t.shape, v: Array.from(t.dataSync()) }; }); };
        const w = await run('wasm'), c = await run('cpu');
        assert.deepEqual(w.shape, c.shape);
        w.v.forEach((v, i) => assert.ok(Math.abs(v - c.v[i]) <= 1e-5 * (1 + Math.abs(c.v[i])), `${name} at ${i}: ${v} vs ${c.v[i]}`));
      });
    }
  });

  describe('resize gradients: the adjoints of the forward kernels', () => {
    const sizes: [number[], number[], boolean, boolean][] = [
      [[2, 9, 8, 3], [4, 5], false, false], [[1, 5, 6, 2], [11, 13], false, false], [[2, 7, 7, 1], [4, 10], true, false],
      [[1, 6, 9, 2], [13, 4], false, true], [[1, 8, 8, 3], [16, 16], false, false],
    ];
    sizes.forEach(([xs, [oh, ow], alignCorners, halfPixelCenters]) => {
      const attrs = { alignCorners, halfPixelCenters, size: [oh, ow] };
      const n = xs.reduce((a, b) => a * b, 1), ys = [xs[0], oh, ow, xs[3]];
      it(`ResizeNearestNeighborGrad ${xs} -> ${oh}x${ow}${alignCorners ? ', align corners' : ''}${halfPixelCenters ? ', half-pixel centers' : ''}`, async () => {
        // the forward kernel applied to x = element indices tells where each output came from:
        // the gradient must add dy there (stock wasm and cpu both get this wrong)
        const index: In = { values: Float32Array.from({ length: n }, (_, i) => i), shape: xs };
        for (const b of ['wasm', 'cpu'] as Backend[]) {
          const [src] = await runKernel(b, 'ResizeNearestNeighbor', { images: index }, attrs);
          const dy = f32(ys, 190);
          const want = new Float64Array(n), scale = new Float64Array(n);
          src.values.forEach((from, i) => { want[from] += dy.values[i]; scale[from] += Math.abs(dy.values[i]); });
          const [g] = await runKernel('wasm', 'ResizeNearestNeighborGrad', { images: f32(xs, 191), dy }, attrs);
          const c = ref.closeness(g.values, { values: want, scale, shape: xs }, RTOL);
          assert.ok(c.worst <= 1, `against the ${b} forward: off by ${c.worst}x at ${c.at} (${c.got} vs ${c.want})`);
        }
      });
      it(`ResizeBilinearGrad ${xs} -> ${oh}x${ow}${alignCorners ? ', align corners' : ''}${halfPixelCenters ? ', half-pixel centers' : ''}: <dy, R x> = <R^T dy, x>`, async () => {
        for (let k = 0; k < 2; k++) {
          const x = f32(xs, 192 + k), dy = f32(ys, 194 + k);
          const [y] = await runKernel('wasm', 'ResizeBilinear', { images: x }, attrs);
          const [g] = await runKernel('wasm', 'ResizeBilinearGrad', { images: x, dy }, attrs);
          let lhs = 0, rhs = 0, scale = 0;
          y.values.forEach((v, i) => { lhs += v * dy.values[i]; scale += Math.abs(v * dy.values[i]); });
          g.values.forEach((v, i) => { rhs += v * x.values[i]; });
          assert.ok(Math.abs(lhs - rhs) <= RTOL * scale, `${lhs} vs ${rhs}`);
        }
      });
    });
  });

  describe('gradients of small nets through tf.grad, wasm against cpu', () => {
    // relative to the largest gradient: each gradient is a few chained float32 sums of <1000 terms
    const GRAD_RTOL = 1e-4;
    const nets: [string, number[], number[][], (x: tf.Tensor, ws: tf.Tensor[]) => tf.Scalar][] = [
      ['conv1d, stride 2, same + relu', [2, 13, 3], [[3, 3, 4], [2, 4, 2]], (x, [a, b]) =>
        tf.sum(tf.square(tf.conv1d(tf.relu(tf.conv1d(x as tf.Tensor3D, a as tf.Tensor3D, 2, 'same')), b as tf.Tensor3D, 1, 'valid')))],
      ['conv2d stride 2 + max pool + conv2d + avg pool', [2, 12, 10, 3], [[3, 3, 3, 5], [2, 2, 5, 4]], (x, [a, b]) =>
        tf.sum(tf.square(tf.avgPool(tf.conv2d(tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 2, 'same')), 2, 1, 'same'), b as tf.Tensor4D, 1, 'valid'), 2, 2, 'valid')))],
      ['fused conv2d + bias + relu', [1, 8, 8, 3], [[3, 3, 3, 4], [4]], (x, [a, b]) =>
        tf.sum(tf.square(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: a as tf.Tensor4D, bias: b, strides: 1, pad: 'same', activation: 'relu' })))],
      ['depthwise (multiplier 2, stride 2) + pointwise', [2, 9, 9, 3], [[3, 3, 3, 2], [1, 1, 6, 4]], (x, [a, b]) =>
        tf.sum(tf.square(tf.separableConv2d(x as tf.Tensor4D, a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))],
      ['conv3d + max pool 3d', [1, 5, 6, 6, 2], [[2, 3, 3, 2, 3]], (x, [a]) =>
        tf.sum(tf.square(tf.maxPool3d(tf.conv3d(x as tf.Tensor5D, a as tf.Tensor5D, [1, 2, 1], 'same'), 2, 2, 'same')))],
      ['conv2d + batch norm (training) + relu', [4, 6, 6, 3], [[3, 3, 3, 5], [5], [5]], (x, [a, g, b]) => {
        const h = tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 1, 'same');
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        return tf.sum(tf.mul(tf.relu(tf.batchNorm(h, mean, variance, b, g, 1e-3)), tf.linspace(-1, 1, 4 * 6 * 6 * 5).reshape([4, 6, 6, 5])));
      }],
    ];
    nets.forEach(([name, xs, wShapes, f], i) => {
      it(name, async () => {
        const run = async (b: Backend) => {
          await tf.setBackend(b);
          return tf.tidy(() => {
            const x = tf.tensor(ref.randomValues(xs.reduce((p, q) => p * q, 1), 190 + i), xs);
            const ws = wShapes.map((s, j) => tf.tensor(ref.randomValues(s.reduce((p, q) => p * q, 1), 300 + 10 * i + j, j === 2 ? -0.5 : -1, 1), s));
            return tf.grads((xx: tf.Tensor, ...rest: tf.Tensor[]) => f(xx, rest))([x, ...ws]).map(g => Array.from(g.dataSync()));
          });
        };
        const w = await run('wasm'), c = await run('cpu');
        w.forEach((g, j) => {
          const scale = Math.max(...c[j].map(Math.abs));
          const worst = Math.max(...g.map((v, k) => Math.abs(v - c[j][k])));
          assert.ok(worst <= GRAD_RTOL * scale, `${name}: gradient ${j} differs by ${worst.toExponential(2)} (max |g| ${scale.toExponential(2)})`);
        });
      });
    });
  });
});
