// Styles of the patches renderer; colours come from VS Code's theme variables. The data-role attributes, not
// these classes, are the test hooks.
export const PATCHES_CSS = /* css */ `
.convnet-patches { padding: 2px 0 6px; }
.convnet-patches h3 { font-size: 1em; font-weight: 600; margin: 8px 0 4px; }
.convnet-patches-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 1em; margin-bottom: 4px; }
.convnet-patches-title { font-weight: 600; overflow-wrap: anywhere; }
.convnet-patches-layers { display: flex; flex-wrap: wrap; gap: 4px; margin: 4px 0; }
.convnet-patches-info { margin-bottom: 4px; }
.convnet-patches-grid { display: flex; flex-direction: column; gap: 2px; max-height: 560px; overflow: auto; }
.convnet-patches-unit {
  display: flex; align-items: center; gap: 4px; padding: 2px 4px; cursor: pointer; border-radius: 2px;
  border: 1px solid transparent;
}
.convnet-patches-unit:hover { background: var(--vscode-list-hoverBackground, rgba(128, 128, 128, 0.12)); }
.convnet-patches-unit[aria-expanded="true"] {
  background: var(--vscode-list-activeSelectionBackground, rgba(128, 128, 128, 0.25));
  color: var(--vscode-list-activeSelectionForeground, inherit);
  border-color: var(--vscode-focusBorder, #0090f1);
}
.convnet-patches-label { flex: none; width: 7.5em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.convnet-patches-cell { display: inline-flex; flex-direction: column; align-items: center; margin: 0; }
.convnet-patches-cell figcaption { font-size: 0.85em; line-height: 1.2; }
.convnet-patches-thumb {
  display: block; width: 40px; height: 40px; object-fit: contain; image-rendering: pixelated;
  border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35)); box-sizing: border-box;
  background: var(--vscode-editor-background, transparent);
}
.convnet-patches-clipped { border: 1px dashed var(--vscode-editorWarning-foreground, #b58900); }
.convnet-patches-detail { margin-top: 8px; padding: 6px 8px; border: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.35)); }
.convnet-patches-cards { display: flex; flex-wrap: wrap; gap: 12px; }
.convnet-patches-card { display: flex; flex-direction: column; gap: 4px; margin: 0; max-width: 140px; }
.convnet-patches-card .convnet-patches-thumb { width: 128px; height: 128px; }
.convnet-patches-source { position: relative; display: inline-block; width: 128px; line-height: 0; }
.convnet-patches-source img { display: block; width: 100%; height: auto; image-rendering: auto; }
.convnet-patches-overlay {
  position: absolute; box-sizing: border-box; pointer-events: none;
  border: 2px solid var(--vscode-charts-red, #e51400); box-shadow: 0 0 0 1px rgba(255, 255, 255, 0.6);
}
.convnet-patches-overlay.convnet-patches-overlay-clipped { border-style: dashed; }
.convnet-patches-note { font-size: 0.85em; line-height: 1.3; overflow-wrap: anywhere; }
`;
