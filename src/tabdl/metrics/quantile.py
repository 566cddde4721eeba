"""H2O's (weighted) quantiles, as ``hex.quantile.Quantile`` computes them.

H2O finds a quantile with histograms of 1024 bins: a first pass over ``[min, max]``, then refinement
passes over the bin range that holds the wanted row, until the rows on either side of the fractional
row number ``prob * (W - 1)`` are known exactly (``W`` is the sum of the weights). It then
interpolates linearly between them (combine method ``INTERPOLATE``). Weighted row positions are
accumulated with truncation to whole rows (``long`` arithmetic), so with fractional weights the result
is not the textbook weighted quantile; this module reproduces H2O's passes to get the same numbers.

Used for the Gains/Lift group thresholds (``hex.GainsLift``) and for the Huber delta of the
regression metrics (``MathUtils.computeWeightedQuantile``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numba
import numpy as np

from tabdl.metrics._chunks import tree_reduce

#: Bins per histogram pass (``Quantile.Histo.NBINS``).
NBINS = 1024
#: Safety cap on refinement passes; H2O needs a handful.
_MAX_PASSES = 200
_BIG = np.finfo(np.float64).max


@numba.njit(cache=True)
def _whole_cumsum(start: float, bins: np.ndarray) -> np.ndarray:
    """H2O's running row count ``sum = (long)(sum + bins[i])``: truncated after every addition."""
    out = np.empty(bins.shape[0])
    s = start
    for i in range(bins.shape[0]):
        s = float(np.trunc(s + bins[i]))
        out[i] = s
    return out


def _pairs(bounds: np.ndarray) -> list[tuple[int, int]]:
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _bin_weights(idx: np.ndarray, ok: np.ndarray, w: np.ndarray, nbins: int) -> np.ndarray:
    """One chunk's weight per bin, added in row order."""
    return np.bincount(idx[ok].astype(np.int64), weights=w[ok], minlength=nbins)


class _Histo:
    """One histogram pass (``Quantile.Histo``) over the rows in ``[lb, ub]``."""

    def __init__(
        self, lb: float, ub: float, start_row: float, nrows: float, is_int: bool, v, w, bounds
    ) -> None:
        is_int_bins = is_int and (ub - lb < NBINS)
        self.nbins = int(ub - lb + 1) if is_int_bins else NBINS
        self.lb = lb
        ulp = math.ulp(max(abs(lb), abs(ub)))
        self.step = 1.0 if is_int_bins else (ub + ulp - lb) / self.nbins
        self.start_row = start_row
        self.nrows = nrows
        self.is_int = is_int
        with np.errstate(invalid="ignore", divide="ignore"):
            idx = (v - lb) / self.step
        ok = (idx >= 0.0) & (idx < self.nbins) & (w != 0)
        self.bins = tree_reduce(
            [_bin_weights(idx[s:e], ok[s:e], w[s:e], self.nbins) for s, e in _pairs(bounds)],
            operator.add,
        )
        i = idx[ok].astype(np.int64)
        self.mins = np.full(self.nbins, _BIG)
        self.maxs = np.full(self.nbins, -_BIG)
        np.minimum.at(self.mins, i, v[ok])
        np.maximum.at(self.maxs, i, v[ok])
        self.cum = _whole_cumsum(float(math.trunc(start_row)), self.bins)

    def bin_edge(self, idx: int) -> float:
        return self.lb + self.step * idx

    def find_bin(self, row: float) -> int:
        """First bin whose cumulative (whole) row count exceeds ``row``; ``nbins`` if none."""
        return int(np.searchsorted(self.cum, math.trunc(row), side="right"))

    def find_quantile(self, prob: float) -> float:
        """Return the quantile, or NaN when another (finer) pass is needed."""
        p2 = prob * (self.nrows - 1)
        r2 = math.trunc(p2)
        lo_idx = self.find_bin(r2)
        lo = self.bin_edge(self.nbins) if lo_idx == self.nbins else self.maxs[lo_idx]
        if lo_idx < self.nbins and r2 == p2 and self.mins[lo_idx] == lo:
            return float(lo)
        hi_idx = self.find_bin(r2 + 1)
        hi = self.bin_edge(self.nbins) if hi_idx == self.nbins else self.mins[hi_idx]
        if lo_idx == hi_idx:
            return float(lo) if lo == hi else math.nan
        return _interpolate(float(lo), float(hi), float(r2), self.nrows, prob)

    def refine(self, prob: float, v, w, bounds) -> _Histo:
        """Return the next pass, over the range that holds the wanted rows."""
        prow = prob * (self.nrows - 1)
        lorow = math.trunc(prow)
        lo_idx = self.find_bin(lorow)
        lo = self.mins[lo_idx]
        hi_idx = self.find_bin(lorow if lorow == prow else lorow + 1)
        hi = self.bin_edge(self.nbins) if hi_idx == self.nbins else self.maxs[hi_idx]
        start = float(math.trunc(self.start_row)) if lo_idx == 0 else float(self.cum[lo_idx - 1])
        return _Histo(float(lo), float(hi), start, self.nrows, self.is_int, v, w, bounds)


def _interpolate(lo: float, hi: float, row: float, nrows: float, prob: float) -> float:
    """``Quantile.computeQuantile`` with the INTERPOLATE combine method."""
    if lo == hi:
        return lo
    plo = (row + 0) / (nrows - 1)
    phi = (row + 1) / (nrows - 1)
    return lo + (hi - lo) * (prob - plo) / (phi - plo)


def h2o_quantiles(
    values: np.ndarray,
    probs: Sequence[float],
    weights: np.ndarray | None = None,
    bounds: np.ndarray | None = None,
) -> np.ndarray:
    """Return H2O's quantiles of ``values`` for each probability in ``probs``.

    Parameters
    ----------
    values : ndarray
        The column; NaN values are ignored.
    probs : sequence of float
        Probabilities in ``[0, 1]``.
    weights : ndarray, optional
        Observation weights; rows of weight 0 are ignored.
    bounds : ndarray, optional
        Chunk boundaries of the rows (see :mod:`tabdl.metrics._chunks`): sums of fractional weights
        are added chunk by chunk as H2O adds them. None: one chunk.

    Returns
    -------
    ndarray
        One quantile per probability (NaN when there is no row).

    """
    v = np.asarray(values, dtype=np.float64)
    present = ~np.isnan(v)
    if not present.any():
        return np.full(len(probs), np.nan)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64)
    if bounds is None:
        bounds = np.array([0, len(v)])
    w_present = np.where(present, w, 0.0)
    total = tree_reduce(
        [float(np.cumsum(w_present[s:e])[-1]) if e > s else 0.0 for s, e in _pairs(bounds)],
        operator.add,
    )
    vp = v[present]
    is_int = bool(np.all(vp == np.floor(vp)))
    first = _Histo(float(vp.min()), float(vp.max()), 0.0, total, is_int, v, w, bounds)
    out = np.empty(len(probs))
    for k, prob in enumerate(probs):
        h = first
        q = h.find_quantile(prob)
        passes = 0
        while math.isnan(q) and passes < _MAX_PASSES:
            h = h.refine(prob, v, w, bounds)
            q = h.find_quantile(prob)
            passes += 1
        out[k] = q
    return out
