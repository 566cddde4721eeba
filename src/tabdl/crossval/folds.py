"""Which fold each training row belongs to: H2O's ``fold_assignment`` and ``fold_column``.

H2O (``ModelBuilder.cv_AssignFold``, ``AstKFold``) draws every row's fold from a generator seeded
with the row's index plus the model seed, so the assignment does not depend on how the frame is
split into chunks. This module reproduces the three schemes exactly:

* ``Random`` (and ``AUTO``): ``|getRNG(row + seed).nextInt()| % nfolds``;
* ``Modulo``: ``row % nfolds``;
* ``Stratified``: per class ``c``, a seed ``getRNG(seed + c).nextLong()``, then the Random rule
  with that seed among the class's rows; rows with a missing response go round-robin.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from tabdl.errors import DataError
from tabdl.frame import CATEGORICAL, Frame, level_strings, numeric_values
from tabdl.rng import new_generator, next_int

__all__ = ["assign_folds", "fold_column_folds"]

_INT_MIN = -2147483648


@nb.njit(cache=True)
def _java_abs_mod(value: np.int64, nfolds: np.int64) -> np.int64:
    # Math.abs(int) % n with Java's semantics: abs(MIN_VALUE) stays negative, % keeps the sign.
    if value == _INT_MIN:
        return -((-value) % nfolds)
    return abs(value) % nfolds


@nb.njit(cache=True)
def _random_folds(n_rows: np.int64, nfolds: np.int64, seed: np.int64) -> np.ndarray:
    out = np.empty(n_rows, dtype=np.int64)
    for row in range(n_rows):
        out[row] = _java_abs_mod(next_int(new_generator(np.int64(row) + seed)), nfolds)
    return out


@nb.njit(cache=True)
def _next_long(seed: np.int64) -> np.int64:
    g = new_generator(seed)
    high = next_int(g)
    low = next_int(g) & np.int64(0xFFFFFFFF)
    return (high << np.int64(32)) | low


@nb.njit(cache=True)
def _stratified_folds(classes: np.ndarray, n_classes: np.int64, nfolds: np.int64, seed: np.int64):
    seeds = np.empty(n_classes, dtype=np.int64)
    for c in range(n_classes):
        seeds[c] = _next_long(seed + np.int64(c))
    out = np.empty(len(classes), dtype=np.int64)
    for row in range(len(classes)):
        c = classes[row]
        if c < 0:  # a missing response is spread round-robin
            out[row] = row % nfolds
        else:
            out[row] = _java_abs_mod(next_int(new_generator(np.int64(row) + seeds[c])), nfolds)
    return out


def assign_folds(
    scheme: str, n_rows: int, nfolds: int, seed: int, classes: np.ndarray | None = None
) -> np.ndarray:
    """Return each row's fold (0 to ``nfolds - 1``) as H2O assigns it.

    Parameters
    ----------
    scheme : str
        ``fold_assignment``: ``AUTO``, ``Random``, ``Modulo`` or ``Stratified``.
    n_rows, nfolds : int
        Rows of the training frame and number of folds.
    seed : int
        The model's seed (H2O's ``getOrMakeRealSeed``).
    classes : ndarray of int, optional
        For ``Stratified``: each row's class index, -1 where the response is missing.

    Returns
    -------
    ndarray of int64
        The fold of each row.

    """
    if scheme == "Modulo":
        return np.arange(n_rows, dtype=np.int64) % nfolds
    if scheme == "Stratified":
        if classes is None:
            raise DataError(
                "fold_assignment='Stratified' needs a categorical response; use 'Random' or "
                "'Modulo' for a regression"
            )
        classes = np.asarray(classes, dtype=np.int64)
        return _stratified_folds(classes, int(classes.max(initial=-1)) + 1, nfolds, seed)
    return _random_folds(n_rows, nfolds, np.int64(seed))


def fold_column_folds(frame: Frame, name: str) -> tuple[np.ndarray, list[str]]:
    """Read a ``fold_column``: each row's fold index and the fold names, in fold order.

    A categorical column gives one fold per level (in level order); an integer column must hold
    0..N-1 or 1..N, as H2O requires (its values in ascending order are folds 1 to N).
    """
    if frame.kinds[name] == CATEGORICAL:
        labels = level_strings(frame, name)
        if any(label is None for label in labels):
            raise DataError(f"fold_column {name!r} has missing values; give every row a fold")
        levels = sorted(set(labels))
        index = {level: i for i, level in enumerate(levels)}
        folds, names = np.array([index[v] for v in labels], dtype=np.int64), levels
    else:
        values = numeric_values(frame, name)
        if np.isnan(values).any():
            raise DataError(f"fold_column {name!r} has missing values; give every row a fold")
        if not np.all(values == np.round(values)):
            raise DataError(
                f"fold_column {name!r} must hold integers (0..N-1 or 1..N) or be categorical"
            )
        low, high = int(values.min()), int(values.max())
        if low not in (0, 1) or len(np.unique(values)) != high - low + 1:
            raise DataError(
                f"fold_column {name!r} must be categorical or hold contiguous integers 0..N-1 or "
                f"1..N; it holds {len(np.unique(values))} distinct values from {low} to {high}"
            )
        folds = values.astype(np.int64) - low
        names = [str(v) for v in range(low, high + 1)]
    if len(names) < 2:
        raise DataError(
            f"fold_column {name!r} holds a single fold ({names[0]!r}); cross-validation needs at "
            "least two distinct values"
        )
    return folds, names
