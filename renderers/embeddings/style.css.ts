// Styles of the embeddings renderer; colours come from VS Code's theme variables (canvases read the
// same variables in canvas.ts). The data-role attributes, not these classes, are the test hooks.
export const EMBEDDINGS_CSS = /* css */ `
.convnet-embeddings { padding: 2px 0 6px; }
.convnet-embeddings h3 { font-size: 1em; font-weight: 600; margin: 8px 0 4px; }
.convnet-emb-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 1em; margin-bottom: 4px; }
.convnet-emb-title { font-weight: 600; overflow-wrap: anywhere; }
.convnet-emb-columns { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: flex-start; }
.convnet-emb-column { min-width: 0; max-width: 100%; }
.convnet-emb-scatter-column { flex: 0 1 524px; }
.convnet-emb-side { flex: 1 1 260px; max-width: 460px; }
.convnet-emb-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; margin-bottom: 4px; }
.convnet-emb-methods { display: flex; gap: 4px; }
.convnet-embeddings canvas { display: block; max-width: 100%; height: auto; }
.convnet-emb-scatter-wrap { position: relative; display: inline-block; max-width: 100%; line-height: 0; }
canvas.convnet-emb-scatter, canvas.convnet-emb-heatmap, canvas.convnet-emb-roc, canvas.convnet-emb-numberline {
  border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35));
}
canvas.convnet-emb-heatmap { cursor: crosshair; }
canvas.convnet-emb-ramp { margin-top: 2px; }
.convnet-emb-tooltip {
  position: absolute; z-index: 2; pointer-events: none; line-height: 1.4;
  display: flex; gap: 6px; align-items: flex-start; max-width: 260px; padding: 4px 6px;
  color: var(--vscode-editorHoverWidget-foreground, var(--vscode-foreground, inherit));
  background: var(--vscode-editorHoverWidget-background, var(--vscode-editor-background, #fff));
  border: 1px solid var(--vscode-editorHoverWidget-border, rgba(128, 128, 128, 0.5));
  box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
}
.convnet-emb-name { font-weight: 600; overflow-wrap: anywhere; }
.convnet-emb-thumb { flex: none; display: inline-block; object-fit: cover; image-rendering: auto; vertical-align: middle;
  border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35)); box-sizing: border-box; }
.convnet-emb-thumb-missing { text-align: center; font-weight: 600; border-style: dashed; overflow: hidden; }
.convnet-emb-caption { min-height: 1.4em; }
.convnet-emb-legend { display: flex; flex-wrap: wrap; gap: 3px; margin: 4px 0; max-width: 522px; }
.convnet-output button.convnet-emb-legend-item { display: inline-flex; align-items: center; gap: 4px; padding: 0 6px; }
canvas.convnet-emb-swatch { display: inline-block; }
.convnet-emb-scatter-controls { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center; }
.convnet-emb-point-list { max-width: 260px; }
.convnet-emb-neighbours-head { display: flex; gap: 8px; align-items: center; margin-bottom: 4px; }
.convnet-emb-neighbour-list { list-style: none; padding: 0; margin: 0; }
.convnet-emb-neighbour-list li + li { margin-top: 2px; }
.convnet-output button.convnet-emb-neighbour {
  display: grid; grid-template-columns: auto 1fr auto; grid-template-rows: auto auto; column-gap: 8px;
  align-items: center; width: 100%; text-align: left; padding: 2px 6px;
}
.convnet-emb-neighbour .convnet-emb-thumb { grid-row: span 2; }
.convnet-emb-neighbour-text { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.convnet-emb-same { color: var(--vscode-testing-iconPassed, #388a34); }
.convnet-emb-different { color: var(--vscode-errorForeground, #d33); }
.convnet-emb-threshold { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.convnet-emb-threshold input[type="range"] { width: 240px; max-width: 60vw; vertical-align: middle; }
.convnet-emb-threshold-number { width: 7em; font: inherit; color: var(--vscode-input-foreground, inherit);
  background: var(--vscode-input-background, transparent); border: 1px solid var(--vscode-input-border, rgba(128, 128, 128, 0.5)); }
.convnet-emb-verification { margin: 4px 0 6px; max-width: 460px; }
.convnet-emb-readout { min-height: 2.8em; max-width: 322px; overflow-wrap: anywhere; }
.convnet-emb-badges { display: flex; gap: 6px; margin: 2px 0 4px; }
.convnet-emb-badge { border: 1px solid currentColor; border-radius: 2px; padding: 0 5px; }
.convnet-emb-easy { color: var(--vscode-testing-iconPassed, #388a34); }
.convnet-emb-semi-hard { color: var(--vscode-editorWarning-foreground, #bf8803); }
.convnet-emb-hard { color: var(--vscode-errorForeground, #d33); }
.convnet-emb-triplet-list { list-style: none; padding: 0; margin: 4px 0 0; max-height: 360px; overflow-y: auto; }
li.convnet-emb-triplet { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; padding: 2px 4px;
  color: var(--vscode-foreground, inherit); border-left: 3px solid; margin-bottom: 2px; }
li.convnet-emb-triplet.convnet-emb-easy { border-left-color: var(--vscode-testing-iconPassed, #388a34); }
li.convnet-emb-triplet.convnet-emb-semi-hard { border-left-color: var(--vscode-editorWarning-foreground, #bf8803); }
li.convnet-emb-triplet.convnet-emb-hard { border-left-color: var(--vscode-errorForeground, #d33); }
li.convnet-emb-triplet .convnet-emb-badge.convnet-emb-easy { color: var(--vscode-testing-iconPassed, #388a34); }
.convnet-emb-triplet-face { display: inline-flex; align-items: center; gap: 3px; max-width: 200px; overflow: hidden; white-space: nowrap; }
.convnet-emb-triplet-numbers { font-variant-numeric: tabular-nums; }
`;
