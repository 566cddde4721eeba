"""H2O's DataInfo: how a frame's columns become network inputs.

Categorical predictors come first, sorted by decreasing number of levels (H2O's exchange sort, which
is not stable), then numeric predictors in their original order. Each categorical column ``i`` owns
the input slots ``[cat_offsets[i], cat_offsets[i+1])``; the last slot is its NA bucket, which also
takes levels never seen in training. Numerics are transformed as ``(x - norm_sub) * norm_mul``.

Rows are encoded as a numeric block (float64, transformed, missing values filled) and one active
slot id per categorical column (``-1`` for none): the network adds the weight rows of the active
slots (an embedding-bag sum) instead of multiplying a dense one-hot matrix.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np

from tabdl.distributions import LINKS
from tabdl.encoding.categorical import CategoricalEncoder
from tabdl.encoding.columns import Columns
from tabdl.encoding.hashing import hashed_slots
from tabdl.encoding.levels import level_codes
from tabdl.encoding.sparse import keeps_sparse, sparse_numeric_block
from tabdl.errors import DataError
from tabdl.frame import CATEGORICAL, Frame, numeric_values, sorted_levels

IDENTITY_LINK_DISTRIBUTIONS = tuple(d for d, link in LINKS.items() if link == "identity")


@dataclass(frozen=True)
class DataInfo:
    """Everything needed to turn a frame into network inputs, as plain data."""

    cat_names: tuple[str, ...]
    domains: tuple[tuple[str, ...], ...]
    num_names: tuple[str, ...]
    use_all_factor_levels: bool
    transform: str  # "STANDARDIZE", "NORMALIZE", "DESCALE" or "NONE"
    norm_mul: np.ndarray | None
    norm_sub: np.ndarray | None
    num_na_fill: np.ndarray  # per numeric column, in transformed units
    response: str | None = None
    response_domain: tuple[str, ...] | None = None
    resp_mul: float | None = None
    resp_sub: float | None = None
    weights: str | None = None
    offset: str | None = None
    fold: str | None = None
    skip_missing: bool = False
    encoder: CategoricalEncoder | None = None  # a frame encoding applied first (Binary, Eigen, ...)
    hash_width: int | None = None  # max_categorical_features, when it hashes the one-hot inputs
    hash_seed: int = 0  # the model seed that seeds the hash

    @property
    def cat_offsets(self) -> np.ndarray:
        """Start of each categorical block in the expanded input, then the first numeric slot."""
        drop = 0 if self.use_all_factor_levels else 1
        sizes = [len(d) - drop + 1 for d in self.domains]
        return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)

    @property
    def num_start(self) -> int:
        """Index of the first numeric input (after the hashed slots when hashing)."""
        return int(self.cat_offsets[-1]) if self.hash_width is None else self.hash_width

    @property
    def full_n(self) -> int:
        """Number of expanded inputs (H2O's ``fullN``)."""
        return self.num_start + len(self.num_names)

    @property
    def predictors(self) -> tuple[str, ...]:
        """Predictor columns in the model's (adapted) order."""
        return self.cat_names + self.num_names

    @property
    def cat_modes(self) -> list[int]:
        """H2O's ``_catNAFill`` per categorical column (the MOJO's ``cat_modes``)."""
        drop = 0 if self.use_all_factor_levels else 1
        return [len(d) - drop for d in self.domains]

    @property
    def source_predictors(self) -> tuple[str, ...]:
        """Predictor columns a frame to score must have (before any frame encoding)."""
        return self.encoder.predictors if self.encoder is not None else self.predictors

    def coef_names(self) -> list[str]:
        """Names of the expanded inputs: ``col.level``, ``col.missing(NA)``, then numerics.

        With feature hashing the categorical inputs are named ``hash.0``, ``hash.1``, ...
        """
        if self.hash_width is not None:
            return [f"hash.{k}" for k in range(self.hash_width)] + list(self.num_names)
        names: list[str] = []
        start = 0 if self.use_all_factor_levels else 1
        for col, domain in zip(self.cat_names, self.domains, strict=True):
            names.extend(f"{col}.{level}" for level in domain[start:])
            names.append(f"{col}.missing(NA)")
        return names + list(self.num_names)


def exchange_sort_by_cardinality(names: list[str], cards: list[int]) -> list[str]:
    """Order categorical columns by decreasing cardinality with H2O's (unstable) exchange sort."""
    names, cards = list(names), list(cards)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if cards[i] < cards[j]:
                names[i], names[j] = names[j], names[i]
                cards[i], cards[j] = cards[j], cards[i]
    return names


def _is_constant(frame: Frame, name: str) -> bool:
    if frame.kinds[name] == CATEGORICAL:
        return len(sorted_levels(frame, name)) <= 1
    return _all_equal(numeric_values(frame, name))


@nb.njit(cache=True, error_model="numpy")
def _all_equal(values: np.ndarray) -> bool:
    """Tell whether the values that are not NaN are all equal (or there are none).

    One pass that stops at the first value that differs: numpy's masked copy and comparison took
    0.17 s for Fashion-MNIST's 784 columns, this 0.06 s (most of it converting the columns).
    """
    first = np.nan
    for v in values:
        if v != v:
            continue
        if first != first:
            first = v
        elif v != first:
            return False
    return True


#: Numeric columns whose statistics are computed in one pass (their sequential sums overlap).
STATS_BLOCK = 16
#: Rows transposed at a time for that pass (16 KB of float64 for 16 columns: in the L1 cache).
WELFORD_TILE = 128


@nb.njit(cache=True, error_model="numpy")
def _welford_columns(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, sum of squared deviations and count of each row of a ``(k, rows)`` C-order array.

    Welford's sequential pass (H2O's RollupStats within a chunk) over the non-missing values of
    each column, with the same arithmetic in the same order per column, so bit for bit the
    one-column result. The columns' running sums sit side by side (the values are transposed a
    tile of rows at a time): their divisions, sequential within a column, overlap across columns.
    """
    k, rows = columns.shape
    mean = np.zeros(k)
    m2 = np.zeros(k)
    count = np.zeros(k)
    tile = np.empty((WELFORD_TILE, k))
    for first in range(0, rows, WELFORD_TILE):
        size = min(WELFORD_TILE, rows - first)
        for j in range(k):
            column = columns[j, first : first + size]
            for t in range(size):
                tile[t, j] = column[t]
        for t in range(size):
            row = tile[t]
            for j in range(k):
                v = row[j]
                present = v == v
                n = count[j] + 1.0 if present else count[j]
                delta = v - mean[j]
                new_mean = mean[j] + delta / n
                new_m2 = m2[j] + delta * (v - new_mean)
                mean[j] = new_mean if present else mean[j]
                m2[j] = new_m2 if present else m2[j]
                count[j] = n
    return mean, m2, count


@nb.njit(cache=True, error_model="numpy")
def _weighted_welford(
    values: np.ndarray, weights: np.ndarray, response: bool
) -> tuple[float, float]:
    # H2O's weighted statistics over the rows with a value and a non-zero weight: West's running
    # weighted mean and sum of squared deviations, the variance scaled by n/(n-1) in the order H2O
    # uses for a predictor or for the response. Checked bit for bit on tests/data/h2o_train/K2_weights
    # and K3_zero_weights (three columns each).
    mean, total, m2, n = 0.0, 0.0, 0.0, 0
    for i in range(values.shape[0]):
        v, w = values[i], weights[i]
        if v == v and w == w and w != 0.0:
            n += 1
            delta = v - mean
            previous = total
            total += w
            step = delta * w / total
            mean += step
            m2 += previous * delta * step
    if n < 2:
        return mean, 0.0
    if response:
        return mean, np.sqrt(m2 * n / (total * (n - 1)))
    return mean, np.sqrt((m2 / total) * (n / (n - 1)))


@nb.njit(cache=True, error_model="numpy")
def _is_boolean(values: np.ndarray) -> bool:
    """Tell whether the values that are not NaN are 0s and 1s, with at least one of each.

    One pass that stops at the first other value (numpy's masked copy, minimum, maximum and
    comparisons read every value of every column several times).
    """
    zeros = ones = False
    for v in values:
        if v == 0.0:
            zeros = True
        elif v == 1.0:
            ones = True
        elif v == v:
            return False
    return zeros and ones


def _boolean_mean_sd(values: np.ndarray) -> tuple[float, float]:
    """H2O's RollupStats shortcut for a column of 0s and 1s: the mean and sd from the two counts."""
    ones = int(np.count_nonzero(values == 1.0))
    rows = ones + int(np.count_nonzero(values == 0.0))
    mean = ones / rows
    m2 = (rows - ones) * (0.0 - mean) * (0.0 - mean) + ones * (1.0 - mean) * (1.0 - mean)
    return mean, float(np.sqrt(m2 / (rows - 1)))


def _mean_sd_columns(columns: list[np.ndarray]) -> list[tuple[float, float]]:
    """Unweighted ``_weighted_mean_sd`` of several columns of the same length, in one pass.

    Columns of 0s and 1s take RollupStats' shortcut; the others share one Welford pass.
    """
    stats: list[tuple[float, float] | None] = [
        _boolean_mean_sd(values) if _is_boolean(values) else None for values in columns
    ]
    others = [j for j, found in enumerate(stats) if found is None]
    if others:
        means, m2s, counts = _welford_columns(np.stack([columns[j] for j in others]))
        for k, j in enumerate(others):
            mean, m2, n = float(means[k]), float(m2s[k]), int(counts[k])
            stats[j] = (mean, float(np.sqrt(m2 / (n - 1)))) if n > 1 else (mean, 0.0)
    return stats  # type: ignore[return-value]


def _weighted_mean_sd(
    values: np.ndarray, weights: np.ndarray | None, response: bool = False
) -> tuple[float, float]:
    """Mean and sample standard deviation over the non-missing values, as H2O's rollups give them.

    Unweighted: Welford's sequential algorithm, which H2O's RollupStats uses within a chunk (equal to
    H2O to the last bit on single-chunk frames), or for a column of 0s and 1s RollupStats' shortcut
    from the two counts (checked on the Binary encoding's bit columns, tests/data/h2o_encodings).
    With observation weights: the weighted mean, and the
    weighted variance scaled by ``n/(n-1)`` where ``n`` counts the non-missing values of non-zero
    weight, accumulated as H2O does for a predictor or for the ``response`` (checked against H2O
    3.46.0.11, tests/data/h2o_datainfo and tests/data/h2o_train). An overflow gives inf or NaN,
    which :func:`_check_statistics` reports.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    if weights is None:
        return _mean_sd_columns([values])[0]
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    mean, sd = _weighted_welford(values, weights, response)
    return float(mean), float(sd)


def finite_values(frame: Frame, name: str, role: str) -> np.ndarray:
    """Return a numeric column as float64, refusing infinite values with a clear error."""
    values = numeric_values(frame, name)
    bad = np.isinf(values)
    if bad.any():
        raise DataError(
            f"{role} {name!r} holds {int(bad.sum())} infinite value(s) (first at row {int(np.argmax(bad))}); "
            "replace them with finite numbers or missing values"
        )
    return values


def _check_statistics(names, mul, sub, weights_column) -> None:
    if mul is None:
        return
    bad = [
        n
        for n, m, b in zip(names, mul, sub, strict=True)
        if not (np.isfinite(m) and np.isfinite(b))
    ]
    if bad:
        cause = (
            f"; the weights in {weights_column!r} are too large: rescale them"
            if weights_column
            else ""
        )
        raise DataError(f"the standardisation of column(s) {bad} overflowed{cause}")


def kept_predictors(frame: Frame, columns: Columns, p: Mapping[str, Any]) -> list[str]:
    """Return the predictors H2O keeps: without constant columns (``ignore_const_cols``) or levelless ones."""
    predictors = [
        n
        for n in columns.predictors
        if not (p["ignore_const_cols"] and _is_constant(frame, n))
        and not (frame.kinds[n] == CATEGORICAL and not sorted_levels(frame, n))  # no level at all
    ]
    if not predictors:
        raise DataError(
            "every predictor column is constant; nothing can be learned "
            "(set ignore_const_cols=False to keep constant columns)"
        )
    return predictors


def fit_datainfo(
    frame: Frame,
    columns: Columns,
    p: Mapping[str, Any],
    response_domain: list[str] | None,
    domains: Mapping[str, tuple[str, ...]] | None = None,
    predictors: list[str] | None = None,
) -> DataInfo:
    """Build the DataInfo of a training frame (H2O's ``DeepLearning.makeDataInfo``).

    Parameters
    ----------
    frame : Frame
        The training frame.
    columns : Columns
        The resolved predictor, response and special columns.
    p : mapping
        Resolved parameters (``standardize``, ``autoencoder``, ``sparse``, ``use_all_factor_levels``,
        ``ignore_const_cols``, ``missing_values_handling``, ``distribution``).
    response_domain : list of str or None
        Class levels for classification.
    domains : mapping, optional
        Levels of categorical columns in an order other than sorted (a frame encoding's output).
    predictors : list of str, optional
        ``kept_predictors(frame, columns, p)``, when the caller has it already.

    Returns
    -------
    DataInfo
        The encoder, fit on ``frame``.

    """
    if predictors is None:
        predictors = kept_predictors(frame, columns, p)
    cats = [n for n in predictors if frame.kinds[n] == CATEGORICAL]
    nums = [n for n in predictors if frame.kinds[n] != CATEGORICAL]
    domain_of = {n: tuple((domains or {}).get(n) or sorted_levels(frame, n)) for n in cats}
    cats = exchange_sort_by_cardinality(cats, [len(domain_of[n]) for n in cats])

    weights = (
        finite_values(frame, columns.weights, "the weights column") if columns.weights else None
    )
    stats_weights = weights if columns.offset is None else None
    transform = _transform_kind(p)
    means = np.zeros(len(nums))  # H2O's Vec.mean()
    mul, sub = (None, None) if transform == "NONE" else (np.ones(len(nums)), np.zeros(len(nums)))
    # a block of columns at a time: a wide frame is not held twice
    for first in range(0, len(nums), STATS_BLOCK):
        names = nums[first : first + STATS_BLOCK]
        block = [finite_values(frame, name, "the numeric column") for name in names]
        for j, values, (column_mean, sd) in zip(
            range(first, first + len(names)), block, _mean_sd_columns(block), strict=True
        ):
            means[j] = column_mean
            if transform == "NONE":
                continue
            mean = column_mean
            if stats_weights is not None:
                mean, sd = _weighted_mean_sd(values, stats_weights)
            if transform == "NORMALIZE":
                span = np.nanmax(values) - np.nanmin(values) if np.any(~np.isnan(values)) else 0.0
                mul[j], sub[j] = (1.0 / span if span != 0 else 1.0), mean
            else:
                mul[j] = 1.0 / sd if sd != 0 else 1.0
                sub[j] = mean if transform == "STANDARDIZE" else 0.0
    _check_statistics(nums, mul, sub, columns.weights)
    fill = means if mul is None else (means - sub) * mul

    resp_mul = resp_sub = None
    if (
        columns.response is not None
        and response_domain is None
        and p["standardize"]
        and p["distribution"] in IDENTITY_LINK_DISTRIBUTIONS
    ):
        mean, sd = _weighted_mean_sd(
            finite_values(frame, columns.response, "the response"), stats_weights, response=True
        )
        resp_mul, resp_sub = (1.0 / sd if sd != 0 else 1.0), mean
        _check_statistics(
            [columns.response], np.array([resp_mul]), np.array([resp_sub]), columns.weights
        )

    return DataInfo(
        cat_names=tuple(cats),
        domains=tuple(domain_of[n] for n in cats),
        num_names=tuple(nums),
        use_all_factor_levels=bool(p["use_all_factor_levels"] or p["autoencoder"]),
        transform=transform,
        norm_mul=mul,
        norm_sub=sub,
        num_na_fill=np.asarray(fill, dtype=np.float64),
        response=columns.response,
        response_domain=None if response_domain is None else tuple(response_domain),
        resp_mul=resp_mul,
        resp_sub=resp_sub,
        weights=columns.weights,
        offset=columns.offset,
        fold=columns.fold,
        skip_missing=p["missing_values_handling"] == "Skip",
    )


def _transform_kind(p: Mapping[str, Any]) -> str:
    if not p["standardize"]:
        return "NONE"
    if p["autoencoder"]:
        return "NORMALIZE"
    return "DESCALE" if p["sparse"] else "STANDARDIZE"


@dataclass(frozen=True)
class EncodedRows:
    """Network inputs for a block of rows."""

    cat_slots: np.ndarray  # int64 (n, ncats): the active input slot per categorical, -1 for none
    # float64 (n, nnums): transformed numerics, missing values filled; a scipy CSR matrix when the
    # input was sparse and the transform keeps zeros at zero (tabdl.encoding.sparse)
    numeric: Any
    missing: np.ndarray  # bool (n,): the row has a missing predictor

    @property
    def nrows(self) -> int:
        """Number of rows."""
        return self.numeric.shape[0]

    def rows(self, start: int, stop: int) -> EncodedRows:
        """Return rows ``start`` to ``stop`` (a view, no copy)."""
        return EncodedRows(
            self.cat_slots[start:stop], self.numeric[start:stop], self.missing[start:stop]
        )

    def dense(self, full_n: int, num_start: int) -> np.ndarray:
        """Return the expanded input matrix (one-hot categoricals, then numerics)."""
        out = np.zeros((self.nrows, full_n), dtype=np.float64)
        rows = np.arange(self.nrows)
        for i in range(self.cat_slots.shape[1]):
            active = self.cat_slots[:, i] >= 0
            out[rows[active], self.cat_slots[active, i]] = 1.0
        numeric = self.numeric
        out[:, num_start:] = numeric if isinstance(numeric, np.ndarray) else numeric.toarray()
        return out


def check_scoring_columns(info: DataInfo, frame: Frame) -> None:
    """Raise a :class:`DataError` naming every predictor the frame lacks."""
    needed = info.source_predictors
    missing = [n for n in needed if n not in frame.kinds]
    if missing and frame.source == "scipy":
        raise DataError(
            f"the sparse matrix has {len(frame.names)} columns, named C1..C{len(frame.names)} by "
            f"position, but the model was trained on column(s) {list(needed)}: it lacks "
            f"{missing}. Give a matrix with the training matrix's columns, in the same order"
        )
    if missing:
        raise DataError(
            f"the frame lacks column(s) {missing} that the model was trained on; "
            f"it needs {list(needed)}"
        )


#: Columns a row-major numeric block is filled with at a time (:func:`encode`).
COLUMN_BLOCK = 16


def encode(info: DataInfo, frame: Frame, order: str = "C", dtype: type = np.float64) -> EncodedRows:
    """Encode the predictors of ``frame`` as network inputs.

    Categoricals: a known level goes to its slot (level 0 to no slot when ``use_all_factor_levels``
    is false); a missing or unseen level goes to the NA bucket. Numerics: transformed, then a missing
    value takes ``info.num_na_fill``. ``order`` is the dense numeric block's memory layout: ``"C"``
    (a row's values together, as the engines read them) or ``"F"`` (each column together: written
    column after column without strided stores, which scoring's matrix products take as well).
    ``dtype`` is the numeric block's: float64 (H2O's), or float32 for the batch engine, which
    trains in float32 and then shares the block with torch instead of copying it.
    """
    check_scoring_columns(info, frame)
    if info.encoder is not None:
        frame = info.encoder.apply(frame)
    n = frame.nrows
    offsets = info.cat_offsets
    slots = np.empty((n, len(info.cat_names)), dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    shift = 0 if info.use_all_factor_levels else 1
    for i, (name, domain) in enumerate(zip(info.cat_names, info.domains, strict=True)):
        codes, is_missing = level_codes(frame, name, domain)
        missing |= is_missing
        slot = codes - shift + offsets[i]
        slot[codes < 0] = offsets[i + 1] - 1
        if shift:
            slot[codes == 0] = -1
        slots[:, i] = slot
    if info.hash_width is not None:
        slots = hashed_slots(slots, info.hash_width, info.hash_seed)
    if keeps_sparse(info, frame):
        numeric, nan_rows = sparse_numeric_block(info, frame)
        return EncodedRows(slots, numeric, missing | nan_rows)
    numeric = np.empty((n, len(info.num_names)), dtype=dtype, order=order)
    # A row-major block is filled COLUMN_BLOCK columns at a time through a column-major buffer:
    # written column by column, each value would land on its own cache line (3.5x slower on
    # Fashion-MNIST's 784 columns).
    width = 1 if order == "F" else COLUMN_BLOCK
    buffer = None if order == "F" else np.empty((n, width), dtype=dtype, order="F")
    for first in range(0, numeric.shape[1], width):
        target = numeric[:, first : first + width]
        block = target if buffer is None else buffer[:, : target.shape[1]]
        for k in range(block.shape[1]):
            j = first + k
            values = finite_values(frame, info.num_names[j], "the numeric column")
            nan = np.isnan(values)
            missing |= nan
            column = block[:, k]
            if info.norm_mul is not None:  # the product in the block's precision
                np.subtract(values, info.norm_sub[j], out=column)
                np.multiply(column, column.dtype.type(info.norm_mul[j]), out=column)
            else:
                column[:] = values
            if nan.any():
                column[nan] = info.num_na_fill[j]
        if block is not target:
            target[...] = block
    return EncodedRows(slots, numeric, missing)


@dataclass(frozen=True)
class TrainingRows:
    """Encoded rows with what training needs beyond the inputs.

    Attributes
    ----------
    inputs : EncodedRows
        The encoded predictors.
    response : ndarray or None
        float64: the class index for classification, the (standardised, for identity links) response
        for regression; ``None`` for an autoencoder (the target is the input itself).
    weights : ndarray
        Observation weights (1.0 without a weights column; a missing weight is 0).
    offset : ndarray or None
        The offset column, in the response's units (a missing offset is 0).
    usable : ndarray
        bool: the rows that train. A row with a missing response never trains; with
        ``missing_values_handling="Skip"`` neither does a row with a missing predictor; nor one whose
        weight is 0.

    """

    inputs: EncodedRows
    response: np.ndarray | None
    weights: np.ndarray
    offset: np.ndarray | None
    usable: np.ndarray


def _response_values(info: DataInfo, frame: Frame, standardize: bool = True) -> np.ndarray:
    if info.response not in frame.kinds:
        raise DataError(f"the frame lacks the response column {info.response!r}")
    if info.response_domain is not None:
        codes, _ = level_codes(frame, info.response, tuple(info.response_domain))
        return np.where(codes < 0, np.nan, codes)  # missing, or a class the model does not know
    values = finite_values(frame, info.response, "the response")
    if standardize and info.resp_mul is not None:
        return (values - info.resp_sub) * info.resp_mul
    return values.copy()  # the engines take their own, writable array (finite_values may share)


def _observation_weights(info: DataInfo, frame: Frame) -> np.ndarray:
    if info.weights is None:
        return np.ones(frame.nrows)
    weights = np.nan_to_num(finite_values(frame, info.weights, "the weights column"), nan=0.0)
    if (weights < 0).any():
        raise DataError(
            f"the weights column {info.weights!r} has negative values; weights must be >= 0"
        )
    return weights


def _offsets(info: DataInfo, frame: Frame) -> np.ndarray | None:
    if info.offset is None:
        return None
    return np.nan_to_num(finite_values(frame, info.offset, "the offset column"), nan=0.0)


def encode_training(info: DataInfo, frame: Frame, dtype: type = np.float64) -> TrainingRows:
    """Encode ``frame`` for training or validation: inputs, response, weights, offset, usable rows.

    ``dtype`` is that of the numeric inputs (:func:`encode`).
    """
    inputs = encode(info, frame, dtype=dtype)
    usable = np.ones(inputs.nrows, dtype=bool)
    response = None
    if info.response is not None:
        response = _response_values(info, frame)
        usable &= ~np.isnan(response)
    if info.skip_missing:
        usable &= ~inputs.missing
    weights = _observation_weights(info, frame)
    usable &= weights > 0
    offset = _offsets(info, frame)
    if not usable.any():
        raise DataError(
            "no row can train: every row has a missing response, a zero weight, or (with "
            "missing_values_handling='Skip') a missing predictor"
        )
    return TrainingRows(inputs, response, weights, offset, usable)


@dataclass(frozen=True)
class LabelledRows:
    """Encoded rows with what metrics need: the actual response in its own units, weights, offset.

    ``actual`` holds class indices for classification and the response in original units for
    regression (NaN where missing), and is ``None`` for an autoencoder.
    """

    inputs: EncodedRows
    actual: np.ndarray | None
    weights: np.ndarray
    offset: np.ndarray | None

    @property
    def nrows(self) -> int:
        """Number of rows."""
        return self.inputs.nrows

    def take(self, index: np.ndarray) -> LabelledRows:
        """Return the rows at ``index`` (positions or a boolean mask)."""
        inputs = EncodedRows(
            self.inputs.cat_slots[index], self.inputs.numeric[index], self.inputs.missing[index]
        )
        actual = None if self.actual is None else self.actual[index]
        offset = None if self.offset is None else self.offset[index]
        return LabelledRows(inputs, actual, self.weights[index], offset)


def encode_labelled(
    info: DataInfo, frame: Frame, inputs: EncodedRows | None = None
) -> LabelledRows:
    """Encode ``frame`` for scoring with metrics: inputs, actual response, weights and offset.

    As H2O scores a test frame: a frame without the weights column weighs every row 1 (with a
    warning); one without the offset column is refused, since the predictions need it. ``inputs``
    are the frame's rows already encoded (by :func:`encode_training`), to skip encoding them again.
    """
    actual = None
    if info.response is not None:
        actual = _response_values(info, frame, standardize=False)
    if info.offset is not None and info.offset not in frame.kinds:
        raise DataError(f"the frame lacks the offset column {info.offset!r} the model needs")
    if info.weights is not None and info.weights not in frame.kinds:
        warnings.warn(
            f"the frame has no weights column {info.weights!r}: every row weighs 1 in the metrics",
            UserWarning,
            stacklevel=3,
        )
        weights = np.ones(frame.nrows)
    else:
        weights = _observation_weights(info, frame)
    inputs = encode(info, frame) if inputs is None else inputs
    return LabelledRows(inputs, actual, weights, _offsets(info, frame))
