// The ROC curve of verification over all pairs (accept when distance < threshold), with the point
// of the current threshold marked.
import { h } from '../shared/dom';
import { prepareCanvas, type Theme } from '../shared/canvas';
import type { RocCurve, Verification } from './math';

const SIDE = 200;
const MARGIN = 26;
/** The curve is drawn through at most this many of its points. */
const MAX_CURVE_POINTS = 2000;

export interface RocView {
  element: HTMLElement;
  setVerification(verification: Verification): void;
  redraw(): void;
}

export function rocView(curve: RocCurve, theme: () => Theme): RocView {
  const defined = Number.isFinite(curve.auc);
  const canvas = h('canvas', {
    class: 'convnet-emb-roc', 'data-role': 'roc', role: 'img', 'data-auc': defined ? String(curve.auc) : 'NaN',
    'aria-label': defined ? `ROC curve, area under the curve ${curve.auc.toFixed(3)}` : 'ROC curve (undefined: needs pairs of the same and of different identities)',
  });
  const caption = h('div', { class: 'convnet-muted' }, [defined
    ? `ROC over all pairs · AUC ${curve.auc.toFixed(3)}`
    : 'No ROC: it needs pairs of the same identity and pairs of different identities']);
  let current: Verification | undefined;

  const draw = () => {
    const colors = theme();
    const context = prepareCanvas(canvas, SIDE, SIDE);
    if (!context) return;
    const plot = SIDE - MARGIN - 6;
    const px = (fpr: number) => MARGIN + fpr * plot;
    const py = (tpr: number) => 6 + (1 - tpr) * plot;
    context.strokeStyle = colors.border;
    context.lineWidth = 1;
    context.strokeRect(px(0), py(1), plot, plot);
    context.setLineDash([3, 3]);
    context.beginPath(); context.moveTo(px(0), py(0)); context.lineTo(px(1), py(1)); context.stroke();
    context.setLineDash([]);
    context.fillStyle = colors.muted;
    context.font = '10px sans-serif';
    context.textBaseline = 'top';
    context.fillText('FPR', px(0.5) - 8, SIDE - 14);
    context.fillText('0', px(0) - 3, SIDE - 14);
    context.fillText('1', px(1) - 3, SIDE - 14);
    context.save();
    context.translate(4, py(0.5) + 8);
    context.rotate(-Math.PI / 2);
    context.fillText('TPR', 0, 0);
    context.restore();
    if (!defined) return;
    const stride = Math.max(1, Math.ceil(curve.fpr.length / MAX_CURVE_POINTS));
    context.strokeStyle = colors.foreground;
    context.lineWidth = 1.5;
    context.beginPath();
    for (let k = 0; k < curve.fpr.length; k += stride) {
      if (k === 0) context.moveTo(px(curve.fpr[k]), py(curve.tpr[k])); else context.lineTo(px(curve.fpr[k]), py(curve.tpr[k]));
    }
    context.lineTo(px(curve.fpr[curve.fpr.length - 1]), py(curve.tpr[curve.tpr.length - 1]));
    context.stroke();
    if (current && Number.isFinite(current.fpr) && Number.isFinite(current.tpr)) {
      context.beginPath();
      context.arc(px(current.fpr), py(current.tpr), 4.5, 0, 2 * Math.PI);
      context.fillStyle = colors.focus;
      context.fill();
      context.strokeStyle = colors.background;
      context.stroke();
    }
  };

  return {
    element: h('div', { class: 'convnet-emb-roc-view' }, [canvas, caption]),
    setVerification(verification) {
      current = verification;
      canvas.dataset.fpr = String(verification.fpr);
      canvas.dataset.tpr = String(verification.tpr);
      draw();
    },
    redraw: draw,
  };
}
