"""The seeded numbers of bench/workloads/seeded.mjs, bit for bit (numpy uint32 arithmetic wraps modulo 2^32).

Element i of stream `seed` is lowbias32(lowbias32(i) ^ key(seed)); its top 24 bits make u in [0, 1);
the value lo + (hi - lo) * u is computed in float64 and rounded once to float32.
"""
import math

import numpy as np
import torch

U = np.uint32


def lowbias32(x):
    """Wellons' lowbias32 on a uint32 array."""
    x = x ^ (x >> U(16))
    x = x * U(0x7FEB352D)
    x = x ^ (x >> U(15))
    x = x * U(0x846CA68B)
    return x ^ (x >> U(16))


def stream_key(seed):
    return U(lowbias32(np.array([(seed * 0x9E3779B9 + 1) & 0xFFFFFFFF], dtype=np.uint32))[0])


def uniform(n, seed, lo=0.0, hi=1.0):
    """n float32 values, uniform in [lo, hi), from stream `seed`, as a 1-D torch tensor."""
    h = lowbias32(lowbias32(np.arange(n, dtype=np.uint32)) ^ stream_key(seed))
    u = (h >> U(8)).astype(np.float64) / 16777216.0
    return torch.from_numpy((lo + (hi - lo) * u).astype(np.float32))


def he_uniform(n, seed, fan_in):
    """Uniform with the variance of He-normal init: bound sqrt(6 / fan_in)."""
    a = math.sqrt(6 / fan_in)
    return uniform(n, seed, -a, a)
