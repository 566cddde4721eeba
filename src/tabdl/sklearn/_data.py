"""From scikit-learn's ``X``, ``y`` and ``sample_weight`` to the named frame tabdl trains on.

Arrays and all-numeric DataFrames pass scikit-learn's own checks (``validate_data``): 2-D, at least
one row and feature, no infinity. Missing values (NaN) are allowed, since H2O's Deep Learning handles
them (``missing_values_handling``). A pandas DataFrame with text, category or boolean columns keeps
them as categorical columns; its numeric columns get the same checks. Columns are named after
``feature_names_in_``, or ``C1``, ``C2``, ... (H2O's names) for an array.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.utils.validation import _check_sample_weight, check_array, validate_data


def column_names(estimator: Any) -> list[str]:
    """Return the frame's feature names: ``feature_names_in_``, or ``C1``, ``C2``, ..."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"C{j + 1}" for j in range(estimator.n_features_in_)]


def _numeric(frame: pd.DataFrame) -> list[bool]:
    return [is_numeric_dtype(t) and not is_bool_dtype(t) for t in frame.dtypes]


def feature_frame(estimator: Any, X: Any, *, reset: bool) -> pd.DataFrame:
    """Check ``X`` as scikit-learn does and return it as a DataFrame with the model's column names.

    ``reset=True`` (in ``fit``) records ``n_features_in_`` and ``feature_names_in_``; otherwise
    ``X`` must have the features the model was fitted on.
    """
    minimum = 2 if reset else 1  # one row teaches nothing: every column would be constant
    if isinstance(X, pd.DataFrame) and not all(_numeric(X)):
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        numeric = X.loc[:, _numeric(X)]
        check_array(
            numeric,
            ensure_all_finite="allow-nan",
            ensure_min_samples=minimum,
            ensure_min_features=0,
            input_name="X",
        )
        frame = X.reset_index(drop=True)
        frame.columns = column_names(estimator)
        return frame
    array = validate_data(
        estimator,
        X,
        reset=reset,
        dtype=np.float64,
        ensure_all_finite="allow-nan",
        ensure_min_samples=minimum,
    )
    return pd.DataFrame(array, columns=column_names(estimator))


def fresh_name(base: str, taken: Iterable[str]) -> str:
    """Return ``base``, or ``base`` followed by underscores, that no column of ``taken`` has."""
    taken = set(taken)
    while base in taken:
        base += "_"
    return base


def add_weights(frame: pd.DataFrame, sample_weight: Any) -> str | None:
    """Add ``sample_weight`` to ``frame`` as an observation-weights column; return its name."""
    if sample_weight is None:
        return None
    weights = _check_sample_weight(sample_weight, frame, dtype=np.float64, ensure_non_negative=True)
    name = fresh_name("sample_weight", frame.columns)
    frame[name] = weights
    return name


def categorical_names(columns: list[str], categorical_columns: Any) -> list[str] | None:
    """Translate ``categorical_columns`` (names, or 0-based positions among the features) to names."""
    if categorical_columns is None:
        return None
    if isinstance(categorical_columns, (str, int, np.integer)):
        categorical_columns = [categorical_columns]
    names = []
    for item in categorical_columns:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not 0 <= item < len(columns):
                raise ValueError(
                    f"categorical_columns has position {item}; X has features 0 to {len(columns) - 1}"
                )
            item = columns[item]
        names.append(str(item))
    return names
