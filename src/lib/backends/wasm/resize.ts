// Resize gradients, as the adjoints of the forward kernels.
//  - ResizeNearestNeighborGrad: the stock wasm kernel and tfjs-backend-cpu's both give wrong results
//    (NaN when downscaling: the cpu one offsets dy by the image's batch stride; both ignore
//    halfPixelCenters). The gradient of a nearest-neighbour resize is the adjoint of its selection:
//    dx[source(r), source(c)] += dy[r, c], with source() computed exactly as the stock wasm forward
//    kernel computes it (float32 scale and products), so the pair is consistent.
//  - ResizeBilinearGrad with halfPixelCenters: the stock kernel ignores the flag (so does the cpu
//    one); the adjoint of TF's bilinear weights there. Without the flag the stock kernel is right.
import { withScope } from './scope';
import type { KernelContext, KernelOverride, TensorInfo, WasmKernelFunc } from './types';

/** For each output row (or column), the input row it copies, as tfjs-backend-wasm's forward does. */
export function nearestSources(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const scale = Math.fround(effIn / effOut);
  return Int32Array.from({ length: outSize }, (_, r) => {
    const at = Math.fround(halfPixelCenters ? scale * (r + 0.5) : scale * r);
    let src = Math.min(inSize - 1, alignCorners ? Math.round(at) : Math.floor(at));
    if (halfPixelCenters) src = Math.max(0, src);
    return src;
  });
}

/** For each output row: the two input rows it interpolates and the weight of the second (TF's
 *  definition, as the forward kernels compute it). */
function bilinearTaps(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean) {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const lo = new Int32Array(outSize), hi = new Int32Array(outSize), frac = new Float64Array(outSize);
  for (let r = 0; r < outSize; r++) {
    const at = halfPixelCenters ? ratio * (r + 0.5) - 0.5 : ratio * r;
    lo[r] = Math.max(0, Math.floor(at));
    hi[r] = Math.min(inSize - 1, Math.ceil(at));
    frac[r] = at - Math.floor(at);
  }
  return { lo, hi, frac };
}

export function resizeKernels(ctx: KernelContext): KernelOverride[] {
  const { tf } = ctx;
  const stockBilinearGrad = ctx.original('ResizeBilinearGrad')!;
  const bilinearGrad: WasmKernelFunc = args => {
    const attrs = args.attrs ?? {};
    if (!attrs.halfPixelCenters) return stockBilinearGrad(args);
    return withScope(tf, args.backend, s => {
      const images = args.inputs.images as TensorInfo, dy = args.inputs.dy as TensorInfo;
      const [n, h, w, c] = images.shape;
      const [, oh, ow] = dy.shape;
      const rows = bilinearTaps(h, oh, Boolean(attrs.alignCorners), true);
      const cols = bilinearTaps(w, ow, Boolean(attrs.alignCorners), true);
      const dx = s.alloc(images.shape);
      const g = s.f32(dy), out = s.f32(dx);
      out.fill(0);
      let i = 0;
      for (let b = 0; b < n; b++) {
        for (let r = 0; r < oh; r++) {
          const top = (b * h + rows.lo[r]) * w, bottom = (b * h + rows.hi[r]) * w, fr = rows.frac[r];
          for (let q = 0; q < ow; q++, i += c) {
            const fc = cols.frac[q];
            const tl = (top + cols.lo[q]) * c, tr = (top + cols.hi[q]) * c, bl = (bottom + cols.lo[q]) * c, br = (bottom + cols.hi[q]) * c;
            const wtl = (1 - fr) * (1 - fc), wtr = (1 - fr) * fc, wbl = fr * (1 - fc), wbr = fr * fc;
            for (let k = 0; k < c; k++) {
              const v = g[i + k];
              out[tl + k] += v * wtl;
              out[tr + k] += v * wtr;
              out[bl + k] += v * wbl;
              out[br + k] += v * wbr;
            }
          }
        }
      }
      return dx;
    });
  };
  const nearestGrad: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const images = inputs.images as TensorInfo, dy = inputs.dy as TensorInfo;
    const [n, h, w, c] = images.shape;
    const [, oh, ow] = dy.shape;
    const rows = nearestSources(h, oh, Boolean(attrs.alignCorners), Boolean(attrs.halfPixelCenters));
    const cols = nearestSources(w, ow, Boolean(attrs.alignCorners), Boolean(attrs.halfPixelCenters));
    const dx = s.alloc(images.shape);
    const g = s.f32(dy), out = s.f32(dx);
    out.fill(0);
    let i = 0;
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < oh; r++) {
        const rowBase = (b * h + rows[r]) * w;
        for (let q = 0; q < ow; q++, i += c) {
          const o = (rowBase + cols[q]) * c;
          for (let k = 0; k < c; k++) out[o + k] += g[i + k];
        }
      }
    }
    return dx;
  });
  return [
    { name: 'ResizeBilinearGrad', why: 'stock ignores halfPixelCenters; the adjoint of the bilinear weights there', kernelFunc: bilinearGrad },
    { name: 'ResizeNearestNeighborGrad', why: 'stock (and cpu) give wrong results (NaN when downscaling); the adjoint of the forward selection', kernelFunc: nearestGrad },
  ];
}
