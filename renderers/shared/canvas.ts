// Canvas plumbing shared by the views: device-pixel-ratio sizing, pointer positions in CSS pixels,
// and the theme's colours read from VS Code's CSS variables (canvas cannot use var() itself).

/** Sizes `canvas` for `width` x `height` CSS pixels at the screen's resolution; returns a context drawing in CSS pixels. */
export function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | undefined {
  const ratio = Math.max(1, Math.min(4, window.devicePixelRatio || 1));
  const pixelWidth = Math.round(width * ratio), pixelHeight = Math.round(height * ratio);
  if (canvas.width !== pixelWidth) canvas.width = pixelWidth;
  if (canvas.height !== pixelHeight) canvas.height = pixelHeight;
  canvas.style.width = `${width}px`;
  canvas.style.aspectRatio = `${width} / ${height}`;
  const context = canvas.getContext('2d');
  if (!context) return undefined;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return context;
}

/** Position of a pointer event in the canvas's CSS-pixel drawing space (the canvas may be shrunk by max-width). */
export function pointerPosition(canvas: HTMLCanvasElement, event: PointerEvent | MouseEvent, width: number, height: number): { x: number; y: number } {
  const rect = canvas.getBoundingClientRect();
  const x = ((event.clientX - rect.left - canvas.clientLeft) / (canvas.clientWidth || width)) * width;
  const y = ((event.clientY - rect.top - canvas.clientTop) / (canvas.clientHeight || height)) * height;
  return { x, y };
}

export interface Theme {
  dark: boolean;
  foreground: string;
  muted: string;
  background: string;
  border: string;
  focus: string;
  error: string;
  warning: string;
  success: string;
}

/** The theme colours in effect at `element`, with fallbacks for outside VS Code. */
export function readTheme(element: Element): Theme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const body = document.body.classList;
  const background = read('--vscode-editor-background', '');
  const dark = body.contains('vscode-dark') || (body.contains('vscode-high-contrast') && !body.contains('vscode-high-contrast-light'))
    || (!body.contains('vscode-light') && isDarkColor(background));
  return {
    dark,
    foreground: read('--vscode-foreground', dark ? '#cccccc' : '#333333'),
    muted: read('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    background: background || (dark ? '#1e1e1e' : '#ffffff'),
    border: read('--vscode-panel-border', dark ? 'rgba(128, 128, 128, 0.45)' : 'rgba(128, 128, 128, 0.35)'),
    focus: read('--vscode-focusBorder', '#0090f1'),
    error: read('--vscode-errorForeground', dark ? '#f48771' : '#d33'),
    warning: read('--vscode-editorWarning-foreground', dark ? '#cca700' : '#bf8803'),
    success: read('--vscode-testing-iconPassed', dark ? '#73c991' : '#388a34'),
  };
}

function isDarkColor(color: string): boolean {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) return false;
  const value = parseInt(hex[1], 16);
  const luminance = 0.2126 * (value >> 16) + 0.7152 * ((value >> 8) & 255) + 0.0722 * (value & 255);
  return luminance < 128;
}

/** Resolves at the next animation frame, or after a short timeout where frames do not run (a hidden output). */
export function nextFrame(): Promise<void> {
  return new Promise(resolve => {
    let settled = false;
    const done = () => { if (!settled) { settled = true; resolve(); } };
    requestAnimationFrame(done);
    setTimeout(done, 50);
  });
}
