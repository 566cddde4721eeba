"""h2o-py's threshold accessors of binomial metrics, and H2O's two threshold tables.

H2O reports, for every bin of its ROC histogram (:mod:`tabdl.metrics.auc`), the threshold and 18
criteria ("Metrics for Thresholds"; the TP/FP/TN/FN columns truncated to whole numbers, as H2O writes
them as ``long``), and for each criterion the bin that maximises it ("Maximum Metrics"). h2o-py's
binomial accessors read these tables: ``metric(name, thresholds)`` returns ``[threshold, value]``
pairs (a list with a ``value`` attribute), at the threshold that maximises the metric by default;
``F1``, ``accuracy``, ``precision`` ... and ``confusion_matrix`` build on it. :class:`ThresholdAccessors`
gives a metrics class these accessors.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from tabdl.errors import DataError
from tabdl.metrics.auc import AUC2, COUNT_CRITERIA, CRITERIA
from tabdl.metrics.confusion import ConfusionMatrix, binomial_cm
from tabdl.metrics.tables import H2OTable

#: h2o-py's metric aliases.
ALIASES = {
    "fallout": "fpr",
    "missrate": "fnr",
    "recall": "tpr",
    "sensitivity": "tpr",
    "specificity": "tnr",
}
MAXIMIZING_METRICS = (*CRITERIA, *ALIASES)


class MetricList(list):
    """h2o-py's metric result: a list of ``[threshold, value]`` pairs, with a ``value`` attribute."""

    value: Any = None


def as_errors(accuracies: MetricList) -> MetricList:
    """h2o-py's ``_accuracy_to_error``: ``1 - value`` for every pair."""
    errors = MetricList([t, 1 - v] for t, v in accuracies)
    v = accuracies.value
    errors.value = [1 - x for x in v] if isinstance(v, list) else 1 - v
    return errors


def thresholds_table(auc: AUC2) -> H2OTable:
    """H2O's "Metrics for Thresholds" table: every criterion at every bin (counts truncated)."""
    cols = {name: auc.criterion(name) for name in CRITERIA}
    rows = []
    for i in range(auc.nbins):
        row: list[Any] = [float(auc.thresholds[i])]
        for name in CRITERIA:
            v = cols[name][i]
            whole = name in COUNT_CRITERIA  # H2O writes these as long: truncated, NaN as 0
            row.append((0 if math.isnan(v) else math.trunc(v)) if whole else float(v))
        rows.append([*row, i])
    return H2OTable(
        "Metrics for Thresholds",
        ["threshold", *CRITERIA, "idx"],
        rows,
        description="Binomial metrics as a function of classification thresholds",
        types=["double"] * 11 + ["long"] * 4 + ["double"] * 4 + ["int"],
    )


def max_metrics_table(auc: AUC2) -> H2OTable:
    """H2O's "Maximum Metrics" table: each criterion's best threshold, value and index."""
    rows = []
    for name in CRITERIA:
        i = auc.max_criterion_idx(name)
        threshold = math.nan if i == -1 else float(auc.thresholds[i])
        value = math.nan if i == -1 else float(auc.criterion(name)[i])
        rows.append([f"max {name}", threshold, value, i])
    return H2OTable(
        "Maximum Metrics",
        ["metric", "threshold", "value", "idx"],
        rows,
        description="Maximum metrics at their respective thresholds",
        types=["string", "double", "double", "long"],
    )


def _as_list(value: Any) -> list:
    """h2o-py's argument handling: a list as is, None as empty, anything else as one item."""
    if isinstance(value, list):
        return list(value)
    return [] if value is None else [value]


class ThresholdAccessors:
    """h2o-py's binomial accessors, for a class with ``_auc``, ``_thresholds_table`` and ``domain``."""

    _auc: AUC2
    _thresholds_table: H2OTable
    domain: list[str]

    def find_threshold_by_max_metric(self, metric: str) -> float:
        """Return the threshold at which ``metric`` is largest."""
        name = ALIASES.get(metric, metric)
        for row in max_metrics_table(self._auc).rows:
            if row[0] == "max " + name.lower():
                return row[1]
        raise DataError(
            f"no metric {metric.lower()!r}; expected one of {', '.join(MAXIMIZING_METRICS)}"
        )

    def find_idx_by_threshold(self, threshold: float) -> int:
        """Index of ``threshold`` in the thresholds table (the closest one, with a warning)."""
        ths = [row[0] for row in self._thresholds_table.rows]
        for i, t in enumerate(ths):
            if abs(t - threshold) < 1e-8 * max(t, threshold):
                return i
        if 0 <= threshold <= 1:
            i = int(np.argmin([abs(t - threshold) for t in ths]))
            warnings.warn(
                f"Could not find exact threshold {threshold}; using closest threshold found {ths[i]}.",
                stacklevel=2,
            )
            return i
        raise DataError(f"Threshold must be between 0 and 1, but got {threshold}")

    def metric(self, metric: str, thresholds: Any = None) -> MetricList:
        """h2o-py's ``metric``: ``[threshold, value]`` pairs at the given thresholds.

        ``thresholds`` None uses the threshold that maximises the metric, ``"all"`` every threshold,
        a number or a list those thresholds.
        """
        if metric not in MAXIMIZING_METRICS:
            raise DataError(f"The only allowable metrics are {', '.join(MAXIMIZING_METRICS)}")
        name = ALIASES.get(metric, metric)
        scalar = thresholds is None or isinstance(thresholds, (int, float))
        table = self._thresholds_table
        col = table.columns.index(name)
        out = MetricList()
        if isinstance(thresholds, str) and thresholds == "all":
            out.extend([row[0], row[col]] for row in table.rows)
        else:
            if thresholds is None:
                ths = [self.find_threshold_by_max_metric(name)]
            else:
                ths = [thresholds] if isinstance(thresholds, (int, float)) else list(thresholds)
            out.extend([t, table.rows[self.find_idx_by_threshold(t)][col]] for t in ths)
        out.value = out[0][1] if scalar else [r[1] for r in out]
        return out

    def F1(self, thresholds: Any = None) -> MetricList:  # noqa: N802 (h2o-py's name)
        """F1 at the max-F1 threshold (or at ``thresholds``)."""
        return self.metric("f1", thresholds)

    def F2(self, thresholds: Any = None) -> MetricList:  # noqa: N802
        """F2."""
        return self.metric("f2", thresholds)

    def F0point5(self, thresholds: Any = None) -> MetricList:  # noqa: N802
        """F0.5."""
        return self.metric("f0point5", thresholds)

    def accuracy(self, thresholds: Any = None) -> MetricList:
        """Accuracy."""
        return self.metric("accuracy", thresholds)

    def error(self, thresholds: Any = None) -> MetricList:
        """``1 - accuracy``."""
        return as_errors(self.metric("accuracy", thresholds))

    def precision(self, thresholds: Any = None) -> MetricList:
        """Precision."""
        return self.metric("precision", thresholds)

    def recall(self, thresholds: Any = None) -> MetricList:
        """Recall (true positive rate)."""
        return self.metric("tpr", thresholds)

    def specificity(self, thresholds: Any = None) -> MetricList:
        """Specificity (true negative rate)."""
        return self.metric("tnr", thresholds)

    def tpr(self, thresholds: Any = None) -> MetricList:
        """Return the true positive rate."""
        return self.metric("tpr", thresholds)

    def tnr(self, thresholds: Any = None) -> MetricList:
        """Return the true negative rate."""
        return self.metric("tnr", thresholds)

    def fpr(self, thresholds: Any = None) -> MetricList:
        """Return the false positive rate."""
        return self.metric("fpr", thresholds)

    def fnr(self, thresholds: Any = None) -> MetricList:
        """Return the false negative rate."""
        return self.metric("fnr", thresholds)

    def mcc(self, thresholds: Any = None) -> MetricList:
        """Absolute Matthews correlation coefficient."""
        return self.metric("absolute_mcc", thresholds)

    def max_per_class_error(self, thresholds: Any = None) -> MetricList:
        """``1 - min_per_class_accuracy`` as ``[threshold, value]`` pairs (h2o-py semantics)."""
        return as_errors(self.metric("min_per_class_accuracy", thresholds))

    @property
    def fprs(self) -> list[float]:
        """False positive rate at every threshold."""
        return self._thresholds_table["fpr"]

    @property
    def tprs(self) -> list[float]:
        """True positive rate at every threshold."""
        return self._thresholds_table["tpr"]

    def roc(self) -> tuple[list[float], list[float]]:
        """Return the ROC curve as ``(false positive rates, true positive rates)``, for plots."""
        return self.fprs, self.tprs

    def confusion_matrix(
        self, metrics: str | list[str] | None = None, thresholds: float | list[float] | None = None
    ) -> ConfusionMatrix | list[ConfusionMatrix] | None:
        """h2o-py's confusion matrix: at the max-F1 threshold by default, else per metric/threshold."""
        if self._auc.nbins == 0:
            return None
        if metrics is None and thresholds is None:
            if self._auc.max_idx == -1:  # no F1 threshold: the rows are all of one class
                return None
            metrics = ["f1"]
        metric_list, threshold_list = _as_list(metrics), _as_list(thresholds)
        for m in metric_list:
            if m.lower() not in MAXIMIZING_METRICS:
                raise DataError(f"The only allowable metrics are {', '.join(MAXIMIZING_METRICS)}")
        metric_thresholds = [self.find_threshold_by_max_metric(m) for m in metric_list]
        offset = len(threshold_list)
        threshold_list += metric_thresholds
        rows = self._thresholds_table.rows
        cms = []
        for i, t in enumerate(threshold_list):
            row = rows[self.find_idx_by_threshold(t)]
            tns, fns, fps, tps = (float(v) for v in row[11:15])
            if t in metric_thresholds and i >= offset:
                header = f"Confusion Matrix (Act/Pred) for max {metric_list[i - offset]} @ "
            else:
                header = "Confusion Matrix (Act/Pred) @ "
            header += f"threshold = {row[0]}"
            cms.append(binomial_cm(tns, fns, fps, tps, self.domain, header))
        return cms[0] if len(cms) == 1 else cms
