"""Class balancing: H2O's stratified over/under-sampling of the training frame (reference 5.6).

With ``balance_classes=True`` H2O rebuilds the training frame before the first iteration
(``DeepLearning.trainModel`` calling ``MRUtils.sampleFrameStratified``), and this module does the same
in the same float32 arithmetic and with the same random streams, so a reproducible run trains on the
same rows in the same order:

1. **Ratios.** ``class_sampling_factors``, or when none are given (or all are 0) the balancing ratios
   ``r_c = (N / K) / n_c``, divided by the smallest so the majority class keeps 1.0. ``N`` counts every
   row, ``n_c`` the rows of class ``c`` (rows with a missing label count in ``N`` only).
2. **Cap.** The expected size ``sum(r_c * n_c)`` is rounded; if it is not that count, or exceeds
   ``max_after_balance_size * N`` (truncated to an integer, at least ``K``), every ratio is scaled by
   ``count / expected``.
3. **Draw.** Row ``r`` of class ``c`` (a missing label drops the row) is repeated ``floor(r_c)`` times,
   plus once more when a uniform float32 is below ``frac(r_c)``; the generator is re-seeded with
   ``seed + r`` for each row. If a class gets no row, the draw is redone with ``seed + 1`` (10 times
   at most).
4. **Shuffle.** The drawn rows are permuted by ``ArrayUtils.shuffleArray`` with a generator seeded
   ``seed + 0x580FF13`` (H2O shuffles within each chunk; a reproducible run has one chunk).

The model then corrects its probabilities from the balanced class distribution back to the original
one (:meth:`tabdl.model.FittedNetwork.probabilities`, H2O's ``GenModel.correctProbabilities``).

The same draw, without oversampling and with the default ratios, gives the stratified validation
sample (``score_validation_sampling="Stratified"``): each class is kept with the same probability
``score_validation_samples / rows``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np

from tabdl.errors import DataError
from tabdl.rng import new_generator, next_float, set_seed, shuffle_indices, wrap_int64

__all__ = [
    "BalancedRows",
    "balance_training_rows",
    "class_distribution",
    "sampling_ratios",
    "stratified_rows",
    "stratified_validation_rows",
]

#: Added to the draw's seed to seed the shuffle of the drawn rows (``MRUtils.sampleFrameStratified``).
SHUFFLE_SEED_OFFSET = 0x580FF13
#: Draws redone, with the seed increased by one each time, while a class has no row.
MAX_RETRIES = 10


def class_distribution(
    labels: np.ndarray, n_classes: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Relative class frequencies of the non-missing labels (H2O's ``ClassDist.rel_dist``).

    Parameters
    ----------
    labels : ndarray
        float64 class indices, NaN where the label is missing.
    n_classes : int
        Number of classes.
    weights : ndarray, optional
        Observation weights (H2O weighs the counts when the model has a weights column).

    """
    known = ~np.isnan(labels)
    codes = labels[known].astype(np.int64)
    w = None if weights is None else weights[known]
    counts = np.bincount(codes, weights=w, minlength=n_classes).astype(np.float64)
    total = 0.0
    for value in counts:  # Java's sequential sum
        total += value
    return counts / total


def sampling_ratios(
    counts: np.ndarray,
    n_rows: int,
    factors: Sequence[float] | None,
    max_rows: int,
    allow_oversampling: bool = True,
) -> np.ndarray:
    """Per-class repetition ratios, as ``MRUtils.sampleFrameStratified`` computes them (float32).

    Parameters
    ----------
    counts : ndarray
        Rows of each class (missing labels excluded).
    n_rows : int
        All rows of the frame, missing labels included.
    factors : sequence of float, optional
        ``class_sampling_factors``; ``None`` or all zeros ask for the balancing ratios.
    max_rows : int
        The most rows the result may expect (raised to the number of classes).
    allow_oversampling : bool
        False caps every ratio at 1 (the validation sample).

    Returns
    -------
    ndarray
        float32 ratios, one per class.

    """
    k = len(counts)
    max_rows = max(int(max_rows), k)
    ratios = np.zeros(k, np.float32) if factors is None else np.asarray(factors, np.float32).copy()
    if ratios.min() == 0 and ratios.max() == 0:
        with np.errstate(divide="ignore"):
            ratios = (np.float32(n_rows) / np.float32(k)) / counts.astype(np.float32)
        smallest = ratios.min()
        if np.isfinite(smallest):
            ratios = ratios / smallest
    if not allow_oversampling:
        ratios = np.minimum(np.float32(1.0), ratios)
    expected = np.float32(0.0)
    for ratio, count in zip(ratios, counts, strict=True):  # float += double, as Java's compound add
        expected = np.float32(float(expected) + float(ratio) * float(count))
    if math.isnan(expected):
        raise DataError(
            "cannot balance the classes: a class has no row in the training frame; drop the unused "
            "level from the response"
        )
    target = min(max_rows, math.floor(float(expected) + 0.5))  # Math.round(float)
    if np.float32(target) != expected:
        ratios = ratios * (np.float32(target) / expected)
    return ratios.astype(np.float32)


@nb.njit(cache=True)
def _repetitions(labels: np.ndarray, ratios: np.ndarray, seed: np.int64) -> np.ndarray:
    """How often each row is drawn: its class ratio's whole part, plus one by a per-row draw."""
    g = np.zeros(2, dtype=np.uint64)
    reps = np.zeros(labels.shape[0], dtype=np.int64)
    for r in range(labels.shape[0]):
        if np.isnan(labels[r]):
            continue
        set_seed(g, np.int64(r) + seed)
        ratio = ratios[np.int64(labels[r])]
        whole = np.int64(ratio)  # Java's (int) truncates toward zero
        reps[r] = whole + (1 if next_float(g) < ratio - np.float32(whole) else 0)
    return reps


def stratified_rows(labels: np.ndarray, ratios: np.ndarray, seed: int) -> np.ndarray:
    """Rows of H2O's stratified sample for these ratios: the draw, its retries, and the shuffle.

    Parameters
    ----------
    labels : ndarray
        float64 class indices, NaN for a missing label (such rows are left out).
    ratios : ndarray
        float32 ratio per class (:func:`sampling_ratios`).
    seed : int
        The model's seed (training) or the seed + 1 (validation).

    Returns
    -------
    ndarray
        int64 positions into ``labels``, repeated and in H2O's shuffled order.

    """
    ratios = np.asarray(ratios, np.float32)
    if np.any(ratios < 0):
        raise DataError(f"class sampling ratios must be >= 0; got {ratios.tolist()}")
    seed = wrap_int64(seed)
    for attempt in range(MAX_RETRIES + 1):
        reps = _repetitions(labels, ratios, np.int64(seed))
        drawn = np.repeat(np.arange(labels.shape[0], dtype=np.int64), reps)
        present = np.bincount(labels[drawn].astype(np.int64), minlength=len(ratios))
        if present.min() > 0 or attempt == MAX_RETRIES:
            break
        seed = wrap_int64(seed + 1)
    order = shuffle_indices(
        new_generator(np.int64(wrap_int64(seed + SHUFFLE_SEED_OFFSET))), len(drawn)
    )
    return drawn[order]


@dataclass(frozen=True)
class BalancedRows:
    """The balanced training rows and what the model keeps of them."""

    index: np.ndarray  # int64 positions into the original training frame
    ratios: np.ndarray  # float32 sampling ratio per class, after the size cap
    model_class_distrib: np.ndarray  # relative class frequencies of the balanced rows


def _class_counts(labels: np.ndarray, n_classes: int) -> np.ndarray:
    known = labels[~np.isnan(labels)].astype(np.int64)
    return np.bincount(known, minlength=n_classes).astype(np.float64)


def balance_training_rows(
    labels: np.ndarray,
    n_classes: int,
    factors: Sequence[float] | None,
    max_after_balance_size: float,
    seed: int,
) -> BalancedRows:
    """H2O's ``balance_classes`` step: which training rows, how often, in which order.

    Parameters
    ----------
    labels : ndarray
        float64 class index of every training row, NaN where missing.
    n_classes : int
        Number of classes of the response.
    factors : sequence of float, optional
        ``class_sampling_factors`` (one per class, in the order of the levels).
    max_after_balance_size : float
        The balanced frame holds at most this many times the original rows.
    seed : int
        The model's seed.

    Returns
    -------
    BalancedRows
        The row positions, the final ratios and the class distribution of the balanced rows.

    """
    n_rows = labels.shape[0]
    max_rows = int(max_after_balance_size * n_rows)  # Java's (long) cast truncates
    ratios = sampling_ratios(_class_counts(labels, n_classes), n_rows, factors, max_rows)
    index = stratified_rows(labels, ratios, seed)
    if index.size == 0:
        raise DataError(
            "balancing left no training row: raise max_after_balance_size or the "
            "class_sampling_factors"
        )
    return BalancedRows(index, ratios, class_distribution(labels[index], n_classes))


def stratified_validation_rows(
    labels: np.ndarray, n_classes: int, target: int, seed: int
) -> np.ndarray:
    """Rows of the stratified validation sample: every class kept at the same rate, no oversampling.

    ``target`` is ``score_validation_samples`` (0: all rows); ``seed`` is the model's seed + 1.
    Rows with a missing label are left out, as H2O does.
    """
    n_rows = labels.shape[0]
    max_rows = target if target > 0 else n_rows
    ratios = sampling_ratios(_class_counts(labels, n_classes), n_rows, None, max_rows, False)
    return stratified_rows(labels, ratios, seed)
