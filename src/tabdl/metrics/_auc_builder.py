"""H2O's online AUC histogram (``hex.AUC2.AUCBuilder``), compiled with numba.

H2O never sorts the predictions to build a ROC curve. Each chunk of rows feeds an online histogram of
at most ``nbins`` (400) bins; a bin holds a centre (a threshold), the weighted counts of positives and
negatives that fell in it, and the squared error of its members around the centre:

* a prediction equal to an existing centre is counted in that bin;
* otherwise it becomes a bin of its own; when that makes one bin too many, the two neighbouring bins
  whose merge adds the least squared error are merged (counts added, centre = weighted mean). Centres
  closer than float precision count as duplicates and merge at no cost;
* when the histogram is full, a new prediction that would add less error to a neighbour than the
  cheapest merge is folded straight into that neighbour (the "fast path");
* partial histograms of different chunks are merged by a merge sort, then bins are merged until at
  most ``nbins`` remain and no duplicates are left.

With at most ``nbins`` distinct predictions nothing is ever merged and the histogram is exact. With
more, the result depends on the row order and on how rows are split into chunks, so this module
replays H2O's row-by-row algorithm, and :func:`histogram` replays the chunk split and the binary
reduce tree of H2O's ``MRTask`` when given the chunk sizes.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from tabdl.metrics._chunks import tree_reduce

#: Default number of bins (``AUC2.NBINS``).
NBINS = 400


@numba.njit(cache=True)
def _delta_error(ths1, n1, ths0, n0):
    """Squared-error increase of merging two bins; 0 when the centres are equal as floats."""
    delta = np.float64(np.float32(ths1) - np.float32(ths0))
    if delta == 0.0:
        return 0.0
    return delta * delta * n0 * n1 / (n0 + n1)


@numba.njit(cache=True)
def _combine_centers(ths1, n1, ths0, n0):
    center = (ths0 * n0 + ths1 * n1) / (n0 + n1)
    if math.isnan(center) or math.isinf(center):
        return (ths0 + ths1) / 2
    return center


@numba.njit(cache=True)
def _find_smallest_impl(ths, sqe, tps, fps, n):
    if n == 1:
        return 0
    min_sqe = 1.7976931348623157e308
    min_i = -1
    for i in range(n - 1):
        derr = _delta_error(ths[i + 1], tps[i + 1] + fps[i + 1], ths[i], tps[i] + fps[i])
        if derr == 0.0:
            return i
        s = sqe[i] + sqe[i + 1] + derr
        if s < min_sqe:
            min_i = i
            min_sqe = s
    if min_i == -1:
        min_i = 0
        min_dist = ths[1] - ths[0]
        for i in range(1, n - 1):
            dist = ths[i + 1] - ths[i]
            if dist < min_dist:
                min_dist = dist
                min_i = i
    return min_i


@numba.njit(cache=True)
def _find_smallest(ths, sqe, tps, fps, state):
    if state[1] == -1:
        state[1] = _find_smallest_impl(ths, sqe, tps, fps, state[0])
    return state[1]


@numba.njit(cache=True)
def _merge_one_bin(ths, sqe, tps, fps, state):
    n = state[0]
    s = _find_smallest(ths, sqe, tps, fps, state)
    k0 = tps[s] + fps[s]
    k1 = tps[s + 1] + fps[s + 1]
    sqe[s] = sqe[s] + sqe[s + 1] + _delta_error(ths[s + 1], k1, ths[s], k0)
    ths[s] = _combine_centers(ths[s], k0, ths[s + 1], k1)
    tps[s] += tps[s + 1]
    fps[s] += fps[s + 1]
    for j in range(s + 1, n - 1):
        ths[j] = ths[j + 1]
        sqe[j] = sqe[j + 1]
        tps[j] = tps[j + 1]
        fps[j] = fps[j + 1]
    state[0] = n - 1
    state[1] = -1


@numba.njit(cache=True)
def _binary_search(a, n, key):
    """``java.util.Arrays.binarySearch(a, 0, n, key)``: index, or ``-(insertion point) - 1``."""
    low = 0
    high = n - 1
    while low <= high:
        mid = (low + high) >> 1
        mid_val = a[mid]
        if mid_val < key:
            low = mid + 1
        elif mid_val > key:
            high = mid - 1
        else:
            mid_neg = math.copysign(1.0, mid_val) < 0
            key_neg = math.copysign(1.0, key) < 0
            if mid_neg == key_neg:
                return mid
            if mid_neg:  # -0.0 sorts before 0.0
                low = mid + 1
            else:
                high = mid - 1
    return -(low + 1)


@numba.njit(cache=True)
def _per_row(ths, sqe, tps, fps, state, nbins, pred, act, w):
    n = state[0]
    idx = _binary_search(ths, n, pred)
    if idx >= 0:
        if act == 0:
            fps[idx] += w
        else:
            tps[idx] += w
        state[1] = -1
        return
    idx = -idx - 1
    if n == nbins and 0 < idx < n and ths[idx - 1] != ths[idx]:
        ssx = _find_smallest(ths, sqe, tps, fps, state)
        dssx = (
            sqe[ssx]
            + sqe[ssx + 1]
            + _delta_error(ths[ssx + 1], tps[ssx + 1] + fps[ssx + 1], ths[ssx], tps[ssx] + fps[ssx])
        )
        d0 = sqe[idx - 1] + _delta_error(pred, w, ths[idx - 1], tps[idx - 1] + fps[idx - 1])
        d1 = sqe[idx] + _delta_error(ths[idx], tps[idx] + fps[idx], pred, w)
        if d0 < dssx or d1 < dssx:
            if d0 <= d1:
                idx -= 1
            if ssx == idx - 1 or ssx == idx:
                state[1] = -1
            k = tps[idx] + fps[idx]
            if act == 0:
                fps[idx] += w
            else:
                tps[idx] += w
            sqe[idx] = sqe[idx] + _delta_error(pred, w, ths[idx], k)
            ths[idx] = _combine_centers(ths[idx], k, pred, w)
            return
    if idx == 0 or idx == n or idx == state[1]:
        state[1] = -1
    elif idx < state[1]:
        state[1] += 1
    for j in range(n, idx, -1):
        ths[j] = ths[j - 1]
        sqe[j] = sqe[j - 1]
        tps[j] = tps[j - 1]
        fps[j] = fps[j - 1]
    ths[idx] = pred
    sqe[idx] = 0.0
    if act == 0:
        tps[idx] = 0.0
        fps[idx] = w
    else:
        tps[idx] = w
        fps[idx] = 0.0
    state[0] = n + 1
    if state[0] > nbins:
        _merge_one_bin(ths, sqe, tps, fps, state)


@numba.njit(cache=True)
def _fill(ths, sqe, tps, fps, state, nbins, preds, acts, ws):
    for r in range(preds.shape[0]):
        _per_row(ths, sqe, tps, fps, state, nbins, preds[r], acts[r], ws[r])


@numba.njit(cache=True)
def _has_dups(ths, tps, fps, state):
    for i in range(state[0] - 1):
        if _delta_error(ths[i + 1], tps[i + 1] + fps[i + 1], ths[i], tps[i] + fps[i]) == 0.0:
            state[1] = i
            return True
    return False


@numba.njit(cache=True)
def _reduce(a_ths, a_sqe, a_tps, a_fps, a_state, b_ths, b_sqe, b_tps, b_fps, b_state, nbins):
    x = a_state[0] - 1
    y = b_state[0] - 1
    while x + y + 1 >= 0:
        self_larger = y < 0 or (x >= 0 and a_ths[x] >= b_ths[y])
        dst = x + y + 1
        if self_larger:
            a_ths[dst] = a_ths[x]
            a_sqe[dst] = a_sqe[x]
            a_tps[dst] = a_tps[x]
            a_fps[dst] = a_fps[x]
            x -= 1
        else:
            a_ths[dst] = b_ths[y]
            a_sqe[dst] = b_sqe[y]
            a_tps[dst] = b_tps[y]
            a_fps[dst] = b_fps[y]
            y -= 1
    a_state[0] += b_state[0]
    a_state[1] = -1
    while a_state[0] > nbins or _has_dups(a_ths, a_tps, a_fps, a_state):
        _merge_one_bin(a_ths, a_sqe, a_tps, a_fps, a_state)


class _Builder:
    """One ``AUCBuilder``: arrays of twice the bin count, plus ``[n_bins_used, best_merge]``."""

    def __init__(self, nbins: int) -> None:
        self.nbins = nbins
        self.ths = np.zeros(2 * nbins)
        self.sqe = np.zeros(2 * nbins)
        self.tps = np.zeros(2 * nbins)
        self.fps = np.zeros(2 * nbins)
        self.state = np.array([0, -1], dtype=np.int64)

    def arrays(self) -> tuple:
        return self.ths, self.sqe, self.tps, self.fps, self.state

    def fill(self, preds: np.ndarray, acts: np.ndarray, ws: np.ndarray) -> _Builder:
        _fill(*self.arrays(), self.nbins, preds, acts, ws)
        return self

    def reduce(self, other: _Builder) -> _Builder:
        _reduce(*self.arrays(), *other.arrays(), self.nbins)
        return self


def histogram(
    preds: np.ndarray,
    acts: np.ndarray,
    weights: np.ndarray,
    bounds: np.ndarray | None = None,
    nbins: int = NBINS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Build H2O's AUC histogram; return its bin centres, positive and negative weights (ascending).

    Parameters
    ----------
    preds : ndarray
        Predicted probability of the positive class, one per row.
    acts : ndarray
        Actual label, 0 or 1.
    weights : ndarray
        Observation weights.
    bounds : ndarray, optional
        Chunk boundaries (row positions, from 0 to the number of rows). Each chunk gets its own
        histogram and they are merged as H2O's ``MRTask`` merges them. None: one chunk.
    nbins : int, default=400
        Maximum number of bins.

    """
    preds = np.ascontiguousarray(preds, dtype=np.float64)
    acts = np.ascontiguousarray(acts, dtype=np.int64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    if bounds is None:
        bounds = np.array([0, len(preds)])
    leaves = [
        _Builder(nbins).fill(preds[s:e], acts[s:e], weights[s:e])
        for s, e in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    b = tree_reduce(leaves, _Builder.reduce)
    n = int(b.state[0])
    return b.ths[:n].copy(), b.tps[:n].copy(), b.fps[:n].copy()
