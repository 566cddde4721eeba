"""H2O's ADADELTA weight step, eight lanes at a time in LLVM IR, against a numpy transcription.

numpy applies each float32 or float64 operation element by element with IEEE rounding and no fused
multiply-add, so a transcription of H2O's arithmetic in numpy scalars' types is an independent
oracle. The vector loops must give the same bits for every weight, E[dx^2], E[g^2] and squared
gradient, with and without ``fast_mode``'s mask, on states across float32's whole range (subnormal
accumulators included), and with the last ``n % 8`` weights left to the scalar step.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from tabdl.engines.h2o_adadelta import adadelta_blocks8
from tabdl.engines.online import _adadelta_plain_exact

RHO = np.float32(0.99)
EPS = np.float32(1e-8)


def _h2o_step(w, edx, eg, pa, g, rho, eps, fast):
    """H2O's ADADELTA step on arrays (float32 state, float64 intermediates, approxSqrt)."""
    omr = np.float32(1.0) - rho
    grad = g * pa
    g2 = grad * grad
    new_eg = ((rho * eg).astype(np.float64) + np.float64(omr) * g2).astype(np.float32)
    ratio = (edx + eps) / (new_eg + eps)
    bits = ratio.view(np.int32).astype(np.int64)
    step = (532483686 + (bits >> 1)).astype(np.int32).view(np.float32)
    scaled = ((omr * step) * step).astype(np.float64)
    new_edx = ((rho * edx).astype(np.float64) + scaled * g2).astype(np.float32)
    new_w = (w.astype(np.float64) + step.astype(np.float64) * grad).astype(np.float32)
    keep = (pa != 0.0) | (not fast)
    return (
        np.where(keep, new_w, w),
        np.where(keep, new_edx, edx),
        np.where(keep, new_eg, eg),
        np.where(keep, g2, 0.0),
    )


def _state(rng: np.random.Generator, n: int):
    """Weights, accumulators and inputs over many orders of magnitude, with zeros of both signs."""
    w = (rng.normal(size=n) * 10.0 ** rng.integers(-6, 3, size=n)).astype(np.float32)
    edx = (rng.random(n) * 10.0 ** rng.integers(-46, 2, size=n)).astype(np.float32)
    eg = (rng.random(n) * 10.0 ** rng.integers(-46, 2, size=n)).astype(np.float32)
    edx[rng.random(n) < 0.1] = 0.0
    pa = rng.normal(size=n) * 10.0 ** rng.integers(-8, 4, size=n)
    pa[rng.random(n) < 0.15] = 0.0
    pa[rng.random(n) < 0.05] = -0.0
    return w, edx, eg, pa


@nb.njit(cache=False)
def _plain(n, g, pa, fast, rho, eps, w, g2, edx, eg, steps):
    _adadelta_plain_exact(n, g, pa, fast, rho, eps, w, g2, edx, eg, steps)


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.int32 if a.dtype == np.float32 else np.int64)


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("n", [0, 1, 7, 8, 13, 50, 200, 784])
def test_the_vector_step_is_h2os_step_bit_for_bit(n, fast):
    rng = np.random.default_rng(1000 * n + fast)
    assert (_state(rng, 4096)[1] < np.finfo(np.float32).tiny).any()  # subnormal states occur
    for g in (3.7e-3, -1.25, 2.0e-9):
        w, edx, eg, pa = _state(rng, n)
        expected = _h2o_step(w, edx, eg, pa, g, RHO, EPS, fast)
        g2 = np.full(n, np.nan)
        _plain(n, g, pa, fast, RHO, EPS, w, g2, edx, eg, np.zeros(n, np.float32))
        for got, want in zip((w, edx, eg, g2), expected, strict=True):
            np.testing.assert_array_equal(_bits(got), _bits(want.astype(got.dtype)))


def test_fast_mode_leaves_zero_inputs_alone():
    """With the mask, zero inputs' weights keep their state; without it, the state moves."""
    rng = np.random.default_rng(7)
    state = _state(rng, 64)
    zero = state[3] == 0.0
    assert zero.any() and (~zero).any()
    results = {}
    for fast in (True, False):
        w, edx, eg, pa = (a.copy() for a in state)
        g2 = np.zeros(64)
        _plain(64, 0.5, pa, fast, RHO, EPS, w, g2, edx, eg, np.zeros(64, np.float32))
        results[fast] = eg
    np.testing.assert_array_equal(results[True][zero], state[2][zero])
    assert not np.array_equal(results[False][zero], state[2][zero])
    np.testing.assert_array_equal(results[True][~zero], results[False][~zero])


def test_wrong_arrays_are_refused_at_compile_time():
    @nb.njit(cache=False)
    def call(w):
        z = np.zeros(8, np.float32)
        adadelta_blocks8(w, z, z, np.zeros(8), z, np.zeros(8), 1, 0.5, RHO, EPS)

    with pytest.raises(TypeError, match="weights must be a 1-d float32"):
        call(np.zeros(8))
