// Conv2D and its two gradients on XNNPACK's fast convolution.
//  - Conv2DBackpropInput: tfjs-backend-wasm's own kernel is a scalar loop (~15x slower than Conv2D).
//    dx is a stride-1 convolution of dy with a re-laid-out filter: for stride 1 the spatially flipped
//    filter with in/out channels swapped; for stride s the s*s "phases" of dx (rows ph + s*a, columns
//    pw + s*b) each see a fixed subset of the taps, so all phases come out of ONE convolution whose
//    output channels are (phase, input channel), interleaved back by DepthToSpace (no zero-insertion,
//    no s*s wasted work). Phases no kernel element reaches (a kernel smaller than its stride: the strided
//    1x1 convolutions of ResNet shortcuts) are zeros, left out of the convolution and filled in by
//    scatterPhases. The re-laid-out filter is cached per filter tensor (derivedCache.ts).
//  - Conv2DBackpropFilter (missing on wasm): dW[i,j,ci,co] = sum_{n,oh,ow} x[n, oh*s+i-p, ow*s+j-p, ci]
//    * dy[n,oh,ow,co]: per filter tap (i,j) one product [ci, N*Ho*Wo] x [N*Ho*Wo, co] on XNNPACK's
//    fully-connected path, with dy packed once as the weights of all taps.
//  - Conv2D: passes through, except 'ceil'/'round' output rounding (the stock kernel leaves the extra
//    row unwritten), NCHW (the stock kernel refuses it) and 'same' padding where the kernel misses the last
//    rows (explicitSamePads; also for the fused and depthwise forward kernels).
import { derivedCache } from './derivedCache';
import { KernelScope, withScope } from './scope';
import type { KernelContext, KernelOverride, NamedAttrMap, TensorInfo, WasmKernelFunc } from './types';

export type Pad2D = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

/** How dx along one spatial axis is read off a stride-1 convolution of dy (see the file comment).
 *  Output row a of phase ph is dx[ph + stride * a]; kernelTap[j * stride + ph] is the filter tap that
 *  convolution tap j stands for in phase ph, or -1 where that phase has no tap (a zero weight). */
export interface BackpropAxis {
  stride: number;
  taps: number;
  convDilation: number;
  /** Padding of dy before/after along this axis for the convolution; negative = crop dy. */
  padBefore: number;
  padAfter: number;
  /** Rows per phase (the last phase may not need all of them). */
  phaseLength: number;
  kernelTap: Int32Array;
}

export function backpropInputAxis(stride: number, dilation: number, pad: number, kernel: number, inLength: number, outLength: number): BackpropAxis {
  let taps: number, convDilation: number, padBefore: number, phaseLength: number;
  let kernelTap: Int32Array;
  if (stride === 1) {
    // dx[i] = sum_k dy[i + pad - k*d] w[k]: a correlation with the flipped filter, dilation d.
    taps = kernel;
    convDilation = dilation;
    padBefore = (kernel - 1) * dilation - pad;
    phaseLength = inLength;
    kernelTap = Int32Array.from({ length: kernel }, (_, j) => kernel - 1 - j);
  } else {
    if (dilation !== 1) throw new Error(`wasm conv gradient: stride ${stride} together with dilation ${dilation} is not supported (TF.js allows only one of them > 1)`);
    // dx[ph + s*a] = sum_u dy[a + u] w[ph + pad - s*u] over the u where that tap exists.
    const uMin = Math.ceil((pad - kernel + 1) / stride);
    const uMax = Math.floor((stride - 1 + pad) / stride);
    taps = uMax - uMin + 1;
    convDilation = 1;
    padBefore = -uMin;
    phaseLength = Math.ceil(inLength / stride);
    kernelTap = new Int32Array(taps * stride);
    for (let j = 0; j < taps; j++) {
      for (let ph = 0; ph < stride; ph++) {
        const k = ph + pad - stride * (uMin + j);
        kernelTap[j * stride + ph] = k >= 0 && k < kernel ? k : -1;
      }
    }
  }
  const padAfter = phaseLength - outLength - padBefore + (taps - 1) * convDilation;
  return { stride, taps, convDilation, padBefore, padAfter, phaseLength, kernelTap };
}

/** Calls `visit` for every (tap, phase) pair of the two axes that a kernel element feeds: `tap` is the
 *  index into the [tapsH, tapsW] grid, `phase` into the sh*sw phases, `kh`/`kw` the kernel element. */
function forEachPhaseTap(gh: BackpropAxis, gw: BackpropAxis, visit: (tap: number, phase: number, kh: number, kw: number) => void): void {
  const sh = gh.stride, sw = gw.stride;
  for (let jh = 0; jh < gh.taps; jh++) {
    for (let ph = 0; ph < sh; ph++) {
      const kh = gh.kernelTap[jh * sh + ph];
      if (kh < 0) continue;
      for (let jw = 0; jw < gw.taps; jw++) {
        for (let pw = 0; pw < sw; pw++) {
          const kw = gw.kernelTap[jw * sw + pw];
          if (kw >= 0) visit(jh * gw.taps + jw, ph * sw + pw, kh, kw);
        }
      }
    }
  }
}

/** The phases (ph * sw + pw) that some kernel element feeds, in order: a kernel smaller than its stride (a
 *  strided 1x1 convolution) leaves the others all zero in dx, and they are not computed. */
function activePhases(gh: BackpropAxis, gw: BackpropAxis): number[] {
  const fed = new Set<number>();
  forEachPhaseTap(gh, gw, (_tap, phase) => fed.add(phase));
  return [...fed].sort((a, b) => a - b);
}

/** Fills the conv2d filter [tapsH, tapsW, co, phases.length*ci] for dx from w [kh, kw, ci, co]; output channel
 *  block i holds phase phases[i]. */
function fillBackpropInputFilter(w: Float32Array, [, kw, ci, co]: number[], gh: BackpropAxis, gw: BackpropAxis, phases: number[], out: Float32Array): void {
  const pc = phases.length * ci;
  const slot = new Map(phases.map((p, i) => [p, i]));
  out.fill(0);
  forEachPhaseTap(gh, gw, (tap, phase, kh, kwi) => {
    const src = (kh * kw + kwi) * ci * co;
    const dst = tap * co * pc + slot.get(phase)! * ci;
    for (let o = 0; o < co; o++) {
      const d = dst + o * pc;
      for (let c = 0; c < ci; c++) out[d + c] = w[src + c * co + o];
    }
  });
}

/** Fills the depthwise filter [tapsH, tapsW, C*M, sh*sw] for dx from w [kh, kw, C, M]. */
export function fillDepthwiseBackpropInputFilter(w: Float32Array, [, kw, c, m]: number[], gh: BackpropAxis, gw: BackpropAxis, out: Float32Array): void {
  const p = gh.stride * gw.stride, cm = c * m;
  out.fill(0);
  forEachPhaseTap(gh, gw, (tap, phase, kh, kwi) => {
    const src = (kh * kw + kwi) * cm;
    const dst = tap * cm * p + phase;
    for (let i = 0; i < cm; i++) out[dst + i * p] = w[src + i];
  });
}

/** Crops dy where a backprop axis asks for negative padding; returns dy (maybe cropped) and the pads. */
export function cropForPads(s: KernelScope, ctx: KernelContext, dy: TensorInfo, gh: BackpropAxis, gw: BackpropAxis): { x: TensorInfo; pad: Pad2D } {
  const [n, ho, wo, c] = dy.shape;
  const cropTop = Math.max(0, -gh.padBefore), cropBottom = Math.max(0, -gh.padAfter);
  const cropLeft = Math.max(0, -gw.padBefore), cropRight = Math.max(0, -gw.padAfter);
  let x = dy;
  if (cropTop || cropBottom || cropLeft || cropRight) {
    x = s.run('Slice', { x: dy }, { begin: [0, cropTop, cropLeft, 0], size: [n, ho - cropTop - cropBottom, wo - cropLeft - cropRight, c] });
  }
  const pad: Pad2D = [[0, 0], [Math.max(0, gh.padBefore), Math.max(0, gh.padAfter)], [Math.max(0, gw.padBefore), Math.max(0, gw.padAfter)], [0, 0]];
  return { x, pad };
}

/** [N, A, B, sh*sw*C] (channels ordered phase-major) -> dx [N, H, W, C]. */
export function interleavePhases(s: KernelScope, ctx: KernelContext, y: TensorInfo, sh: number, sw: number, outShape: Shape4): TensorInfo {
  const [n, h, w, c] = outShape;
  const [, a, b] = y.shape;
  let r = y;
  if (sh * sw > 1) {
    if (sh === sw) {
      r = s.runFunc(ctx.original('DepthToSpace'), { x: y }, { blockSize: sh, dataFormat: 'NHWC' }, 'DepthToSpace');
    } else {
      const t = s.run('Transpose', { x: s.reshape(y, [n, a, b, sh, sw, c]) }, { perm: [0, 1, 3, 2, 4, 5] });
      r = s.reshape(t, [n, a * sh, b * sw, c]);
    }
  }
  if (r.shape[1] !== h || r.shape[2] !== w) {
    r = s.run('Slice', { x: r }, { begin: [0, 0, 0, 0], size: [n, h, w, c] });
  }
  return r;
}

function checkDy(name: string, dy: TensorInfo, expected: number[]): void {
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${name}: dy must have shape [${expected}] for these strides and padding, got [${dy.shape}]`);
  }
}

/** dx of conv2d, NHWC, as one XNNPACK convolution (see the file comment). */
export function conv2dBackpropInputNHWC(s: KernelScope, ctx: KernelContext, dy: TensorInfo, filter: TensorInfo, inputShape: Shape4,
  strides: unknown, pad: Pad2D, dimRoundingMode?: 'floor' | 'round' | 'ceil'): TensorInfo {
  const info = ctx.tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides as [number, number], 1, pad, dimRoundingMode, false, 'channelsLast');
  checkDy('Conv2DBackpropInput', dy, info.outShape);
  const gh = backpropInputAxis(info.strideHeight, 1, info.padInfo.top, info.filterHeight, info.inHeight, info.outHeight);
  const gw = backpropInputAxis(info.strideWidth, 1, info.padInfo.left, info.filterWidth, info.inWidth, info.outWidth);
  const ci = info.inChannels, co = info.outChannels;
  const key = `bpi:${filter.shape}:${info.strideHeight},${info.strideWidth}:${info.padInfo.top},${info.padInfo.left}`;
  const phases = activePhases(gh, gw);
  const wf = derivedCache(s.backend).get(filter.dataId, key, () => {
    const out = s.backend.makeOutput([gh.taps, gw.taps, co, phases.length * ci], 'float32');
    fillBackpropInputFilter(s.backend.typedArrayFromHeap(filter) as Float32Array, filter.shape, gh, gw, phases, s.backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  });
  const { x, pad: convPad } = cropForPads(s, ctx, dy, gh, gw);
  const y = s.runFunc(ctx.original('Conv2D'), { x, filter: wf },
    { strides: [1, 1], pad: convPad, dataFormat: 'NHWC', dilations: [gh.convDilation, gw.convDilation] }, 'Conv2D');
  if (phases.length < gh.stride * gw.stride) return scatterPhases(s, y, phases, gh.stride, gw.stride, info.inShape);
  return interleavePhases(s, ctx, y, gh.stride, gw.stride, info.inShape);
}

/** [N, A, B, phases.length*C] -> dx [N, H, W, C] with dx[n, a*sh + ph, b*sw + pw] = block (ph*sw + pw) of
 *  y[n, a, b] for the computed phases, and zeros where no kernel element reaches. */
function scatterPhases(s: KernelScope, y: TensorInfo, phases: number[], sh: number, sw: number, outShape: Shape4): TensorInfo {
  const [n, h, w, c] = outShape;
  const [, a, b] = y.shape;
  const dx = s.alloc(outShape);
  const out = s.f32(dx), src = s.f32(y);
  out.fill(0);
  const blocks = phases.length;
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < b; j++) {
        const from = ((img * a + i) * b + j) * blocks * c;
        for (let k = 0; k < blocks; k++) {
          const row = i * sh + Math.floor(phases[k] / sw), col = j * sw + phases[k] % sw;
          if (row >= h || col >= w) continue;
          out.set(src.subarray(from + k * c, from + (k + 1) * c), ((img * h + row) * w + col) * c);
        }
      }
    }
  }
  return dx;
}

/** One tap of the filter gradient's input for images [n0, n1): a[c, (n, oh, ow)] =
 *  x[n, rowOffset + oh*sh, colOffset + ow*sw, c] (zero outside), read from xT = x as [c, n, h, w]. */
function fillTap(xT: Float32Array, a: Float32Array, [c, n, h, w]: number[], n0: number, n1: number, ho: number, wo: number,
  rowOffset: number, colOffset: number, sh: number, sw: number): void {
  // the output columns whose input column is inside: colOffset + ow*sw in [0, w)
  const owLo = Math.min(wo, Math.max(0, Math.ceil(-colOffset / sw)));
  const owHi = Math.max(owLo, Math.min(wo, Math.ceil((w - colOffset) / sw)));
  let o = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let b = n0; b < n1; b++) {
      const plane = (ch * n + b) * h;
      for (let oh = 0; oh < ho; oh++, o += wo) {
        const ih = rowOffset + oh * sh;
        if (ih < 0 || ih >= h) { a.fill(0, o, o + wo); continue; }
        const row = (plane + ih) * w + colOffset;
        for (let ow = 0; ow < owLo; ow++) a[o + ow] = 0;
        if (sw === 1) for (let ow = owLo; ow < owHi; ow++) a[o + ow] = xT[row + ow];
        else for (let ow = owLo; ow < owHi; ow++) a[o + ow] = xT[row + ow * sw];
        for (let ow = owHi; ow < wo; ow++) a[o + ow] = 0;
      }
    }
  }
}

/** dy floats per group of images in the filter gradient (4 MB): small enough for XNNPACK to pack and
 *  stream from cache. Measured on [32,48,48,32] -> 64 channels: 154 ms with 1M-float groups, 224 ms
 *  with 256K, 220 ms with 4M, 236 ms ungrouped (a 19 MB pack is ~5x slower per element). */
const FILTER_GRAD_GROUP_FLOATS = 1 << 20;

/**
 * dW of conv2d, NHWC. For each filter tap (i, j) and each group of images, one product
 * A [ci, K] . dy [K, co] on XNNPACK's fully-connected path (K = images*Ho*Wo, A the input pixels the
 * tap reads); the group's dy is packed as the weights once and reused by every tap. Measured
 * 1.5-2x faster than one convolution with batch and channels swapped (whose huge "filter" goes
 * through a scalar transpose in C++ before XNNPACK packs it).
 */
export function conv2dBackpropFilterNHWC(s: KernelScope, ctx: KernelContext, x: TensorInfo, dy: TensorInfo, filterShape: Shape4,
  strides: unknown, pad: Pad2D, dimRoundingMode?: 'floor' | 'round' | 'ceil', dilations: unknown = 1): TensorInfo {
  const info = ctx.tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides as [number, number], dilations as [number, number], pad, dimRoundingMode, false, 'channelsLast');
  checkDy('Conv2DBackpropFilter', dy, info.outShape);
  const [n, h, w, ci] = x.shape;
  const [kh, kw, , co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: ho, outWidth: wo } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const perImage = ho * wo;
  const group = Math.max(1, Math.min(n, Math.floor(FILTER_GRAD_GROUP_FLOATS / (perImage * co))));
  const xT = s.run('Transpose', { x }, { perm: [3, 0, 1, 2] });                 // [ci, n, h, w]
  const out = s.alloc(filterShape);
  const acc = new Float64Array(kh * kw * ci * co);
  const matMul = ctx.original('BatchMatMul');
  for (let n0 = 0; n0 < n; n0 += group) {
    const n1 = Math.min(n, n0 + group), k = (n1 - n0) * perImage;
    // a private copy of the group's dy: packed once for all taps, freed with it (and the stock
    // matmul's operator cache, keyed by tensor id only, never sees another view of it)
    const b = s.alloc([1, k, co]);
    const a = s.alloc([1, ci, k]);
    s.f32(b).set(s.f32(dy).subarray(n0 * perImage * co, n1 * perImage * co));
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        fillTap(s.f32(xT), s.f32(a), [ci, n, h, w], n0, n1, ho, wo, i * dh - top, j * dw - left, sh, sw);
        const r = s.runFunc(matMul, { a, b }, { transposeA: false, transposeB: false }, 'BatchMatMul'); // [1, ci, co]
        const rv = s.f32(r), base = (i * kw + j) * ci * co;
        for (let q = 0; q < ci * co; q++) acc[base + q] += rv[q];
        s.free(r);
      }
    }
    s.free(a);
    s.free(b);
  }
  s.f32(out).set(acc);
  return out;
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];

/** An NCHW padding attribute in NHWC order. */
export function padToNHWC(pad: unknown): Pad2D {
  if (Array.isArray(pad)) return [pad[0], pad[2], pad[3], pad[1]] as Pad2D;
  return pad as Pad2D;
}

const shapeToNHWC = (s: number[]): Shape4 => [s[0], s[2], s[3], s[1]];

/**
 * 'same' padding where the kernel does not reach the last input row or column ((out - 1)·stride + kernel < in,
 * e.g. a 2x2 kernel with stride 3): TensorFlow pads nothing there, but the stock wasm kernels hand XNNPACK its
 * "TensorFlow SAME" flag, which computes a negative padding and a wrong output (every value, seen on Conv2D,
 * FusedConv2D and DepthwiseConv2dNative; pooling is right). Returns the explicit pads TensorFlow uses instead,
 * or undefined when 'same' is safe as it is.
 */
export function explicitSamePads(tf: KernelContext['tf'], attrs: NamedAttrMap, xShape: number[], filterShape: number[], depthwise: boolean): Pad2D | undefined {
  if (attrs.pad !== 'same' || attrs.dataFormat === 'NCHW') return undefined;
  const info = tf.backend_util.computeConv2DInfo(xShape as Shape4, filterShape as Shape4, attrs.strides as number, (attrs.dilations ?? 1) as number,
    'same', undefined, depthwise, 'channelsLast');
  const reaches = (out: number, stride: number, kernel: number, inSize: number) => (out - 1) * stride + kernel >= inSize;
  if (reaches(info.outHeight, info.strideHeight, info.effectiveFilterHeight, info.inHeight)
    && reaches(info.outWidth, info.strideWidth, info.effectiveFilterWidth, info.inWidth)) return undefined;
  const { top, bottom, left, right } = info.padInfo;
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

function rounds(attrs: NamedAttrMap): boolean {
  const r = attrs.dimRoundingMode;
  return (r === 'ceil' || r === 'round') && typeof attrs.pad !== 'string';
}

export function conv2dKernels(ctx: KernelContext): KernelOverride[] {
  const { tf } = ctx;
  const stockConv2D = ctx.original('Conv2D');

  const conv2D: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => {
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const nchw = attrs.dataFormat === 'NCHW';
    if (!nchw && !rounds(attrs)) {
      const pad = explicitSamePads(tf, attrs, x.shape, filter.shape, false);
      return stockConv2D!({ inputs, backend, attrs: pad ? { ...attrs, pad } : attrs });
    }
    return withScope(tf, backend, s => {
      const xn = nchw ? s.run('Transpose', { x }, { perm: NCHW_TO_NHWC }) : x;
      const pad = nchw ? padToNHWC(attrs.pad) : attrs.pad as Pad2D;
      const info = tf.backend_util.computeConv2DInfo(xn.shape as Shape4, filter.shape as Shape4, attrs.strides as number, attrs.dilations as number,
        pad, attrs.dimRoundingMode as 'ceil' | undefined, false, 'channelsLast');
      // Explicit pads that make XNNPACK's floor() produce exactly the rounded output size.
      const { top, left } = info.padInfo;
      const bottom = (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight - info.inHeight - top;
      const right = (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth - info.inWidth - left;
      let xc = xn;
      if (bottom < 0 || right < 0) {
        const [n, h, w, c] = xn.shape;
        xc = s.run('Slice', { x: xn }, { begin: [0, 0, 0, 0], size: [n, h + Math.min(0, bottom), w + Math.min(0, right), c] });
      }
      const y = s.runFunc(stockConv2D, { x: xc, filter }, {
        strides: attrs.strides, dilations: attrs.dilations, dataFormat: 'NHWC',
        pad: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]],
      }, 'Conv2D');
      return nchw ? s.run('Transpose', { x: y }, { perm: NHWC_TO_NCHW }) : y;
    });
  };

  const backpropInput: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const rounding = attrs.dimRoundingMode as 'ceil' | undefined;
    if (attrs.dataFormat === 'NCHW') {
      const dyn = s.run('Transpose', { x: dy }, { perm: NCHW_TO_NHWC });
      const dx = conv2dBackpropInputNHWC(s, ctx, dyn, filter, shapeToNHWC(attrs.inputShape as number[]), attrs.strides, padToNHWC(attrs.pad), rounding);
      return s.run('Transpose', { x: dx }, { perm: NHWC_TO_NCHW });
    }
    return conv2dBackpropInputNHWC(s, ctx, dy, filter, attrs.inputShape as Shape4, attrs.strides, attrs.pad as Pad2D, rounding);
  });

  const backpropFilter: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const rounding = attrs.dimRoundingMode as 'ceil' | undefined;
    if (attrs.dataFormat === 'NCHW') {
      const xn = s.run('Transpose', { x }, { perm: NCHW_TO_NHWC });
      const dyn = s.run('Transpose', { x: dy }, { perm: NCHW_TO_NHWC });
      return conv2dBackpropFilterNHWC(s, ctx, xn, dyn, attrs.filterShape as Shape4, attrs.strides, padToNHWC(attrs.pad), rounding);
    }
    return conv2dBackpropFilterNHWC(s, ctx, x, dy, attrs.filterShape as Shape4, attrs.strides, attrs.pad as Pad2D, rounding);
  });

  // Fused and depthwise forward convolutions are right on XNNPACK except for rounded output sizes
  // and NCHW; those rare cases run on the cpu kernel.
  const guarded = (name: string, depthwise: boolean): WasmKernelFunc => {
    const stock = ctx.original(name)!;
    const onCpu = ctx.onCpu(name);
    return args => {
      const attrs = args.attrs ?? {};
      if (rounds(attrs) || attrs.dataFormat === 'NCHW') return onCpu(args);
      const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
      const pad = explicitSamePads(tf, attrs, x.shape, filter.shape, depthwise);
      return stock(pad ? { ...args, attrs: { ...attrs, pad } } : args);
    };
  };

  return [
    { name: 'Conv2D', why: "'ceil'/'round' output sizes (stock leaves the last row unwritten), NCHW (stock throws), 'same' with a kernel that misses the last rows (stock is wrong)", kernelFunc: conv2D },
    { name: 'Conv2DBackpropInput', why: 'stock is a scalar loop ~15x slower than Conv2D; one XNNPACK convolution with a cached re-laid-out filter', kernelFunc: backpropInput },
    { name: 'Conv2DBackpropFilter', why: 'missing on wasm; one XNNPACK convolution with batch and channels swapped', kernelFunc: backpropFilter },
    { name: 'FusedConv2D', why: "rounded output sizes and NCHW go to the cpu kernel (stock is wrong / throws); 'same' with a kernel that misses the last rows gets explicit pads", kernelFunc: guarded('FusedConv2D', false) },
    { name: 'DepthwiseConv2dNative', why: "rounded output sizes and NCHW go to the cpu kernel; 'same' with a kernel that misses the last rows gets explicit pads", kernelFunc: guarded('DepthwiseConv2dNative', true) },
    { name: 'FusedDepthwiseConv2D', why: "rounded output sizes and NCHW go to the cpu kernel; 'same' with a kernel that misses the last rows gets explicit pads", kernelFunc: guarded('FusedDepthwiseConv2D', true) },
  ];
}

