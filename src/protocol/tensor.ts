// The application/vnd.convnet.tensor+json payload: written by src/kernel/formatters.ts, drawn by
// renderers/tensor. Type-only, so the renderer bundle imports nothing from the kernel.


/** Statistics over the finite values, in float64; NaN and ±Infinity are only counted.
 *  `min`..`std` are null when there is no finite value. `std` is the population standard deviation. */
export interface TensorStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan: number;
  inf: number;
}

/** How values were mapped to 0..255: 'unit' v*255 for [0,1], 'byte' v for [0,255] (both with 0.1% slack
 *  for float rounding), 'minmax' (v-min)/(max-min)*255 otherwise. Rounded half up, clamped;
 *  NaN -> 0, +Inf -> 255, -Inf -> 0. */
export type ImageScale = 'unit' | 'byte' | 'minmax';

export interface TensorImage {
  /** Size of the PNG; smaller than the tensor's h, w when it was downsampled. */
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** Base64 PNG (gray, RGB or RGBA, 8 bits). */
  png: string;
  scale: ImageScale;
}

export interface TensorPayload {
  shape: number[];
  dtype: string;
  size: number;
  /** Absent for string and complex64 tensors. */
  stats?: TensorStats;
  /** Flat, row-major; absent when `truncated` (and for complex64). Numbers are JSON-safe: NaN and
   *  ±Infinity are the strings 'NaN', 'Infinity', '-Infinity'; float32 values are written with the fewest
   *  digits that read back as the same float32. */
  values?: Array<number | string>;
  /** True when size > MAX_TENSOR_VALUES and `values` was left out. */
  truncated: boolean;
  image?: TensorImage;
}
