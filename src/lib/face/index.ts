// Face verification and recognition: triplet loss and mining, distances, a face database with the course's
// verify / whoIsIt, a Siamese logistic-regression verifier, and LFW-style evaluation of pairs.
export type { FaceEncoder, EncodeOptions, FaceImages, LabelledPair } from './types';
export { FaceArgumentError } from './types';
export { pairwiseDistances, pairwiseSquaredDistances, rowSquaredDistances } from './distances';
export { tripletLoss, mineTriplets, type TripletLossOptions, type MineOptions, type MiningStrategy, type Triplets } from './triplet';
export { FaceDatabase, UnknownIdentityError, verify, whoIsIt, type FaceDatabaseJson, type MatchOptions } from './database';
export { SiameseClassifier, pairFeatures, type PairFeatureKind, type EmbeddingPairs, type SiameseOptions, type FitResult } from './siamese';
export { evaluatePairs, bestThreshold, rocCurve, type EvaluatePairsOptions, type PairEvaluation, type FoldResult } from './evaluate';

// The pretrained 128-d encoder (dlib's ResNet, weights from @vladmandic/face-api) and face alignment.
export { loadEncoder, PretrainedFaceEncoder, DLIB_MATCH_THRESHOLD, ENCODER_INPUT_SIZE, ENCODER_DIM, faceApiModelDir, readWeightsFromDisk, type LoadEncoderOptions, type RawWeight } from './encoder';
export { loadAligner, NoFaceError, alignChip, fitSimilarity, ALIGN_TEMPLATE, type FaceAligner, type FaceLandmarks, type LoadAlignerOptions, type Point } from './align';
export { smallEncoder, type SmallEncoderOptions, type TrainableFaceEncoder } from './smallEncoder';
export { trainEncoder, type TrainEncoderOptions, type TrainResult, type TrainProgress, type TrainableModel, type TripletDataset } from './train';

// An interactive output of embeddings (renderers/embeddings), with a PNG fallback.
export { embeddingView, EmbeddingView, type EmbeddingViewOptions } from './embeddingView';
