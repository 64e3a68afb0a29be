// Pure helpers of the patches renderer (no DOM): where a patch's field sits on its source image, and the text
// that describes a patch, a unit and a layer.
import { formatCompact } from '../shared/format';
import type { PatchBox, PatchEntry, PatchLayer, PatchSourceImage } from './payload';

/** A box in percent of the image's height and width, clipped to the image (for an overlay on its thumbnail). */
export interface PercentBox { top: number; left: number; height: number; width: number }

/** The part of `box` inside an image of `height` x `width`, in percent; undefined when none of it is inside. */
export function overlayBox(box: PatchBox, height: number, width: number): PercentBox | undefined {
  const [top, left, h, w] = box;
  const t0 = Math.max(0, top), l0 = Math.max(0, left);
  const t1 = Math.min(height, top + h), l1 = Math.min(width, left + w);
  if (t1 <= t0 || l1 <= l0) return undefined;
  const pct = (v: number, of: number) => Math.round((v / of) * 10000) / 100;
  return { top: pct(t0, height), left: pct(l0, width), height: pct(t1 - t0, height), width: pct(l1 - l0, width) };
}

/** "3.21 · image #5 at (2, 7)" plus the border note: the tooltip of a patch. */
export function describePatch(patch: PatchEntry): string {
  const [top, left, h, w] = patch.box;
  return `activation ${formatCompact(patch.value)} · image #${patch.image} · unit at (${patch.position[0]}, ${patch.position[1]})`
    + ` · field rows ${top}..${top + h - 1}, columns ${left}..${left + w - 1}${patch.clipped ? ' · clipped at the image border' : ''}`;
}

/** "field 44 x 44 px, stride 8, 16 x 16 x 256 feature map". */
export function describeLayer(layer: PatchLayer): string {
  const [fh, fw] = layer.receptiveField.size, [sh, sw] = layer.receptiveField.stride;
  const [h, w, c] = layer.featureShape;
  return `receptive field ${fh} x ${fw} px, stride ${sh === sw ? sh : `${sh} x ${sw}`}, feature map ${h} x ${w} x ${c}`;
}

/** The strongest activation of a unit, for its row label; undefined without patches. */
export function strongest(patches: readonly PatchEntry[]): number | undefined {
  return patches.length ? Math.max(...patches.map(p => p.value)) : undefined;
}

/** The source image of a patch, when the payload carries it. */
export function sourceOf(images: Record<string, PatchSourceImage> | undefined, patch: PatchEntry): PatchSourceImage | undefined {
  return images?.[String(patch.image)];
}
