"""Checks and row selection shared by the metric builders.

H2O's metric builders skip a row when its actual value is missing, when any prediction is missing, or
when its weight is 0 or missing (``MetricBuilder*.perRow``). These helpers apply the same rule and
raise :class:`tabdl.errors.DataError` with a message that names the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tabdl.errors import DataError, NothingToScoreError


def vector(name: str, values: Any) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array, or raise DataError."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 1:
        raise DataError(f"{name} must be a 1-D array, got shape {arr.shape}")
    return arr


def same_length(n: int, **arrays: np.ndarray | None) -> None:
    """Raise DataError unless every given array has ``n`` rows."""
    for name, arr in arrays.items():
        if arr is not None and len(arr) != n:
            raise DataError(f"actual has {n} rows but {name} has {len(arr)}; they must match")


def weight_vector(weights: Any, n: int) -> np.ndarray:
    """Return the observation weights (all 1 when ``weights`` is None), checked."""
    if weights is None:
        return np.ones(n)
    w = vector("weights", weights)
    same_length(n, weights=w)
    bad = (w < 0) | np.isinf(w)
    if bad.any():
        raise DataError(
            f"weights must be finite and non-negative; row {int(np.argmax(bad))} has {w[bad][0]!r}"
        )
    return w


def kept_rows(actual: np.ndarray, weights: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Rows H2O scores: actual present, predictions present, weight neither 0 nor missing."""
    pred_nan = np.isnan(predictions)
    if pred_nan.ndim == 2:
        pred_nan = pred_nan.any(axis=1)
    keep = ~np.isnan(actual) & ~pred_nan & ~np.isnan(weights) & (weights != 0)
    if not keep.any():
        raise NothingToScoreError(
            f"no rows left to score among {len(actual)}: every row has a missing actual value, "
            "a missing prediction or a zero weight"
        )
    return keep


def class_codes(actual: np.ndarray, n_classes: int) -> np.ndarray:
    """Return integer class codes, checking they are whole numbers in ``0..n_classes-1``."""
    codes = actual.astype(np.int64)
    bad = (codes != actual) | (codes < 0) | (codes >= n_classes)
    if bad.any():
        raise DataError(
            f"actual must hold class codes 0..{n_classes - 1} (positions in domain); "
            f"row value {actual[bad][0]!r} is not one"
        )
    return codes


def probability_matrix(probabilities: Any, n: int, n_classes: int, kind: str) -> np.ndarray:
    """Return the (n, K) class probabilities as float64, checking shape and range."""
    try:
        p = np.asarray(probabilities, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"probabilities must be numeric: {exc}") from None
    if p.ndim != 2 or p.shape[1] != n_classes:
        raise DataError(
            f"probabilities must have shape (n, {n_classes}) for {kind} metrics "
            f"(one column per class of the domain), got shape {p.shape}"
        )
    same_length(n, probabilities=p)
    finite = p[~np.isnan(p)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise DataError(
            f"probabilities must lie in [0, 1] for {kind} metrics; "
            f"got values from {finite.min()!r} to {finite.max()!r}"
        )
    return p


def domain_list(domain: Sequence[str] | None, n_classes: int | None, kind: str) -> list[str]:
    """Return the class labels as a list of str, checking their number."""
    if domain is None:
        raise DataError(f"domain (the class labels) is required for {kind} metrics")
    labels = [str(d) for d in domain]
    if n_classes is not None and len(labels) != n_classes:
        raise DataError(
            f"{kind} metrics need {n_classes} class labels in domain, got {len(labels)}"
        )
    if len(labels) < 2:
        raise DataError(f"domain must hold at least 2 class labels, got {labels!r}")
    return labels


def choice(name: str, value: str, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed`` (case-insensitive), else raise DataError."""
    if isinstance(value, str):
        for a in allowed:
            if value.lower() == a.lower():
                return a
    raise DataError(f"unknown {name} {value!r}; expected one of {', '.join(allowed)}")
