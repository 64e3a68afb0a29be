// The weights manifest of TF.js models (model.json's weightsManifest, face-api's *-weights_manifest.json):
// groups of .bin files and the weights laid out in them, in order.

export interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

export interface ManifestGroup { paths: string[]; weights: ManifestWeight[] }
