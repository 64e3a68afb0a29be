// Max pooling gradients and the pooling cases the stock wasm kernels get wrong.
//  - MaxPoolGrad, MaxPool3D, MaxPool3DGrad: the stock C++ starts each window's running maximum at
//    FLT_MIN (the smallest positive float) with position 0, so a window whose maximum is <= 0 routes
//    its gradient to element 0 of the whole tensor (and MaxPool3D outputs 1.2e-38 there). Replaced by
//    one loop that finds each window's argmax (channels innermost) and scatters dy, with the cpu
//    backend's tie rule (2D: first maximum, 3D: last); ~5 ns per input element against the stock
//    kernel's ~20 (2x2 windows, [64,48,48,64]).
//  - AvgPoolGrad, AvgPool3DGrad: stock (and tfjs-backend-cpu) divide each window's gradient by the
//    full window size, also where the window hangs over 'same'/numeric padding, while the forward pass
//    averages only the cells inside: wrong at the borders. One loop for all cases (~2.5 ns per element
//    against the stock kernel's ~8.6 where it is right).
//  - MaxPool / AvgPool with 'ceil'/'round' rounding, AvgPool(3D) with a numeric padding (stock reads
//    out of bounds and corrupts the heap), MaxPoolWithArgmax (same FLT_MIN bug): the cpu kernel.
import { withScope } from './scope';
import type { KernelContext, KernelOverride, NamedAttrMap, TensorInfo, WasmKernelFunc } from './types';

interface PoolGeometry {
  batch: number; channels: number;
  inD: number; inH: number; inW: number; outD: number; outH: number; outW: number;
  sD: number; sH: number; sW: number; dD: number; dH: number; dW: number;
  kD: number; kH: number; kW: number; front: number; top: number; left: number;
}

type Info2D = ReturnType<KernelContext['tf']['backend_util']['computePool2DInfo']>;
type Info3D = ReturnType<KernelContext['tf']['backend_util']['computePool3DInfo']>;

export function geometry2D(i: Info2D): PoolGeometry {
  return {
    batch: i.batchSize, channels: i.inChannels, inD: 1, inH: i.inHeight, inW: i.inWidth, outD: 1, outH: i.outHeight, outW: i.outWidth,
    sD: 1, sH: i.strideHeight, sW: i.strideWidth, dD: 1, dH: i.dilationHeight, dW: i.dilationWidth,
    kD: 1, kH: i.filterHeight, kW: i.filterWidth, front: 0, top: i.padInfo.top, left: i.padInfo.left,
  };
}

function geometry3D(i: Info3D): PoolGeometry {
  return {
    batch: i.batchSize, channels: i.inChannels, inD: i.inDepth, inH: i.inHeight, inW: i.inWidth, outD: i.outDepth, outH: i.outHeight, outW: i.outWidth,
    sD: i.strideDepth, sH: i.strideHeight, sW: i.strideWidth, dD: i.dilationDepth, dH: i.dilationHeight, dW: i.dilationWidth,
    kD: i.filterDepth, kH: i.filterHeight, kW: i.filterWidth, front: i.padInfo.front, top: i.padInfo.top, left: i.padInfo.left,
  };
}

/**
 * Max pooling over NDHWC windows, channels innermost, each window's maximum taken as the cpu backend
 * does (first one; the last with `tieLast`). Forward: writes the maxima to `values`. Gradient (`dy`
 * and `dx` given): adds dy to the input element that is its window's maximum (dx must be zeroed).
 */
function maxPool(x: Float32Array, g: PoolGeometry, tieLast: boolean, values: Float32Array | null, dy: Float32Array | null, dx: Float32Array | null): void {
  const c = g.channels;
  const best = new Float32Array(c), at = new Int32Array(c);
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let od = 0; od < g.outD; od++) {
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++, o += c) {
          for (let k = 0; k < c; k++) { best[k] = -Infinity; at[k] = -1; }
          for (let kd = 0; kd < g.kD; kd++) {
            const id = od * g.sD - g.front + kd * g.dD;
            if (id < 0 || id >= g.inD) continue;
            for (let kh = 0; kh < g.kH; kh++) {
              const ih = oh * g.sH - g.top + kh * g.dH;
              if (ih < 0 || ih >= g.inH) continue;
              for (let kw = 0; kw < g.kW; kw++) {
                const iw = ow * g.sW - g.left + kw * g.dW;
                if (iw < 0 || iw >= g.inW) continue;
                const off = (((b * g.inD + id) * g.inH + ih) * g.inW + iw) * c;
                if (tieLast) {
                  for (let k = 0; k < c; k++) { const v = x[off + k]; if (v >= best[k]) { best[k] = v; at[k] = off + k; } }
                } else {
                  for (let k = 0; k < c; k++) { const v = x[off + k]; if (v > best[k]) { best[k] = v; at[k] = off + k; } }
                }
              }
            }
          }
          if (values) for (let k = 0; k < c; k++) values[o + k] = best[k];
          if (dx && dy) for (let k = 0; k < c; k++) { const i = at[k]; if (i >= 0) dx[i] += dy[o + k]; }
        }
      }
    }
  }
}

/** The 2x2, stride 2 case without padding (VGG, most conv nets): the four candidates of each
 *  channel compared in registers; ~2x faster than the general loop. */
function maxPoolGrad2x2(x: Float32Array, g: PoolGeometry, dy: Float32Array, dx: Float32Array): void {
  const c = g.channels, rowStride = g.inW * c;
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outH; oh++) {
      const r0 = (b * g.inH + 2 * oh) * rowStride, r1 = r0 + rowStride;
      for (let ow = 0; ow < g.outW; ow++, o += c) {
        const p0 = r0 + 2 * ow * c, p1 = p0 + c, p2 = r1 + 2 * ow * c, p3 = p2 + c;
        for (let k = 0; k < c; k++) {
          let best = x[p0 + k], at = p0 + k, v = x[p1 + k];
          if (v > best) { best = v; at = p1 + k; }
          v = x[p2 + k];
          if (v > best) { best = v; at = p2 + k; }
          v = x[p3 + k];
          if (v > best) { at = p3 + k; }
          dx[at] += dy[o + k];
        }
      }
    }
  }
}

/** dx of max pooling: dy routed to each window's maximum. */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, g: PoolGeometry, tieLast: boolean, dx: Float32Array): void {
  dx.fill(0);
  const plain2x2 = g.inD === 1 && g.kH === 2 && g.kW === 2 && g.sH === 2 && g.sW === 2 && g.dH === 1 && g.dW === 1 &&
    g.top === 0 && g.left === 0 && 2 * g.outH <= g.inH && 2 * g.outW <= g.inW && !tieLast;
  // (a window holding a NaN may route its gradient to the NaN here, where the cpu backend skips it)
  if (plain2x2) maxPoolGrad2x2(x, g, dy, dx);
  else maxPool(x, g, tieLast, null, dy, dx);
}

/** dx of average pooling: each window's dy shared by the window cells inside the input. The stock
 *  kernels (and the cpu backend's) divide by the full window size even where the window hangs over
 *  the padding, while the forward pass divides by the cells inside: wrong at 'same'-padded borders. */
function avgPoolGradInto(dy: Float32Array, g: PoolGeometry, dx: Float32Array): void {
  const c = g.channels;
  dx.fill(0);
  let o = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let od = 0; od < g.outD; od++) {
      const d0 = od * g.sD - g.front, d1 = Math.min(g.inD, d0 + g.kD);
      for (let oh = 0; oh < g.outH; oh++) {
        const h0 = oh * g.sH - g.top, h1 = Math.min(g.inH, h0 + g.kH);
        for (let ow = 0; ow < g.outW; ow++, o += c) {
          const w0 = ow * g.sW - g.left, w1 = Math.min(g.inW, w0 + g.kW);
          const count = (d1 - Math.max(0, d0)) * (h1 - Math.max(0, h0)) * (w1 - Math.max(0, w0));
          if (count <= 0) continue;
          const inv = 1 / count;
          for (let id = Math.max(0, d0); id < d1; id++) {
            for (let ih = Math.max(0, h0); ih < h1; ih++) {
              for (let iw = Math.max(0, w0); iw < w1; iw++) {
                const off = (((b * g.inD + id) * g.inH + ih) * g.inW + iw) * c;
                for (let k = 0; k < c; k++) dx[off + k] += dy[o + k] * inv;
              }
            }
          }
        }
      }
    }
  }
}

const rounding = (attrs: NamedAttrMap) => attrs.dimRoundingMode === 'ceil' || attrs.dimRoundingMode === 'round';
const numericPad = (attrs: NamedAttrMap) => typeof attrs.pad !== 'string' && attrs.pad !== 0;

export function poolKernels(ctx: KernelContext): KernelOverride[] {
  const { tf } = ctx;
  const bu = tf.backend_util;

  const maxPoolGrad: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const dy = inputs.dy as TensorInfo, x = inputs.input as TensorInfo;
    const info = bu.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize as number, attrs.strides as number, 1,
      attrs.pad as 'same', attrs.dimRoundingMode as 'ceil' | undefined);
    const dx = s.alloc(x.shape);
    maxPoolGradInto(s.f32(x), s.f32(dy), geometry2D(info), false, s.f32(dx));
    return dx;
  });

  const maxPool3D: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const x = inputs.x as TensorInfo;
    if (attrs.dataFormat === 'NCDHW') throw new Error('MaxPool3D: only NDHWC is supported');
    const info = bu.computePool3DInfo(x.shape as [number, number, number, number, number], attrs.filterSize as number, attrs.strides as number, 1,
      attrs.pad as 'same', attrs.dimRoundingMode as 'ceil' | undefined);
    const y = s.alloc(info.outShape);
    maxPool(s.f32(x), geometry3D(info), true, s.f32(y), null, null);
    return y;
  });

  const maxPool3DGrad: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const dy = inputs.dy as TensorInfo, x = inputs.input as TensorInfo;
    const info = bu.computePool3DInfo(x.shape as [number, number, number, number, number], attrs.filterSize as number, attrs.strides as number, 1,
      attrs.pad as 'same', attrs.dimRoundingMode as 'ceil' | undefined);
    const dx = s.alloc(x.shape);
    maxPoolGradInto(s.f32(x), s.f32(dy), geometry3D(info), true, s.f32(dx));
    return dx;
  });

  const avgPoolGrad: WasmKernelFunc = args => {
    const { dy, input: x } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const attrs = args.attrs ?? {};
    const g = geometry2D(bu.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize as number, attrs.strides as number, 1, attrs.pad as 'same'));
    return withScope(tf, args.backend, s => {
      const dx = s.alloc(x.shape);
      avgPoolGradInto(s.f32(dy), g, s.f32(dx));
      return dx;
    });
  };

  const avgPool3DGrad: WasmKernelFunc = args => withScope(tf, args.backend, s => {
    const { dy, input: x } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const attrs = args.attrs ?? {};
    const g = geometry3D(bu.computePool3DInfo(x.shape as [number, number, number, number, number], attrs.filterSize as number, attrs.strides as number, 1,
      attrs.pad as 'same', attrs.dimRoundingMode as 'ceil' | undefined));
    const dx = s.alloc(x.shape);
    avgPoolGradInto(s.f32(dy), g, s.f32(dx));
    return dx;
  });

  const guarded = (name: string, toCpu: (attrs: NamedAttrMap) => boolean): WasmKernelFunc => {
    const stock = ctx.original(name)!;
    const onCpu = ctx.onCpu(name);
    return args => (toCpu(args.attrs ?? {}) ? onCpu : stock)(args);
  };

  return [
    { name: 'MaxPoolGrad', why: 'stock routes the gradient of windows whose max <= 0 to element 0; argmax loop', kernelFunc: maxPoolGrad },
    { name: 'MaxPool3D', why: 'stock outputs FLT_MIN for windows whose max <= 0', kernelFunc: maxPool3D },
    { name: 'MaxPool3DGrad', why: 'same bug as MaxPoolGrad', kernelFunc: maxPool3DGrad },
    { name: 'MaxPool', why: "'ceil'/'round' output sizes go to the cpu kernel (stock is wrong)", kernelFunc: guarded('MaxPool', rounding) },
    { name: 'AvgPool', why: 'numeric padding (stock reads out of bounds) and rounded sizes go to the cpu kernel', kernelFunc: guarded('AvgPool', a => rounding(a) || numericPad(a)) },
    { name: 'AvgPool3D', why: 'as AvgPool', kernelFunc: guarded('AvgPool3D', a => rounding(a) || numericPad(a)) },
    { name: 'AvgPoolGrad', why: 'stock divides by the full window where it hangs over the padding (the forward pass does not); loop there', kernelFunc: avgPoolGrad },
    { name: 'AvgPool3DGrad', why: 'as AvgPoolGrad', kernelFunc: avgPool3DGrad },
    { name: 'MaxPoolWithArgmax', why: 'stock has the FLT_MIN bug; the cpu kernel', kernelFunc: ctx.onCpu('MaxPoolWithArgmax') },
  ];
}
