// The course library: what notebook cells get from `import ... from 'convnet'`, and what plain Node
// gets from `require('convnet-notebooks/dist/lib.js')`. Topics (face, style, activations, convs)
// join here as they are built.
export { tf, ready, backendInfo } from './tf';
export type { BackendInfo, BackendName } from './tf';
export * as images from './images';
export * as face from './face';
export * as activations from './activations';
export * as convs from './convs';
export * as style from './style';
