"""H2O's ``categorical_encoding`` schemes that rewrite the frame before Deep Learning sees it.

``AUTO`` and ``OneHotInternal`` need nothing here: the network's one-hot input layer is the encoding
(:mod:`tabdl.encoding.datainfo`). The others are applied by H2O's generic ``ModelBuilder`` to the
training frame (after constant columns are dropped), and to every frame the model scores:

* ``Binary``: each categorical becomes ``1 + floor(log2(D))`` bit columns ``col:0``, ``col:1``, ...
  holding the bits (least significant first) of ``level + 1``, or of 0 for a missing value. The
  numeric predictors come first, then the bit columns (``CategoricalBinaryEncoder``).
* ``LabelEncoder``: the level index as a number, in place (``CategoricalLabelEncoder``).
* ``Eigen``: one number per level, ``col.Eigen``, in place (:mod:`tabdl.encoding.eigen`).
* ``SortByResponse``: the levels reordered by increasing mean (weighted) response, then one-hot
  (``ModelBuilder.init``, ``VecUtils.MeanResponsePerLevelTask``).
* ``EnumLimited``: a column with more than 10 levels keeps its 10 most frequent (ties: the earlier
  level) and puts the rest in ``other``, as ``col.top_10_levels`` (``CategoricalEnumLimitedEncoder``).

A missing value scores as missing (0 for ``Binary``'s bits, the training mean for LabelEncoder and
Eigen, the NA input for the one-hot schemes). A level never seen in training takes, as in H2O, the
code after the training levels for Binary and LabelEncoder (the unseen levels of a frame numbered in
sorted order from ``D``), and scores as missing for Eigen (as H2O's MOJO) and the one-hot schemes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from tabdl.encoding.columns import Columns
from tabdl.encoding.eigen import MAX_EIGEN_LEVELS, eigen_projection
from tabdl.encoding.levels import level_codes
from tabdl.errors import DataError
from tabdl.frame import CATEGORICAL, NUMERIC, Frame, level_strings, numeric_values, sorted_levels

#: Schemes that change the frame; AUTO and OneHotInternal are the network's own one-hot inputs.
FRAME_SCHEMES = ("Binary", "Eigen", "LabelEncoder", "SortByResponse", "EnumLimited")
#: H2O's ``max_categorical_levels`` default; Deep Learning does not expose the parameter.
ENUM_LIMITED_LEVELS = 10
OTHER_LEVEL = "other"


@dataclass(frozen=True)
class CategoricalEncoder:
    """A fitted frame encoding: what it does to each categorical predictor.

    Attributes
    ----------
    scheme : str
        One of :data:`FRAME_SCHEMES`.
    predictors : tuple of str
        The predictors it reads (categorical and numeric), in the frame's order.
    columns : tuple of str
        The categorical predictors it encodes.
    domains : tuple of tuple of str
        Each encoded column's training levels, in the order the encoding uses them (sorted, as H2O's
        domain; by mean response for SortByResponse; most frequent first, then ``other``, for a
        limited EnumLimited column).
    projections : tuple of tuple of float
        Eigen only: the value of each level (H2O's ``_orig_projection_array``, per column).
    limited : tuple of bool
        EnumLimited only: whether each column was limited.
    levels : tuple of tuple of str
        EnumLimited only: each column's training levels (those not kept score as ``other``).

    """

    scheme: str
    predictors: tuple[str, ...]
    columns: tuple[str, ...]
    domains: tuple[tuple[str, ...], ...]
    projections: tuple[tuple[float, ...], ...] = ()
    limited: tuple[bool, ...] = ()
    levels: tuple[tuple[str, ...], ...] = ()

    def output_names(self) -> list[str]:
        """Return the encoded predictors, in H2O's order (the order DataInfo then reads them)."""
        if self.scheme == "Binary":
            bits = [f"{c}:{k}" for c, d in zip(self.columns, self.domains, strict=True)
                    for k in range(binary_width(len(d)))]  # fmt: skip
            return [p for p in self.predictors if p not in self.columns] + bits
        return [self._renamed(p) for p in self.predictors]

    def _renamed(self, name: str) -> str:
        if name not in self.columns:
            return name
        i = self.columns.index(name)
        if self.scheme == "Eigen":
            return f"{name}.Eigen"
        if self.scheme == "EnumLimited" and self.limited[i]:
            return f"{name}.top_{ENUM_LIMITED_LEVELS}_levels"
        return name

    def output_domains(self) -> dict[str, tuple[str, ...]]:
        """Return the levels of the categorical columns the encoding outputs (one-hot schemes only)."""
        if self.scheme not in ("SortByResponse", "EnumLimited"):
            return {}
        return {self._renamed(c): d for c, d in zip(self.columns, self.domains, strict=True)}

    def apply(self, frame: Frame) -> Frame:
        """Encode ``frame`` as the model's training frame was encoded."""
        missing = [p for p in self.predictors if p not in frame.kinds]
        if missing:
            raise DataError(
                f"the frame lacks column(s) {missing} that the model was trained on; "
                f"it needs {list(self.predictors)}"
            )
        table, kinds = frame.table, dict(frame.kinds)
        sparse = [name for name in self.columns if frame.is_sparse(name)]
        if sparse:
            raise DataError(
                f"categorical_encoding={self.scheme!r} cannot encode the sparse column(s) {sparse}: "
                "give categorical columns as dense columns, or use categorical_encoding='AUTO'"
            )
        for i, name in enumerate(self.columns):
            if self.scheme == "SortByResponse" or (
                self.scheme == "EnumLimited" and not self.limited[i]
            ):
                continue  # the values stay; only the order of the levels changes
            codes, _ = level_codes(frame, name, self.domains[i])
            outputs = self._encode_column(i, name, codes, frame)
            position = table.column_names.index(name)
            table = table.remove_column(position)
            del kinds[name]
            for k, (out_name, array) in enumerate(outputs):
                table = table.add_column(position + k, out_name, array)
                kinds[out_name] = CATEGORICAL if pa.types.is_string(array.type) else NUMERIC
        return frame.with_table(table, kinds)

    def _encode_column(self, i: int, name: str, codes: np.ndarray, frame: Frame) -> list:
        known = codes >= 0
        if self.scheme in ("Binary", "LabelEncoder"):
            codes = _number_unseen(codes, level_strings(frame, name), len(self.domains[i]))
            known = codes >= 0
        if self.scheme == "Binary":
            value = np.where(known, codes + 1, 0)
            width = binary_width(len(self.domains[i]))
            return [(f"{name}:{k}", pa.array(((value >> k) & 1).astype(np.float64)))
                    for k in range(width)]  # fmt: skip
        if self.scheme == "LabelEncoder":
            return [(name, pa.array(np.where(known, codes, np.nan).astype(np.float64)))]
        if self.scheme == "Eigen":
            table = np.asarray(self.projections[i], dtype=np.float32).astype(np.float64)
            values = np.where(known, table[np.maximum(codes, 0)], np.nan)
            return [(f"{name}.Eigen", pa.array(values))]
        strings = level_strings(frame, name)  # EnumLimited
        kept, trained = set(self.domains[i][:-1]), set(self.levels[i])
        mapped = [v if v is None or v in kept else OTHER_LEVEL if v in trained else None
                  for v in strings]  # fmt: skip
        return [(self._renamed(name), pa.array(mapped, type=pa.string()))]

    def to_json(self) -> dict[str, Any]:
        """Return the encoder as JSON data."""
        return {
            "scheme": self.scheme,
            "predictors": list(self.predictors),
            "columns": list(self.columns),
            "domains": [list(d) for d in self.domains],
            "projections": [list(p) for p in self.projections],
            "limited": list(self.limited),
            "levels": [list(d) for d in self.levels],
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CategoricalEncoder:
        """Rebuild an encoder from :meth:`to_json` data."""
        return cls(
            d["scheme"],
            tuple(d["predictors"]),
            tuple(d["columns"]),
            tuple(tuple(x) for x in d["domains"]),
            tuple(tuple(float(v) for v in p) for p in d["projections"]),
            tuple(bool(v) for v in d["limited"]),
            tuple(tuple(x) for x in d["levels"]),
        )


def _number_unseen(codes: np.ndarray, strings: np.ndarray, n_levels: int) -> np.ndarray:
    """Give unseen levels H2O's codes: ``n_levels``, ``n_levels + 1``, ... in sorted order.

    H2O adapts a scoring frame's column to the training levels by appending its new levels, so the
    numeric encodings see them as codes past the last training level (genmodel does the same).
    """
    unseen = (codes < 0) & np.array([v is not None for v in strings], dtype=bool)
    if not unseen.any():
        return codes
    new_levels = sorted(set(strings[unseen]))
    rank = {level: n_levels + k for k, level in enumerate(new_levels)}
    out = codes.copy()
    out[unseen] = [rank[v] for v in strings[unseen]]
    return out


def binary_width(levels: int) -> int:
    """Return the number of bit columns H2O's Binary encoding gives a column of ``levels`` levels."""
    return 1 + int(levels).bit_length() - 1


def _mean_response_order(
    codes: np.ndarray, response: np.ndarray, weights: np.ndarray, n_levels: int
) -> np.ndarray:
    """Level order by increasing mean weighted response (stable; an empty level's mean is 0)."""
    ok = (codes >= 0) & ~np.isnan(response) & ~np.isnan(weights) & (weights != 0)
    counts = np.bincount(codes[ok], weights=weights[ok], minlength=n_levels)
    sums = np.bincount(codes[ok], weights=weights[ok] * response[ok], minlength=n_levels)
    means = np.divide(sums, counts, out=np.zeros(n_levels), where=counts != 0)
    return np.argsort(means, kind="stable")


def _top_levels(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Return the indices of the most frequent levels, most frequent first (ties: the earlier level)."""
    counts = np.bincount(codes[codes >= 0], minlength=n_levels)
    return np.argsort(-counts, kind="stable")[:ENUM_LIMITED_LEVELS]


def _mode_counts(codes: np.ndarray, n_levels: int) -> np.ndarray:
    counts = np.bincount(codes[codes >= 0], minlength=n_levels).astype(np.float64)
    counts[int(np.argmax(counts))] += np.count_nonzero(codes < 0)  # H2O imputes NA with the mode
    return counts


def fit_encoder(
    frame: Frame,
    columns: Columns,
    predictors: Sequence[str],
    p: Mapping[str, Any],
    response: np.ndarray | None,
    weights: np.ndarray | None,
) -> CategoricalEncoder | None:
    """Fit H2O's frame encoding for ``p["categorical_encoding"]`` (None for the one-hot schemes).

    Parameters
    ----------
    frame : Frame
        The training frame.
    columns : Columns
        The resolved columns.
    predictors : sequence of str
        The predictors that remain after dropping constant columns, in the frame's order.
    p : mapping
        Resolved parameters (``categorical_encoding``).
    response : ndarray or None
        The response as H2O averages it for SortByResponse (class index for a classifier);
        None for an autoencoder, which SortByResponse leaves alone, as H2O.
    weights : ndarray or None
        Observation weights, or None.

    """
    scheme = p["categorical_encoding"]
    if scheme not in FRAME_SCHEMES or (scheme == "SortByResponse" and response is None):
        return None
    cats = tuple(n for n in predictors if frame.kinds[n] == CATEGORICAL)
    domains, projections, limited, levels = [], [], [], []
    for name in cats:
        domain = tuple(sorted_levels(frame, name))
        codes, _ = level_codes(frame, name, domain)
        levels.append(domain)
        if scheme == "SortByResponse":
            w = np.ones(frame.nrows) if weights is None else weights
            domain = tuple(domain[k] for k in _mean_response_order(codes, response, w, len(domain)))
        elif scheme == "EnumLimited":
            limited.append(len(domain) > ENUM_LIMITED_LEVELS)
            if limited[-1]:
                domain = (*(domain[k] for k in _top_levels(codes, len(domain))), OTHER_LEVEL)
        elif scheme == "Eigen":
            if len(domain) > MAX_EIGEN_LEVELS:
                raise DataError(
                    f"categorical_encoding='Eigen' supports up to {MAX_EIGEN_LEVELS} levels; column "
                    f"{name!r} has {len(domain)}: use EnumLimited, Binary or OneHotInternal for it"
                )
            projections.append(tuple(eigen_projection(_mode_counts(codes, len(domain))).tolist()))
        domains.append(domain)
    return CategoricalEncoder(
        scheme, tuple(predictors), cats, tuple(domains), tuple(projections), tuple(limited),
        tuple(levels) if scheme == "EnumLimited" else (),
    )  # fmt: skip


def sort_response(frame: Frame, columns: Columns, classes: Sequence[str] | None) -> np.ndarray:
    """Return the response SortByResponse averages: the value, or the class index for a classifier."""
    if classes is None:
        return numeric_values(frame, columns.response)
    codes, _ = level_codes(frame, columns.response, tuple(classes))
    return np.where(codes >= 0, codes, np.nan).astype(np.float64)
