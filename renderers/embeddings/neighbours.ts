// The selected face and its nearest neighbours (k = 5): thumbnails, distances, whether each is the
// same identity and whether verification accepts the pair at the current threshold.
import { h } from '../shared/dom';
import { truncateText } from '../shared/escape';
import { formatCompact } from '../shared/format';
import type { Theme } from '../shared/canvas';
import type { Model } from './model';
import { identityStyle } from './palette';
import { thumbnail } from './thumbnail';

const LABEL_CHARS = 40;

export interface NeighboursView {
  element: HTMLElement;
  update(selected: number | undefined, threshold: number): void;
}

export function neighboursView(model: Model, theme: () => Theme, onSelect: (index: number) => void, signal: AbortSignal): NeighboursView {
  const element = h('section', { class: 'convnet-emb-neighbours', 'data-role': 'neighbours', 'aria-label': 'Nearest neighbours', 'aria-live': 'polite' });
  const { payload, names, identities } = model;

  const update = (selected: number | undefined, threshold: number) => {
    if (selected === undefined) {
      element.removeAttribute('data-selected');
      element.replaceChildren(h('div', { class: 'convnet-muted' }, ['Select a face (click a point, use the arrow keys on the plot, or pick from the list) to see its nearest neighbours.']));
      return;
    }
    const dark = theme().dark;
    const point = payload.points[selected];
    const neighbours = model.neighboursOf(selected);
    element.dataset.selected = String(selected);
    element.replaceChildren(
      h('div', { class: 'convnet-emb-neighbours-head' }, [
        thumbnail(point, names[selected], 48, identityStyle(identities.ofPoint[selected], dark).color),
        h('div', {}, [
          h('div', { class: 'convnet-emb-name' }, [truncateText(names[selected], LABEL_CHARS)]),
          h('div', { class: 'convnet-muted' }, [`label: ${truncateText(point.label, LABEL_CHARS)} · #${selected}`]),
        ]),
      ]),
      neighbours.length === 0
        ? h('div', { class: 'convnet-muted' }, ['No other faces.'])
        : h('ol', { class: 'convnet-emb-neighbour-list' }, neighbours.map(({ index, distance }) => {
          const same = identities.ofPoint[index] === identities.ofPoint[selected];
          const accepted = distance < threshold;
          const button = h('button', {
            type: 'button', class: 'convnet-emb-neighbour', 'data-index': index, 'data-same': same, 'data-distance': distance,
            title: `Select ${names[index]}`,
          }, [
            thumbnail(payload.points[index], names[index], 32, identityStyle(identities.ofPoint[index], dark).color),
            h('span', { class: 'convnet-emb-neighbour-text' }, [
              h('span', { class: 'convnet-emb-name' }, [truncateText(names[index], LABEL_CHARS)]),
              h('span', { class: 'convnet-muted' }, [` ${truncateText(payload.points[index].label, LABEL_CHARS)}`]),
            ]),
            h('span', { class: 'convnet-emb-distance' }, [`d = ${formatCompact(distance)}`]),
            h('span', { class: same ? 'convnet-emb-same' : 'convnet-emb-different' }, [same ? '✓ same identity' : '✗ different']),
            h('span', { class: accepted === same ? 'convnet-muted' : 'convnet-warn' }, [accepted ? 'accepted' : 'rejected']),
          ]);
          button.addEventListener('click', () => onSelect(index), { signal });
          return h('li', {}, [button]);
        })),
    );
  };
  return { element, update };
}
