"""H2O's Gains/Lift table (``hex.GainsLift``).

Rows are cut into groups by quantiles of the predicted positive-class probability, computed with
H2O's (weighted) quantile algorithm (:func:`tabdl.metrics.quantile.h2o_quantiles`):

* ``gainslift_bins = -1`` (H2O's automatic choice): the quantiles at 0.99, 0.98, 0.97, 0.96, 0.95,
  0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1 and 0, so up to 16 groups;
* ``gainslift_bins = k > 0``: the quantiles at ``(k - i - 1) / k`` for ``i = 0..k-1``;
* ``gainslift_bins = 0``: no table.

Equal quantiles are dropped, and a row belongs to the first group whose lower threshold it reaches.
H2O counts rows and events per group in whole numbers: each row adds ``floor(weight)`` (its
``long`` counters truncate), while the average scores use the exact weights. ``lift_top_group`` is
the response rate of the first group over the overall response rate.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

from tabdl.errors import DataError
from tabdl.metrics._chunks import h2o_sum, tree_reduce
from tabdl.metrics.quantile import h2o_quantiles
from tabdl.metrics.tables import H2OTable

#: Probabilities of H2O's automatic grouping (``gainslift_bins = -1``).
AUTO_PROBS = (0.99, 0.98, 0.97, 0.96, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0)

COLUMNS = (
    "group",
    "cumulative_data_fraction",
    "lower_threshold",
    "lift",
    "cumulative_lift",
    "response_rate",
    "score",
    "cumulative_response_rate",
    "cumulative_score",
    "capture_rate",
    "cumulative_capture_rate",
    "gain",
    "cumulative_gain",
    "kolmogorov_smirnov",
)


@dataclass(frozen=True)
class GainsLift:
    """Per-group counts of H2O's Gains/Lift table.

    Attributes
    ----------
    thresholds : ndarray
        Lower threshold of each group, descending.
    events, observations : ndarray
        Whole-number weight of positives and of all rows per group.
    score_sums : ndarray
        Weighted sum of the predictions per group.
    avg_response : float
        Whole-number weight of all positives.
    score_sum : float
        Weighted sum of all predictions.

    """

    thresholds: np.ndarray
    events: np.ndarray
    observations: np.ndarray
    score_sums: np.ndarray
    avg_response: float
    score_sum: float

    @property
    def total(self) -> float:
        """Whole-number weight of all grouped rows (H2O's ``N``)."""
        return float(np.sum(self.observations))

    @property
    def avg_response_rate(self) -> float:
        """Positive weight over all weight (H2O's ``P``)."""
        return self.avg_response / self.total if self.total else float("nan")

    @property
    def response_rates(self) -> np.ndarray:
        """Share of positives per group (0 for an empty group)."""
        obs = self.observations
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(obs == 0, 0.0, self.events / obs)

    def lift_top_group(self) -> float:
        """Return the response rate of the first group over the average response rate."""
        return float(self.response_rates[0] / self.avg_response_rate)

    def table(self) -> H2OTable | None:
        """H2O's "Gains/Lift Table" (None when the response rate is undefined)."""
        big_p = self.avg_response_rate
        if np.isnan(big_p):
            return None
        n_all = self.total
        e_all = np.floor(n_all * big_p + 0.5)  # Java's Math.round
        e, n, rate = self.events, self.observations, self.response_rates
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(n == 0, 0.0, self.score_sums / n)
            cum_e, cum_n, cum_s = np.cumsum(e), np.cumsum(n), np.cumsum(n * score)
            lift = rate / big_p
            cum_lift = cum_e / cum_n / big_p
            cum_capture = cum_e / e_all
            non_events = n_all - e_all
            cum_non_event = 0.0 if non_events == 0 else (cum_n - cum_e) / non_events
            columns = [
                cum_n / n_all,
                self.thresholds,
                lift,
                cum_lift,
                rate,
                score,
                cum_e / cum_n,
                cum_s / cum_n,
                e / e_all,
                cum_capture,
                100 * (lift - 1),
                100 * (cum_lift - 1),
                cum_capture - cum_non_event,
            ]
        rows = [[i + 1, *(float(c[i]) for c in columns)] for i in range(len(e))]
        avg_score = self.score_sum / n_all
        description = f"Avg response rate: {100 * big_p:.2f} %, avg score: {100 * avg_score:.2f} %"
        types = ["int"] + ["double"] * (len(COLUMNS) - 1)
        return H2OTable("Gains/Lift Table", COLUMNS, rows, description=description, types=types)

    def to_dict(self) -> dict:
        """Return the counts as plain lists."""
        return {
            "thresholds": self.thresholds.tolist(),
            "events": self.events.tolist(),
            "observations": self.observations.tolist(),
            "score_sums": self.score_sums.tolist(),
            "avg_response": self.avg_response,
            "score_sum": self.score_sum,
        }

    @classmethod
    def from_dict(cls, d: dict) -> GainsLift:
        """Rebuild from :meth:`to_dict` output."""
        arr = {
            k: np.asarray(d[k], dtype=np.float64)
            for k in ("thresholds", "events", "observations", "score_sums")
        }
        return cls(**arr, avg_response=float(d["avg_response"]), score_sum=float(d["score_sum"]))


def group_probabilities(gainslift_bins: int) -> tuple[float, ...] | None:
    """Quantile probabilities for ``gainslift_bins`` (-1: automatic; 0: no table)."""
    if gainslift_bins == -1:
        return AUTO_PROBS
    if gainslift_bins == 0:
        return None
    if gainslift_bins < -1:
        raise DataError(
            f"gainslift_bins must be -1 (automatic), 0 (none) or positive, got {gainslift_bins}"
        )
    k = int(gainslift_bins)
    return tuple((k - i - 1.0) / k for i in range(k))


def gains_lift(
    scores: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    gainslift_bins: int = -1,
    bounds: np.ndarray | None = None,
) -> GainsLift | None:
    """Compute H2O's Gains/Lift groups for positive-class ``scores`` and 0/1 ``labels``.

    ``bounds`` are chunk boundaries (see :mod:`tabdl.metrics._chunks`); None means one chunk.
    """
    probs = group_probabilities(gainslift_bins)
    if probs is None:
        return None
    if bounds is None:
        bounds = np.array([0, len(scores)])
    q = h2o_quantiles(scores, probs, weights, bounds)
    thresholds = np.unique(q[~np.isnan(q)])[::-1]
    k = len(thresholds)
    # a row belongs to the first group whose lower threshold it reaches (k: to none)
    group = k - np.searchsorted(thresholds[::-1], scores, side="right")
    in_group = group < k
    whole = np.floor(weights)  # H2O's long counters: each row adds floor(w)
    positive = labels == 1
    weighted_scores = scores * weights

    def chunked_bincount(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        parts = [
            np.bincount(group[s:e][mask[s:e]], weights=values[s:e][mask[s:e]], minlength=k)
            for s, e in zip(bounds[:-1], bounds[1:], strict=True)
        ]
        return tree_reduce(parts, operator.add)

    return GainsLift(
        thresholds=thresholds,
        events=chunked_bincount(whole, in_group & positive),
        observations=chunked_bincount(whole, in_group),
        score_sums=chunked_bincount(weighted_scores, in_group),
        avg_response=float(np.sum(whole[positive])),
        score_sum=h2o_sum(weighted_scores, bounds),
    )
