// Conv2D and its two gradients on XNNPACK's fast convolution.
//  - Conv2DBackpropInput: tfjs-backend-wasm's own kernel is a scalar loop (~15x slower than Conv2D).
//    dx is a stride-1 convolution of dy with a re-laid-out filter: for stride 1 the spatially flipped
//    filter with in/out channels swapped; for stride s the s*s "phases" of dx (rows ph + s*a, columns
//    pw + s*b) each see a fixed subset of the taps, so all phases come out of ONE convolution whose
//    output channels are (phase, input channel), interleaved back by DepthToSpace (no zero-insertion,
//    no s*s wasted work). The re-laid-out filter is cached per filter tensor (derivedCache.ts).
//  - Conv2DBackpropFilter (missing on wasm): dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s+kh-p, .., ci]
//    * dy[n,oh,ow,co] is itself a convolution once batch and channels swap roles: input x^T
//    [ci, H, W, N], "filter" dy^T [Ho, Wo, N, co] dilated by the stride, output [ci, kh, kw, co].
//  - Conv2D: passes through, except 'ceil'/'round' output rounding (the stock kernel leaves the extra
//    row unwritten) and NCHW (the stock kernel refuses it).
import { derivedCache } from './derivedCache';
import { KernelScope, pair, withScope } from './scope';
import type { KernelContext, KernelOverride, NamedAttrMap, TensorInfo, TF, WasmKernelFunc } from './types';

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

/** Fills the conv2d filter [tapsH, tapsW, co, sh*sw*ci] for dx from w [kh, kw, ci, co]. */
function fillBackpropInputFilter(w: Float32Array, [, kw, ci, co]: number[], gh: BackpropAxis, gw: BackpropAxis, out: Float32Array): void {
  const sh = gh.stride, sw = gw.stride, pc = sh * sw * ci;
  out.fill(0);
  for (let jh = 0; jh < gh.taps; jh++) {
    for (let ph = 0; ph < sh; ph++) {
      const kh = gh.kernelTap[jh * sh + ph];
      if (kh < 0) continue;
      for (let jw = 0; jw < gw.taps; jw++) {
        for (let pw = 0; pw < sw; pw++) {
          const kwi = gw.kernelTap[jw * sw + pw];
          if (kwi < 0) continue;
          const src = (kh * kw + kwi) * ci * co;
          const dst = (jh * gw.taps + jw) * co * pc + (ph * sw + pw) * ci;
          for (let o = 0; o < co; o++) {
            const d = dst + o * pc;
            for (let c = 0; c < ci; c++) out[d + c] = w[src + c * co + o];
          }
        }
      }
    }
  }
}

/** Fills the depthwise filter [tapsH, tapsW, C*M, sh*sw] for dx from w [kh, kw, C, M]. */
export function fillDepthwiseBackpropInputFilter(w: Float32Array, [, kw, c, m]: number[], gh: BackpropAxis, gw: BackpropAxis, out: Float32Array): void {
  const sh = gh.stride, sw = gw.stride, p = sh * sw, cm = c * m;
  out.fill(0);
  for (let jh = 0; jh < gh.taps; jh++) {
    for (let ph = 0; ph < sh; ph++) {
      const kh = gh.kernelTap[jh * sh + ph];
      if (kh < 0) continue;
      for (let jw = 0; jw < gw.taps; jw++) {
        for (let pw = 0; pw < sw; pw++) {
          const kwi = gw.kernelTap[jw * sw + pw];
          if (kwi < 0) continue;
          const src = (kh * kw + kwi) * cm;
          const dst = (jh * gw.taps + jw) * cm * p + ph * sw + pw;
          for (let i = 0; i < cm; i++) out[dst + i * p] = w[src + i];
        }
      }
    }
  }
}

/** Crops dy where a backprop axis asks for negative padding; returns dy (maybe cropped) and the pads. */
export function cropForPads(s: KernelScope, ctx: KernelContext, dy: TensorInfo, gh: BackpropAxis, gw: BackpropAxis): { x: TensorInfo; pad: Pad2D } {
  const [n, ho, wo, c] = dy.shape;
  const cropTop = Math.max(0, -gh.padBefore), cropBottom = Math.max(0, -gh.padAfter);
  const cropLeft = Math.max(0, -gw.padBefore), cropRight = Math.max(0, -gw.padAfter);
  let x = dy;
  if (cropTop || cropBottom || cropLeft || cropRight) {
    x = s.runFunc(ctx.original('Slice'), { x: dy }, { begin: [0, cropTop, cropLeft, 0], size: [n, ho - cropTop - cropBottom, wo - cropLeft - cropRight, c] }, 'Slice');
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
      const t = s.runFunc(ctx.original('Transpose'), { x: s.reshape(y, [n, a, b, sh, sw, c]) }, { perm: [0, 1, 3, 2, 4, 5] }, 'Transpose');
      r = s.reshape(t, [n, a * sh, b * sw, c]);
    }
  }
  if (r.shape[1] !== h || r.shape[2] !== w) {
    r = s.runFunc(ctx.original('Slice'), { x: r }, { begin: [0, 0, 0, 0], size: [n, h, w, c] }, 'Slice');
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
  const wf = derivedCache(s.backend).get(filter.dataId, key, () => {
    const out = s.backend.makeOutput([gh.taps, gw.taps, co, gh.stride * gw.stride * ci], 'float32');
    fillBackpropInputFilter(s.backend.typedArrayFromHeap(filter) as Float32Array, filter.shape, gh, gw, s.backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  });
  const { x, pad: convPad } = cropForPads(s, ctx, dy, gh, gw);
  const y = s.runFunc(ctx.original('Conv2D'), { x, filter: wf },
    { strides: [1, 1], pad: convPad, dataFormat: 'NHWC', dilations: [gh.convDilation, gw.convDilation] }, 'Conv2D');
  return interleavePhases(s, ctx, y, gh.stride, gw.stride, info.inShape);
}

/** dW of conv2d, NHWC, as one XNNPACK convolution with batch and channels swapped. */
export function conv2dBackpropFilterNHWC(s: KernelScope, ctx: KernelContext, x: TensorInfo, dy: TensorInfo, filterShape: Shape4,
  strides: unknown, pad: Pad2D, dimRoundingMode?: 'floor' | 'round' | 'ceil', dilations: unknown = 1): TensorInfo {
  const info = ctx.tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides as [number, number], dilations as [number, number], pad, dimRoundingMode, false, 'channelsLast');
  checkDy('Conv2DBackpropFilter', dy, info.outShape);
  const [n, h, w, ci] = x.shape;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: ho, outWidth: wo } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  // Rows of x the convolution reads end at (kh-1)*dh + (ho-1)*sh - top: pad x up to there, or crop it.
  const bottom = (info.filterHeight - 1) * dh + (ho - 1) * sh + 1 - h - top;
  const right = (info.filterWidth - 1) * dw + (wo - 1) * sw + 1 - w - left;
  let xs = x;
  if (bottom < 0 || right < 0) {
    xs = s.runFunc(ctx.original('Slice'), { x }, { begin: [0, 0, 0, 0], size: [n, h + Math.min(0, bottom), w + Math.min(0, right), ci] }, 'Slice');
  }
  const transpose = ctx.original('Transpose');
  const xt = s.runFunc(transpose, { x: xs }, { perm: [3, 1, 2, 0] }, 'Transpose');   // [ci, H, W, N]
  const dyt = s.runFunc(transpose, { x: dy }, { perm: [1, 2, 0, 3] }, 'Transpose');  // [Ho, Wo, N, co]
  // (Splitting the Ho*Wo*N reduction into groups of images to keep XNNPACK's operands cache-sized
  // was measured 2-10x slower: fewer channels per tap starve its indirect GEMM.)
  const r = s.runFunc(ctx.original('Conv2D'), { x: xt, filter: dyt }, {
    strides: [dh, dw], dilations: [sh, sw], dataFormat: 'NHWC',
    pad: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]],
  }, 'Conv2D');                                                                        // [ci, kh, kw, co]
  s.free(xt);
  s.free(dyt);
  return s.runFunc(transpose, { x: r }, { perm: [1, 2, 0, 3] }, 'Transpose');
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];

/** An NCHW padding attribute in NHWC order. */
export function padToNHWC(pad: unknown): Pad2D {
  if (Array.isArray(pad)) return [pad[0], pad[2], pad[3], pad[1]] as Pad2D;
  return pad as Pad2D;
}

const shapeToNHWC = (s: number[]): Shape4 => [s[0], s[2], s[3], s[1]];

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
    if (!nchw && !rounds(attrs)) return stockConv2D!({ inputs, backend, attrs });
    return withScope(tf, backend, s => {
      const transpose = ctx.original('Transpose');
      const xn = nchw ? s.runFunc(transpose, { x }, { perm: NCHW_TO_NHWC }, 'Transpose') : x;
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
        xc = s.runFunc(ctx.original('Slice'), { x: xn }, { begin: [0, 0, 0, 0], size: [n, h + Math.min(0, bottom), w + Math.min(0, right), c] }, 'Slice');
      }
      const y = s.runFunc(stockConv2D, { x: xc, filter }, {
        strides: attrs.strides, dilations: attrs.dilations, dataFormat: 'NHWC',
        pad: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]],
      }, 'Conv2D');
      return nchw ? s.runFunc(transpose, { x: y }, { perm: NHWC_TO_NCHW }, 'Transpose') : y;
    });
  };

  const backpropInput: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const rounding = attrs.dimRoundingMode as 'ceil' | undefined;
    if (attrs.dataFormat === 'NCHW') {
      const transpose = ctx.original('Transpose');
      const dyn = s.runFunc(transpose, { x: dy }, { perm: NCHW_TO_NHWC }, 'Transpose');
      const dx = conv2dBackpropInputNHWC(s, ctx, dyn, filter, shapeToNHWC(attrs.inputShape as number[]), attrs.strides, padToNHWC(attrs.pad), rounding);
      return s.runFunc(transpose, { x: dx }, { perm: NHWC_TO_NCHW }, 'Transpose');
    }
    return conv2dBackpropInputNHWC(s, ctx, dy, filter, attrs.inputShape as Shape4, attrs.strides, attrs.pad as Pad2D, rounding);
  });

  const backpropFilter: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const rounding = attrs.dimRoundingMode as 'ceil' | undefined;
    if (attrs.dataFormat === 'NCHW') {
      const transpose = ctx.original('Transpose');
      const xn = s.runFunc(transpose, { x }, { perm: NCHW_TO_NHWC }, 'Transpose');
      const dyn = s.runFunc(transpose, { x: dy }, { perm: NCHW_TO_NHWC }, 'Transpose');
      return conv2dBackpropFilterNHWC(s, ctx, xn, dyn, attrs.filterShape as Shape4, attrs.strides, padToNHWC(attrs.pad), rounding);
    }
    return conv2dBackpropFilterNHWC(s, ctx, x, dy, attrs.filterShape as Shape4, attrs.strides, attrs.pad as Pad2D, rounding);
  });

  // Fused and depthwise forward convolutions are right on XNNPACK except for rounded output sizes
  // and NCHW; those rare cases run on the cpu kernel.
  const guarded = (name: string): WasmKernelFunc => {
    const stock = ctx.original(name)!;
    const onCpu = ctx.onCpu(name);
    return args => (rounds(args.attrs ?? {}) || args.attrs?.dataFormat === 'NCHW' ? onCpu : stock)(args);
  };

  return [
    { name: 'Conv2D', why: "'ceil'/'round' output sizes (stock leaves the last row unwritten) and NCHW (stock throws)", kernelFunc: conv2D },
    { name: 'Conv2DBackpropInput', why: 'stock is a scalar loop ~15x slower than Conv2D; one XNNPACK convolution with a cached re-laid-out filter', kernelFunc: backpropInput },
    { name: 'Conv2DBackpropFilter', why: 'missing on wasm; one XNNPACK convolution with batch and channels swapped', kernelFunc: backpropFilter },
    { name: 'FusedConv2D', why: "rounded output sizes and NCHW go to the cpu kernel (stock is wrong / throws)", kernelFunc: guarded('FusedConv2D') },
    { name: 'DepthwiseConv2dNative', why: 'rounded output sizes and NCHW go to the cpu kernel', kernelFunc: guarded('DepthwiseConv2dNative') },
    { name: 'FusedDepthwiseConv2D', why: 'rounded output sizes and NCHW go to the cpu kernel', kernelFunc: guarded('FusedDepthwiseConv2D') },
  ];
}

