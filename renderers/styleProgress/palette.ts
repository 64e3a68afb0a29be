// How each loss series is drawn. The total uses the theme's foreground (readable in every theme, high
// contrast included); the others come from one categorical palette in two tunings, darker for light
// themes and lighter for dark ones. Per-layer style curves are thinner, so the main ones stay in front.
import { isLayerSeries } from './curves';

const LIGHT = { content: '#1f77b4', style: '#d62728', tv: '#2ca02c', layers: ['#9467bd', '#8c564b', '#d8489f', '#a8a81a', '#119fb0', '#e8710a', '#6f6f6f'] };
const DARK = { content: '#5aa9e6', style: '#ff6b6b', tv: '#5cd65c', layers: ['#b99cf0', '#d2a48f', '#f59ad6', '#dada4a', '#4fd8e8', '#ffa04d', '#b8b8b8'] };

export interface SeriesStyle {
  color: string;
  /** Line width in CSS pixels. */
  width: number;
  /** Canvas line dash (empty: solid); the legend swatch shows the same. */
  dash: number[];
}

/** The look of series `name`; `layerIndex` is its place among the per-layer series. */
export function seriesStyle(name: string, layerIndex: number, dark: boolean, foreground: string): SeriesStyle {
  const colors = dark ? DARK : LIGHT;
  if (isLayerSeries(name)) {
    return { color: colors.layers[layerIndex % colors.layers.length], width: 1, dash: layerIndex >= colors.layers.length ? [4, 2] : [] };
  }
  switch (name) {
    case 'total': return { color: foreground, width: 2.25, dash: [] };
    case 'content': return { color: colors.content, width: 1.75, dash: [] };
    case 'style': return { color: colors.style, width: 1.75, dash: [] };
    default: return { color: colors.tv, width: 1.5, dash: [5, 3] };
  }
}
