// Entry point of the patches renderer (application/vnd.convnet.patches+json); render.ts does the drawing.
import { redrawingRenderer } from '../shared/activate';
import { renderPatches, renderError } from './render';

export const activate = redrawingRenderer('a patches output', renderPatches, renderError);
