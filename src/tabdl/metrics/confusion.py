"""Confusion matrices in H2O's two printed layouts.

* Binomial: h2o-py builds its ``ConfusionMatrix`` from the thresholds table (whole-number counts) at
  the chosen threshold: columns ``"", <classes>, "Error", "Rate"``, rows ``<classes>, "Total"``,
  errors rounded to 4 digits and written as strings, rates as ``" (errors/total)"``.
* Multinomial: H2O's ``ConfusionMatrix.toTable`` (unweighted counts): columns ``<classes>, "Error",
  "Rate"``, one row per actual class then the totals row, rates as ``"errors / total"`` with
  thousands separators.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from tabdl.metrics.tables import H2OTable


class ConfusionMatrix:
    """A confusion matrix (rows: actual class; columns: predicted class) and its H2O table.

    Attributes
    ----------
    table : H2OTable
        The matrix as H2O/h2o-py lays it out; ``table.as_data_frame()`` gives a DataFrame.
    matrix : ndarray
        The counts (or weights), ``matrix[actual][predicted]``.

    """

    def __init__(self, table: H2OTable, matrix: np.ndarray) -> None:
        self.table = table
        self.matrix = np.asarray(matrix, dtype=np.float64)

    def as_data_frame(self) -> pd.DataFrame:
        """Return :attr:`table` as a DataFrame."""
        return self.table.as_data_frame()

    def to_list(self) -> list[list[int]]:
        """Return the counts as a list of lists of ints (rows actual, columns predicted)."""
        return [[int(v) for v in row] for row in self.matrix]

    def __str__(self) -> str:
        return str(self.table)

    def __repr__(self) -> str:
        return str(self)

    def show(self) -> None:
        """Print the table."""
        print(self)


def binomial_cm(
    tns: float, fns: float, fps: float, tps: float, domain: Sequence[str], header: str
) -> ConfusionMatrix:
    """h2o-py's binomial ``ConfusionMatrix`` from the counts of one thresholds-table row."""
    p, n = tps + fns, tns + fps
    actual_rows = [[n - fps, fps], [p - tps, tps]]
    columns = list(zip(*actual_rows, strict=True))  # h2o-py transposes a 2x2 matrix
    totals = [sum(c) for c in columns]
    class_errs, class_sums, err_strings, cells = [], [], [], []
    total_errs = 0.0
    for i in range(2):
        errs = sum(v[i] for j, v in enumerate(columns) if j != i)
        total_errs += errs
        sums = sum(v[i] for v in columns)
        class_sums.append(sums)
        err_strings.append(f" ({errs}/{sums})")
        class_errs.append(math.nan if sums == 0 else round(errs / sums, 4))
        cells.append([v[i] for v in columns] + [str(class_errs[i]), err_strings[i]])
    grand = sum(class_sums)
    total_err = math.nan if grand == 0 else round(total_errs / grand, 4)
    cells.append(totals + [str(total_err), f" ({total_errs}/{grand})"])
    labels = [*domain, "Total"]
    rows = [[label, *row] for label, row in zip(labels, cells, strict=True)]
    table = H2OTable(header, ["", *domain, "Error", "Rate"], rows)
    return ConfusionMatrix(table, np.array(actual_rows))


def _rate(errors: float, total: float, is_int: bool, totals_row: bool) -> str:
    if is_int:
        return f"{int(errors):,} / {int(total):,}"
    return f"{errors:.2f} / {total:.2f}" if totals_row else f"{errors:.4f} / {total:.4f}"


def multinomial_cm(matrix: np.ndarray, domain: Sequence[str]) -> ConfusionMatrix:
    """H2O's ``ConfusionMatrix.toTable`` layout of a K-class matrix (``matrix[actual][pred]``)."""
    cm = np.asarray(matrix, dtype=np.float64)
    is_int = bool(np.all(cm == np.trunc(cm)))
    acts, preds = cm.sum(axis=1), cm.sum(axis=0)
    rows, terr = [], 0.0
    for a in range(len(cm)):
        err = acts[a] - cm[a, a]
        terr += err
        counts = [int(v) if is_int else float(v) for v in cm[a]]
        with np.errstate(divide="ignore", invalid="ignore"):
            rows.append([*counts, float(err / acts[a]), _rate(err, acts[a], is_int, False)])
    nrows = float(acts.sum())
    totals = [int(v) if is_int else float(v) for v in preds]
    total_err = float(np.float32(terr)) / nrows if nrows else math.nan  # H2O: (float) terr / nrows
    rows.append([*totals, total_err, _rate(terr, nrows, is_int, True)])
    kind = "long" if is_int else "double"
    table = H2OTable(
        "Confusion Matrix",
        [*domain, "Error", "Rate"],
        rows,
        description="Row labels: Actual class; Column labels: Predicted class",
        types=[kind] * len(domain) + ["double", "string"],
    )
    return ConfusionMatrix(table, cm)
