// Seeded numbers that the PyTorch peer (bench/torch/seeded.py) reproduces bit for bit, so both sides start
// from the same weights and inputs and their first losses can be compared.
// Element i of stream `seed` is lowbias32(lowbias32(i) ^ key(seed)) (Wellons' integer hash, a bijection on
// 32 bits); its top 24 bits make a float u in [0, 1) that float32 holds exactly; the value lo + (hi - lo) * u
// is computed in float64 and rounded once to float32.

/** lowbias32 on an unsigned 32-bit integer. */
export function lowbias32(x) {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** The per-stream key: lowbias32(seed * 0x9e3779b9 + 1) modulo 2^32. */
export function streamKey(seed) {
  return lowbias32((Math.imul(seed >>> 0, 0x9e3779b9) + 1) >>> 0);
}

/** n float32 values, uniform in [lo, hi), from stream `seed`. */
export function uniform(n, seed, lo = 0, hi = 1) {
  const key = streamKey(seed);
  const out = new Float32Array(n);
  const span = hi - lo;
  for (let i = 0; i < n; i++) out[i] = lo + span * ((lowbias32(lowbias32(i) ^ key) >>> 8) / 16777216);
  return out;
}

/** Uniform with the variance of He-normal init: bound sqrt(6 / fanIn) (std sqrt(2 / fanIn)). */
export function heUniform(n, seed, fanIn) {
  const a = Math.sqrt(6 / fanIn);
  return uniform(n, seed, -a, a);
}
