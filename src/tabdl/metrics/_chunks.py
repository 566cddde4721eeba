"""H2O's chunked map/reduce, for sums and histograms that depend on the order of the rows.

H2O splits a frame into chunks; each chunk accumulates its own partial result row by row, and the
partial results are combined by ``MRTask``'s binary tree: the chunk range ``[lo, hi)`` splits at
``(lo + hi) >>> 1`` and the left result absorbs the right one. Floating-point sums (and the AUC
histogram) depend on that order, so replaying it gives H2O's numbers to the last bit. Without chunk
sizes, all rows form one chunk (a left-to-right sum).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from tabdl.errors import DataError

T = TypeVar("T")


def kept_bounds(keep: np.ndarray, chunk_rows: Sequence[int] | None) -> np.ndarray:
    """Chunk boundaries among the kept rows, from chunk sizes counted over all rows."""
    if chunk_rows is None:
        return np.array([0, int(np.sum(keep))])
    sizes = np.asarray(chunk_rows, dtype=np.int64)
    if sizes.ndim != 1 or (sizes < 0).any() or sizes.sum() != len(keep):
        raise DataError(
            f"chunk_rows must be non-negative chunk sizes adding up to the {len(keep)} rows, "
            f"got {sizes.sum()} rows"
        )
    kept_per_chunk = np.add.reduceat(keep.astype(np.int64), np.cumsum([0, *sizes[:-1]]))
    kept_per_chunk[sizes == 0] = 0
    return np.concatenate(([0], np.cumsum(kept_per_chunk)))


def tree_reduce(parts: list[T], combine: Callable[[T, T], T]) -> T:
    """Combine per-chunk results as ``MRTask`` does (left absorbs right, split at the middle)."""

    def go(lo: int, hi: int) -> T:
        if hi - lo == 1:
            return parts[lo]
        mid = (lo + hi) >> 1
        return combine(go(lo, mid), go(mid, hi))

    return go(0, len(parts))


def h2o_sum(values: np.ndarray, bounds: np.ndarray) -> float:
    """Sum as H2O does: left to right within each chunk, chunks combined by the reduce tree."""
    parts = [
        float(np.cumsum(values[s:e])[-1]) if e > s else 0.0
        for s, e in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    return tree_reduce(parts, operator.add)
