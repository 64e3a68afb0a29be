// MIME types of the custom outputs. Renderers and the kernel both import these constants.
export const TENSOR_MIME = 'application/vnd.convnet.tensor+json';
export const EMBEDDINGS_MIME = 'application/vnd.convnet.embeddings+json';
export const STYLE_PROGRESS_MIME = 'application/vnd.convnet.style-progress+json';
export const PATCHES_MIME = 'application/vnd.convnet.patches+json';

/** Key of the method a value may define to describe its own display: `() => MimeBundle`. */
export const DISPLAY_SYMBOL_KEY = 'convnet.display';
