// Conv3D and its gradients as 2-D convolutions (stock: Conv3D is a scalar loop, and both
// Conv3DBackpropInputV2 and Conv3DBackpropFilterV2 give wrong results).
// The depth axis is folded into channels: G(x)[n*Do + od, h, w, (kd, c)] = x[n, od*sd + kd*dd - front,
// h, w, c] (zero outside), so conv3d(x, w) = conv2d(G(x), w as [kh, kw, kd*ci, co]) with the height /
// width strides, dilations and padding. The gradients follow: dW = conv2dBackpropFilter(G(x), dy),
// dx = G^T(conv2dBackpropInput(dy, w)) - all on the XNNPACK paths of conv2d.ts; G and G^T are one
// pass each (G copies x kd times, the price of one GEMM-shaped convolution instead of kd of them).
import { conv2dBackpropFilterNHWC, conv2dBackpropInputNHWC, type Pad2D } from './conv2d';
import { KernelScope, withScope } from './scope';
import type { KernelContext, KernelOverride, TensorInfo, WasmKernelFunc } from './types';

type Shape5 = [number, number, number, number, number];
type Info3D = ReturnType<KernelContext['tf']['backend_util']['computeConv3DInfo']>;

/** G(x): [N*Do, H, W, kd*C]. A view of x when there is nothing to gather (kd = 1, sd = 1, no padding). */
function gatherDepth(s: KernelScope, x: TensorInfo, info: Info3D): TensorInfo {
  const { batchSize: n, inDepth: d, inHeight: h, inWidth: w, inChannels: c, outDepth: od, filterDepth: kd, strideDepth: sd, dilationDepth: dd } = info;
  const front = info.padInfo.front;
  if (kd === 1 && sd === 1 && front === 0 && od === d) return s.reshape(x, [n * d, h, w, c]);
  const out = s.alloc([n * od, h, w, kd * c]);
  const xv = s.f32(x), ov = s.f32(out);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < od; o++) {
      const dst = (b * od + o) * plane * kd * c;
      for (let k = 0; k < kd; k++) {
        const z = o * sd + k * dd - front;
        const inside = z >= 0 && z < d;
        const src = (b * d + z) * plane * c;
        for (let p = 0; p < plane; p++) {
          const to = dst + (p * kd + k) * c;
          const from = src + p * c;
          if (inside) for (let q = 0; q < c; q++) ov[to + q] = xv[from + q];
          else for (let q = 0; q < c; q++) ov[to + q] = 0;
        }
      }
    }
  }
  return out;
}

/** G^T(g): the gradient w.r.t. x of sum(g * G(x)), for g [N*Do, H, W, kd*C]. */
function scatterDepth(s: KernelScope, g: TensorInfo, info: Info3D): TensorInfo {
  const { batchSize: n, inDepth: d, inHeight: h, inWidth: w, inChannels: c, outDepth: od, filterDepth: kd, strideDepth: sd, dilationDepth: dd } = info;
  const front = info.padInfo.front;
  if (kd === 1 && sd === 1 && front === 0 && od === d) return s.reshape(g, [n, d, h, w, c]);
  const dx = s.alloc([n, d, h, w, c]);
  const gv = s.f32(g), xv = s.f32(dx);
  xv.fill(0);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < od; o++) {
      const src = (b * od + o) * plane * kd * c;
      for (let k = 0; k < kd; k++) {
        const z = o * sd + k * dd - front;
        if (z < 0 || z >= d) continue;
        const dst = (b * d + z) * plane * c;
        for (let p = 0; p < plane; p++) {
          const from = src + (p * kd + k) * c, to = dst + p * c;
          for (let q = 0; q < c; q++) xv[to + q] += gv[from + q];
        }
      }
    }
  }
  return dx;
}

/** w [kd, kh, kw, ci, co] -> [kh, kw, kd*ci, co]. */
function filterAs2D(s: KernelScope, ctx: KernelContext, filter: TensorInfo): TensorInfo {
  const [kd, kh, kw, ci, co] = filter.shape;
  const t = kd === 1 ? filter : s.run('Transpose', { x: filter }, { perm: [1, 2, 0, 3, 4] });
  return s.reshape(t, [kh, kw, kd * ci, co]);
}

function pads2D(info: Info3D): Pad2D {
  const p = info.padInfo;
  return [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];
}

export function conv3dKernels(ctx: KernelContext): KernelOverride[] {
  const { tf } = ctx;
  const bu = tf.backend_util;
  const ndhwcOnly = (name: string, format: unknown) => {
    if (format === 'NCDHW') throw new Error(`${name}: only NDHWC is supported`);
  };

  const conv3D: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const x = inputs.x as TensorInfo, filter = inputs.filter as TensorInfo;
    ndhwcOnly('Conv3D', attrs.dataFormat);
    const info = bu.computeConv3DInfo(x.shape as Shape5, filter.shape as Shape5, attrs.strides as number, attrs.dilations as number, attrs.pad as 'same');
    const y = s.runFunc(ctx.original('Conv2D'), { x: gatherDepth(s, x, info), filter: filterAs2D(s, ctx, filter) }, {
      strides: [info.strideHeight, info.strideWidth], dilations: [info.dilationHeight, info.dilationWidth], pad: pads2D(info), dataFormat: 'NHWC',
    }, 'Conv2D');
    return s.reshape(y, info.outShape);
  });

  const backpropFilter: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const x = inputs.x as TensorInfo, dy = inputs.dy as TensorInfo;
    const filterShape = attrs.filterShape as Shape5;
    const info = bu.computeConv3DInfo(x.shape as Shape5, filterShape, attrs.strides as number, 1, attrs.pad as 'same');
    const [kd, kh, kw, ci, co] = filterShape;
    const dy2 = s.reshape(dy, [info.batchSize * info.outDepth, info.outHeight, info.outWidth, co]);
    const dw2 = conv2dBackpropFilterNHWC(s, ctx, gatherDepth(s, x, info), dy2, [kh, kw, kd * ci, co],
      [info.strideHeight, info.strideWidth], pads2D(info));
    if (kd === 1) return s.reshape(dw2, filterShape);
    return s.run('Transpose', { x: s.reshape(dw2, [kh, kw, kd, ci, co]) }, { perm: [2, 0, 1, 3, 4] });
  });

  const backpropInput: WasmKernelFunc = ({ inputs, backend, attrs = {} }) => withScope(tf, backend, s => {
    const dy = inputs.dy as TensorInfo, filter = inputs.filter as TensorInfo;
    const inputShape = attrs.inputShape as Shape5;
    const info = bu.computeConv3DInfo(inputShape, filter.shape as Shape5, attrs.strides as number, 1, attrs.pad as 'same');
    const [kd, , , ci, co] = filter.shape;
    const dy2 = s.reshape(dy, [info.batchSize * info.outDepth, info.outHeight, info.outWidth, co]);
    const g = conv2dBackpropInputNHWC(s, ctx, dy2, filterAs2D(s, ctx, filter),
      [info.batchSize * info.outDepth, info.inHeight, info.inWidth, kd * ci], [info.strideHeight, info.strideWidth], pads2D(info));
    return scatterDepth(s, g, info);
  });

  return [
    { name: 'Conv3D', why: 'stock is a scalar loop; depth folded into channels, one XNNPACK conv2d', kernelFunc: conv3D },
    { name: 'Conv3DBackpropFilterV2', why: 'stock gives wrong results; conv2d filter gradient of the depth-folded input', kernelFunc: backpropFilter },
    { name: 'Conv3DBackpropInputV2', why: 'stock gives wrong results; conv2d input gradient, unfolded', kernelFunc: backpropInput },
  ];
}
