"""The hand-vectorised dot product against H2O's ``gemv_row_optimized``, transcribed to Python.

Python's floats are IEEE doubles, so the transcription adds in exactly Java's order; the vector
loop must give the same double for every length (eight-column blocks and the tail), any offsets,
and values whose sums depend on the order (large and small magnitudes, signed zeros).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from tabdl.engines.h2o_dot import h2o_dot_blocks
from tabdl.engines.online import _dot_h2o_order, _dot_h2o_order_dense, _dot_h2o_order_dense4


def _h2o_gemv_row(w: np.ndarray, wstart: int, a: np.ndarray, astart: int, cols: int) -> float:
    """H2O's ``gemv_row_optimized`` for one row, line for line."""
    psum = [0.0] * 8
    extra = cols - cols % 8
    for c in range(0, extra, 8):
        for j in range(8):
            psum[j] += float(w[wstart + c + j]) * float(a[astart + c + j])
    res = 0.0
    res += psum[0] + psum[1] + psum[2] + psum[3]
    res += psum[4] + psum[5] + psum[6] + psum[7]
    for c in range(extra, cols):
        res += float(w[wstart + c]) * float(a[astart + c])
    return res


@nb.njit(cache=False)
def _blocks_only(w, wstart, a, astart, n_blocks):
    return h2o_dot_blocks(w, wstart, a, astart, n_blocks)


def _awkward_values(rng: np.random.Generator, n_w: int, n_a: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights and inputs whose sums change with the order of additions."""
    w = (rng.normal(size=n_w) * 10.0 ** rng.integers(-6, 7, size=n_w)).astype(np.float32)
    a = rng.normal(size=n_a) * 10.0 ** rng.integers(-8, 9, size=n_a)
    a[rng.random(n_a) < 0.2] = -0.0
    w[rng.random(n_w) < 0.1] = np.float32(-0.0)
    return w, a


@pytest.mark.parametrize("cols", [0, 1, 7, 8, 9, 16, 50, 203, 784])
def test_dense_dot_matches_h2o_order_bit_for_bit(cols):
    rng = np.random.default_rng(cols)
    for wstart, astart in ((0, 0), (3, 5), (17, 1)):
        w, a = _awkward_values(rng, cols + wstart + 8, cols + astart + 3)
        expected = _h2o_gemv_row(w, wstart, a, astart, cols)
        got = _dot_h2o_order_dense(w, wstart, a, astart, cols)
        assert np.float64(got).view(np.int64) == np.float64(expected).view(np.int64), (cols, wstart)


@pytest.mark.parametrize("cols", [0, 1, 7, 8, 13, 50, 200, 784])
def test_four_units_at_once_match_h2o_order_bit_for_bit(cols):
    """``h2o_dot_blocks4``: four consecutive units' rows, each summed exactly as H2O sums it."""
    rng = np.random.default_rng(100 + cols)
    for wstart, astart in ((0, 0), (5, 3)):
        w, a = _awkward_values(rng, 4 * cols + wstart + 8, cols + astart + 3)
        got = _dot_h2o_order_dense4(w, wstart, a, astart, cols)
        for u in range(4):
            expected = _h2o_gemv_row(w, wstart + u * cols, a, astart, cols)
            assert np.float64(got[u]).view(np.int64) == np.float64(expected).view(np.int64), (
                cols,
                wstart,
                u,
            )


@pytest.mark.parametrize("cols", [5, 8, 50, 203, 784])
def test_zero_inputs_add_nothing_so_reading_every_column_is_exact(cols):
    """The input layer may read only its non-zero inputs or every column: the same bits."""
    rng = np.random.default_rng(200 + cols)
    for density in (0.05, 0.5, 0.95):
        w, a = _awkward_values(rng, 4 * cols, cols)
        zero = rng.random(cols) >= density
        a[zero] = np.where(rng.random(zero.sum()) < 0.5, 0.0, -0.0)
        idx = np.flatnonzero(a != 0.0).astype(np.int64)
        dense4 = _dot_h2o_order_dense4(w, 0, a, 0, cols)
        for u in range(4):
            gathered = _dot_h2o_order(w, u * cols, a, 0, cols, idx, idx.shape[0], np.zeros(8))
            dense = _dot_h2o_order_dense(w, u * cols, a, 0, cols)
            bits = np.float64(gathered).view(np.int64)
            assert np.float64(dense).view(np.int64) == bits, (cols, density, u)
            assert np.float64(dense4[u]).view(np.int64) == bits, (cols, density, u)


def test_blocks_stop_before_the_tail():
    """``h2o_dot_blocks`` sums whole blocks of eight only; the tail is the caller's."""
    rng = np.random.default_rng(7)
    w, a = _awkward_values(rng, 21, 21)
    expected = _h2o_gemv_row(w, 0, a, 0, 16)  # 16 columns: no tail
    assert _blocks_only(w, 0, a, 0, 2) == expected
    assert _blocks_only(w, 0, a, 0, 0) == 0.0


def test_all_negative_zero_products_sum_to_positive_zero():
    """H2O starts from ``res = 0``: a sum of -0.0 products is +0.0, as in Java."""
    w = np.full(8, np.float32(-0.0))
    a = np.ones(8)
    got = _dot_h2o_order_dense(w, 0, a, 0, 8)
    assert got == 0.0 and not np.signbit(got)


def test_wrong_dtypes_are_refused_at_compile_time():
    with pytest.raises(TypeError, match="float32"):
        _blocks_only(np.zeros(8), 0, np.zeros(8), 0, 1)
