"""Variable importances: Gedeon's (1997) weight-magnitude measure, as H2O computes it.

For the first two weight layers ``W1`` (inputs ``i`` -> first hidden units ``j``) and ``W2`` (units
``j`` -> next layer's units ``k``), H2O's ``DeepLearningModelInfo.computeVariableImportances``
computes, all in float32 (behaviour reference, section 6.3)::

    s_j    = sum_i |W1[j,i]|            t_k = sum_j |W2[k,j]|
    Q[i,k] = sum_j |W1[j,i]| / s_j * |W2[k,j]| / t_k
    Q[i,k] = Q[i,k] / sum_i Q[i,k]      vi_i = sum_k Q[i,k]      vi = vi / max(vi)

then zeroes the NA buckets of categoricals whose bucket no training row used. The sums here run in
H2O's order, so the float32 results equal H2O's bit for bit. A network without a hidden layer gets
``vi_i = sum_j |W1[j,i]|``, max-normalised (H2O's result for such a network, run N0 of
tests/data/h2o_explain).

**Maxout (differs from H2O).** A Maxout layer stores two interleaved channels per unit
(``2 * units`` rows); H2O reads only the first ``units`` rows, which mixes the channels of
different units, so its numbers mean nothing. tabdl takes a Maxout unit's weight from input ``i`` as
``|w_i,channel0| + |w_i,channel1|``: Gedeon's share of the unit's incoming magnitude, counting both
channels. Each channel wins on part of the input space, so both carry the input's influence; the sum
drops neither, and equals Gedeon's measure (up to a factor that cancels) when the channels agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tabdl.encoding.datainfo import DataInfo, TrainingRows, encode_training
from tabdl.frame import Frame, as_frame
from tabdl.nn import NetworkSpec

__all__ = ["gedeon", "unit_magnitudes", "unseen_na_buckets", "variable_importances", "varimp_table"]

VARIMP_COLUMNS = ("variable", "relative_importance", "scaled_importance", "percentage")


def unit_magnitudes(w: np.ndarray, spec: NetworkSpec, layer: int) -> np.ndarray:
    """``|W|`` of weight layer ``layer`` as a ``(units[layer+1], units[layer])`` float32 matrix.

    A Maxout layer's two channels are added: ``|w0| + |w1|`` per unit and input.
    """
    units, cols = spec.units[layer + 1], spec.units[layer]
    channels = spec.rows(layer) // units
    magnitude = np.abs(np.asarray(w, dtype=np.float32)).reshape(units, cols, channels)
    if channels == 1:
        return magnitude[:, :, 0]
    return magnitude[:, :, 0] + magnitude[:, :, 1]


def _running_sum(values: np.ndarray, axis: int) -> np.ndarray:
    """float32 sum along ``axis``, one term after another (Java's loop; numpy's sum is pairwise)."""
    return np.take(np.cumsum(values, axis=axis, dtype=np.float32), -1, axis=axis)


def gedeon(weights: Sequence[np.ndarray], spec: NetworkSpec) -> np.ndarray:
    """Relative importance of each input unit, max-normalised (float32, H2O's arithmetic).

    Parameters
    ----------
    weights : sequence of ndarray
        Per weight layer, in H2O's layout (see :mod:`tabdl.nn`).
    spec : NetworkSpec
        The network.

    Returns
    -------
    ndarray
        float32, one value per input unit (``spec.units[0]``), the largest equal to 1.

    """
    a = unit_magnitudes(weights[0], spec, 0)  # (j, i)
    if len(weights) == 1:
        return _max_normalised(_running_sum(a, axis=0))
    b = unit_magnitudes(weights[1], spec, 1)  # (k, j)
    s = _running_sum(a, axis=1)  # s_j
    t = _running_sum(b, axis=1)  # t_k
    q = np.zeros((a.shape[1], b.shape[0]), dtype=np.float32)  # (i, k)
    with np.errstate(divide="ignore", invalid="ignore"):  # a unit without weights: NaN, as in H2O
        for j in range(a.shape[0]):  # Java: ((|w_ij| / s_j) * |w_jk|) / t_k, summed over j in order
            q += (a[j][:, None] / s[j]) * b[:, j][None, :] / t[None, :]
        q /= _running_sum(q, axis=0)[None, :]
    return _max_normalised(_running_sum(q, axis=1))


def _max_normalised(vi: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return vi / vi.max()


def varimp_table(values: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """H2O's variable-importance table (``hex.ModelMetrics.calcVarImp``).

    Rows sorted by decreasing importance; ties keep the input order (Java's stable sort).
    ``scaled_importance`` divides by the largest value, ``percentage`` by the total.
    """
    rel = np.asarray(values, dtype=np.float64)
    if len(names) != rel.size:
        raise ValueError(f"{rel.size} importances but {len(names)} names")
    order = np.argsort(-rel, kind="stable")
    ranked = rel[order]
    total = float(np.cumsum(ranked)[-1]) if ranked.size else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled, share = ranked / ranked[0], ranked / total
    return pd.DataFrame(
        {
            "variable": [names[i] for i in order],
            "relative_importance": ranked,
            "scaled_importance": scaled,
            "percentage": share,
        },
        columns=list(VARIMP_COLUMNS),
    )


def variable_importances(
    weights: list[np.ndarray],
    spec: NetworkSpec,
    coef_names: list[str],
    zero_inputs: np.ndarray | None = None,
) -> pd.DataFrame:
    """Gedeon variable importances in H2O's table layout.

    Parameters
    ----------
    weights : list of ndarray
        Per weight layer, float32, in H2O's layout.
    spec : NetworkSpec
        The network.
    coef_names : list of str
        Names of the expanded inputs (``DataInfo.coef_names()``); the first ``spec.units[0]`` are
        used, as in H2O.
    zero_inputs : ndarray of bool, optional
        Inputs whose importance is set to 0 after normalisation (H2O's unseen NA buckets, see
        :func:`unseen_na_buckets`).

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``relative_importance``, ``scaled_importance``, ``percentage``, sorted
        by decreasing importance.

    Notes
    -----
    For Maxout networks tabdl adds both channels of a unit; H2O's figures read the wrong rows
    (docs/h2o-differences.md).

    """
    vi = gedeon(weights, spec)
    if zero_inputs is not None:
        vi[np.asarray(zero_inputs, dtype=bool)[: vi.size]] = np.float32(0.0)
    if len(coef_names) < vi.size:
        raise ValueError(f"the network has {vi.size} inputs but only {len(coef_names)} names")
    return varimp_table(vi, list(coef_names[: vi.size]))


def unseen_na_buckets(
    datainfo: DataInfo, training_frame: Frame | Any, *, na_trains_bucket: bool = False
) -> np.ndarray:
    """Mark the ``missing(NA)`` inputs that no training row activated.

    Parameters
    ----------
    datainfo : DataInfo
        The model's encoder.
    training_frame : Frame or any input :func:`tabdl.frame.as_frame` reads
        The frame the model was trained on.
    na_trains_bucket : bool, default False
        False: H2O's training encoding, where with ``use_all_factor_levels=False`` a missing level
        trains as the last level, so no bucket is ever used. True: tabdl's training encoding (the
        bucket, as in scoring; docs/h2o-differences.md item 3).

    Returns
    -------
    ndarray of bool
        One value per expanded input (``datainfo.coef_names()``); True at each unused NA bucket.

    Notes
    -----
    The rows that count are those training uses (:func:`tabdl.encoding.encode_training`): not a row
    with a missing response, a zero weight, or, with ``missing_values_handling="Skip"``, a missing
    predictor. H2O looks only at the rows it samples; over at least one epoch that is every row.

    """
    frame = training_frame if isinstance(training_frame, Frame) else as_frame(training_frame)
    return unseen_na_buckets_of(datainfo, encode_training(datainfo, frame), na_trains_bucket)


def unseen_na_buckets_of(
    datainfo: DataInfo, rows: TrainingRows, na_trains_bucket: bool = False
) -> np.ndarray:
    """:func:`unseen_na_buckets` for training rows already encoded."""
    if datainfo.hash_width is not None:  # hashed inputs mix levels: no input is only an NA bucket
        return np.zeros(datainfo.full_n, dtype=bool)
    slots = rows.inputs.cat_slots[rows.usable]
    buckets = datainfo.cat_offsets[1:] - 1
    used = (slots == buckets[None, :]).any(axis=0)
    if not (datainfo.use_all_factor_levels or na_trains_bucket):
        used[:] = False
    unseen = np.zeros(datainfo.full_n, dtype=bool)
    unseen[buckets[~used]] = True
    return unseen
