// The application/vnd.convnet.patches+json payload: written by `activations.patchesView` (src/lib/activations/),
// drawn by renderers/patches. Type-only, so the renderer bundle imports nothing from the library.
//
// Zeiler & Fergus's view of what units respond to: per layer, per unit, the input patches that excited it most.

/** A box in input pixels: [top, left, height, width] (rows top..top+height-1). */
export type PatchBox = [top: number, left: number, height: number, width: number];

export interface PatchEntry {
  /** The activation. */
  value: number;
  /** Index of the source image in the stream (a key of `images` when its thumbnail was sent). */
  image: number;
  /** Position [y, x] of the unit in the feature map. */
  position: [number, number];
  /** The receptive field in input pixels; may reach past the image border. */
  box: PatchBox;
  /** True when the field reached past the border: the thumbnail marks the outside part with a hatch. */
  clipped: boolean;
  /** Base64 PNG (no data: prefix) of the whole field, outside pixels hatched; at most `thumbnailSide` a side. */
  thumbnail: string;
}

export interface PatchUnit {
  /** Channel index in the layer. */
  unit: number;
  /** Strongest first. */
  patches: PatchEntry[];
}

export interface PatchLayer {
  name: string;
  /** Receptive field per spatial axis [h, w]. */
  receptiveField: { size: [number, number]; stride: [number, number]; offset: [number, number] };
  /** [h, w, channels] of the feature map. */
  featureShape: [number, number, number];
  units: PatchUnit[];
}

/** A small copy of a source image, to show where its patches sit. */
export interface PatchSourceImage {
  /** Size of the original image in pixels (boxes are in these coordinates). */
  height: number;
  width: number;
  /** Base64 PNG (no data: prefix), downscaled. */
  thumbnail: string;
}

export interface PatchesPayload {
  version: 1;
  title?: string;
  /** Images seen. */
  imageCount: number;
  /** Patches per unit asked for. */
  k: number;
  onePerImage: boolean;
  layers: PatchLayer[];
  /** Source images by stream index (as a string key). */
  images?: Record<string, PatchSourceImage>;
}
