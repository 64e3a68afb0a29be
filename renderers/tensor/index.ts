// Entry point of the tensor renderer (application/vnd.convnet.tensor+json); render.ts does the drawing.
import { redrawingRenderer } from '../shared/activate';
import { renderTensor, renderError } from './render';

export const activate = redrawingRenderer('a tensor output', renderTensor, renderError);
