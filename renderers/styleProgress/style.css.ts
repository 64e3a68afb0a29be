// Styles of the style-transfer progress renderer; colours come from VS Code's theme variables (the chart
// canvas reads the same variables in ../embeddings/canvas.ts). The data-role attributes, not these classes,
// are the test hooks.
export const STYLE_PROGRESS_CSS = /* css */ `
.convnet-style-progress { padding: 2px 0 6px; max-width: 640px; }
.convnet-sp-header { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 12px; }
.convnet-sp-badge { border: 1px solid currentColor; border-radius: 2px; padding: 0 6px; font-weight: 600; }
.convnet-sp-running { color: var(--vscode-progressBar-background, #0e70c0); }
.convnet-sp-done { color: var(--vscode-testing-iconPassed, #388a34); }
.convnet-sp-interrupted { color: var(--vscode-editorWarning-foreground, #bf8803); }
.convnet-sp-error { color: var(--vscode-errorForeground, #d33); }
.convnet-sp-iteration { font-variant-numeric: tabular-nums; }
.convnet-sp-bar { flex: 1 1 120px; max-width: 220px; height: 6px; border-radius: 3px; overflow: hidden;
  background: var(--vscode-editorWidget-background, rgba(128, 128, 128, 0.2));
  border: 1px solid var(--vscode-contrastBorder, transparent); }
.convnet-sp-bar-fill { height: 100%; width: 0; background: var(--vscode-progressBar-background, #0e70c0); transition: width 0.2s linear; }
.convnet-sp-speed { font-variant-numeric: tabular-nums; }
.convnet-sp-message { flex-basis: 100%; white-space: pre-wrap; overflow-wrap: anywhere; }
.convnet-sp-settings { display: flex; flex-wrap: wrap; gap: 0 12px; margin: 2px 0 4px; font-size: 0.92em; }
.convnet-sp-setting { overflow-wrap: anywhere; }
.convnet-sp-setting-label { opacity: 0.85; }
.convnet-sp-images { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 8px 14px; margin: 6px 0; }
.convnet-sp-figure { margin: 0; display: flex; flex-direction: column; align-items: flex-start; gap: 2px; max-width: 100%; }
.convnet-sp-figure img { display: block; max-width: 100%; height: auto;
  border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35)); }
.convnet-sp-figure figcaption { color: var(--vscode-descriptionForeground, inherit); font-size: 0.92em; }
.convnet-sp-placeholder { width: 128px; height: 96px; display: flex; align-items: center; justify-content: center;
  border: 1px dashed var(--vscode-panel-border, rgba(128, 128, 128, 0.5)); }
.convnet-sp-scrubber { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; margin: 4px 0 8px; }
.convnet-sp-scrubber input[type="range"] { width: 260px; max-width: 60vw; vertical-align: middle; }
.convnet-sp-scrubber-caption { font-variant-numeric: tabular-nums; }
.convnet-sp-chart-title { font-weight: 600; margin: 6px 0 2px; }
.convnet-sp-legend { display: flex; flex-wrap: wrap; gap: 3px; margin: 2px 0 4px; }
.convnet-output button.convnet-sp-legend-item { display: inline-flex; align-items: center; gap: 5px; padding: 0 6px; }
.convnet-output button.convnet-sp-legend-item[aria-pressed="false"] { opacity: 0.6; text-decoration: line-through; }
.convnet-sp-swatch { display: inline-block; width: 18px; height: 0; border-top: 2px solid currentColor; }
canvas.convnet-sp-chart { display: block; max-width: 100%; height: auto; cursor: crosshair; touch-action: pan-y;
  border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35)); }
.convnet-sp-readout { min-height: 2.8em; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.convnet-sp-readout-iteration { font-weight: 600; }
.convnet-sp-note { font-size: 0.92em; }
`;
