"""H2O's feature hashing of the one-hot inputs (``max_categorical_features``).

When the one-hot width of the categorical columns exceeds ``max_categorical_features = cM``, H2O's
input layer has ``cM`` hashed slots before the numerics: each active one-hot index ``c`` adds 1.0 to
slot ``|MurmurHash2(c) mod cM|``, where the hash reads ``c`` as four big-endian bytes and is seeded
by the model seed cast to a Java ``int``; colliding levels add up. (H2O's
``Neurons.Input.setInput`` and ``water.util.MurmurHash``, the Hadoop port of MurmurHash2.)
"""

from __future__ import annotations

import numpy as np

_M = np.uint32(0x5BD1E995)


def java_int(seed: int) -> int:
    """Return ``(int) seed`` as Java casts a long: the low 32 bits, signed."""
    low = int(seed) & 0xFFFFFFFF
    return low - (1 << 32) if low >= 1 << 31 else low


def murmur2_int(values: np.ndarray, seed: int) -> np.ndarray:
    """MurmurHash2 of each int32 in ``values`` (as 4 big-endian bytes), as signed int32."""
    with np.errstate(over="ignore"):
        k = np.asarray(values, dtype=np.int64).astype(np.uint32).byteswap()  # little-endian word
        h = np.full(k.shape, np.uint32(java_int(seed) & 0xFFFFFFFF) ^ np.uint32(4), np.uint32)
        k = k * _M
        k ^= k >> np.uint32(24)
        k = k * _M
        h = h * _M
        h ^= k
        h ^= h >> np.uint32(13)
        h = h * _M
        h ^= h >> np.uint32(15)
    return h.astype(np.int32)


def hashed_slots(slots: np.ndarray, width: int, seed: int) -> np.ndarray:
    """Map one-hot input indices (``-1`` for none) to their hashed slot in ``[0, width)``."""
    hashed = np.abs(murmur2_int(slots, seed).astype(np.int64)) % width
    return np.where(slots >= 0, hashed, -1)
