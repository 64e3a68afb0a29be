// Depthwise conv2d gradients (both missing on wasm).
//  - DepthwiseConv2dNativeBackpropInput: the same phase construction as conv2d's dx (conv2d.ts), with
//    XNNPACK's depthwise convolution: dy [N, Ho, Wo, C*M] convolved per channel with a filter of
//    multiplier sh*sw gives [N, A, B, C*M*sh*sw]; the M multiplier channels of each input channel are
//    summed and the phases interleaved.
//  - DepthwiseConv2dNativeBackpropFilter: a direct loop accumulating in float64 (depthwise filters are
//    small and the work is memory-bound; XNNPACK has no kernel for it).
import { backpropInputAxis, cropForPads, fillDepthwiseBackpropInputFilter, interleavePhases, type Pad2D } from './conv2d';
import { derivedCache } from './derivedCache';
import { sumAxes } from './reduce';
import { KernelScope, withScope } from './scope';
import type { KernelContext, KernelOverride, TensorInfo, WasmKernelFunc } from './types';

type Shape4 = [number, number, number, number];

function depthwiseBackpropInput(s: KernelScope, ctx: KernelContext, dy: TensorInfo, filter: TensorInfo, inputShape: Shape4,
  strides: unknown, dilations: unknown, pad: Pad2D, dimRoundingMode?: 'ceil' | 'round' | 'floor'): TensorInfo {
  const info = ctx.tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides as number, dilations as number, pad, dimRoundingMode, true, 'channelsLast');
  const expected = info.outShape;
  if (dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`DepthwiseConv2dNativeBackpropInput: dy must have shape [${expected}], got [${dy.shape}]`);
  }
  const gh = backpropInputAxis(info.strideHeight, info.dilationHeight, info.padInfo.top, info.filterHeight, info.inHeight, info.outHeight);
  const gw = backpropInputAxis(info.strideWidth, info.dilationWidth, info.padInfo.left, info.filterWidth, info.inWidth, info.outWidth);
  const [n, , , c] = inputShape;
  const m = filter.shape[3], phases = gh.stride * gw.stride;
  const key = `dwbpi:${filter.shape}:${info.strideHeight},${info.strideWidth}:${info.dilationHeight},${info.dilationWidth}:${info.padInfo.top},${info.padInfo.left}`;
  const wf = derivedCache(s.backend).get(filter.dataId, key, () => {
    const out = s.backend.makeOutput([gh.taps, gw.taps, c * m, phases], 'float32');
    fillDepthwiseBackpropInputFilter(s.backend.typedArrayFromHeap(filter) as Float32Array, filter.shape, gh, gw, s.backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  });
  const { x, pad: convPad } = cropForPads(s, ctx, dy, gh, gw);
  let y = s.runFunc(ctx.original('DepthwiseConv2dNative'), { x, filter: wf },
    { strides: [1, 1], pad: convPad, dilations: [gh.convDilation, gw.convDilation], dataFormat: 'NHWC' }, 'DepthwiseConv2dNative');
  const [, a, b] = y.shape;
  if (m > 1) {
    // channels are (c, m, phase): sum over m
    y = s.reshape(sumAxes(s, s.reshape(y, [n, a, b, c, m, phases]), [4], false), [n, a, b, c * phases]);
  }
  if (phases > 1) {
    // channels are (c, phase); interleavePhases wants (phase, c)
    const t = s.run('Transpose', { x: s.reshape(y, [n * a * b, c, phases]) }, { perm: [0, 2, 1] });
    y = s.reshape(t, [n, a, b, phases * c]);
  }
  return interleavePhases(s, ctx, y, gh.stride, gw.stride, info.inShape);
}

function depthwiseBackpropFilter(s: KernelScope, ctx: KernelContext, x: TensorInfo, dy: TensorInfo, filterShape: Shape4,
  strides: unknown, dilations: unknown, pad: Pad2D, dimRoundingMode?: 'ceil' | 'round' | 'floor'): TensorInfo {
  const info = ctx.tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides as number, dilations as number, pad, dimRoundingMode, true, 'channelsLast');
  const expected = info.outShape;
  if (dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`DepthwiseConv2dNativeBackpropFilter: dy must have shape [${expected}], got [${dy.shape}]`);
  }
  const [kh, kw, c, m] = filterShape;
  const { batchSize: nb, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top, left = info.padInfo.left, cm = c * m;
  const out = s.alloc(filterShape);
  const xv = s.f32(x), dyv = s.f32(dy), ov = s.f32(out);
  const acc = new Float64Array(kh * kw * cm);
  for (let b = 0; b < nb; b++) {
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        const dyOff = ((b * ho + oh) * wo + ow) * cm;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh + i * dh - top;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw + j * dw - left;
            if (iw < 0 || iw >= w) continue;
            const xOff = ((b * h + ih) * w + iw) * c, aOff = (i * kw + j) * cm;
            if (m === 1) {
              for (let k = 0; k < c; k++) acc[aOff + k] += xv[xOff + k] * dyv[dyOff + k];
            } else {
              for (let k = 0; k < c; k++) {
                const xk = xv[xOff + k], base = k * m;
                for (let q = 0; q < m; q++) acc[aOff + base + q] += xk * dyv[dyOff + base + q];
              }
            }
          }
        }
      }
    }
  }
  ov.set(acc);
  return out;
}

export function depthwiseKernels(ctx: KernelContext): KernelOverride[] {
  const { tf } = ctx;
  const nhwcOnly = (name: string, attrs: Record<string, unknown>) => {
    if (attrs.dataFormat === 'NCHW') throw new Error(`${name}: only NHWC is supported on wasm`);
  };
  const backpropInput: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    nhwcOnly('DepthwiseConv2dNativeBackpropInput', attrs);
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    return depthwiseBackpropInput(s, ctx, dy, filter, attrs.inputShape as Shape4, attrs.strides, attrs.dilations ?? 1, attrs.pad as Pad2D, attrs.dimRoundingMode as 'ceil' | undefined);
  });
  const backpropFilter: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    nhwcOnly('DepthwiseConv2dNativeBackpropFilter', attrs);
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    return depthwiseBackpropFilter(s, ctx, x, dy, attrs.filterShape as Shape4, attrs.strides, attrs.dilations ?? 1, attrs.pad as Pad2D, attrs.dimRoundingMode as 'ceil' | undefined);
  });
  return [
    { name: 'DepthwiseConv2dNativeBackpropInput', why: 'missing on wasm; one XNNPACK depthwise convolution with a cached phase filter', kernelFunc: backpropInput },
    { name: 'DepthwiseConv2dNativeBackpropFilter', why: 'missing on wasm; direct loop, float64 accumulation', kernelFunc: backpropFilter },
  ];
}
