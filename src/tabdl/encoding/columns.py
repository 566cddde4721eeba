"""Which columns a model uses: predictors, response and the special columns, from ``x``, ``y`` and parameters."""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tabdl.errors import DataError
from tabdl.frame import CATEGORICAL, NUMERIC, Frame


@dataclass(frozen=True)
class Columns:
    """The columns a model reads, by name."""

    predictors: tuple[str, ...]
    response: str | None
    weights: str | None = None
    offset: str | None = None
    fold: str | None = None


def _resolve(frame: Frame, ref: Any, role: str) -> str:
    names = frame.names
    if isinstance(ref, numbers.Integral) and not isinstance(ref, bool):
        ref = int(ref)
    if isinstance(ref, bool) or not isinstance(ref, (str, int)):
        raise DataError(f"{role} must be a column name or a 0-based column index; got {ref!r}")
    if isinstance(ref, int):
        if not 0 <= ref < len(names):
            raise DataError(
                f"{role} index {ref} is out of range: the frame has {len(names)} columns (0..{len(names) - 1})"
            )
        return names[ref]
    if ref not in names:
        close = difflib.get_close_matches(ref, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; the columns are {names}"
        raise DataError(f"{role} column {ref!r} is not in the frame{hint}")
    return ref


def select_columns(frame: Frame, x: Any, y: Any, p: Mapping[str, Any]) -> Columns:
    """Resolve ``x``, ``y`` and the special-column parameters against ``frame``.

    Parameters
    ----------
    frame : Frame
        The training frame.
    x : list of str or int, str, int or None
        Predictors; ``None`` means every column except the response and the special columns.
    y : str, int or None
        The response (``None`` for an autoencoder; ``response_column`` is used when ``y`` is None).
    p : mapping
        Validated parameters (``ignored_columns``, ``weights_column``, ``offset_column``, ``fold_column``).

    Returns
    -------
    Columns
        The resolved column names.

    """
    if frame.nrows == 0 or not frame.names:
        raise DataError(
            f"the training frame is empty ({frame.nrows} rows, {len(frame.names)} columns); "
            "give a frame with data"
        )
    if y is None:
        y = p["response_column"]
    if p["autoencoder"] and y is not None:
        raise DataError("an autoencoder takes no response: leave y unset when autoencoder=True")
    if not p["autoencoder"] and y is None:
        raise DataError("y (the response column) is required unless autoencoder=True")
    response = None if y is None else _resolve(frame, y, "y")
    special = {
        role: None if p[param] is None else _resolve(frame, p[param], param)
        for role, param in (
            ("weights", "weights_column"),
            ("offset", "offset_column"),
            ("fold", "fold_column"),
        )
    }
    roles = [("y", response)] + [(f"{r}_column", n) for r, n in special.items()]
    taken = [(role, name) for role, name in roles if name is not None]
    for i, (role_a, name_a) in enumerate(taken):
        for role_b, name_b in taken[i + 1 :]:
            if name_a == name_b:
                raise DataError(
                    f"{role_a} and {role_b} are the same column {name_a!r}; use different columns"
                )
    for role in ("weights", "offset"):
        name = special[role]
        if name is not None and frame.kinds[name] != NUMERIC:
            raise DataError(f"{role}_column {name!r} must be numeric; it holds categorical values")
    ignored = {_resolve(frame, c, "ignored_columns") for c in (p["ignored_columns"] or ())}
    excluded = {response, *special.values()} - {None}
    if x is None:
        predictors = [n for n in frame.names if n not in excluded and n not in ignored]
    else:
        scalar = isinstance(x, (str, numbers.Integral))
        refs = (
            [x] if scalar else list(x) if isinstance(x, (Sequence, np.ndarray, pd.Index)) else None
        )
        if refs is None:
            raise DataError(f"x must be a list of column names or indices; got {x!r}")
        chosen = set()
        for ref in refs:
            name = _resolve(frame, ref, "x")
            if name == response:
                raise DataError(f"the response {name!r} is also listed in x; remove it from x")
            chosen.add(name)
        # As in H2O, x only selects: the predictors keep the frame's column order.
        predictors = [
            n for n in frame.names if n in chosen and n not in excluded and n not in ignored
        ]
    if not predictors:
        raise DataError(
            "no predictor columns are left after removing the response, ignored and special columns"
        )
    return Columns(tuple(predictors), response, **special)


def category_of(frame: Frame, columns: Columns, autoencoder: bool) -> tuple[str, list[str] | None]:
    """Return H2O's model category and, for classification, the class levels."""
    from tabdl.frame import sorted_levels

    if autoencoder:
        return "AutoEncoder", None
    if frame.kinds[columns.response] != CATEGORICAL:
        return "Regression", None
    levels = sorted_levels(frame, columns.response)
    if len(levels) < 2:
        raise DataError(
            f"the response {columns.response!r} has {len(levels)} class(es); classification needs at least 2"
        )
    return ("Binomial" if len(levels) == 2 else "Multinomial"), levels
