"""H2O's ROC/PR summary of a binary problem (``hex.AUC2``), from its binned histogram.

:func:`build_auc` replays H2O's histogram of at most 400 bins (see :mod:`._auc_builder`); the bins,
sorted from the highest threshold down, with cumulative true- and false-positive weights, define
every threshold H2O reports. From them:

* AUC: the trapezoid rule over the (FPR, TPR) points, starting at (0, 0);
* AUCPR: H2O's interpolated precision-recall area (the XGBoost formula): between two bins, TP and FP
  grow linearly together, and the precision ``tp / (tp + fp)`` is integrated exactly over recall
  along that line. This is not the trapezoid rule over (recall, precision) points;
* the threshold criteria (F1, accuracy, MCC, ...) per bin, and the index that maximises each one (the
  first maximum; NaN values never win). The default threshold is the max-F1 one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tabdl.metrics._auc_builder import NBINS, histogram

#: H2O's threshold criteria, in ``AUC2.ThresholdCriterion`` order (columns of its thresholds table).
CRITERIA = (
    "f1",
    "f2",
    "f0point5",
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "absolute_mcc",
    "min_per_class_accuracy",
    "mean_per_class_accuracy",
    "tns",
    "fns",
    "fps",
    "tps",
    "tnr",
    "fnr",
    "fpr",
    "tpr",
)
#: Criteria that are counts (H2O writes them as whole numbers in its thresholds table).
COUNT_CRITERIA = ("tns", "fns", "fps", "tps")
_MAX_DOUBLE = np.finfo(np.float64).max


def _mcc(tp, fp, fn, tn):
    num = tp * tn - fp * fn
    mcc = np.abs(num / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))
    return np.where(num == 0, 0.0, np.where(mcc > 1, 1.0, mcc))


def _f(beta2_num, beta2_den):
    """F-beta as H2O writes it: ``num * (prec * recl) / (den * prec + recl)``."""

    def score(tp, fp, fn, tn):
        prec = tp / (tp + fp)
        recl = tp / (tp + fn)
        return beta2_num * (prec * recl) / (beta2_den * prec + recl)

    return score


_CRITERION_FUNCS = {
    "f1": _f(2.0, 1.0),
    "f2": _f(5.0, 4.0),
    "f0point5": _f(1.25, 0.25),
    "accuracy": lambda tp, fp, fn, tn: (tn + tp) / (tp + fn + tn + fp),
    "precision": lambda tp, fp, fn, tn: tp / (tp + fp),
    "recall": lambda tp, fp, fn, tn: tp / (tp + fn),
    "specificity": lambda tp, fp, fn, tn: tn / (tn + fp),
    "absolute_mcc": _mcc,
    "min_per_class_accuracy": lambda tp, fp, fn, tn: np.minimum(tp / (tp + fn), tn / (tn + fp)),
    "mean_per_class_accuracy": lambda tp, fp, fn, tn: 0.5 * (tp / (tp + fn) + tn / (tn + fp)),
    "tns": lambda tp, fp, fn, tn: tn,
    "fns": lambda tp, fp, fn, tn: fn,
    "fps": lambda tp, fp, fn, tn: fp,
    "tps": lambda tp, fp, fn, tn: tp,
    "tnr": lambda tp, fp, fn, tn: tn / (fp + tn),
    "fnr": lambda tp, fp, fn, tn: fn / (fn + tp),
    "fpr": lambda tp, fp, fn, tn: fp / (fp + tn),
    "tpr": lambda tp, fp, fn, tn: tp / (tp + fn),
}


def _sequential_sum(terms: np.ndarray) -> float:
    """Left-to-right sum, as H2O's loops add (``np.sum`` adds pairwise)."""
    return float(np.cumsum(terms)[-1]) if len(terms) else 0.0


@dataclass(frozen=True)
class AUC2:
    """H2O's binned ROC summary: thresholds (descending) with cumulative TP and FP weights.

    Attributes
    ----------
    thresholds, tps, fps : ndarray
        Bin centres from the highest down, and the weight of positives and negatives at or above
        each one.
    p, n : float
        Total positive and negative weight.

    """

    thresholds: np.ndarray
    tps: np.ndarray
    fps: np.ndarray
    p: float
    n: float

    @classmethod
    def from_histogram(cls, ths: np.ndarray, tps: np.ndarray, fps: np.ndarray) -> AUC2:
        """Reverse an ascending histogram and roll its counts up (``AUC2(AUCBuilder)``)."""
        tp, fp = np.cumsum(tps[::-1]), np.cumsum(fps[::-1])
        p = float(tp[-1]) if len(tp) else 0.0
        n = float(fp[-1]) if len(fp) else 0.0
        return cls(ths[::-1].copy(), tp, fp, p, n)

    @property
    def nbins(self) -> int:
        """Number of bins (thresholds)."""
        return len(self.thresholds)

    @property
    def auc(self) -> float:
        """Area under the ROC curve (trapezoids over the bins)."""
        if self.nbins == 0:
            return float("nan")
        if self.fps[-1] == 0:
            return 1.0
        if self.tps[-1] == 0:
            return 0.0
        tp0 = np.concatenate(([0.0], self.tps[:-1]))
        fp0 = np.concatenate(([0.0], self.fps[:-1]))
        area = _sequential_sum((self.fps - fp0) * (self.tps + tp0) / 2.0)
        return area / self.p / self.n

    @property
    def pr_auc(self) -> float:
        """Area under the precision-recall curve, H2O's interpolated (XGBoost) formula."""
        if self.nbins == 0:
            return float("nan")
        if self.fps[-1] == 0:
            return 1.0
        if self.tps[-1] == 0:
            return 0.0
        tp, fp = self.tps, self.fps
        prevtp = np.concatenate(([0.0], tp[:-1]))
        prevfp = np.concatenate(([0.0], fp[:-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            same = tp == prevtp
            h = np.where(same, 0.0, (fp - prevfp) / (tp - prevtp))
            a = np.where(same, 1.0, 1.0 + h)
            b = np.where(same, 0.0, (prevfp - h * prevtp) / self.p)
            tpp, prevtpp = tp / self.p, prevtp / self.p
            logs = np.log(a * tpp + b) - np.log(a * prevtpp + b)
            curved = (tpp - prevtpp - b / a * logs) / a
            straight = (tpp - prevtpp) / a
        return _sequential_sum(np.where(b != 0.0, curved, straight))

    @property
    def gini(self) -> float:
        """Gini coefficient, ``2 AUC - 1``."""
        return 2 * self.auc - 1

    def counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per bin: true positives, false positives, false negatives, true negatives."""
        return self.tps, self.fps, self.p - self.tps, self.n - self.fps

    def criterion(self, name: str) -> np.ndarray:
        """Return the criterion ``name`` (one of :data:`CRITERIA`) at every bin."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(_CRITERION_FUNCS[name](*self.counts()), dtype=np.float64)

    def max_criterion_idx(self, name: str) -> int:
        """Index of the first bin that maximises ``name``; -1 when none does (all NaN)."""
        values = self.criterion(name)
        ok = ~np.isnan(values) & (values > -_MAX_DOUBLE)
        if not ok.any():
            return -1
        return int(np.argmax(np.where(ok, values, -np.inf)))

    @property
    def max_idx(self) -> int:
        """Index of the max-F1 bin (H2O's default threshold)."""
        return self.max_criterion_idx("f1")

    def default_threshold(self) -> float:
        """Return the max-F1 threshold; 0.5 when there is none."""
        i = self.max_idx
        return 0.5 if i == -1 else float(self.thresholds[i])

    def build_cm(self, idx: int) -> np.ndarray:
        """Confusion matrix ``[[tn, fp], [fn, tp]]`` (rows actual, columns predicted) at a bin."""
        tp, fp, fn, tn = (float(c[idx]) for c in self.counts())
        return np.array([[tn, fp], [fn, tp]])

    def to_dict(self) -> dict:
        """Return the bins as plain lists."""
        return {
            "thresholds": self.thresholds.tolist(),
            "tps": self.tps.tolist(),
            "fps": self.fps.tolist(),
            "p": self.p,
            "n": self.n,
        }

    @classmethod
    def from_dict(cls, d: dict) -> AUC2:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            np.asarray(d["thresholds"], dtype=np.float64),
            np.asarray(d["tps"], dtype=np.float64),
            np.asarray(d["fps"], dtype=np.float64),
            float(d["p"]),
            float(d["n"]),
        )


def empty_auc() -> AUC2:
    """H2O's empty AUC (no bins): every value NaN."""
    empty = np.zeros(0)
    return AUC2(empty, empty, empty, 0.0, 0.0)


def build_auc(
    scores: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    bounds: np.ndarray | None = None,
    nbins: int = NBINS,
) -> AUC2:
    """Build H2O's :class:`AUC2` for positive-class ``scores`` and 0/1 ``labels``.

    ``bounds`` are chunk boundaries among the rows (see :func:`tabdl.metrics._chunks.kept_bounds`).
    """
    if len(scores) == 0:
        return empty_auc()
    ths, tps, fps = histogram(scores, labels, weights, bounds, nbins)
    return AUC2.from_histogram(ths, tps, fps)
