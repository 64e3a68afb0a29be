// The "Image" view: the kernel's PNG drawn on a canvas, scaled up with crisp pixels, and a readout of
// the pixel under the pointer (or the keyboard cursor) with the tensor's values there.
import { h } from '../shared/dom';
import { formatCompact } from '../shared/format';
import { imageGeometry, type TensorImage, type TensorPayload } from './payload';

/** Small images are scaled up by a whole factor until their longer side is at least this many CSS px. */
const MIN_DISPLAY_SIDE = 128;
/** And never drawn larger than this. */
const MAX_CANVAS_SIDE = 2048;

const SCALE_NOTES: Record<TensorImage['scale'], string> = {
  unit: 'values 0..1 shown as 0..255',
  byte: 'values 0..255',
  minmax: 'min..max stretched to 0..255',
};
const CHANNEL_NAMES: Record<number, string[]> = { 1: [], 3: ['R', 'G', 'B'], 4: ['R', 'G', 'B', 'A'] };

export interface ImageView {
  element: HTMLElement;
  /** Resolves once the PNG is drawn (or failed to decode, which the view then says). */
  ready: Promise<void>;
}

export function imageView(payload: TensorPayload, image: TensorImage, signal: AbortSignal): ImageView {
  const tensor = imageGeometry(payload.shape) ?? { height: image.height, width: image.width, channels: image.channels };
  const zoom = Math.max(1, Math.min(Math.ceil(MIN_DISPLAY_SIDE / Math.max(image.width, image.height)),
    Math.floor(MAX_CANVAS_SIDE / Math.max(image.width, image.height))));
  const downsampled = image.width !== tensor.width || image.height !== tensor.height;

  const canvas = h('canvas', {
    class: 'convnet-tensor-image',
    width: image.width * zoom,
    height: image.height * zoom,
    tabindex: 0,
    role: 'img',
    'aria-label': `${tensor.height} by ${tensor.width} image; arrow keys move a cursor that reads pixel values`,
  });
  const cursor = h('div', { class: 'convnet-tensor-cursor', hidden: true });
  const readout = h('div', { class: 'convnet-tensor-pixel', 'aria-live': 'polite' }, ['Hover or focus the image to read pixel values']);
  const notes = [`${tensor.height} × ${tensor.width}`, channelNote(image.channels), SCALE_NOTES[image.scale]];
  if (downsampled) notes.push(`shown at ${image.height} × ${image.width}`);
  const element = h('div', { class: 'convnet-tensor-image-view' }, [
    h('div', { class: 'convnet-tensor-canvas-wrap' }, [canvas, cursor]),
    readout,
    h('div', { class: 'convnet-tensor-image-note convnet-muted' }, [notes.join(' · ')]),
  ]);

  let pixelBytes: Uint8ClampedArray | undefined;
  let position: { x: number; y: number } | undefined;

  const show = (x: number, y: number) => {
    position = { x, y };
    // Map a PNG pixel to the tensor pixel it was sampled from (the kernel's nearest-neighbour rule).
    const row = sourceIndex(y, image.height, tensor.height);
    const col = sourceIndex(x, image.width, tensor.width);
    readout.dataset.row = String(row);
    readout.dataset.col = String(col);
    readout.textContent = `row ${row}, col ${col}: ${pixelText(payload, tensor.width, tensor.channels, row, col,
      pixelBytes, (y * image.width + x) * 4)}`;
    const scale = canvas.clientWidth / image.width || zoom;
    Object.assign(cursor.style, {
      left: `${1 + x * scale}px`, top: `${1 + y * scale}px`,
      width: `${Math.max(scale, 3)}px`, height: `${Math.max(scale, 3)}px`,
    });
    cursor.hidden = false;
  };
  const hide = () => { cursor.hidden = true; };

  canvas.addEventListener('pointermove', event => {
    // The client box excludes the border; positions within it map linearly to PNG pixels.
    const rect = canvas.getBoundingClientRect();
    if (canvas.clientWidth === 0 || canvas.clientHeight === 0) return;
    const left = event.clientX - rect.left - canvas.clientLeft;
    const top = event.clientY - rect.top - canvas.clientTop;
    const x = clamp(Math.floor((left / canvas.clientWidth) * image.width), image.width);
    const y = clamp(Math.floor((top / canvas.clientHeight) * image.height), image.height);
    show(x, y);
  }, { signal });
  canvas.addEventListener('pointerleave', () => { if (document.activeElement !== canvas) hide(); }, { signal });
  canvas.addEventListener('focus', () => show(position?.x ?? 0, position?.y ?? 0), { signal });
  canvas.addEventListener('blur', hide, { signal });
  canvas.addEventListener('keydown', event => {
    const step = event.shiftKey ? 10 : 1;
    const { x, y } = position ?? { x: 0, y: 0 };
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [x - step, y], ArrowRight: [x + step, y], ArrowUp: [x, y - step], ArrowDown: [x, y + step],
      Home: [0, 0], End: [image.width - 1, image.height - 1],
    };
    const target = moves[event.key];
    if (!target) return;
    event.preventDefault();
    show(clamp(target[0], image.width), clamp(target[1], image.height));
  }, { signal });

  const ready = decodePng(image.png).then(bitmap => {
    if (signal.aborted) { bitmap.close(); return; }
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context');
    context.imageSmoothingEnabled = false;
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    // Without values (large tensors) the readout shows the pixel bytes instead.
    if (!payload.values) pixelBytes = readPixels(bitmap);
    bitmap.close();
    if (position && !cursor.hidden) show(position.x, position.y);
  }).catch((error: unknown) => {
    if (signal.aborted) return;
    readout.classList.add('convnet-error');
    readout.textContent = `Could not draw the image: ${error instanceof Error ? error.message : String(error)}`;
  });
  return { element, ready };
}

async function decodePng(base64: string): Promise<ImageBitmap> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // No colour management or premultiplication, so read-back bytes equal the PNG's.
  return createImageBitmap(new Blob([bytes], { type: 'image/png' }), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
}

function readPixels(bitmap: ImageBitmap): Uint8ClampedArray | undefined {
  const scratch = document.createElement('canvas');
  scratch.width = bitmap.width;
  scratch.height = bitmap.height;
  const context = scratch.getContext('2d', { willReadFrequently: true });
  if (!context) return undefined;
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height).data;
}

function pixelText(payload: TensorPayload, width: number, channels: number, row: number, col: number,
  pixelBytes: Uint8ClampedArray | undefined, byteOffset: number): string {
  const names = CHANNEL_NAMES[channels] ?? [];
  if (payload.values) {
    const base = (row * width + col) * channels;
    const parts = Array.from({ length: channels }, (_, c) => formatCompact(payload.values![base + c]));
    return channels === 1 ? parts[0] : parts.map((p, c) => `${names[c] ?? c} ${p}`).join('  ');
  }
  if (pixelBytes) {
    const bytes = Array.from({ length: channels === 1 ? 1 : channels }, (_, c) => pixelBytes[byteOffset + c]);
    return channels === 1 ? `pixel ${bytes[0]}` : `pixel ${bytes.map((b, c) => `${names[c]} ${b}`).join('  ')}`;
  }
  return '…';
}

function channelNote(channels: number): string {
  return channels === 1 ? 'grayscale' : channels === 3 ? 'RGB' : 'RGBA';
}

function sourceIndex(p: number, shown: number, full: number): number {
  return shown === full ? p : Math.min(full - 1, Math.floor(((p + 0.5) * full) / shown));
}

function clamp(v: number, size: number): number {
  return Math.max(0, Math.min(size - 1, v));
}
