"""H2O's random number generator: PCG32 behind ``java.util.Random``'s methods, compiled with numba.

H2O draws every random number of Deep Learning (initial weights, row order, dropout masks) from
``water.util.RandomUtils.PCGRNG``: the PCG32 generator (stream 1) with ``nextInt`` overridden and the
other methods inherited from ``java.util.Random``. Reproducing H2O bit for bit needs the same
streams, so this module ports it. A generator is a ``uint64`` array ``[state, increment]``; the
functions take it and advance it in place, so they can run inside compiled loops.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_MULTIPLIER = np.uint64(6364136223846793005)
_MASK32 = np.uint64(0xFFFFFFFF)
_STREAM_INCREMENT = np.uint64(3)  # (seq << 1) | 1 with seq = 1, as RandomUtils.getRNG uses
_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@nb.njit(**_JIT)
def next_int(g: np.ndarray) -> np.int64:
    """Return the next signed 32-bit output (``nextInt()``)."""
    old = g[0]
    g[0] = old * _MULTIPLIER + g[1]
    x = (((old >> np.uint64(18)) ^ old) >> np.uint64(27)) & _MASK32
    rot = old >> np.uint64(59)
    out = ((x >> rot) | (x << ((np.uint64(32) - rot) & np.uint64(31)))) & _MASK32
    value = np.int64(out)
    return value - np.int64(4294967296) if value >= 2147483648 else value


@nb.njit(**_JIT)
def set_seed(g: np.ndarray, seed: np.int64) -> None:
    """Seed ``g`` as ``PCGRNG.setSeed`` does: state 0, one step, add the seed, one step."""
    g[0] = np.uint64(0)
    g[1] = _STREAM_INCREMENT
    next_int(g)
    g[0] = g[0] + np.uint64(seed)
    next_int(g)


@nb.njit(**_JIT)
def new_generator(seed: np.int64) -> np.ndarray:
    """Return a generator seeded with ``seed`` (``RandomUtils.getRNG(seed)``)."""
    g = np.zeros(2, dtype=np.uint64)
    set_seed(g, seed)
    return g


@nb.njit(**_JIT)
def _next_bits(g: np.ndarray, bits: np.int64) -> np.int64:
    # next(bits): the low bits of nextLong = (nextInt << 32) | (nextInt & 0xffffffff)
    next_int(g)
    low = next_int(g) & np.int64(0xFFFFFFFF)
    return low & ((np.int64(1) << bits) - np.int64(1))


@nb.njit(**_JIT)
def next_float(g: np.ndarray) -> np.float32:
    """Return a float32 in [0, 1) (``nextFloat()``)."""
    return np.float32(_next_bits(g, 24)) / np.float32(16777216.0)


@nb.njit(**_JIT)
def next_double(g: np.ndarray) -> np.float64:
    """Return a float64 in [0, 1) (``nextDouble()``)."""
    high = _next_bits(g, 26)
    low = _next_bits(g, 27)
    return np.float64((high << np.int64(27)) + low) * (1.0 / 9007199254740992.0)


@nb.njit(**_JIT)
def next_int_bounded(g: np.ndarray, bound: np.int64) -> np.int64:
    """Return an int in [0, bound) (``PCGRNG.nextInt(bound)``: unsigned output modulo bound)."""
    return (next_int(g) & np.int64(0xFFFFFFFF)) % bound


@nb.njit(**_JIT)
def next_bytes(g: np.ndarray, out: np.ndarray) -> None:
    """Fill the uint8 array ``out`` (``nextBytes``: each ``nextInt`` gives 4 bytes, low byte first)."""
    i = 0
    n = out.shape[0]
    while i < n:
        rnd = next_int(g)
        for _ in range(min(n - i, 4)):
            out[i] = np.uint8(rnd & 0xFF)
            rnd >>= 8
            i += 1


@nb.njit(**_JIT)
def fill_gaussian(g: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` with ``nextGaussian()`` draws (Java's polar method, pairs cached)."""
    i = 0
    n = out.shape[0]
    while i < n:
        s = 0.0
        v1 = 0.0
        v2 = 0.0
        while s >= 1.0 or s == 0.0:
            v1 = 2.0 * next_double(g) - 1.0
            v2 = 2.0 * next_double(g) - 1.0
            s = v1 * v1 + v2 * v2
        multiplier = np.sqrt(-2.0 * np.log(s) / s)
        out[i] = v1 * multiplier
        i += 1
        if i < n:
            out[i] = v2 * multiplier
            i += 1


@nb.njit(**_JIT)
def dropout_seed(seed: np.int64) -> np.int64:
    """Massage a seed as ``Dropout.setSeed`` does before seeding (avoid long runs of zero bits)."""
    useed = np.uint64(seed)
    if (useed >> np.uint64(32)) < np.uint64(0xFFFF):
        useed |= np.uint64(0x5B93000000000000)
    if ((useed << np.uint64(32)) >> np.uint64(32)) < np.uint64(0xFFFF):
        useed |= np.uint64(0xDB910000)
    return np.int64(useed)


@nb.njit(**_JIT)
def shuffle_indices(g: np.ndarray, n: np.int64) -> np.ndarray:
    """Return a permutation of ``0..n-1`` (``ArrayUtils.shuffleArray`` on the identity)."""
    index = np.arange(n)
    for i in range(n):
        j = i + next_int_bounded(g, n - i)
        index[i], index[j] = index[j], index[i]
    return index


def wrap_int64(value: int) -> int:
    """Wrap a Python integer to a signed 64-bit value, as Java's ``long`` arithmetic does."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value
