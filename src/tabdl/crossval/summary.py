"""H2O's "Cross-Validation Metrics Summary": each metric's mean and sd over the fold models.

H2O (``ModelBuilder.makeCrossValidationSummaryTable``) reads a fixed list of metrics per problem type
from each fold model's validation (holdout) metrics; the binomial ones that depend on a threshold
are taken at the fold model's own default threshold (the one that maximises F1). The table holds
float32 values; ``sd`` is the sample standard deviation. Metrics that Deep Learning does not compute
(``aic``, ``loglikelihood``), or that are undefined (``rmsle`` with negative values, multinomial
``auc`` with ``auc_type="NONE"``), are missing in every fold, with a mean of NaN and an sd of 0, as
H2O prints them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tabdl.metrics.tables import H2OTable

__all__ = ["SUMMARY_METRICS", "cross_validation_summary"]


def _at_threshold(name: str) -> Callable[[Any], float]:
    def value(m: Any) -> float:
        threshold = m.default_threshold()
        if not math.isfinite(threshold):  # a holdout part of one class has no F1 threshold
            return math.nan
        return m.metric(name, thresholds=[threshold])[0][1]

    return value


def _one_minus(name: str) -> Callable[[Any], float]:
    at = _at_threshold(name)
    return lambda m: 1.0 - at(m)


def _missing(_: Any) -> float:
    return math.nan


def _classification_error(m: Any) -> float:
    return m.classification_error()


def _err_count(m: Any) -> float:
    cm = m.confusion_matrix()
    if cm is None:
        return math.nan
    matrix = cm.to_list()
    return float(sum(row[j] for i, row in enumerate(matrix) for j in range(len(matrix)) if i != j))


def _max_per_class_error(m: Any) -> float:
    cm = m.confusion_matrix()
    if cm is None:
        return math.nan
    matrix = np.asarray(cm.to_list(), dtype=np.float64)
    totals = matrix.sum(axis=1)
    errors = 1.0 - np.diag(matrix) / np.where(totals == 0, 1.0, totals)
    return float(errors[totals > 0].max())


_BINOMIAL: dict[str, Callable[[Any], float]] = {
    "accuracy": _at_threshold("accuracy"),
    "aic": _missing,
    "auc": lambda m: m.auc(),
    "err": _one_minus("accuracy"),
    "err_count": _err_count,
    "f0point5": _at_threshold("f0point5"),
    "f1": _at_threshold("f1"),
    "f2": _at_threshold("f2"),
    "lift_top_group": lambda m: m.lift_top_group(),
    "loglikelihood": _missing,
    "logloss": lambda m: m.logloss(),
    "max_per_class_error": _one_minus("min_per_class_accuracy"),
    "mcc": _at_threshold("absolute_mcc"),
    "mean_per_class_accuracy": _at_threshold("mean_per_class_accuracy"),
    "mean_per_class_error": lambda m: m.default_mean_per_class_error(),
    "mse": lambda m: m.mse(),
    "pr_auc": lambda m: m.pr_auc(),
    "precision": _at_threshold("precision"),
    "r2": lambda m: m.r2(),
    "recall": _at_threshold("recall"),
    "rmse": lambda m: m.rmse(),
    "specificity": _at_threshold("specificity"),
}

_MULTINOMIAL: dict[str, Callable[[Any], float]] = {
    "accuracy": lambda m: 1.0 - m.classification_error(),
    "aic": _missing,
    "auc": lambda m: m.auc(),
    "err": _classification_error,
    "err_count": _err_count,
    "loglikelihood": _missing,
    "logloss": lambda m: m.logloss(),
    "max_per_class_error": _max_per_class_error,
    "mean_per_class_accuracy": lambda m: 1.0 - m.mean_per_class_error(),
    "mean_per_class_error": lambda m: m.mean_per_class_error(),
    "mse": lambda m: m.mse(),
    "pr_auc": lambda m: m.pr_auc(),
    "r2": lambda m: m.r2(),
    "rmse": lambda m: m.rmse(),
}

_REGRESSION: dict[str, Callable[[Any], float]] = {
    "aic": _missing,
    "loglikelihood": _missing,
    "mae": lambda m: m.mae(),
    "mean_residual_deviance": lambda m: m.mean_residual_deviance(),
    "mse": lambda m: m.mse(),
    "r2": lambda m: m.r2(),
    "residual_deviance": lambda m: m.mean_residual_deviance(),  # H2O reports the mean here
    "rmse": lambda m: m.rmse(),
    "rmsle": lambda m: m.rmsle(),
}

#: The summary's rows for each problem type, in H2O's order, and how to read each from metrics.
SUMMARY_METRICS = {"Binomial": _BINOMIAL, "Multinomial": _MULTINOMIAL, "Regression": _REGRESSION}


def _float32(value: Any) -> float:
    try:
        return float(np.float32(value))
    except (TypeError, ValueError):
        return math.nan


def cross_validation_summary(fold_metrics: Sequence[Any], category: str) -> H2OTable:
    """Build the summary table from the fold models' holdout metrics.

    Parameters
    ----------
    fold_metrics : sequence of ModelMetrics
        Each fold model's validation metrics, in fold order.
    category : str
        ``"Regression"``, ``"Binomial"`` or ``"Multinomial"``.

    Returns
    -------
    H2OTable
        Columns ``""``, ``mean``, ``sd``, ``cv_1_valid`` ... ``cv_N_valid``.

    """
    rows = []
    for name, read in SUMMARY_METRICS[category].items():
        values = np.array([_float32(read(m)) for m in fold_metrics], dtype=np.float64)
        present = values[np.isfinite(values)]
        if len(present) == 0:
            mean, sd = math.nan, 0.0
        else:
            mean = _float32(present.mean())
            sd = _float32(present.std(ddof=1)) if len(present) > 1 else 0.0
        rows.append([name, mean, sd, *values.tolist()])
    columns = ["", "mean", "sd", *[f"cv_{i + 1}_valid" for i in range(len(fold_metrics))]]
    return H2OTable(
        "Cross-Validation Metrics Summary",
        columns,
        rows,
        description="",
        types=["string", *["double"] * (len(columns) - 1)],
    )
