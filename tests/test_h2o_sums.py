"""The eight-lane sequential sums against Python's left-to-right sums.

Python's floats are IEEE doubles and ``sum`` over a list in a loop adds left to right, which is
H2O's order for a unit's sum of squared gradients. Values of very different magnitudes make any
other order (pairwise, blocked, reassociated) give different bits.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from tabdl.engines.h2o_sums import sequential_sums8


@nb.njit(cache=False)
def _sums(values, width):
    return sequential_sums8(values, width)


def _left_to_right(row: np.ndarray) -> float:
    total = 0.0
    for v in row:
        total += float(v)
    return total


def _awkward_squares(rng: np.random.Generator, n: int) -> np.ndarray:
    """Non-negative values (squared gradients) spread over many orders of magnitude, some zero."""
    values = rng.random(n) * 10.0 ** rng.integers(-12, 13, size=n)
    values[rng.random(n) < 0.2] = 0.0
    return values


@pytest.mark.parametrize("width", [0, 1, 7, 8, 9, 15, 16, 50, 200, 784])
def test_each_lane_is_its_rows_left_to_right_sum(width):
    rng = np.random.default_rng(width)
    values = _awkward_squares(rng, 8 * width + 5)  # room after the rows: nothing reads it
    got = _sums(values, width)
    for j in range(8):
        expected = _left_to_right(values[j * width : (j + 1) * width])
        assert np.float64(got[j]).view(np.int64) == np.float64(expected).view(np.int64), (width, j)


def test_the_order_matters_for_these_values():
    """The test data can tell left-to-right from another order (here: pairwise, numpy's)."""
    rng = np.random.default_rng(3)
    row = _awkward_squares(rng, 784)
    assert _left_to_right(row) != np.sum(row)  # numpy sums pairwise


def test_an_empty_row_sums_to_positive_zero():
    got = _sums(np.zeros(8), 0)
    assert got == (0.0,) * 8 and not any(np.signbit(got))


def test_wrong_arrays_are_refused_at_compile_time():
    with pytest.raises(TypeError, match="float64"):
        _sums(np.zeros(8, np.float32), 1)
    with pytest.raises(TypeError, match="1-d"):
        _sums(np.zeros((8, 1)), 1)
