"""The numeric block of sparse input, kept sparse: H2O's ``sparse=True`` rows.

H2O's DESCALE transform (``sparse=True`` with ``standardize=True``) divides each numeric column by
its standard deviation without centring it, so a zero stays a zero; so does no transform at all
(``standardize=False``). With either, the numerics of a frame that holds sparse columns are encoded
as a CSR matrix of the transformed values: only the stored entries are touched, a missing value
(a stored ``NaN``) takes the column's fill value, and nothing of size rows x columns is allocated.
A centring transform (STANDARDIZE, or an autoencoder's NORMALIZE) turns every zero into a non-zero
value, so the block is then dense, as it would be from a dense frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tabdl.errors import DataError
from tabdl.frame import Frame

if TYPE_CHECKING:
    from tabdl.encoding.datainfo import DataInfo

__all__ = ["keeps_sparse", "sparse_numeric_block"]


def keeps_sparse(info: DataInfo, frame: Frame) -> bool:
    """Tell whether ``frame``'s numerics are encoded as a CSR matrix (sparse input, zeros stay 0)."""
    if frame.sparse is None or not any(frame.is_sparse(n) for n in info.num_names):
        return False
    return info.norm_sub is None or not np.any(info.norm_sub)


def _dense_part(frame: Frame, names: list[str]):
    import scipy.sparse as sp

    from tabdl.frame import numeric_values

    columns = [numeric_values(frame, n) for n in names]
    return sp.csr_matrix(np.column_stack(columns) if columns else np.zeros((frame.nrows, 0)))


def sparse_numeric_block(info: DataInfo, frame: Frame) -> tuple[object, np.ndarray]:
    """Encode the numerics of ``frame`` as a CSR matrix in the model's column order.

    Returns
    -------
    csr_matrix
        float64, ``(rows, len(info.num_names))``, sorted column indices: ``x * norm_mul`` (or
        ``x``) at each stored entry, a missing value replaced by ``info.num_na_fill``.
    ndarray of bool
        The rows with a missing numeric.

    """
    import scipy.sparse as sp

    names = list(info.num_names)
    in_block = [n for n in names if frame.is_sparse(n)]
    dense = [n for n in names if not frame.is_sparse(n)]
    block = frame.sparse.matrix[:, [frame.sparse.position(n) for n in in_block]]
    if dense:
        block = sp.hstack([block, _dense_part(frame, dense)], format="csr")
    order = {n: j for j, n in enumerate(in_block + dense)}
    block = sp.csr_matrix(block[:, [order[n] for n in names]], dtype=np.float64, copy=True)
    block.sort_indices()
    values, columns = block.data, block.indices
    bad = np.isinf(values)
    if bad.any():
        column = names[int(columns[np.argmax(bad)])]
        raise DataError(
            f"the numeric column {column!r} holds {int(bad.sum())} infinite value(s) (and maybe "
            "others); replace them with finite numbers or missing values"
        )
    nan = np.isnan(values)
    if info.norm_mul is not None:
        values *= info.norm_mul[columns]  # DESCALE: norm_sub is 0
    values[nan] = info.num_na_fill[columns[nan]]
    rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
    missing = np.zeros(block.shape[0], dtype=bool)
    missing[rows[nan]] = True
    return block, missing
