"""The scoring history as H2O shows it: one row per scoring event, H2O's columns per problem type."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from tabdl.training.scoring import ScoringEvent, metric_value

#: Metric columns after ``*_rmse`` per problem type, and the accessor of each (section 6.1).
METRIC_COLUMNS = {
    "Regression": (("deviance", "mean_residual_deviance"), ("mae", "mae"), ("r2", "r2")),
    "Binomial": (
        ("logloss", "logloss"),
        ("r2", "r2"),
        ("auc", "auc"),
        ("pr_auc", "aucpr"),
        ("lift", "lift_top_group"),
        ("classification_error", "classification_error"),
    ),
    "Multinomial": (
        ("logloss", "logloss"),
        ("r2", "r2"),
        ("classification_error", "classification_error"),
        ("auc", "auc"),
        ("pr_auc", "aucpr"),
    ),
    "AutoEncoder": (("mse", "mse"),),
}


def format_duration(seconds: float) -> str:
    """Format a duration as H2O's ``PrettyPrint.msecs(ms, true)`` does (`` 0.118 sec``)."""
    ms = int(round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    if hours:
        return f"{hours:2d}:{minutes:02d}:{secs:02d}.{ms:03d}"
    if minutes:
        return f"{minutes:2d} min {secs:2d}.{ms:03d} sec"
    return f"{secs:2d}.{ms:03d} sec"


def _block(prefix: str, metrics: Any, category: str, custom: bool) -> dict[str, float]:
    row = {f"{prefix}_rmse": metric_value(metrics, "rmse")}
    for column, accessor in METRIC_COLUMNS[category]:
        row[f"{prefix}_{column}"] = metric_value(metrics, accessor)
    if custom:
        row[f"{prefix}_custom"] = metric_value(metrics, "custom_metric_value")
    return row


def history_frame(
    events: Sequence[ScoringEvent], category: str, validation: bool, custom: bool = False
) -> pd.DataFrame:
    """Return the scoring history as a DataFrame with H2O's columns.

    Parameters
    ----------
    events : sequence of ScoringEvent
        The scoring events, oldest first.
    category : str
        ``"Regression"``, ``"Binomial"``, ``"Multinomial"`` or ``"AutoEncoder"``.
    validation : bool
        Add the ``validation_*`` columns.
    custom : bool
        Add the ``*_custom`` columns of a custom metric.

    Returns
    -------
    DataFrame
        ``timestamp``, ``duration``, ``training_speed``, ``epochs``, ``iterations``, ``samples``,
        then the training metrics and, with a validation frame, the validation metrics.

    """
    rows = []
    for event in events:
        speed = event.training_speed
        row: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(event.timestamp)),
            "duration": format_duration(event.duration),
            "training_speed": math.nan if math.isnan(speed) else f"{int(speed)} obs/sec",
            "epochs": event.epochs,
            "iterations": event.iterations,
            "samples": float(event.samples),
        }
        row.update(_block("training", event.train, category, custom))
        if validation:
            row.update(_block("validation", event.valid, category, custom))
        rows.append(row)
    return pd.DataFrame(rows)
