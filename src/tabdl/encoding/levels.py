"""Categorical values as level indices in a given domain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tabdl.frame import Frame, level_strings, number_levels

__all__ = ["level_codes"]


def _spell_booleans_like(strings: np.ndarray, domain: tuple[str, ...]) -> np.ndarray:
    """Spell boolean levels as the domain does (``True``, ``TRUE``, ...), so they are not unseen."""
    spelling = {level.lower(): level for level in domain if level.lower() in ("true", "false")}
    return np.array([spelling.get(v, v) if v is not None else None for v in strings], dtype=object)


def level_codes(frame: Frame, name: str, domain: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Index of each value's level in ``domain`` (-1 if missing or unseen), and the missing mask."""
    numbers = number_levels(frame, name)
    if numbers is not None:  # numbers declared categorical: one lookup per distinct value
        texts, index = numbers
        found = pd.Index(domain, dtype=object).get_indexer(texts).astype(np.int64)
        missing = index < 0
        return np.where(missing, -1, found[np.maximum(index, 0)]), missing
    column = frame.table.column(name)
    dtype = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        if pa.types.is_dictionary(column.type):
            column = column.cast(dtype)
        codes = pc.index_in(column, value_set=pa.array(domain, type=dtype))
        missing = np.asarray(column.is_null())
        return codes.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), missing
    strings = level_strings(frame, name)
    if pa.types.is_boolean(dtype):
        strings = _spell_booleans_like(strings, domain)
    codes = pd.Index(domain, dtype=object).get_indexer(strings).astype(np.int64)
    return codes, np.asarray(pd.isna(strings))
