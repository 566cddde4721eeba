"""Binomial metrics (H2O's ``ModelMetricsBinomial``) with h2o-py's accessors.

Per row (``MetricBuilderBinomial.perRow``), with ``p`` the predicted probability of the actual class
and ``err = 1 - p``: squared error ``w err^2`` and log loss ``w min(-log(1 - err), -log(1e-15))``.
R2 uses the class codes (0/1) as the actual values. AUC, AUCPR, the thresholds table, the confusion
matrix and the default (max-F1) threshold come from H2O's binned ROC histogram
(:mod:`tabdl.metrics.auc`); the Gains/Lift table from :mod:`tabdl.metrics.gainslift`.

The threshold-dependent accessors (``F1``, ``accuracy``, ``metric``, ``confusion_matrix`` ...) are
h2o-py's; see :mod:`tabdl.metrics.thresholds`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from tabdl.metrics import _inputs, custom
from tabdl.metrics._chunks import kept_bounds
from tabdl.metrics._scores import probability_scores
from tabdl.metrics.auc import AUC2, build_auc
from tabdl.metrics.base import ModelMetricsBase, as_float, fmt
from tabdl.metrics.gainslift import GainsLift, gains_lift
from tabdl.metrics.tables import H2OTable, H2OTableFrame, table_frame
from tabdl.metrics.thresholds import (
    MetricList,
    ThresholdAccessors,
    as_errors,
    max_metrics_table,
    thresholds_table,
)


def _cm_error_rates(cm: np.ndarray) -> tuple[float, float]:
    """``ConfusionMatrix.mean_per_class_error`` and ``err`` of H2O's (weighted) 2x2 matrix."""
    c = cm.tolist()
    class_errs = []
    for i in range(2):
        s = 0.0 + c[i][0] + c[i][1]
        class_errs.append(0.0 if s == 0 else (s - c[i][i]) / s)
    n = (0.0 + (0.0 + c[0][0] + c[0][1])) + (0.0 + c[1][0] + c[1][1])
    return (0.0 + class_errs[0] + class_errs[1]) / 2, (n - c[0][0] - c[1][1]) / n


class ModelMetricsBinomial(ThresholdAccessors, ModelMetricsBase):
    """Binomial metrics (see :func:`binomial_metrics`)."""

    schema = "ModelMetricsBinomial"

    @cached_property
    def _auc(self) -> AUC2:
        return AUC2.from_dict(self._values["auc2"])

    @cached_property
    def _gains(self) -> GainsLift | None:
        gl = self._values.get("gains_lift")
        return None if gl is None else GainsLift.from_dict(gl)

    @property
    def domain(self) -> list[str]:
        """The two class labels (the second is the positive class)."""
        return list(self._values["domain"])

    # -- scalars ---------------------------------------------------------------------------------------

    def logloss(self) -> float:
        """Log loss (weighted)."""
        return as_float(self._values["logloss"])

    def auc(self) -> float:
        """Area under the ROC curve, from H2O's 400-bin histogram."""
        return self._auc.auc

    def aucpr(self) -> float:
        """Area under the precision-recall curve (H2O's interpolated formula)."""
        return self._auc.pr_auc

    def pr_auc(self) -> float:
        """Alias of :meth:`aucpr`."""
        return self.aucpr()

    def gini(self) -> float:
        """``2 AUC - 1``."""
        return self._auc.gini

    def default_threshold(self) -> float:
        """Return the max-F1 threshold, which H2O uses to turn probabilities into labels."""
        return self._auc.default_threshold()

    def _default_cm(self) -> np.ndarray | None:
        i = self._auc.max_idx
        return None if i == -1 else self._auc.build_cm(i)

    def mean_per_class_error(self, thresholds: Any = None) -> MetricList:
        """h2o-py's mean per-class error: ``[[threshold, error]]`` pairs, ``.value`` the error.

        Without ``thresholds``, at the threshold that minimises it (h2o-py's rule); with a number, a
        list or ``"all"``, at those thresholds. The value H2O's scoring history and early stopping
        use, at the max-F1 threshold, is :meth:`default_mean_per_class_error`.
        """
        return as_errors(self.metric("mean_per_class_accuracy", thresholds=thresholds))

    def default_mean_per_class_error(self) -> float:
        """Mean per-class error at the max-F1 threshold (H2O's metric, history and stopping value)."""
        cm = self._default_cm()
        return math.nan if cm is None else _cm_error_rates(cm)[0]

    def classification_error(self) -> float:
        """Misclassification rate at the max-F1 threshold (``training_classification_error``)."""
        cm = self._default_cm()
        return math.nan if cm is None else _cm_error_rates(cm)[1]

    def lift_top_group(self) -> float:
        """Lift of the first Gains/Lift group (``training_lift``); NaN without a table."""
        return math.nan if self._gains is None else self._gains.lift_top_group()

    # -- tables ----------------------------------------------------------------------------------------

    @cached_property
    def _thresholds_table(self) -> H2OTable:
        return thresholds_table(self._auc)

    def thresholds_and_metric_scores(self) -> H2OTableFrame:
        """H2O's "Metrics for Thresholds" table, one row per histogram bin (DataFrame)."""
        return table_frame(self._thresholds_table)

    def max_metrics_table(self) -> H2OTable:
        """H2O's "Maximum Metrics" table: each criterion's best threshold, value and index."""
        return max_metrics_table(self._auc)

    def gains_lift_table(self) -> H2OTable | None:
        """H2O's "Gains/Lift Table" as a table (None when ``gainslift_bins`` was 0)."""
        return None if self._gains is None else self._gains.table()

    def gains_lift(self) -> H2OTableFrame | None:
        """Return the Gains/Lift table as a DataFrame (None when ``gainslift_bins`` was 0)."""
        t = self.gains_lift_table()
        return None if t is None else table_frame(t)

    # -- plots ---------------------------------------------------------------------------------------

    def plot(
        self,
        type: str = "roc",  # noqa: A002 (h2o-py's name)
        server: bool = False,
        save_plot_path: str | None = None,
        plot: bool = True,
    ) -> Any:
        """Plot the ROC (``"roc"``), precision-recall (``"pr"``) or gains/lift (``"gains_lift"``) curve.

        h2o-py's signature. Returns a matplotlib Figure (never shown in a window; ``server`` is
        accepted and ignored), also saved to ``save_plot_path`` when given; with ``plot=False`` the
        curve's values instead: ``(fprs, tprs)``, ``(recalls, precisions)`` or the gains/lift table.
        """
        from tabdl.report.plots import metrics_plot

        return metrics_plot(self, type, save_plot_path, plot)

    # -- dict and printed forms ------------------------------------------------------------------------

    def _tables_dict(self) -> dict[str, Any]:
        cm = self.confusion_matrix()
        gl = self.gains_lift_table()
        return {
            "thresholds_and_metric_scores": self._thresholds_table.to_dict(),
            "max_criteria_and_metric_scores": self.max_metrics_table().to_dict(),
            "gains_lift_table": None if gl is None else gl.to_dict(),
            "cm": None if cm is None else cm.table.to_dict(),
        }

    def _scalar_lines(self) -> list[str]:
        return super()._scalar_lines() + [
            f"LogLoss: {fmt(self.logloss())}",
            f"Mean Per-Class Error: {fmt(self.default_mean_per_class_error())}",
            f"AUC: {fmt(self.auc())}",
            f"AUCPR: {fmt(self.aucpr())}",
            f"Gini: {fmt(self.gini())}",
        ]

    def _table_items(self) -> list[Any]:
        items: list[Any] = []
        cm = self.confusion_matrix()
        if cm is not None:
            items += [cm.table, self.max_metrics_table()]
        gl = self.gains_lift_table()
        if gl is not None:
            items.append(gl)
        return items


def binomial_metrics(
    actual: Any,
    probabilities: Any,
    weights: Any = None,
    *,
    domain: Sequence[str],
    gainslift_bins: int = -1,
    custom_metric: Callable | object | None = None,
    description: str | None = None,
    chunk_rows: Sequence[int] | None = None,
) -> ModelMetricsBinomial:
    """Compute H2O's binomial metrics from class probabilities.

    Parameters
    ----------
    actual : array-like
        Class codes, 0 or 1 (positions in ``domain``); rows where it is NaN are left out.
    probabilities : array-like of shape (n, 2)
        Probabilities of class 0 and class 1; rows with a NaN are left out.
    weights : array-like of float, optional
        Observation weights (all 1 when None); rows of weight 0 are left out.
    domain : sequence of str
        The two class labels; the second is the positive class.
    gainslift_bins : int, default=-1
        Gains/Lift groups: -1 for H2O's automatic quantiles, 0 for no table, k > 0 for k groups.
    custom_metric : callable or object, optional
        See :mod:`tabdl.metrics.custom`.
    description : str, optional
        What the metrics are reported on (``"train"``, ``"validation"``...), for the printed form.
    chunk_rows : sequence of int, optional
        Sizes of the chunks H2O would split the rows into (tabdl addition). H2O's AUC histogram
        merges bins per chunk and then chunk by chunk, so with more than 400 distinct probabilities
        its thresholds depend on the split; giving the sizes reproduces them exactly. None: one chunk.

    Returns
    -------
    ModelMetricsBinomial

    Examples
    --------
    >>> m = binomial_metrics([0, 0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]],
    ...                      domain=["no", "yes"])
    >>> m.auc()
    0.75

    """
    a = _inputs.vector("actual", actual)
    labels = _inputs.domain_list(domain, 2, "binomial")
    probs = _inputs.probability_matrix(probabilities, len(a), 2, "binomial")
    w = _inputs.weight_vector(weights, len(a))
    keep = _inputs.kept_rows(a, w, probs)
    bounds = kept_bounds(keep, chunk_rows)
    probs, w = probs[keep], w[keep]
    codes = _inputs.class_codes(a[keep], 2)
    auc = build_auc(probs[:, 1], codes, w, bounds)
    gl = gains_lift(probs[:, 1], codes, w, gainslift_bins, bounds)
    values = {
        **probability_scores(probs, codes, w, bounds),
        "domain": labels,
        "gainslift_bins": int(gainslift_bins),
        "auc2": auc.to_dict(),
        "gains_lift": None if gl is None else gl.to_dict(),
    }
    label = (probs[:, 1] >= auc.default_threshold()).astype(np.int64)
    result = custom.evaluate_classification(custom_metric, codes, probs, w, label)
    return ModelMetricsBinomial(values, description=description, custom_metric=result)
