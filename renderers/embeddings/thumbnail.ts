// A face's thumbnail: an <img> whose data: URL is set as an attribute (the base64 was checked in
// payload.ts), or, without a thumbnail, a tile with the label's first character in the identity colour.
import { h } from '../shared/dom';
import type { EmbeddingPoint } from './payload';

export function thumbnail(point: EmbeddingPoint, name: string, size: number, color: string): HTMLElement {
  if (point.thumbnail) {
    return h('img', {
      class: 'convnet-emb-thumb', src: `data:image/png;base64,${point.thumbnail}`, alt: name, width: size, height: size,
    });
  }
  const tile = h('span', { class: 'convnet-emb-thumb convnet-emb-thumb-missing', role: 'img', 'aria-label': `${name} (no thumbnail)` },
    [[...point.label][0] ?? '?']);
  Object.assign(tile.style, { width: `${size}px`, height: `${size}px`, lineHeight: `${size}px`, borderColor: color, color });
  return tile;
}
