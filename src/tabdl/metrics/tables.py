"""H2O's two-dimensional tables (``TwoDimTable``): header, column names, rows, and their printed form.

H2O returns its metric tables (confusion matrix, maximum metrics, gains/lift, hit ratios, multinomial
AUC) as ``TwoDimTable`` objects; h2o-py wraps them as ``H2OTwoDimTable``, whose ``as_data_frame()``
gives a pandas DataFrame and whose printed form is a ``tabulate`` "simple" table with left-aligned
cells, at most 20 rows shown. :class:`H2OTable` mirrors that, without the ``tabulate`` dependency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Rows shown when a table is printed; longer tables show their first and last half (h2o-py's rule).
MAX_PRINTED_ROWS = 20


def _cell_text(value: Any) -> str:
    """Format one cell as ``tabulate`` does by default (floats with ``"g"``, None as blank)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (float, np.floating)):
        return "nan" if math.isnan(value) else format(float(value), "g")
    if isinstance(value, (int, np.integer)):
        return str(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value.strip()
        return value.strip() if math.isnan(number) else format(number, "g")
    return str(value)


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Render rows as a left-aligned plain-text table with a dashed line under the header."""
    text_rows = [[_cell_text(v) for v in row] for row in rows]
    # tabulate pads headers by 2 (MIN_PADDING) and strips the cells' surrounding whitespace
    widths = [
        max([len(str(c)) + 2] + [len(r[j]) for r in text_rows]) for j, c in enumerate(columns)
    ]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in text_rows
    ]
    return "\n".join(lines)


class H2OTable:
    """A small H2O ``TwoDimTable``: a header, a description, column names and rows.

    Parameters
    ----------
    header : str
        Table name, e.g. ``"Maximum Metrics"``.
    columns : sequence of str
        Column names, as H2O's REST API names them (lower case, underscores).
    rows : sequence of sequences
        Cell values, one list per row.
    description : str, optional
        Printed after the header (``"header: description"``), as h2o-py prints it.
    types : sequence of str, optional
        H2O's column types (``"double"``, ``"long"``, ``"string"``...), kept for reference.

    Examples
    --------
    >>> t = H2OTable("Top-2 Hit Ratios", ["k", "hit_ratio"], [["1", 0.5], ["2", 1.0]], description="")
    >>> t.as_data_frame().shape
    (2, 2)

    """

    def __init__(
        self,
        header: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        description: str | None = None,
        types: Sequence[str] | None = None,
    ) -> None:
        self.header = header
        self.description = description
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        self.types = list(types) if types is not None else None

    # h2o-py's H2OTwoDimTable names
    @property
    def col_header(self) -> list[str]:
        """Column names (h2o-py's ``H2OTwoDimTable.col_header``)."""
        return self.columns

    @property
    def cell_values(self) -> list[list[Any]]:
        """Rows of cell values (h2o-py's ``H2OTwoDimTable.cell_values``)."""
        return self.rows

    def as_data_frame(self) -> pd.DataFrame:
        """Return the table as a pandas DataFrame, one column per table column."""
        return pd.DataFrame(self.rows, columns=self.columns)

    def __getitem__(self, column: str | int) -> list[Any]:
        """Return one column's values, by name or position (as ``H2OTwoDimTable`` does)."""
        j = column if isinstance(column, int) else self.columns.index(column)
        return [r[j] for r in self.rows]

    def caption(self) -> str:
        """``"header: description"``, or the header alone when there is no description."""
        return self.header if self.description is None else f"{self.header}: {self.description}"

    def __str__(self) -> str:
        rows = self.rows
        footer = ""
        if len(rows) > MAX_PRINTED_ROWS:
            half = MAX_PRINTED_ROWS // 2
            rows = rows[:half] + [["---"] * len(self.columns)] + rows[-half:]
            footer = f"\n[{len(self.rows)} rows x {len(self.columns)} columns]\n"
        return f"{self.caption()}\n{render_table(self.columns, rows)}{footer}"

    def __repr__(self) -> str:
        return f"H2OTable({self.header!r}, columns={self.columns!r}, rows={len(self.rows)})"

    def show(self) -> None:
        """Print the table."""
        print(self)

    def to_dict(self) -> dict[str, Any]:
        """Return the table as plain JSON-serialisable data."""
        return {
            "header": self.header,
            "description": self.description,
            "columns": list(self.columns),
            "types": self.types,
            "rows": [[_plain(v) for v in r] for r in self.rows],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> H2OTable:
        """Rebuild a table written by :meth:`to_dict`."""
        return cls(
            d["header"],
            d["columns"],
            d["rows"],
            description=d.get("description"),
            types=d.get("types"),
        )


class H2OTableFrame(pd.DataFrame):
    """A pandas DataFrame that also answers ``as_data_frame()``.

    h2o-py returns some metric tables as ``H2OTwoDimTable`` objects and users call
    ``.as_data_frame()`` on them; tabdl returns DataFrames directly, and this subclass keeps such code
    working. ``table_header`` and ``table_description`` hold the H2O table's caption.
    """

    _metadata = ["table_header", "table_description"]

    @property
    def _constructor(self) -> type:
        return H2OTableFrame

    def as_data_frame(self) -> pd.DataFrame:
        """Return a plain pandas copy of this table."""
        return pd.DataFrame(self).copy()


def table_frame(table: H2OTable) -> H2OTableFrame:
    """Convert an :class:`H2OTable` to an :class:`H2OTableFrame` that keeps its caption."""
    frame = H2OTableFrame(table.rows, columns=table.columns)
    frame.table_header = table.header
    frame.table_description = table.description
    return frame


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python ones so that ``json`` can write them."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    return value
