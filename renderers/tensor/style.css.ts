// Styles of the tensor renderer; the class names are also what end-to-end tests look for.
export const TENSOR_CSS = /* css */ `
.convnet-tensor { padding: 2px 0 4px; }
.convnet-tensor-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 1em; }
.convnet-tensor-title { font-weight: 600; }
.convnet-tensor-stats { display: flex; flex-wrap: wrap; gap: 0 1.2em; margin: 1px 0 6px; }
.convnet-tensor-stat-name { color: var(--vscode-descriptionForeground, inherit); margin-right: 0.35em; }
.convnet-tensor-toggle { display: flex; gap: 4px; margin: 0 0 6px; }
.convnet-tensor-slice + .convnet-tensor-slice { margin-top: 6px; }
table.convnet-tensor-values { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.convnet-tensor-values caption { text-align: left; padding: 0 0 2px; color: var(--vscode-descriptionForeground, inherit); }
table.convnet-tensor-values th,
table.convnet-tensor-values td {
  border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35));
  padding: 0 6px;
  text-align: right;
  white-space: nowrap;
}
table.convnet-tensor-values th {
  font-weight: normal;
  color: var(--vscode-descriptionForeground, inherit);
  background: var(--vscode-editorWidget-background, rgba(128, 128, 128, 0.08));
}
table.convnet-tensor-values td.convnet-tensor-nonfinite { color: var(--vscode-editorWarning-foreground, #b58900); }
.convnet-tensor-canvas-wrap { position: relative; display: inline-block; max-width: 100%; line-height: 0; }
canvas.convnet-tensor-image {
  image-rendering: pixelated;
  image-rendering: crisp-edges;
  max-width: 100%;
  height: auto;
  border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35));
  cursor: crosshair;
}
.convnet-tensor-cursor {
  position: absolute;
  pointer-events: none;
  box-sizing: border-box;
  border: 1px solid var(--vscode-focusBorder, #0090f1);
  box-shadow: 0 0 0 1px rgba(0, 0, 0, 0.5);
}
.convnet-tensor-pixel { min-height: 1.4em; margin-top: 2px; }
`;
