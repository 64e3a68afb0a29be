// Entry point of the embeddings renderer (application/vnd.convnet.embeddings+json); render.ts does the drawing.
import { redrawingRenderer } from '../shared/activate';
import { renderEmbeddings, renderError } from './render';

export const activate = redrawingRenderer('an embeddings output', renderEmbeddings, renderError);
