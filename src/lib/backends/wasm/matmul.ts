// Matrix products on XNNPACK's plain path.
//  - BatchMatMul with transposeA/transposeB: the stock transposed paths run at 0.4-2.3 GFLOP/s
//    against ~30 for the plain one (Gram matrices F^T F and every matmul gradient use them): transpose
//    the operand explicitly (a copy, O(n^2) against the O(n^3) product) and take the plain path. A
//    vector operand (a last-two dimension of 1) is transposed by a reshape, without a copy.
//  - Batch shapes that broadcast on both sides ([2,1] against [3]): the stock kernel allocates
//    max(batchA, batchB) matrices for a [2,3] result (too few, a heap overrun); tiled out first.
//  - _FusedMatMul: stock is wrong with a bias when batched or transposed; only the 2-D,
//    untransposed case (which it gets right) keeps the fused kernel, the rest is matmul + bias +
//    activation.
//  - The stock kernels cache XNNPACK's packed right operand by its data id alone. A reshape shares the
//    data id, so the same data seen as [1, 4] and then as [4, 1] (x·xᵀ and its gradient) hits an
//    operator packed for the other shape and aborts the wasm module. A right operand whose data id was
//    already used under another shape is copied first.
import { KernelScope, sizeOf, withScope } from './scope';
import type { KernelContext, KernelOverride, NamedAttrMap, TensorInfo, WasmKernelFunc } from './types';

function swapLast(s: KernelScope, ctx: KernelContext, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const shape = [...t.shape.slice(0, -2), t.shape[r - 1], t.shape[r - 2]];
  if (t.shape[r - 1] === 1 || t.shape[r - 2] === 1) return s.reshape(t, shape);
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return s.run('Transpose', { x: t }, { perm });
}

/** Whether the stock kernel can broadcast these batch shapes: it allocates max(batchA, batchB)
 *  matrices, right only when one side has a single matrix or both have all of them. */
function stockBroadcasts(a: TensorInfo, b: TensorInfo): boolean {
  const na = sizeOf(a.shape.slice(0, -2)), nb = sizeOf(b.shape.slice(0, -2));
  const full = sizeOf(broadcastBatch(a, b));
  return (na === full || na === 1) && (nb === full || nb === 1);
}

function broadcastBatch(a: TensorInfo, b: TensorInfo): number[] {
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = ba[i - rank + ba.length] ?? 1, db = bb[i - rank + bb.length] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`BatchMatMul: batch shapes [${ba}] and [${bb}] do not broadcast`);
    return Math.max(da, db);
  });
}

/** t with its batch axes tiled out to `batch` (for the batch shapes the stock kernel gets wrong). */
function tileBatch(s: KernelScope, t: TensorInfo, batch: number[]): TensorInfo {
  const mat = t.shape.slice(-2);
  const own = [...new Array(batch.length - (t.shape.length - 2)).fill(1), ...t.shape.slice(0, -2)];
  const tiled = s.run('Tile', { x: s.reshape(t, [...own, ...mat]) }, { reps: [...batch.map((d, i) => d / own[i]), 1, 1] });
  return tiled;
}

function batchMatMul(s: KernelScope, ctx: KernelContext, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  let aa = transposeA ? swapLast(s, ctx, a) : a;
  let bb = transposeB ? swapLast(s, ctx, b) : b;
  if (!stockBroadcasts(aa, bb)) {
    const batch = broadcastBatch(aa, bb);
    aa = tileBatch(s, aa, batch);
    bb = tileBatch(s, bb, batch);
  }
  bb = uniquelyShaped(s, bb);
  return s.runFunc(ctx.original('BatchMatMul'), { a: aa, b: bb }, { transposeA: false, transposeB: false }, 'BatchMatMul');
}

/** Shape under which each right operand's data id reached a stock kernel (the kernel's cache key). */
const packedShapes = new WeakMap<object, string>();

/** b, or a copy of it when its data id was already packed under another shape. */
function uniquelyShaped(s: KernelScope, b: TensorInfo): TensorInfo {
  const shape = b.shape.join(',');
  const seen = packedShapes.get(b.dataId);
  if (seen === undefined) packedShapes.set(b.dataId, shape);
  if (seen === undefined || seen === shape) return b;
  const copy = s.alloc([...b.shape], b.dtype);
  s.view(copy).set(s.view(b));
  packedShapes.set(copy.dataId, shape);
  return copy;
}

/** Whether b can go to the stock kernel as it is (see uniquelyShaped). */
function packsAsIs(b: TensorInfo): boolean {
  const seen = packedShapes.get(b.dataId);
  return seen === undefined || seen === b.shape.join(',');
}

const ACTIVATIONS: Record<string, string | null> = {
  linear: null, relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu', prelu: 'Prelu',
};

export function matmulKernels(ctx: KernelContext): KernelOverride[] {
  const { tf } = ctx;
  const stockMatMul = ctx.original('BatchMatMul')!;
  const stockFused = ctx.original('_FusedMatMul')!;

  const matMul: WasmKernelFunc = args => {
    const attrs = args.attrs ?? {};
    const b = args.inputs.b as TensorInfo;
    if (!attrs.transposeA && !attrs.transposeB && stockBroadcasts(args.inputs.a as TensorInfo, b) && packsAsIs(b)) {
      packedShapes.set(b.dataId, b.shape.join(','));
      return stockMatMul(args);
    }
    return withScope(tf, args.backend, s =>
      batchMatMul(s, ctx, args.inputs.a as TensorInfo, args.inputs.b as TensorInfo, Boolean(attrs.transposeA), Boolean(attrs.transposeB)));
  };

  const fusedMatMul: WasmKernelFunc = args => {
    const attrs: NamedAttrMap = args.attrs ?? {};
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const batch = sizeOf(a!.shape.slice(0, -2)) * sizeOf(b!.shape.slice(0, -2));
    if (batch === 1 && !attrs.transposeA && !attrs.transposeB && packsAsIs(b!)) {
      packedShapes.set(b!.dataId, b!.shape.join(','));
      return stockFused(args);
    }
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    if (!(activation in ACTIVATIONS)) throw new Error(`_FusedMatMul: unknown activation '${activation}'`);
    return withScope(tf, args.backend, s => {
      let y = batchMatMul(s, ctx, a!, b!, Boolean(attrs.transposeA), Boolean(attrs.transposeB));
      if (bias) y = s.run('Add', { a: y, b: bias });
      const kernel = ACTIVATIONS[activation];
      if (kernel === 'Prelu') y = s.run(kernel, { x: y, alpha: preluActivationWeights });
      else if (kernel === 'LeakyRelu') y = s.run(kernel, { x: y }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
      else if (kernel) y = s.run(kernel, { x: y });
      return y;
    });
  };

  return [
    { name: 'BatchMatMul', why: 'transposed stock paths are 10-70x slower than the plain one; explicit transpose + plain XNNPACK path', kernelFunc: matMul },
    { name: '_FusedMatMul', why: 'stock is wrong with a bias when batched or transposed; matmul + bias + activation there', kernelFunc: fusedMatMul },
  ];
}
