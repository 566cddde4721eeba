"""Multinomial metrics (H2O's ``ModelMetricsMultinomial``) with h2o-py's accessors.

Per row (``MetricBuilderMultinomial.perRow``), with ``p`` the probability of the actual class and
``err = 1 - p``: squared error ``w err^2``, log loss ``w min(-log(1 - err), -log(1e-15))``; R2 uses
the class codes as actual values. The predicted label is the most probable class (the first one on
ties). As in H2O 3.46:

* the confusion matrix counts rows, unweighted, and gives the classification error and the mean
  per-class error; with more than 1000 classes H2O computes no metric at all (all NaN);
* the top-K hit ratios (K = min(10, classes)) add ``w`` for a hit at rank 2..K but count a hit at
  rank 1 as 1 whatever the weight, then divide by the total weight and accumulate in float32;
* AUC and AUCPR follow ``auc_type`` (:mod:`tabdl.metrics.multinomial_auc`); AUTO and NONE (H2O's
  default for multinomial models) give NaN.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tabdl.metrics import _inputs, custom, multinomial_auc
from tabdl.metrics._chunks import h2o_sum, kept_bounds, tree_reduce
from tabdl.metrics._scores import probability_scores
from tabdl.metrics.base import ModelMetricsBase, as_float, fmt
from tabdl.metrics.confusion import ConfusionMatrix, multinomial_cm
from tabdl.metrics.tables import H2OTable

#: H2O's ``sys.ai.h2o.cm.maxClasses``: above it H2O builds no confusion matrix and no metric.
MAX_CM_CLASSES = 1000
NOT_COMPUTED = (
    "{name} table was not computed: it is either disabled (model parameter 'auc_type' was set to "
    "AUTO or NONE) or the domain size exceeds the limit (maximum is 50 domains)."
)


class ModelMetricsMultinomial(ModelMetricsBase):
    """Multinomial metrics (see :func:`multinomial_metrics`)."""

    schema = "ModelMetricsMultinomial"

    @property
    def domain(self) -> list[str]:
        """The class labels."""
        return list(self._values["domain"])

    @property
    def auc_type(self) -> str:
        """The ``auc_type`` the AUC and AUCPR follow."""
        return self._values["auc_type"]

    def logloss(self) -> float:
        """Log loss (weighted)."""
        return as_float(self._values["logloss"])

    def _cm_matrix(self) -> np.ndarray | None:
        cm = self._values.get("cm")
        return None if cm is None else np.asarray(cm, dtype=np.float64)

    def default_mean_per_class_error(self) -> float:
        """Return the mean per-class error (the name binomial metrics give it for stopping)."""
        return self.mean_per_class_error()

    def mean_per_class_error(self) -> float:
        """Mean over classes of the share of rows of that class predicted wrongly (unweighted)."""
        cm = self._cm_matrix()
        if cm is None:
            return math.nan
        total = 0.0
        for c in range(len(cm)):
            s = h2o_sum(cm[c], np.array([0, len(cm)]))
            total += 0.0 if s == 0 else (s - cm[c][c]) / s
        return float(total / len(cm))

    def classification_error(self) -> float:
        """Share of rows whose most probable class is wrong (unweighted, as H2O's ``cm.err()``)."""
        cm = self._cm_matrix()
        if cm is None:
            return math.nan
        n = 0.0
        for row in cm:
            n += h2o_sum(row, np.array([0, len(row)]))
        err = n
        for d in range(len(cm)):
            err -= cm[d][d]
        return float(err / n)

    def confusion_matrix(self) -> ConfusionMatrix | None:
        """H2O's confusion matrix (actual by predicted class, with errors and rates)."""
        cm = self._cm_matrix()
        return None if cm is None else multinomial_cm(cm, self.domain)

    def hit_ratios(self) -> list[float]:
        """Top-1 .. top-K hit ratios (H2O's float32 values, as its JSON shows them)."""
        return [float(v) for v in self._values["hit_ratios"]]

    def hit_ratio_table(self) -> H2OTable | None:
        """H2O's "Top-K Hit Ratios" table."""
        hr = self._values.get("hit_ratios")
        if hr is None:
            return None
        rows = [[str(k + 1), float(v)] for k, v in enumerate(hr)]
        return H2OTable(
            f"Top-{len(hr)} Hit Ratios",
            ["k", "hit_ratio"],
            rows,
            description="",
            types=["string", "float"],
        )

    def auc(self) -> float:
        """AUC per ``auc_type`` (NaN for AUTO and NONE)."""
        return multinomial_auc.value(self._values.get("auc_parts"), self.auc_type, pr=False)

    def aucpr(self) -> float:
        """AUCPR per ``auc_type`` (NaN for AUTO and NONE)."""
        return multinomial_auc.value(self._values.get("auc_parts"), self.auc_type, pr=True)

    def pr_auc(self) -> float:
        """Alias of :meth:`aucpr`."""
        return self.aucpr()

    def multinomial_auc_table(self) -> H2OTable | None:
        """H2O's per-class and per-pair AUC table; None when not computed."""
        parts = self._values.get("auc_parts")
        return None if parts is None else multinomial_auc.table(parts, self.domain, pr=False)

    def multinomial_aucpr_table(self) -> H2OTable | None:
        """H2O's per-class and per-pair AUCPR table; None when not computed."""
        parts = self._values.get("auc_parts")
        return None if parts is None else multinomial_auc.table(parts, self.domain, pr=True)

    def _tables_dict(self) -> dict[str, Any]:
        tables = {
            "cm": self.confusion_matrix(),
            "hit_ratio_table": self.hit_ratio_table(),
            "multinomial_auc_table": self.multinomial_auc_table(),
            "multinomial_aucpr_table": self.multinomial_aucpr_table(),
        }
        out = {}
        for key, t in tables.items():
            t = t.table if isinstance(t, ConfusionMatrix) else t
            out[key] = None if t is None else t.to_dict()
        return out

    def _scalar_lines(self) -> list[str]:
        lines = super()._scalar_lines() + [
            f"LogLoss: {fmt(self.logloss())}",
            f"Mean Per-Class Error: {fmt(self.mean_per_class_error())}",
        ]
        for label, v in (("AUC", self.auc()), ("AUCPR", self.aucpr())):
            if not math.isnan(v):
                lines.append(f"{label}: {fmt(v)}")
        return lines

    def _table_items(self) -> list[Any]:
        limit = int(self._values.get("max_confusion_matrix_size", 20))
        too_large = len(self.domain) > limit
        items: list[Any] = []
        for name, t in (
            ("AUC", self.multinomial_auc_table()),
            ("AUCPR", self.multinomial_aucpr_table()),
        ):
            if t is None:
                items.append(NOT_COMPUTED.format(name=name))
            else:
                items.append(
                    f"{t.header}: too large to print ({len(self.domain)} classes)"
                    if too_large
                    else t
                )
        cm = self.confusion_matrix()
        if cm is not None:
            items.append(
                f"Confusion Matrix: too large to print ({len(self.domain)} classes > "
                f"max_confusion_matrix_size = {limit})"
                if too_large
                else cm.table
            )
        hr = self.hit_ratio_table()
        if hr is not None:
            items.append(hr)
        return items


def _hit_ranks(probs: np.ndarray, codes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Rank (0-based) of the actual class among the classes sorted by probability."""
    p_act = probs[np.arange(len(codes)), codes][:, None]
    cols = np.arange(probs.shape[1])[None, :]
    ahead = (probs > p_act) | ((probs == p_act) & (cols < codes[:, None]))
    return np.where(labels == codes, 0, np.maximum(1, ahead.sum(axis=1)))


def _hits(ranks: np.ndarray, w: np.ndarray, k_hits: int, n_classes: int, bounds) -> np.ndarray:
    """H2O's weighted hit counts per rank (rank 1 counted unweighted, as ``updateHits`` does)."""
    add = np.where(ranks == 0, 1.0, w)
    rank = np.where((ranks >= k_hits) & (k_hits == n_classes), k_hits - 1, ranks)
    use = rank < k_hits
    parts = [
        np.bincount(rank[s:e][use[s:e]], weights=add[s:e][use[s:e]], minlength=k_hits)
        for s, e in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    return tree_reduce(parts, operator.add)


def _hit_ratios(hits: np.ndarray, wcount: float) -> list[float]:
    """Cumulative hit ratios in float32, written as H2O's JSON writes floats (shortest digits)."""
    hr = np.cumsum((hits / wcount).astype(np.float32), dtype=np.float32)
    return [float(str(v)) for v in hr]


def _unscored(labels: list[str], auc_type: str, limit: int) -> dict[str, Any]:
    """H2O with more than ``MAX_CM_CLASSES`` classes: it scores no row, every metric is NaN."""
    return {
        "nobs": 0,
        "MSE": math.nan,
        "r2": math.nan,
        "logloss": math.nan,
        "domain": labels,
        "cm": None,
        "hit_ratios": None,
        "auc_type": auc_type,
        "auc_parts": None,
        "max_confusion_matrix_size": limit,
    }


def multinomial_metrics(
    actual: Any,
    probabilities: Any,
    weights: Any = None,
    *,
    domain: Sequence[str],
    auc_type: str = "AUTO",
    max_confusion_matrix_size: int = 20,
    custom_metric: Callable | object | None = None,
    description: str | None = None,
    chunk_rows: Sequence[int] | None = None,
) -> ModelMetricsMultinomial:
    """Compute H2O's multinomial metrics from class probabilities.

    Parameters
    ----------
    actual : array-like
        Class codes 0..K-1 (positions in ``domain``); rows where it is NaN are left out.
    probabilities : array-like of shape (n, K)
        Class probabilities; rows with a NaN are left out.
    weights : array-like of float, optional
        Observation weights (all 1 when None); rows of weight 0 are left out.
    domain : sequence of str
        The K class labels.
    auc_type : str, default="AUTO"
        AUTO or NONE (no AUC, H2O's default for multinomial), MACRO_OVR, WEIGHTED_OVR, MACRO_OVO or
        WEIGHTED_OVO.
    max_confusion_matrix_size : int, default=20
        With more classes, the printed form leaves out the confusion matrix and AUC tables (the
        accessors still return them).
    custom_metric : callable or object, optional
        See :mod:`tabdl.metrics.custom`.
    description : str, optional
        What the metrics are reported on (``"train"``, ``"validation"``...), for the printed form.
    chunk_rows : sequence of int, optional
        Sizes of the chunks H2O would split the rows into (tabdl addition; see
        :func:`tabdl.metrics.binomial_metrics`). None: one chunk.

    Returns
    -------
    ModelMetricsMultinomial

    Examples
    --------
    >>> m = multinomial_metrics([0, 1, 2], [[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.5, 0.1, 0.4]],
    ...                         domain=["a", "b", "c"])
    >>> round(m.classification_error(), 4)
    0.3333

    """
    a = _inputs.vector("actual", actual)
    labels = _inputs.domain_list(domain, None, "multinomial")
    k = len(labels)
    probs = _inputs.probability_matrix(probabilities, len(a), k, "multinomial")
    w = _inputs.weight_vector(weights, len(a))
    auc_type = _inputs.choice("auc_type", auc_type, multinomial_auc.AUC_TYPES)
    keep = _inputs.kept_rows(a, w, probs)
    bounds = kept_bounds(keep, chunk_rows)
    probs, w = probs[keep], w[keep]
    codes = _inputs.class_codes(a[keep], k)
    if k > MAX_CM_CLASSES:
        values = _unscored(labels, auc_type, max_confusion_matrix_size)
        return ModelMetricsMultinomial(values, description=description)
    predicted = np.argmax(probs, axis=1)
    scores = probability_scores(probs, codes, w, bounds)
    cm = np.zeros((k, k))
    np.add.at(cm, (codes, predicted), 1.0)
    k_hits = min(10, k)
    hits = _hits(_hit_ranks(probs, codes, predicted), w, k_hits, k, bounds)
    compute_auc = auc_type not in ("AUTO", "NONE") and k <= multinomial_auc.MAX_AUC_CLASSES
    values = {
        **scores,
        "domain": labels,
        "cm": cm.tolist(),
        "hit_ratios": _hit_ratios(hits, h2o_sum(w, bounds)),
        "auc_type": auc_type,
        "auc_parts": multinomial_auc.compute(probs, codes, w, labels, bounds)
        if compute_auc
        else None,
        "max_confusion_matrix_size": int(max_confusion_matrix_size),
    }
    result = custom.evaluate_classification(custom_metric, codes, probs, w, predicted)
    return ModelMetricsMultinomial(values, description=description, custom_metric=result)
