"""H2O's "Status of Neuron Layers" model summary, computed from the network's arrays.

One row per layer (input, hidden layers, output) with the layer's size and type, its dropout and
regularisation, its learning rate and momentum, and the mean and spread of its incoming weights and
biases, computed as H2O's ``DeepLearningModelInfo.computeStats`` and ``createSummaryTable`` do
(behaviour reference, section 6.2):

* sums run in H2O's order (sequentially, in float64, over the layer's raw arrays);
* the "RMS" columns are standard deviations taken with H2O's approximate square root
  ``MathUtils.approxSqrt(double)``, so a single output bias reports ``approxSqrt(0) = 1.097e-154``;
* with ADADELTA the rate of each weight is ``approxSqrt(E[dx^2] + eps) * approxInvSqrt(E[g^2] + eps)``
  in float32; with SGD the rate and momentum are the schedules at the samples processed.

Cells H2O leaves blank are ``""``, as h2o-py's ``as_data_frame()`` gives them; values tabdl cannot know
(the ADADELTA rates of an imported MOJO, which holds no optimiser state) are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tabdl.nn import NetworkSpec, base_activation
from tabdl.training.loop import (
    BIAS_LIMIT,
    WEIGHT_LIMIT,
    keeps_accumulators,
    momentum_at,
    rate_at,
    uses_adadelta,
)
from tabdl.training.network_state import NetworkState

__all__ = [
    "COLUMNS",
    "ada_by_layer",
    "approx_inv_sqrt_f",
    "approx_sqrt_d",
    "approx_sqrt_f",
    "header_text",
    "is_unstable",
    "layer_types",
    "neuron_layer_status",
]

#: Columns of the table, as h2o-py's ``as_data_frame()`` names them (without its unnamed index).
COLUMNS = (
    "layer",
    "units",
    "type",
    "dropout",
    "l1",
    "l2",
    "mean_rate",
    "rate_rms",
    "momentum",
    "mean_weight",
    "weight_rms",
    "mean_bias",
    "bias_rms",
)
BLANK = ""  # a cell H2O leaves empty


# -- H2O's approximate square roots (water.util.MathUtils) ------------------------------------------


def approx_sqrt_f(x: np.ndarray) -> np.ndarray:
    """``MathUtils.approxSqrt(float)``: ``intBitsToFloat(532483686 + (floatToRawIntBits(x) >> 1))``."""
    bits = np.asarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
    return (532483686 + (bits >> 1)).astype(np.int32).view(np.float32)


def approx_sqrt_d(x: np.ndarray | float) -> np.ndarray:
    """``MathUtils.approxSqrt(double)``: ``longBitsToDouble(((bits(x) >> 32) + 1072632448) << 31)``."""
    bits = np.asarray(x, dtype=np.float64).view(np.int64)
    return (((bits >> 32) + np.int64(1072632448)) << np.int64(31)).view(np.float64)


def approx_inv_sqrt_f(x: np.ndarray) -> np.ndarray:
    """``MathUtils.approxInvSqrt(float)``: the bit-trick guess and one Newton step, in float32."""
    x = np.asarray(x, dtype=np.float32)
    half = np.float32(0.5) * x
    guess = (np.int32(0x5F3759DF) - (x.view(np.int32) >> 1)).astype(np.int32).view(np.float32)
    return guess * (np.float32(1.5) - half * guess * guess)


# -- statistics --------------------------------------------------------------------------------------


def _sequential_sum(values: np.ndarray) -> float:
    """Sum in float64, one value after another (Java's loop; numpy's ``sum`` is pairwise)."""
    if values.size == 0:
        return 0.0
    return float(np.cumsum(values, dtype=np.float64)[-1])


def _mean_and_rms(values: np.ndarray) -> tuple[float, float]:
    """H2O's mean and approximate standard deviation of a float32 or float64 array."""
    flat = values.ravel()
    # a diverged layer gives inf or NaN, silently, as in H2O
    with np.errstate(invalid="ignore", over="ignore"):
        mean = _sequential_sum(flat) / flat.size
        deviations = flat.astype(np.float64) - mean
        return mean, float(approx_sqrt_d(_sequential_sum(deviations * deviations) / flat.size))


def ada_rates(ada: np.ndarray, epsilon: float) -> np.ndarray:
    """Per-weight ADADELTA rate as H2O's summary computes it (float32).

    Parameters
    ----------
    ada : ndarray
        float32, shape ``(2, *weights.shape)``: ``E[dx^2]`` in ``[0]``, ``E[g^2]`` in ``[1]``.
    epsilon : float
        ADADELTA's epsilon (rounded to float32, as H2O does).

    """
    eps = np.float32(epsilon)
    dx2 = np.asarray(ada[0], dtype=np.float32)
    g2 = np.asarray(ada[1], dtype=np.float32)
    return approx_sqrt_f(dx2 + eps) * approx_inv_sqrt_f(g2 + eps)


def ada_by_layer(state: NetworkState) -> list[np.ndarray] | None:
    """Split a state's flat ADADELTA accumulators into one ``(2, rows, cols)`` array per layer.

    The engine keeps ``E[dx^2]`` of every weight in ``ada_weights[:n]`` and ``E[g^2]`` in
    ``ada_weights[n:]`` (``n`` weights, in the flat order of ``state.flat_weights``); H2O interleaves
    the two per weight, which is the same information.

    Returns
    -------
    list of ndarray or None
        ``[E[dx^2], E[g^2]]`` stacked per weight layer (copies), or None without ADADELTA.

    """
    n = state.flat_weights.size
    if state.ada_weights.size != 2 * n or n == 0:
        return None
    dx2, g2 = state.ada_weights[:n], state.ada_weights[n:]
    layers = []
    for i, w in enumerate(state.weights):
        start, stop = state.weight_offsets[i], state.weight_offsets[i + 1]
        layers.append(np.stack([dx2[start:stop], g2[start:stop]]).reshape(2, *w.shape))
    return layers


# -- the table ---------------------------------------------------------------------------------------


def layer_types(spec: NetworkSpec) -> list[str]:
    """H2O's ``Neurons`` class name of each layer: ``Input``, ``TanhDropout``, ..., ``Softmax``."""
    hidden = base_activation(spec.activation)
    if spec.activation.endswith("WithDropout"):
        hidden += "Dropout"
    return ["Input", *([hidden] * spec.n_hidden), spec.output]


def _rate_columns(
    layer: int, params: Mapping[str, Any], processed: int, ada: np.ndarray | None
) -> tuple[float, float, float]:
    """``mean_rate``, ``rate_rms`` and ``momentum`` of weight layer ``layer``."""
    if not uses_adadelta(params):
        # H2O stores the momentum as a Java float, which reaches the table by its decimal form
        momentum = float(str(np.float32(momentum_at(params, processed))))
        return rate_at(params, layer, processed), 0.0, momentum
    if ada is None:
        return float("nan"), float("nan"), 0.0
    mean, rms = _mean_and_rms(ada_rates(ada, params["epsilon"]))
    return mean, rms, 0.0


def _dropout(spec: NetworkSpec, hidden: int) -> float:
    if not spec.activation.endswith("WithDropout"):
        return 0.0  # H2O: no hidden_dropout_ratios -> 0
    return spec.hidden_dropout_ratios[hidden] * 100


def neuron_layer_status(
    spec: NetworkSpec,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    params: Mapping[str, Any],
    processed: int,
    ada_weights: Sequence[np.ndarray] | None = None,
) -> pd.DataFrame:
    """H2O's "Status of Neuron Layers" table.

    Parameters
    ----------
    spec : NetworkSpec
        The network.
    weights, biases : sequence of ndarray
        Per weight layer, in H2O's layout (see :mod:`tabdl.nn`).
    params : mapping
        Resolved parameters with H2O's names (``adaptive_rate``, ``epsilon``, ``input_dropout_ratio``,
        ``l1``, ``l2``, and for SGD ``rate``, ``rate_annealing``, ``rate_decay``, ``momentum_start``,
        ``momentum_ramp``, ``momentum_stable``).
    processed : int
        Training samples processed (the SGD rate and momentum schedules are evaluated there).
    ada_weights : sequence of ndarray, optional
        Per weight layer, float32 ``(2, *weights[l].shape)``: ``E[dx^2]`` then ``E[g^2]``
        (see :func:`ada_by_layer`). Without it an ADADELTA model reports NaN rates.

    Returns
    -------
    pandas.DataFrame
        One row per layer, columns :data:`COLUMNS`; H2O's blank cells are ``""``.

    Notes
    -----
    The ``momentum`` column is the documented ramp at ``processed`` samples
    (:func:`tabdl.training.loop.momentum_at`), which is what tabdl trains with. H2O's table shows the
    same formula, but H2O trains with a constant (docs/h2o-differences.md, item 1).

    """
    types = layer_types(spec)
    rows: list[list[Any]] = [
        [1, spec.units[0], types[0], params["input_dropout_ratio"] * 100] + [BLANK] * 9
    ]
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
        is_hidden = layer < spec.n_hidden
        ada = None if ada_weights is None else ada_weights[layer]
        mean_w, rms_w = _mean_and_rms(np.asarray(w, dtype=np.float32))
        mean_b, rms_b = _mean_and_rms(np.asarray(b, dtype=np.float64))
        rows.append(
            [
                layer + 2,
                spec.units[layer + 1],
                types[layer + 1],
                _dropout(spec, layer) if is_hidden else BLANK,
                params["l1"],
                params["l2"],
                *_rate_columns(layer, params, processed, ada),
                mean_w,
                rms_w,
                mean_b,
                rms_b,
            ]
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def is_unstable(table: pd.DataFrame) -> bool:
    """Whether H2O would flag the model unstable (``DeepLearningModelInfo.computeStats``).

    True if a layer's mean or RMS weight or bias is NaN, ``|mean weight|`` or ``weight RMS`` exceeds
    1e10, or ``|mean bias|`` or ``bias RMS`` exceeds 1e5 (an infinite bias gives an infinite or NaN
    mean). H2O then refuses to score the model or write its MOJO.
    """
    layers = table.iloc[1:]
    stats = {c: layers[c].astype(np.float64).to_numpy() for c in COLUMNS[9:]}
    if any(np.isnan(v).any() for v in stats.values()):
        return True
    return bool(
        (np.abs(stats["mean_weight"]) > WEIGHT_LIMIT).any()
        or (stats["weight_rms"] > WEIGHT_LIMIT).any()
        or (np.abs(stats["mean_bias"]) > BIAS_LIMIT).any()
        or (stats["bias_rms"] > BIAS_LIMIT).any()
    )


# -- the header --------------------------------------------------------------------------------------


def _pretty_bytes(n: int) -> str:
    """``water.util.PrettyPrint.bytes``."""
    if n < 0:
        return "N/A (-ve)"
    scale = next((i for i in range(6) if n < 1 << (i * 10)), 6)
    if scale == 0:
        return "Zero  "
    value = n / float(1 << ((scale - 1) * 10))
    formats = ("%4.0f  B", "%.1f KB", "%.1f MB", "%.2f GB", "%.3f TB", "%.3f PB")
    return formats[scale - 1] % value


def model_bytes(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], params: Mapping[str, Any]
) -> int:
    """Return the bytes of the model's arrays, tabdl's stand-in for H2O's model size.

    Weights are float32 and biases float64; ADADELTA keeps two accumulators per weight and bias,
    momentum one velocity each. H2O prints the size of its serialised model object, which also
    holds its encoder, parameters and statistics: about 2.5 to 3 KB more (3.3 KB where this gives
    348 bytes for a 6-3-1 network, tests/data/h2o_explain).
    """
    n_w = sum(int(np.size(w)) for w in weights)
    n_b = sum(int(np.size(b)) for b in biases)
    per_weight, per_bias = 4, 8
    if keeps_accumulators(params):
        per_weight, per_bias = 3 * 4, 3 * 8
    elif params["momentum_start"] != 0 or params["momentum_stable"] != 0:
        per_weight, per_bias = 2 * 4, 2 * 8
    return n_w * per_weight + n_b * per_bias


def header_text(
    spec: NetworkSpec,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    params: Mapping[str, Any],
    processed: int,
    response: str | None = None,
    n_bytes: int | None = None,
) -> str:
    """H2O's title line of the table (``DeepLearningModelInfo.createSummaryTable``).

    For example ``"Status of Neuron Layers: predicting y, regression, gaussian distribution,
    Quadratic loss, 22 weights/biases, 1.2 KB, 60 training samples, mini-batch size 1"``.

    Parameters
    ----------
    spec, weights, biases : the network
        As for :func:`neuron_layer_status`.
    params : mapping
        Resolved parameters (``autoencoder``, ``distribution``, ``loss``, ``mini_batch_size``, ...).
    processed : int
        Training samples processed.
    response : str, optional
        The response column (ignored for an autoencoder).
    n_bytes : int, optional
        The model's size in bytes; default :func:`model_bytes`. H2O prints the size of its
        serialised model object, which tabdl does not have: this figure differs from H2O's.

    """
    if params["autoencoder"]:
        problem = "auto-encoder"
    else:
        kind = (
            f"{spec.units[-1]}-class classification" if spec.output == "Softmax" else "regression"
        )
        problem = f"predicting {response}, {kind}"
    size = sum(int(np.size(w)) for w in weights) + sum(int(np.size(b)) for b in biases)
    if n_bytes is None:
        n_bytes = model_bytes(weights, biases, params)
    return (
        f"Status of Neuron Layers: {problem}, {params['distribution']} distribution, "
        f"{params['loss']} loss, {size:,} weights/biases, {_pretty_bytes(n_bytes)}, "
        f"{processed:,} training samples, mini-batch size {params['mini_batch_size']:,}"
    )
