// Styles shared by the ConvNet renderers. Colours and fonts come from VS Code's theme variables, so
// outputs follow light, dark and high-contrast themes; the fallbacks apply outside VS Code.
export const THEME_CSS = /* css */ `
.convnet-output {
  color: var(--vscode-foreground, inherit);
  font-family: var(--vscode-editor-font-family, ui-monospace, monospace);
  font-size: var(--vscode-editor-font-size, 13px);
  line-height: 1.4;
}
.convnet-output [hidden] { display: none !important; }
.convnet-muted { color: var(--vscode-descriptionForeground, inherit); opacity: 0.9; }
.convnet-warn { color: var(--vscode-editorWarning-foreground, #b58900); }
.convnet-error { color: var(--vscode-errorForeground, #d33); white-space: pre-wrap; }
.convnet-output button {
  font: inherit;
  font-family: var(--vscode-font-family, sans-serif);
  color: var(--vscode-button-secondaryForeground, inherit);
  background: var(--vscode-button-secondaryBackground, transparent);
  border: 1px solid var(--vscode-button-border, var(--vscode-panel-border, rgba(128, 128, 128, 0.5)));
  border-radius: 2px;
  padding: 1px 10px;
  cursor: pointer;
}
.convnet-output button:hover { background: var(--vscode-button-secondaryHoverBackground, rgba(128, 128, 128, 0.2)); }
.convnet-output button[aria-pressed="true"] {
  color: var(--vscode-button-foreground, inherit);
  background: var(--vscode-button-background, rgba(128, 128, 128, 0.35));
}
.convnet-output :focus-visible { outline: 1px solid var(--vscode-focusBorder, #0090f1); outline-offset: 1px; }
`;
