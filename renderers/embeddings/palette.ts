// Identity colours and marker shapes. Two tunings of one categorical palette (d3 category10 order):
// darker for light themes, lighter for dark ones. Past ten identities the colours repeat with a new shape.

const LIGHT = ['#1f77b4', '#e8710a', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#d8489f', '#6f6f6f', '#a8a81a', '#119fb0'];
const DARK = ['#5aa9e6', '#ffa04d', '#5cd65c', '#ff6b6b', '#b99cf0', '#d2a48f', '#f59ad6', '#b8b8b8', '#dada4a', '#4fd8e8'];

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'plus' | 'cross';
export const MARKER_SHAPES: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'plus', 'cross'];

export interface IdentityStyle { color: string; shape: MarkerShape }

export function identityStyle(identity: number, dark: boolean): IdentityStyle {
  const colors = dark ? DARK : LIGHT;
  return {
    color: colors[identity % colors.length],
    shape: MARKER_SHAPES[Math.floor(identity / colors.length) % MARKER_SHAPES.length],
  };
}

/** Draws a marker of half-size `r` centred at (x, y): filled, with a thin outline in `outline` so overlaps stay apart. */
export function drawMarker(context: CanvasRenderingContext2D, shape: MarkerShape, x: number, y: number, r: number,
  fill: string, outline: string): void {
  context.beginPath();
  switch (shape) {
    case 'circle': context.arc(x, y, r, 0, 2 * Math.PI); break;
    case 'square': context.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7); break;
    case 'triangle': context.moveTo(x, y - r * 1.1); context.lineTo(x + r, y + r * 0.8); context.lineTo(x - r, y + r * 0.8); context.closePath(); break;
    case 'diamond': context.moveTo(x, y - r * 1.2); context.lineTo(x + r, y); context.lineTo(x, y + r * 1.2); context.lineTo(x - r, y); context.closePath(); break;
    case 'plus':
    case 'cross': {
      // A thick plus/cross as one polygon, so it fills and outlines like the others.
      const w = r * 0.4;
      const arms: Array<[number, number]> = [[-w, -r], [w, -r], [w, -w], [r, -w], [r, w], [w, w], [w, r], [-w, r], [-w, w], [-r, w], [-r, -w], [-w, -w]];
      const angle = shape === 'cross' ? Math.PI / 4 : 0;
      const c = Math.cos(angle), s = Math.sin(angle);
      arms.forEach(([dx, dy], i) => {
        const px = x + dx * c - dy * s, py = y + dx * s + dy * c;
        if (i === 0) context.moveTo(px, py); else context.lineTo(px, py);
      });
      context.closePath();
      break;
    }
  }
  context.fillStyle = fill;
  context.fill();
  context.lineWidth = 1;
  context.strokeStyle = outline;
  context.stroke();
}

/** Viridis, sampled: the heatmap's colour ramp (perceptually even, readable in either theme). */
const VIRIDIS: ReadonlyArray<[number, number, number]> = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];

const RAMP_STEPS = 256;
/** The ramp as RGB bytes at RAMP_STEPS even steps, computed once. */
const RAMP_TABLE = (() => {
  const table = new Uint8Array(RAMP_STEPS * 3);
  for (let s = 0; s < RAMP_STEPS; s++) {
    const x = (s / (RAMP_STEPS - 1)) * (VIRIDIS.length - 1);
    const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
    const f = x - i;
    for (let c = 0; c < 3; c++) table[s * 3 + c] = Math.round(VIRIDIS[i][c] + (VIRIDIS[i + 1][c] - VIRIDIS[i][c]) * f);
  }
  return table;
})();

/** Colour of `t` in [0, 1] on the ramp, as RGB bytes (NaN as 0). */
export function ramp(t: number): [number, number, number] {
  const s = Math.round(Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP_STEPS - 1)) * 3;
  return [RAMP_TABLE[s], RAMP_TABLE[s + 1], RAMP_TABLE[s + 2]];
}
