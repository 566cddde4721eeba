"""The network: its spec (layer sizes, activations, dropout) and the forward pass used for scoring.

Weights are stored as H2O stores them: layer ``l`` is a float32 row-major matrix of shape
``(mult * units[l+1], units[l])`` where ``mult`` is 2 for a Maxout hidden layer (the two channels of
unit ``r`` from input ``c`` sit at flat positions ``2*(r*cols + c) + k``) and 1 otherwise. Biases are
float64, one per row. Scoring computes in float64, as H2O does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np

from tabdl.encoding.datainfo import EncodedRows

MAXOUT_CHANNELS = 2


# Each activation may overwrite its argument, a fresh pre-activation.
def _tanh(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # 1 - 2 / (1 + exp(2 z)), step by step in place
        np.multiply(z, 2.0, out=z)
        np.exp(z, out=z)
        z += 1.0
        np.divide(2.0, z, out=z)
        return np.subtract(1.0, z, out=z)


@nb.njit(cache=True, nogil=True)
def _clamp_negatives(flat: np.ndarray) -> None:
    zero = flat.dtype.type(0)
    for i in range(flat.shape[0]):
        if flat[i] < zero:  # NaN stays NaN, as with np.maximum
            flat[i] = zero


def _rectifier(z: np.ndarray) -> np.ndarray:
    # max(z, 0) in place, which equals H2O's 0.5*(z + |z|); compiled, as numpy's maximum (with its
    # NaN rules) took five times as long and a sixth of float32 scoring's time
    if z.flags.c_contiguous:
        _clamp_negatives(z.reshape(-1))
        return z
    return np.maximum(z, 0.0, out=z)


def _exp_rectifier(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.where(z >= 0, z, np.exp(np.minimum(z, 0)) - 1.0)


def _identity(z: np.ndarray) -> np.ndarray:
    return z


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


#: Activation name (H2O's, without the ``WithDropout`` suffix) -> function of the pre-activation.
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Tanh": _tanh,
    "Rectifier": _rectifier,
    "ExpRectifier": _exp_rectifier,
    "Maxout": _identity,  # the max over channels is taken before the activation
    "Linear": _identity,
    "Softmax": _softmax,
}


def base_activation(activation: str) -> str:
    """Return the activation without its ``WithDropout`` suffix."""
    return activation.removesuffix("WithDropout")


@dataclass(frozen=True)
class NetworkSpec:
    """Layer sizes and activations of a network.

    Parameters
    ----------
    units : tuple of int
        ``(inputs, hidden..., outputs)``.
    activation : str
        Hidden activation in H2O's spelling, e.g. ``"RectifierWithDropout"``.
    hidden_dropout_ratios : tuple of float
        One per hidden layer; the test-time scale of a ``*WithDropout`` layer is ``1 - ratio``.
    output : str
        ``"Softmax"`` (classification), ``"Linear"`` (regression) or, for an autoencoder, the hidden
        activation without dropout.

    """

    units: tuple[int, ...]
    activation: str
    hidden_dropout_ratios: tuple[float, ...]
    output: str

    @property
    def n_hidden(self) -> int:
        """Number of hidden layers."""
        return len(self.units) - 2

    @property
    def is_maxout(self) -> bool:
        """True when the hidden layers are Maxout."""
        return base_activation(self.activation) == "Maxout"

    def rows(self, layer: int) -> int:
        """Rows of weight layer ``layer``'s matrix (``mult * units[layer+1]``)."""
        mult = MAXOUT_CHANNELS if self.is_maxout and layer < self.n_hidden else 1
        return mult * self.units[layer + 1]

    def layer_activation(self, layer: int) -> str:
        """Activation applied after weight layer ``layer``."""
        return base_activation(self.activation) if layer < self.n_hidden else self.output

    def test_scale(self, layer: int) -> float:
        """Test-time multiplier of weight layer ``layer``'s activations (H2O's dropout scaling)."""
        if layer < self.n_hidden and self.activation.endswith("WithDropout"):
            return 1.0 - self.hidden_dropout_ratios[layer]
        return 1.0

    def check_shapes(
        self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]
    ) -> str | None:
        """Describe the first weight or bias whose shape does not fit the spec, or return None."""
        if len(weights) != len(self.units) - 1 or len(biases) != len(self.units) - 1:
            return f"expected {len(self.units) - 1} weight layers, got {len(weights)} weights and {len(biases)} biases"
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
            shape = (self.rows(layer), self.units[layer])
            if w.shape != shape:
                return f"weight layer {layer} has shape {w.shape}, expected {shape}"
            if b.shape != (shape[0],):
                return f"bias layer {layer} has {b.shape[0]} values, expected {shape[0]}"
        return None


def prepare_weights(
    spec: NetworkSpec, weights: Sequence[np.ndarray], num_start: int, dtype: Any = np.float64
) -> list[list]:
    """Per layer and channel, the weights scoring multiplies by (built once per ``predict``).

    For the first layer each channel is ``(numeric block, categorical table)``: the table holds one
    row per one-hot slot plus a zero row, so that slot -1 (no active level) adds nothing. ``dtype``
    is the scoring arithmetic: float64 as H2O scores, or float32.
    """
    prepared = []
    for layer, w in enumerate(weights):
        channels = MAXOUT_CHANNELS if spec.rows(layer) != spec.units[layer + 1] else 1
        by_channel = w.astype(dtype).reshape(spec.units[layer + 1], spec.units[layer], channels)
        per_channel = []
        for k in range(channels):
            wk = by_channel[:, :, k]
            if layer == 0:
                table = np.vstack([wk[:, :num_start].T, np.zeros((1, wk.shape[0]), dtype=dtype)])
                per_channel.append((np.ascontiguousarray(wk[:, num_start:].T), table))
            else:
                per_channel.append((np.ascontiguousarray(wk.T), None))
        prepared.append(per_channel)
    return prepared


def _pre_activation(
    spec: NetworkSpec,
    layer: int,
    prepared: list,
    b: np.ndarray,
    inputs: np.ndarray | EncodedRows,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Return the layer's pre-activation (the max over Maxout's channels), in ``out`` if given."""
    channels = len(prepared)
    dtype = prepared[0][0].dtype
    b_by_channel = b.reshape(spec.units[layer + 1], channels).astype(dtype, copy=False)
    z = None
    for k, (w_t, table) in enumerate(prepared):
        x = inputs.numeric.astype(dtype, copy=False) if layer == 0 else inputs
        into = out if k == 0 else None
        zk = np.matmul(x, w_t, out=into) if isinstance(x, np.ndarray) else x @ w_t  # or CSR
        zk += b_by_channel[:, k]  # in place: no second (rows, units) temporary
        if layer == 0:
            for i in range(inputs.cat_slots.shape[1]):  # the active levels' weight rows
                zk += table[inputs.cat_slots[:, i]]
        z = zk if z is None else np.maximum(z, zk, out=z)
    return z


def forward(
    spec: NetworkSpec,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    rows: EncodedRows,
    num_start: int,
    last_layer: int | None = None,
    prepared: list | None = None,
    buffers: Sequence[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Run the network in test mode and return the activations of every layer after the input.

    Parameters
    ----------
    spec : NetworkSpec
        The network.
    weights, biases : sequence of ndarray
        Per weight layer, in H2O's layout.
    rows : EncodedRows
        Encoded inputs.
    num_start : int
        First numeric slot of the expanded input (the categorical slots come before it).
    last_layer : int, optional
        Stop after this weight layer (0-based); default: the output layer.
    prepared : list, optional
        ``prepare_weights(spec, weights, num_start)``, to reuse across blocks of rows.
    buffers : sequence of ndarray, optional
        Per weight layer, an array of at least as many rows as ``rows`` and one column per unit
        (in the prepared weights' dtype): the activations are computed there, so that scoring
        block after block allocates nothing. The next call overwrites them.

    Returns
    -------
    list of ndarray
        ``activations[l]`` is the output of weight layer ``l``, with H2O's test-time dropout scaling.

    """
    stop = len(weights) - 1 if last_layer is None else last_layer
    if prepared is None:
        prepared = prepare_weights(spec, weights, num_start)
    activations: list[np.ndarray] = []
    inputs: np.ndarray | EncodedRows = rows
    for layer in range(stop + 1):
        out = None if buffers is None else buffers[layer][: rows.nrows]
        z = _pre_activation(spec, layer, prepared[layer], biases[layer], inputs, out)
        a = ACTIVATIONS[spec.layer_activation(layer)](z)
        scale = spec.test_scale(layer)
        if scale != 1.0:
            a *= scale  # a fresh array, or the layer's buffer
        activations.append(a)
        inputs = a
    return activations
