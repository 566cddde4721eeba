"""What every metrics object shares: the common accessors, the dict form and the printed form.

The printed form follows h2o-py's ``MetricsBase``: a title line ``"<schema>: deeplearning"``, the
``** Reported on <description> data. **`` line, the custom metric if any, the scalar lines, then the
tables, separated as h2o-py separates them (one newline between text lines, two around tables).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from tabdl.errors import DataError


def plain(value: Any) -> Any:
    """Convert numpy scalars and arrays (nested) into plain Python values for JSON."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def as_float(value: Any) -> float:
    """Read a float written by :meth:`ModelMetricsBase.to_dict` (None stands for NaN)."""
    return math.nan if value is None else float(value)


def weighted_sigma(count: int, wcount: float, wy: float, wyy: float) -> float:
    """H2O's ``MetricBuilder.weightedSigma``: the weighted standard deviation of the actuals."""
    if count <= 1:
        return 0.0
    return math.sqrt(1.0 * (wyy / wcount - wy * wy / (wcount * wcount)))


def r2_from(mse: float, sigma: float) -> float:
    """``1 - MSE / sigma^2`` as ``ModelMetricsSupervised.r2`` computes it."""
    var = sigma * sigma
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(1.0 - np.float64(mse) / np.float64(var))


def fmt(value: float) -> str:
    """Format a scalar as h2o-py prints it (``repr``; H2O's JSON NaN prints as ``NaN``)."""
    value = float(value)
    return "NaN" if math.isnan(value) else repr(value)


def join_items(items: list[Any]) -> str:
    """h2o-py's ``format_to_multiline``: newline between items, a blank line around tables."""
    out = []
    for i, it in enumerate(items):
        out.append(str(it))
        if i < len(items) - 1:
            nex = items[i + 1]
            out.append("\n\n" if not isinstance(it, str) or not isinstance(nex, str) else "\n")
    return "".join(out)


class ModelMetricsBase:
    """Common part of the tabdl metrics objects (H2O's ``ModelMetrics``).

    Subclasses keep their values in ``self._values`` (JSON-ready) and list what their printed form
    shows in :meth:`_print_items`.
    """

    #: H2O's metrics schema name, shown on the first printed line.
    schema: ClassVar[str] = "ModelMetrics"
    #: Algorithm name shown after the schema name.
    algo: ClassVar[str] = "deeplearning"

    def __init__(
        self,
        values: dict[str, Any],
        *,
        description: str | None = None,
        custom_metric: tuple[str, float] | None = None,
    ) -> None:
        self._values = dict(values)
        #: What the metrics were computed on, printed as "** Reported on <description> data. **".
        self.description = description
        self._custom = custom_metric

    # -- accessors common to every kind ---------------------------------------------------------------

    def nobs(self) -> int:
        """Return the number of rows scored (rows with a missing actual or zero weight are not counted)."""
        return int(self._values["nobs"])

    def mse(self) -> float:
        """Mean squared error (weighted)."""
        return as_float(self._values["MSE"])

    def rmse(self) -> float:
        """Root mean squared error."""
        return math.sqrt(self.mse()) if not math.isnan(self.mse()) else math.nan

    def r2(self) -> float:
        """R squared: ``1 - MSE / variance`` of the actuals (class codes for classification)."""
        return as_float(self._values.get("r2"))

    def custom_metric_name(self) -> str | None:
        """Name of the custom metric, or None without one."""
        return None if self._custom is None else self._custom[0]

    def custom_metric_value(self) -> float | None:
        """Value of the custom metric, or None without one."""
        return None if self._custom is None else self._custom[1]

    # -- dict form -----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return every metric and table as plain JSON-serialisable data (NaN stays a float)."""
        d = {
            "model_category": self.schema,
            "description": self.description,
            "custom_metric": None
            if self._custom is None
            else {"name": self._custom[0], "value": self._custom[1]},
            "values": plain(self._values),
        }
        d.update(plain(self._tables_dict()))
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelMetricsBase:
        """Rebuild a metrics object from :meth:`to_dict` output (the custom metric keeps its value)."""
        if d.get("model_category") != cls.schema:
            raise DataError(f"{cls.__name__}.from_dict got a {d.get('model_category')!r} dict")
        custom = d.get("custom_metric")
        return cls(
            d["values"],
            description=d.get("description"),
            custom_metric=None if custom is None else (custom["name"], as_float(custom["value"])),
        )

    def _tables_dict(self) -> dict[str, Any]:
        """Return the rendered tables stored next to the values (from_dict recomputes them)."""
        return {}

    # -- printed form --------------------------------------------------------------------------------

    def _scalar_lines(self) -> list[str]:
        return [f"MSE: {fmt(self.mse())}", f"RMSE: {fmt(self.rmse())}"]

    def _table_items(self) -> list[Any]:
        return []

    def _print_items(self) -> list[Any]:
        items: list[Any] = [
            f"{self.schema}: {self.algo}",
            f"** Reported on {self.description or 'test'} data. **",
            "",
        ]
        if self._custom is not None:
            items.append(f"{self._custom[0]}: {fmt(self._custom[1])}")
        return items + self._scalar_lines() + self._table_items()

    def __str__(self) -> str:
        return join_items(self._print_items())

    def __repr__(self) -> str:
        return str(self)

    def show(self) -> None:
        """Print the metrics as h2o-py prints a ModelMetrics object."""
        print(self)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.to_dict().__repr__() == self.to_dict().__repr__()

    __hash__ = None  # type: ignore[assignment]
