"""Turn any supported input into an Arrow table with column kinds, and results back into the caller's kind.

Supported inputs: pandas and polars DataFrames, pyarrow Tables and RecordBatches, numpy arrays
(structured arrays keep their field names; 2-D arrays get H2O's names ``C1``, ``C2``, ...), dicts of
columns, and paths to CSV or Parquet files. Nothing is copied through CSV.

Column kinds follow H2O: numbers are numeric; strings, categoricals (pandas ``category``, Arrow
dictionaries) and booleans are categorical; dates and timestamps are numeric, in milliseconds since
the epoch, as H2O's ``Time`` columns. A numeric column can be declared categorical (H2O's
``asfactor``) by listing it in ``categorical_columns``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tabdl.errors import DataError

NUMERIC = "numeric"
CATEGORICAL = "categorical"

__all__ = ["CATEGORICAL", "NUMERIC", "Frame", "as_frame", "like_input", "level_strings"]


@dataclass(frozen=True)
class Frame:
    """An input as tabdl sees it: an Arrow table, its column kinds, and where it came from."""

    table: pa.Table
    kinds: dict[str, str]
    source: str  # "pandas", "polars", "arrow", "numpy", "path" or "dict"
    parts: tuple[int, ...] = ()  # row counts of the files of a Parquet dataset folder, in order

    @property
    def names(self) -> list[str]:
        """Column names, in order."""
        return list(self.table.column_names)

    @property
    def nrows(self) -> int:
        """Number of rows."""
        return self.table.num_rows

    def take(self, index: np.ndarray) -> Frame:
        """Return the rows at positions ``index`` (repeats allowed), in that order."""
        return Frame(self.table.take(pa.array(index, type=pa.int64())), self.kinds, self.source)


def parquet_files(folder: str) -> list[str]:
    """Return the Parquet files of a dataset folder, sorted by path (subfolders included)."""
    found = sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(folder)
        for name in names
        if name.lower().endswith((".parquet", ".pq")) and not name.startswith((".", "_"))
    )
    if not found:
        raise DataError(
            f"{folder!r} is a folder without Parquet files: give a file or a folder of them"
        )
    return found


def _read_folder(folder: str) -> pa.Table:
    """Read a Parquet dataset folder as one table, its files in path order."""
    import pyarrow.parquet as pq

    tables = [pq.read_table(path) for path in parquet_files(folder)]
    try:
        table = pa.concat_tables(tables, promote_options="default")
    except pa.ArrowInvalid as error:
        raise DataError(
            f"the Parquet files of {folder!r} do not have the same columns: {error}"
        ) from None
    return table


def _read_path(path: str) -> pa.Table:
    if not os.path.exists(path):
        raise DataError(f"no such file: {path!r}")
    if os.path.isdir(path):
        return _read_folder(path)
    lower = path.lower()
    if lower.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        return pq.read_table(path)
    if lower.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
        import pyarrow.csv as pacsv

        delimiter = "\t" if lower.endswith(".tsv") else ","
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            # As H2O: true/false in a file are categorical levels spelled as written, not booleans.
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=True, true_values=[], false_values=[]
            ),
        )
    raise DataError(f"cannot tell the format of {path!r}: use a .csv, .tsv or .parquet file")


def _from_numpy(array: np.ndarray) -> pa.Table:
    if array.dtype.names:
        # from_pandas: NaN in an object column (pandas' missing value) is missing, not a float
        return pa.table(
            {name: pa.array(array[name], from_pandas=True) for name in array.dtype.names}
        )
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise DataError(f"a numpy array must be 1-D or 2-D to be a frame; got shape {array.shape}")
    return pa.table(
        {f"C{j + 1}": pa.array(array[:, j], from_pandas=True) for j in range(array.shape[1])}
    )


def _from_pandas(frame: pd.DataFrame) -> pa.Table:
    """Convert a pandas frame; one numeric dtype throughout takes a fast path (small frames)."""
    dtypes = set(frame.dtypes)
    if len(dtypes) == 1 and getattr(next(iter(dtypes)), "kind", "") in "fiu" and frame.shape[1]:
        values = frame.to_numpy()  # one block: no per-column conversion (10x faster for one row)
        columns = [pa.array(values[:, j], from_pandas=True) for j in range(values.shape[1])]
        return pa.Table.from_arrays(columns, names=list(frame.columns))
    return pa.Table.from_pandas(frame, preserve_index=False)


def _check_unique(names: list[str]) -> None:
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"column names must be unique; repeated: {dup}")


def _to_table(data: Any) -> tuple[pa.Table, str]:
    try:
        return _convert(data)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise DataError(
            f"cannot read the data as a table: {err}. A column mixes types (e.g. text and numbers): "
            "convert it with .astype(str) for categories or to a numeric dtype"
        ) from None


def _convert(data: Any) -> tuple[pa.Table, str]:
    if isinstance(data, Frame):
        return data.table, data.source
    if isinstance(data, pa.Table):
        return data, "arrow"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), "arrow"
    if isinstance(data, pd.DataFrame):
        frame = data
        _check_unique([str(c) for c in frame.columns])
        if not all(isinstance(c, str) for c in frame.columns):
            frame = frame.rename(columns=str)
        return _from_pandas(frame), "pandas"
    if type(data).__module__.split(".")[0] == "polars" and hasattr(data, "to_arrow"):
        return data.to_arrow(), "polars"
    if isinstance(data, np.ndarray):
        return _from_numpy(data), "numpy"
    if isinstance(data, (str, os.PathLike)):
        return _read_path(os.fspath(data)), "path"
    if isinstance(data, dict):
        try:
            columns = pd.DataFrame(data)  # pandas reads NaN in a list of strings as missing
        except (ValueError, TypeError) as err:
            raise DataError(f"cannot read this dict of columns as a frame: {err}") from None
        return _convert(columns)[0], "dict"
    raise DataError(
        f"cannot use a {type(data).__name__} as a frame: give a pandas or polars DataFrame, a pyarrow "
        "Table, a numpy array, a dict of columns, or a path to a CSV or Parquet file"
    )


def _kind_of(name: str, dtype: pa.DataType) -> str:
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return NUMERIC
    if pa.types.is_null(dtype):
        return NUMERIC  # all missing: a constant column
    if pa.types.is_timestamp(dtype) or pa.types.is_date(dtype):
        return NUMERIC
    if (
        pa.types.is_string(dtype)
        or pa.types.is_large_string(dtype)
        or pa.types.is_dictionary(dtype)
        or pa.types.is_boolean(dtype)
    ):
        return CATEGORICAL
    raise DataError(
        f"column {name!r} has type {dtype}, which tabdl cannot use: give numbers, strings, "
        "categories, booleans or dates"
    )


def as_frame(data: Any, categorical_columns: Any = None) -> Frame:
    """Read ``data`` as a :class:`Frame`.

    Parameters
    ----------
    data : DataFrame, Table, ndarray, dict or path
        The input, in any supported form.
    categorical_columns : list of str, optional
        Numeric columns to treat as categorical (H2O's ``asfactor``).

    Returns
    -------
    Frame
        The Arrow table with column kinds.

    """
    table, source = _to_table(data)
    names = table.column_names
    _check_unique(names)
    if isinstance(data, Frame):  # already read: keep its kinds (categorical_columns included)
        kinds = dict(data.kinds)
    else:
        kinds = {name: _kind_of(name, table.schema.field(name).type) for name in names}
    for name in categorical_columns or ():
        if name not in kinds:
            raise DataError(
                f"categorical_columns names {name!r}, which is not a column of the frame"
            )
        kinds[name] = CATEGORICAL
    parts = data.parts if isinstance(data, Frame) else ()
    if isinstance(data, (str, os.PathLike)) and os.path.isdir(data):
        parts = tuple(parquet_rows(os.fspath(data)))
    return Frame(table, kinds, source, parts)


def parquet_rows(folder: str) -> list[int]:
    """Return the row count of each Parquet file of a dataset folder (from the file footers)."""
    import pyarrow.parquet as pq

    return [pq.ParquetFile(path).metadata.num_rows for path in parquet_files(folder)]


def numeric_values(frame: Frame, name: str) -> np.ndarray:
    """Return column ``name`` as float64, with NaN for missing values.

    Dates and timestamps become milliseconds since the epoch. A column of text raises a
    :class:`DataError` that shows an offending value.
    """
    column = frame.table.column(name)
    dtype = column.type
    if pa.types.is_dictionary(dtype):
        column = column.cast(dtype.value_type)
        dtype = column.type
    if pa.types.is_timestamp(dtype) or pa.types.is_date(dtype):
        target = (
            pa.timestamp("ms", tz=dtype.tz) if pa.types.is_timestamp(dtype) else pa.timestamp("ms")
        )
        column = pc.cast(column, target, safe=False).cast(pa.int64())  # drop sub-millisecond parts
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_boolean(dtype):
        bad = next((v for v in column.to_pylist() if v is not None), None)
        held = "true/false" if pa.types.is_boolean(dtype) else "text"
        raise DataError(
            f"column {name!r} is numeric in the model but holds {held} values here "
            f"(for example {bad!r}); convert it to numbers before scoring"
        )
    values = pc.cast(column, pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    return np.array(values, dtype=np.float64)


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def level_strings(frame: Frame, name: str) -> np.ndarray:
    """Return column ``name`` as categorical level strings (object array, ``None`` for missing).

    Numbers become their shortest text (``3`` and ``3.0`` are both ``"3"``), booleans ``"true"`` and
    ``"false"`` (Java's spelling, as H2O writes them).
    """
    column = frame.table.column(name)
    dtype = column.type
    if pa.types.is_dictionary(dtype):
        column = column.cast(dtype.value_type)
        dtype = column.type
    values = column.to_pylist()
    if pa.types.is_boolean(dtype):
        return np.array([None if v is None else ("true" if v else "false") for v in values], object)
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return np.array(
            [None if v is None or v != v else _format_number(v) for v in values], dtype=object
        )
    return np.array([None if v is None else str(v) for v in values], dtype=object)


def sorted_levels(frame: Frame, name: str) -> list[str]:
    """Return the sorted distinct levels of a categorical column, as H2O orders a domain.

    Text sorts lexicographically; numbers declared categorical sort by value, as H2O's ``asfactor``.
    """
    column = frame.table.column(name)
    dtype = column.type
    if pa.types.is_dictionary(dtype):
        dtype = dtype.value_type
    if pa.types.is_integer(dtype):  # exact integers, sorted by value
        column = frame.table.column(name)
        values = np.unique(column.drop_null().to_numpy())
        return [str(int(v)) for v in values]
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        values = numeric_values(frame, name)
        return [_format_number(v) for v in np.unique(values[~np.isnan(values)])]
    return sorted({v for v in level_strings(frame, name) if v is not None})


def like_input(result: pd.DataFrame, source: str) -> Any:
    """Return ``result`` as the same kind of frame the caller gave.

    pandas in, pandas out; polars in, polars out; Arrow in, Arrow out. numpy arrays, dicts and file
    paths get a pandas DataFrame (a table with named, typed columns).
    """
    if source == "polars":
        import polars as pl

        return pl.from_pandas(result)
    if source == "arrow":
        return pa.Table.from_pandas(result, preserve_index=False)
    return result
