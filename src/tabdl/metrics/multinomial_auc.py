"""H2O's multinomial AUC and AUCPR (``hex.MultinomialAUC``).

For K classes (at most 50; H2O skips the computation above that, and for ``auc_type`` AUTO or NONE):

* one-vs-rest: for each class ``i``, the binary AUC of score ``p_i`` with class ``i`` positive, over
  all rows. Macro OVR averages them; weighted OVR weights them by the (weighted) number of positives;
* one-vs-one: for each pair ``i < j``, the mean of two binary AUCs over the rows of classes ``i`` and
  ``j``: score ``p_j`` with ``j`` positive, and score ``p_i`` with ``i`` positive (a pair without
  rows counts as 0). Macro OVO averages the pairs; weighted OVO weights each pair by its share of
  the rows.

Each binary AUC uses H2O's binned histogram (:mod:`tabdl.metrics.auc`), fed in row order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tabdl.metrics._chunks import kept_bounds
from tabdl.metrics.auc import AUC2, build_auc, empty_auc
from tabdl.metrics.tables import H2OTable

#: H2O computes multinomial AUC for at most this many classes.
MAX_AUC_CLASSES = 50
AUC_TYPES = ("AUTO", "NONE", "MACRO_OVR", "WEIGHTED_OVR", "MACRO_OVO", "WEIGHTED_OVO")


def _auc_pair(auc: AUC2) -> tuple[float, float]:
    return auc.auc, auc.pr_auc


def _subset_auc(scores, positive, w, rows: np.ndarray, bounds: np.ndarray) -> AUC2:
    """Binary AUC over the rows in ``rows`` (a mask), keeping H2O's chunk split."""
    if not rows.any():
        return empty_auc()
    return build_auc(
        scores[rows], positive[rows].astype(np.int64), w[rows], _sub_bounds(rows, bounds)
    )


def _sub_bounds(rows: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    sizes = np.diff(bounds)
    return kept_bounds(rows, sizes.tolist())


def compute(
    probs: np.ndarray, codes: np.ndarray, w: np.ndarray, domain: Sequence[str], bounds: np.ndarray
) -> dict[str, Any]:
    """Per-class and per-pair AUC/AUCPR with their weights, as plain data."""
    k = len(domain)
    ovr = []
    for i in range(k):
        auc = build_auc(probs[:, i], (codes == i).astype(np.int64), w, bounds)
        a, pr = _auc_pair(auc)
        ovr.append({"auc": a, "aucpr": pr, "positives": auc.p, "ncases": auc.n + auc.p})
    ovo = []
    for i in range(k - 1):
        for j in range(i + 1, k):
            rows = (codes == i) | (codes == j)
            first = _subset_auc(probs[:, j], codes == j, w, rows, bounds)
            second = _subset_auc(probs[:, i], codes == i, w, rows, bounds)
            a = (first.auc + second.auc) / 2
            pr = (first.pr_auc + second.pr_auc) / 2
            ovo.append(
                {
                    "first": domain[i],
                    "second": domain[j],
                    "auc": 0.0 if math.isnan(a) else a,
                    "aucpr": 0.0 if math.isnan(pr) else pr,
                    "sum_positives": first.p + second.p,
                }
            )
    return {"ovr": ovr, "ovo": ovo}


def aggregates(parts: dict[str, Any]) -> dict[str, float]:
    """Macro and weighted OVR/OVO averages of AUC and AUCPR (H2O's summation order)."""
    ovr, ovo = parts["ovr"], parts["ovo"]
    out = {}
    for key, suffix in (("auc", ""), ("aucpr", "_pr")):
        macro_ovr = weighted_ovr = sum_pos = 0.0
        for c in ovr:
            macro_ovr += c[key]
            weighted_ovr += c[key] * c["positives"]
            sum_pos += c["positives"]
        out["macro_ovr" + suffix] = macro_ovr / len(ovr)
        out["weighted_ovr" + suffix] = weighted_ovr / sum_pos
        n = ovr[0]["ncases"]
        macro_ovo = weighted_ovo = sum_w = 0.0
        for p in ovo:
            macro_ovo += p[key]
            weight = p["sum_positives"] / n
            weighted_ovo += p[key] * weight
            sum_w += weight
        out["macro_ovo" + suffix] = macro_ovo / len(ovo)
        out["weighted_ovo" + suffix] = weighted_ovo / sum_w
    return out


def table(parts: dict[str, Any], domain: Sequence[str], pr: bool) -> H2OTable:
    """H2O's "Multinomial AUC values" (or "auc_pr") table."""
    key, name = ("aucpr", "auc_pr") if pr else ("auc", "AUC")
    agg = aggregates(parts)
    sfx = "_pr" if pr else ""
    rows: list[list[Any]] = [
        [f"{d} vs Rest", d, None, c[key]] for d, c in zip(domain, parts["ovr"], strict=True)
    ]
    rows += [
        ["Macro OVR", None, None, agg["macro_ovr" + sfx]],
        ["Weighted OVR", None, None, agg["weighted_ovr" + sfx]],
    ]
    rows += [
        [f"Class {p['first']} vs. {p['second']}", p["first"], p["second"], p[key]]
        for p in parts["ovo"]
    ]
    rows += [
        ["Macro OVO", None, None, agg["macro_ovo" + sfx]],
        ["Weighted OVO", None, None, agg["weighted_ovo" + sfx]],
    ]
    return H2OTable(
        f"Multinomial {name} values",
        ["type", "first_class_domain", "second_class_domain", name.lower()],
        rows,
        description="",
        types=["string", "string", "string", "double"],
    )


def value(parts: dict[str, Any] | None, auc_type: str, pr: bool) -> float:
    """Return the AUC (or AUCPR) that ``auc_type`` selects; NaN when not computed."""
    if parts is None:
        return math.nan
    agg = aggregates(parts)
    sfx = "_pr" if pr else ""
    if auc_type in ("MACRO_OVR", "MACRO_OVO", "WEIGHTED_OVO", "WEIGHTED_OVR"):
        return agg[auc_type.lower() + sfx]
    return agg["weighted_ovr_pr"] if pr else math.nan
