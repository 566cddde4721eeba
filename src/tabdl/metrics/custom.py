"""Custom metrics: a plain Python function, or an object in H2O's ``CustomMetric`` form.

Two forms are accepted for ``custom_metric``:

* a callable ``f(actual, predicted, weights) -> float`` called once on whole arrays (the rows that
  are scored; ``predicted`` is the prediction vector for regression and the ``(n, K)`` class
  probabilities for classification). Its name is ``f.__name__``;
* an object, or a class (instantiated without arguments), with H2O's func interface (see h2o-py's
  ``h2o.upload_custom_metric``): ``map(predicted_row, actual_row, weight, offset, model) -> list``
  per row, ``reduce(left, right) -> list`` to combine, ``metric(state) -> float`` at the end. As in
  H2O, ``predicted_row`` is ``[prediction]`` for regression and ``[label, p_0, ..., p_{K-1}]`` for
  classification, ``actual_row`` is ``[actual]`` (the class code for classification), the offset is
  0 and the model is None. Its name is the class name. This form calls Python once per row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tabdl.errors import DataError

_H2O_METHODS = ("map", "reduce", "metric")


def _is_h2o_form(obj: Any) -> bool:
    return all(callable(getattr(obj, m, None)) for m in _H2O_METHODS)


def _fold(func: Any, pred_rows: np.ndarray, act_rows: np.ndarray, weights: np.ndarray) -> float:
    state = None
    for pred, act, w in zip(pred_rows.tolist(), act_rows.tolist(), weights.tolist(), strict=True):
        part = func.map(pred, act, w, 0.0, None)
        state = part if state is None else func.reduce(state, part)
    return float(func.metric(state))


def evaluate(
    custom_metric: Any,
    actual: np.ndarray,
    predicted: np.ndarray,
    weights: np.ndarray,
    *,
    pred_rows: np.ndarray,
    act_rows: np.ndarray,
) -> tuple[str, float] | None:
    """Return ``(name, value)`` of ``custom_metric`` on the scored rows, or None without one.

    Parameters
    ----------
    custom_metric : callable, object, class or None
        See the module documentation.
    actual, predicted, weights : ndarray
        The scored rows, passed to a plain function as they are.
    pred_rows, act_rows : ndarray
        H2O's per-row ``predicted_row`` and ``actual_row`` arrays, for the H2O form.

    """
    if custom_metric is None:
        return None
    if _is_h2o_form(custom_metric):
        func = custom_metric() if isinstance(custom_metric, type) else custom_metric
        name = custom_metric.__name__ if isinstance(custom_metric, type) else type(func).__name__
        return name, _fold(func, pred_rows, act_rows, weights)
    if callable(custom_metric):
        name = getattr(custom_metric, "__name__", type(custom_metric).__name__)
        return name, float(custom_metric(actual, predicted, weights))
    raise DataError(
        "custom_metric must be a function f(actual, predicted, weights) -> float, or an object "
        f"with map/reduce/metric methods (H2O's CustomMetric form); got {type(custom_metric).__name__}"
    )


def evaluate_classification(
    custom_metric: Any, codes: np.ndarray, probs: np.ndarray, w: np.ndarray, labels: np.ndarray
) -> tuple[str, float] | None:
    """:func:`evaluate` for class probabilities: H2O's rows are ``[label, p_0, ...]`` and ``[code]``."""
    return evaluate(
        custom_metric,
        codes,
        probs,
        w,
        pred_rows=np.column_stack([labels.astype(np.float64), probs]),
        act_rows=codes[:, None].astype(np.float64),
    )
