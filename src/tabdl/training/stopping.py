"""Early stopping: H2O's moving-average rule over the scoring history (``ScoreKeeper.stopEarly``).

A stopping metric has a direction (less or more is better) and may be bounded below by 0; both decide
when its moving averages say training has converged (behaviour reference, section 5.4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StoppingMetric:
    """A metric early stopping and best-model tracking can watch."""

    name: str
    more_is_better: bool
    bounded_below_by_zero: bool


_METRICS = {
    m.name: m
    for m in (
        StoppingMetric("deviance", False, False),
        StoppingMetric("logloss", False, True),
        StoppingMetric("MSE", False, True),
        StoppingMetric("RMSE", False, True),
        StoppingMetric("MAE", False, True),
        StoppingMetric("RMSLE", False, True),
        StoppingMetric("AUC", True, True),
        StoppingMetric("AUCPR", True, True),
        StoppingMetric("lift_top_group", True, False),
        StoppingMetric("misclassification", False, True),
        StoppingMetric("mean_per_class_error", False, True),
        StoppingMetric("custom", False, False),
        StoppingMetric("custom_increasing", True, False),
    )
}


def stopping_metric(name: str, category: str) -> StoppingMetric:
    """Resolve ``stopping_metric`` (``AUTO``: logloss, MSE for an autoencoder, else deviance)."""
    if name == "AUTO":
        name = {"Binomial": "logloss", "Multinomial": "logloss", "AutoEncoder": "MSE"}.get(
            category, "deviance"
        )
    return _METRICS[name]


def _sign(x: float) -> float:
    return math.copysign(1.0, x) if x != 0 else 0.0


def stop_early(
    values: Sequence[float], rounds: int, metric: StoppingMetric, tolerance: float
) -> bool:
    """Return whether H2O's moving-average rule says training has converged.

    Parameters
    ----------
    values : sequence of float
        The metric at each scoring event, oldest first; the first event does not count (H2O's
        initial, empty history row).
    rounds : int
        ``stopping_rounds`` (k); 0 never stops.
    metric : StoppingMetric
        The watched metric.
    tolerance : float
        ``stopping_tolerance``: the relative improvement that counts as progress.

    Returns
    -------
    bool
        True when none of the last k moving averages (window k) improved on the one before them by
        more than ``tolerance``.

    """
    k = rounds
    if k == 0 or len(values) - 1 < 2 * k:
        return False
    averages = []
    for i in range(k + 1):
        start = len(values) - 2 * k + i
        averages.append(sum(values[start : start + k]) / k)
        if math.isnan(averages[-1]):
            return False
    reference, recent = averages[0], averages[1:]
    if metric.bounded_below_by_zero and reference == 0.0:
        return True
    extreme = max(recent) if metric.more_is_better else min(recent)
    if _sign(max(averages)) != _sign(min(averages)) or _sign(extreme) != _sign(reference):
        return False
    if reference == 0.0:  # then extreme is 0 as well: Java's 0/0 is NaN, which never stops
        return False
    ratio = extreme / reference
    return ratio <= 1 + tolerance if metric.more_is_better else ratio >= 1 - tolerance
