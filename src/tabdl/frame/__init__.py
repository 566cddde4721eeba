"""Turn any supported input into an Arrow table with column kinds, and results back into the caller's kind.

Supported inputs: pandas and polars DataFrames, pyarrow Tables and RecordBatches, numpy arrays
(structured arrays keep their field names; 2-D arrays get H2O's names ``C1``, ``C2``, ...), dicts of
columns, paths to CSV or Parquet files, and scipy.sparse matrices (see below). Nothing is copied
through CSV.

Sparse data stays sparse: a scipy.sparse matrix or array (CSR; COO, CSC and the other formats are
converted to CSR, which stays sparse) becomes a frame of numeric columns named ``C1``, ``C2``, ...
as a 2-D numpy array does, held as a CSR matrix (:class:`SparseColumns`), never densified. Stored
``NaN`` values are missing values. A pandas DataFrame whose columns have a ``Sparse`` dtype keeps
its names: its sparse columns form the CSR block, its other columns the Arrow table, and the sparse
columns come after the others in the frame's column order.

Column kinds follow H2O: numbers are numeric; strings, categoricals (pandas ``category``, Arrow
dictionaries) and booleans are categorical; dates and timestamps are numeric, in milliseconds since
the epoch, as H2O's ``Time`` columns. A numeric column can be declared categorical (H2O's
``asfactor``) by listing it in ``categorical_columns``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tabdl.errors import DataError

NUMERIC = "numeric"
CATEGORICAL = "categorical"

__all__ = [
    "CATEGORICAL",
    "NUMERIC",
    "Frame",
    "SparseColumns",
    "as_frame",
    "like_input",
    "level_strings",
    "number_levels",
]


@dataclass(frozen=True)
class SparseColumns:
    """Numeric columns held as a CSR matrix: float64 values, sorted column indices, no duplicates."""

    matrix: Any  # scipy.sparse.csr_matrix
    names: tuple[str, ...]
    _positions: dict[str, int] = field(init=False, repr=False, compare=False)
    _by_column: list = field(init=False, repr=False, compare=False)  # the CSC copy, made on demand

    def __post_init__(self) -> None:
        object.__setattr__(self, "_positions", {n: j for j, n in enumerate(self.names)})
        object.__setattr__(self, "_by_column", [])

    def __contains__(self, name: object) -> bool:
        return name in self._positions

    def position(self, name: str) -> int:
        """Index of column ``name`` in the matrix."""
        return self._positions[name]

    def column(self, name: str) -> np.ndarray:
        """Column ``name`` as a dense float64 vector (zeros filled in)."""
        if not self._by_column:  # one CSC copy (O(nnz)) serves every column read after it
            self._by_column.append(self.matrix.tocsc())
        csc = self._by_column[0]
        j = self.position(name)
        out = np.zeros(self.matrix.shape[0], dtype=np.float64)
        start, stop = csc.indptr[j], csc.indptr[j + 1]
        out[csc.indices[start:stop]] = csc.data[start:stop]
        return out

    def take(self, index: np.ndarray) -> SparseColumns:
        """Rows at ``index``, still sparse."""
        return SparseColumns(self.matrix[np.asarray(index)], self.names)


@dataclass(frozen=True)
class Frame:
    """An input as tabdl sees it: an Arrow table, its column kinds, and where it came from.

    Sparse numeric columns, when the input had any, are in ``sparse`` (a CSR matrix) rather than in
    the table; they come after the table's columns in :attr:`names`.
    """

    table: pa.Table
    kinds: dict[str, str]
    source: str  # "pandas", "polars", "arrow", "numpy", "path", "dict" or "scipy"
    sparse: SparseColumns | None = None
    parts: tuple[int, ...] = ()  # row counts of the files of a Parquet dataset folder, in order

    @property
    def names(self) -> list[str]:
        """Column names, in order (a new list each time; the frame keeps its own)."""
        return list(self._names)

    @cached_property
    def _names(self) -> tuple[str, ...]:
        # Arrow builds its column names anew on every call: about 1 ms for 785 columns, which
        # resolving each of them by name paid 785 times (1 s to prepare Fashion-MNIST).
        extra = tuple(self.sparse.names) if self.sparse is not None else ()
        return tuple(self.table.column_names) + extra

    @property
    def nrows(self) -> int:
        """Number of rows."""
        if self.sparse is not None:
            return int(self.sparse.matrix.shape[0])
        return self.table.num_rows

    def is_sparse(self, name: str) -> bool:
        """Tell whether column ``name`` is held in the sparse block."""
        return self.sparse is not None and name in self.sparse

    def take(self, index: np.ndarray) -> Frame:
        """Return the rows at positions ``index`` (repeats allowed), in that order."""
        index = np.asarray(index, dtype=np.int64)
        table = self.table
        if table.num_columns:
            table = table.take(pa.array(index, type=pa.int64()))
        sparse = self.sparse.take(index) if self.sparse is not None else None
        return Frame(table, self.kinds, self.source, sparse)

    def with_table(self, table: pa.Table, kinds: dict[str, str]) -> Frame:
        """Return this frame with its Arrow columns replaced (the sparse block is kept)."""
        if self.sparse is not None and table.num_columns and table.num_rows != self.nrows:
            raise DataError(
                f"the new columns have {table.num_rows} rows; the frame has {self.nrows}"
            )
        return Frame(table, kinds, self.source, self.sparse)

    def add_column(self, name: str, values: np.ndarray) -> Frame:
        """Return this frame with a numeric column ``name`` appended to its Arrow columns."""
        array = pa.array(np.asarray(values, dtype=np.float64))
        has_columns = self.table.num_columns > 0
        table = self.table.append_column(name, array) if has_columns else pa.table({name: array})
        return self.with_table(table, {**self.kinds, name: NUMERIC})

    def drop(self, names: list[str]) -> Frame:
        """Return this frame without the Arrow columns ``names`` (sparse columns cannot be dropped)."""
        arrow_names = set(self.table.column_names)  # Arrow builds this list anew on every call
        table = self.table.drop_columns([n for n in names if n in arrow_names])
        kinds = {k: v for k, v in self.kinds.items() if k not in names or self.is_sparse(k)}
        return self.with_table(table, kinds)


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
    return pa.table({f"C{j + 1}": _arrow_column(array[:, j]) for j in range(array.shape[1])})


def _from_pandas(frame: pd.DataFrame) -> pa.Table:
    """Convert a pandas frame; one numeric dtype throughout takes a fast path (small frames)."""
    dtypes = set(frame.dtypes)
    if len(dtypes) == 1 and getattr(next(iter(dtypes)), "kind", "") in "fiu" and frame.shape[1]:
        values = frame.to_numpy()  # one block: no per-column conversion (10x faster for one row)
        columns = [_arrow_column(values[:, j]) for j in range(values.shape[1])]
        return pa.Table.from_arrays(columns, names=list(frame.columns))
    return pa.Table.from_pandas(frame, preserve_index=False)


def _arrow_column(values: np.ndarray) -> pa.Array:
    """Return a numpy column as Arrow, NaN (and pandas' missing objects) as missing values.

    A numeric column without NaN is shared, not copied: converting 1M x 50 floats takes
    milliseconds instead of the 0.2 s of ``from_pandas``'s scan and copy.
    """
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        return pa.array(values, mask=missing) if missing.any() else pa.array(values)
    if values.dtype.kind in "iub":
        return pa.array(values)
    return pa.array(values, from_pandas=True)


def _check_unique(names: list[str]) -> None:
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"column names must be unique; repeated: {dup}")


def _is_scipy_sparse(data: Any) -> bool:
    return type(data).__module__.startswith("scipy.sparse") and hasattr(data, "tocsr")


def _csr(matrix: Any) -> Any:
    """Return ``matrix`` as a canonical float64 CSR matrix (sorted indices, duplicates summed)."""
    import scipy.sparse as sp

    if matrix.ndim != 2:
        raise DataError(f"a sparse matrix must be 2-D to be a frame; got shape {matrix.shape}")
    real = np.issubdtype(matrix.dtype, np.integer) or np.issubdtype(matrix.dtype, np.floating)
    if not (real or matrix.dtype == np.bool_):
        raise DataError(
            f"a sparse matrix must hold real numbers to be a frame; it holds {matrix.dtype}: "
            "convert it with .astype(float)"
        )
    csr = sp.csr_matrix(matrix.tocsr(), dtype=np.float64)  # COO, CSC, ... are converted here
    if csr is matrix:
        csr = csr.copy()
    csr.sum_duplicates()  # also sorts the column indices of each row
    return csr


def _sparse_names(n: int) -> tuple[str, ...]:
    return tuple(f"C{j + 1}" for j in range(n))


def _from_pandas_sparse(frame: pd.DataFrame) -> tuple[pa.Table, SparseColumns]:
    import scipy.sparse as sp

    names = [str(c) for c in frame.columns]
    sparse_cols = [
        n for n, dtype in zip(names, frame.dtypes, strict=True) if isinstance(dtype, pd.SparseDtype)
    ]
    renamed = frame.set_axis(names, axis=1)
    dense = renamed.drop(columns=sparse_cols)
    for name in sparse_cols:
        dtype = renamed[name].dtype
        if not np.issubdtype(dtype.subtype, np.number) or dtype.fill_value != 0:
            raise DataError(
                f"sparse column {name!r} has dtype {dtype}: tabdl reads sparse columns of numbers "
                "whose fill value is 0; convert it with .astype(pd.SparseDtype(float, 0))"
            )
    block = sp.csr_matrix(renamed[sparse_cols].sparse.to_coo().tocsr(), dtype=np.float64)
    block.sum_duplicates()
    table = (
        pa.Table.from_pandas(dense, preserve_index=False) if len(dense.columns) else pa.table({})
    )
    return table, SparseColumns(block, tuple(sparse_cols))


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


def _sparse_input(data: Any) -> tuple[pa.Table, SparseColumns, str] | None:
    """Read a scipy.sparse matrix or a pandas frame with sparse columns; None for other inputs."""
    if isinstance(data, Frame):
        return None
    if _is_scipy_sparse(data):
        csr = _csr(data)
        return pa.table({}), SparseColumns(csr, _sparse_names(csr.shape[1])), "scipy"
    if isinstance(data, pd.DataFrame) and any(isinstance(d, pd.SparseDtype) for d in data.dtypes):
        _check_unique([str(c) for c in data.columns])
        table, block = _from_pandas_sparse(data)
        return table, block, "pandas"
    return None


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
    sparse_input = _sparse_input(data)
    sparse = data.sparse if isinstance(data, Frame) else None
    if sparse_input is not None:
        table, sparse, source = sparse_input
    else:
        table, source = _to_table(data)
    names = table.column_names + (list(sparse.names) if sparse is not None else [])
    _check_unique(names)
    if isinstance(data, Frame):  # already read: keep its kinds (categorical_columns included)
        kinds = dict(data.kinds)
    else:
        kinds = {name: _kind_of(name, table.schema.field(name).type) for name in table.column_names}
        kinds.update({name: NUMERIC for name in (sparse.names if sparse is not None else ())})
    for name in categorical_columns or ():
        if name not in kinds:
            raise DataError(
                f"categorical_columns names {name!r}, which is not a column of the frame"
            )
        kinds[name] = CATEGORICAL
    parts = data.parts if isinstance(data, Frame) else ()
    if isinstance(data, (str, os.PathLike)) and os.path.isdir(data):
        parts = tuple(parquet_rows(os.fspath(data)))
    return Frame(table, kinds, source, sparse, parts)


def parquet_rows(folder: str) -> list[int]:
    """Return the row count of each Parquet file of a dataset folder (from the file footers)."""
    import pyarrow.parquet as pq

    return [pq.ParquetFile(path).metadata.num_rows for path in parquet_files(folder)]


def numeric_values(frame: Frame, name: str) -> np.ndarray:
    """Return column ``name`` as float64, with NaN for missing values (read-only, often).

    The array may share the frame's memory, and then cannot be written: copy it to change it.
    Dates and timestamps become milliseconds since the epoch. A column of text raises a
    :class:`DataError` that shows an offending value. A sparse column is returned dense.
    """
    if frame.is_sparse(name):
        return frame.sparse.column(name)
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
    return np.asarray(values, dtype=np.float64)  # often Arrow's memory, read-only: not copied


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def number_levels(frame: Frame, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Return a numeric column's distinct values as level texts, and each row's index among them.

    The texts are ``level_strings``'s, one per distinct value (object array); the index is -1 where
    the value is missing. ``None`` for a column that does not hold numbers (text, booleans,
    decimals). Callers that look levels up (codes in a domain) then do one lookup per distinct
    value instead of one per row.
    """
    if frame.is_sparse(name):
        values = np.asarray(frame.sparse.column(name), dtype=np.float64)
        return _distinct_numbers(values, np.isnan(values))
    column = frame.table.column(name)
    dtype = column.type
    if pa.types.is_dictionary(dtype):
        column = column.cast(dtype.value_type)
        dtype = column.type
    if pa.types.is_integer(dtype):  # as Python ints: exact beyond 2**53
        missing = pc.is_null(column).to_numpy(zero_copy_only=False)
        return _distinct_numbers(column.fill_null(0).to_numpy(zero_copy_only=False), missing)
    if pa.types.is_floating(dtype):
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        return _distinct_numbers(values, np.isnan(values))
    return None


def level_strings(frame: Frame, name: str) -> np.ndarray:
    """Return column ``name`` as categorical level strings (object array, ``None`` for missing).

    Numbers become their shortest text (``3`` and ``3.0`` are both ``"3"``), booleans ``"true"`` and
    ``"false"`` (Java's spelling, as H2O writes them).
    """
    numbers = number_levels(frame, name)
    if numbers is not None:
        texts, index = numbers
        strings = np.full(index.shape[0], None, dtype=object)
        present = index >= 0
        strings[present] = texts[index[present]]
        return strings
    column = frame.table.column(name)
    dtype = column.type
    if pa.types.is_dictionary(dtype):
        column = column.cast(dtype.value_type)
        dtype = column.type
    values = column.to_pylist()
    if pa.types.is_boolean(dtype):
        return np.array([None if v is None else ("true" if v else "false") for v in values], object)
    if pa.types.is_decimal(dtype):
        return np.array(
            [None if v is None or v != v else _format_number(v) for v in values], dtype=object
        )
    return np.array([None if v is None else str(v) for v in values], dtype=object)


def _distinct_numbers(values: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the text of each distinct present number, and each value's index among them (-1)."""
    index = np.full(values.shape[0], -1, dtype=np.int64)
    present = ~missing
    distinct, inverse = np.unique(values[present], return_inverse=True)
    texts = np.empty(distinct.shape[0], dtype=object)
    texts[:] = [_format_number(v) for v in distinct.tolist()]
    index[present] = inverse.reshape(-1)
    return texts, index


def sorted_levels(frame: Frame, name: str) -> list[str]:
    """Return the sorted distinct levels of a categorical column, as H2O orders a domain.

    Text sorts lexicographically; numbers declared categorical sort by value, as H2O's ``asfactor``.
    """
    numbers = number_levels(frame, name)
    if numbers is not None:  # the distinct numbers' texts, sorted by value (integers exactly)
        return numbers[0].tolist()
    column = frame.table.column(name)
    dtype = column.type
    if pa.types.is_dictionary(dtype):
        dtype = dtype.value_type
    if pa.types.is_decimal(dtype):
        values = numeric_values(frame, name)
        return [_format_number(v) for v in np.unique(values[~np.isnan(values)])]
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):  # distinct values first
        return sorted(pc.unique(column.cast(dtype).drop_null()).to_pylist())
    return sorted({v for v in level_strings(frame, name) if v is not None})


def like_input(result: pd.DataFrame, source: str) -> Any:
    """Return ``result`` as the same kind of frame the caller gave.

    pandas in, pandas out; polars in, polars out; Arrow in, Arrow out. numpy arrays, scipy.sparse
    matrices, dicts and file paths get a pandas DataFrame (a table with named, typed columns).
    """
    if source == "polars":
        import polars as pl

        return pl.from_pandas(result)
    if source == "arrow":
        return pa.Table.from_pandas(result, preserve_index=False)
    return result
