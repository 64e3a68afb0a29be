// Pretrained feature networks for neural style transfer: ResNet-50 (shipped, float16, batch norm folded) and
// VGG-19 (the course's network, weights supplied by the user). See docs/style-nets.md.
export { loadFeatureNet, VGG19_WEIGHTS_HELP, type LoadFeatureNetOptions } from './load';
export {
  ResNet50Features, loadResNet50, RESNET50_ALL_LAYERS, RESNET50_DEFAULT_CONTENT_LAYER, RESNET50_DEFAULT_STYLE_LAYERS,
} from './resnet50';
export {
  Vgg19Features, readKerasVgg19Weights, kerasVgg19Name, VGG19_LAYERS, VGG19_KERNEL_SHAPES,
  VGG19_DEFAULT_CONTENT_LAYER, VGG19_DEFAULT_STYLE_LAYERS, type Vgg19Weights, type Vgg19LayerWeights, type Vgg19Options,
} from './vgg19';
export { float16ToFloat32, float32ToFloat16 } from './float16';
