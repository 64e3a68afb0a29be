// The workloads, in the order they run and print. Each module exports:
//   name, describe, variants(options) -> [{ id, workload, cfg, label }], flops(cfg) -> { total, ...parts },
//   setup(tf, cfg, lib) -> { images, info?, step(): Promise<number>, dispose() }.
// step() returns a check value (a loss, or a sum) that the PyTorch peer (bench/torch/workloads.py)
// must reproduce from the same seeded weights and inputs.
import * as style from './style.mjs';
import * as styleResnet from './styleResnet.mjs';
import * as triplet from './triplet.mjs';
import * as sweep from './sweep.mjs';
import * as toppatches from './toppatches.mjs';
import * as face from './face.mjs';
import * as distances from './distances.mjs';
import * as matmul from './matmul.mjs';

export const WORKLOADS = { style, styleResnet, triplet, sweep, toppatches, face, distances, matmul };

/** Sizes: the (full) and the --quick ones (the whole quick run takes under a minute). toppatches runs at
 *  the sweep's sizes, styleResnet at the style sizes (--style-sizes). */
export const SIZES = {
  full: { styleSizes: [128, 256], tripletBatch: 64, tripletSize: 96, sweepSize: 128, sweepImages: 32, sweepBatch: 8, faceBatch: 32, distN: 4096, distD: 128, matmulN: 1024 },
  quick: { styleSizes: [32], tripletBatch: 8, tripletSize: 16, sweepSize: 32, sweepImages: 4, sweepBatch: 2, faceBatch: 4, distN: 512, distD: 128, matmulN: 256 },
};

/** Warm-up and timed steps per workload (timed steps stop early past the time budget, after at least one). */
export const STEPS = {
  full: { warmup: 1, steps: 5, budgetS: 60 },
  quick: { warmup: 1, steps: 2, budgetS: 2 },
};
