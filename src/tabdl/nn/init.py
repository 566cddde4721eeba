"""Initial weights and biases, drawn as H2O draws them (``DeepLearningModelInfo.initializeMembers``).

Weight layer ``l`` uses its own generator, ``PCG(seed + 0xBAD5EED + l + 1)``, and fills the raw
row-major array in order. UniformAdaptive draws from ``±sqrt(6/(fan_in + fan_out))`` (Glorot), times 4
for a classifier's output layer; Uniform from ``±initial_weight_scale``; Normal from
``N(0, initial_weight_scale²)``. Biases: 0.5 for the first hidden layer and 1 for later ones with
Rectifier or Maxout, 0 otherwise and for the output layer (all 0 for the batch engine).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba as nb
import numpy as np

from tabdl.errors import ParameterError
from tabdl.nn import NetworkSpec, base_activation
from tabdl.rng import fill_gaussian, new_generator, next_float

WEIGHT_SEED_OFFSET = 0xBAD5EED


@nb.njit(cache=True, error_model="numpy")
def _uniform(seed: np.int64, size: np.int64, low: float, high: float, factor: float) -> np.ndarray:
    g = new_generator(seed)
    out = np.empty(size, dtype=np.float32)
    span = high - low
    for i in range(size):
        out[i] = np.float32(factor * (low + np.float64(next_float(g)) * span))
    return out


def _layer_seed(seed: int, layer: int) -> int:
    from tabdl.rng import wrap_int64

    return wrap_int64(seed + WEIGHT_SEED_OFFSET + layer + 1)


def random_weights(
    spec: NetworkSpec, seed: int, distribution: str, scale: float, classification: bool
) -> list[np.ndarray]:
    """Draw the initial weight matrices (float32, H2O's layout) from ``seed``."""
    weights = []
    for layer in range(len(spec.units) - 1):
        rows, cols = spec.rows(layer), spec.units[layer]
        layer_seed = _layer_seed(seed, layer)
        if distribution == "Normal":
            values = np.empty(rows * cols)
            fill_gaussian(new_generator(np.int64(layer_seed)), values)
            flat = (values * scale).astype(np.float32)
        else:
            bound = (
                np.sqrt(6.0 / (spec.units[layer] + spec.units[layer + 1]))
                if distribution == "UniformAdaptive"
                else float(scale)
            )
            last = layer == len(spec.units) - 2
            factor = 4.0 if distribution == "UniformAdaptive" and last and classification else 1.0
            flat = _uniform(np.int64(layer_seed), rows * cols, -bound, bound, factor)
        weights.append(flat.reshape(rows, cols))
    return weights


def initial_biases(spec: NetworkSpec, mini_batch: bool = False) -> list[np.ndarray]:
    """H2O's initial biases (float64); all 0 for training on mini-batches (``mini_batch``).

    H2O starts Rectifier and Maxout hidden units with positive biases, made for per-row steps.
    The batch engine starts them at 0: with a few hundred times fewer steps per epoch, the positive
    biases slowed the start of training on every data set of ``benchmarks/bench_engines.py``
    (``docs/engines.md`` has the figures). H2O itself never trains on mini-batches.
    """
    biases = []
    rectifying = base_activation(spec.activation) in ("Rectifier", "Maxout") and not mini_batch
    for layer in range(len(spec.units) - 1):
        value = 0.0
        if layer < spec.n_hidden and rectifying:
            value = 0.5 if layer == 0 else 1.0
        biases.append(np.full(spec.rows(layer), value, dtype=np.float64))
    return biases


def _as_matrix(value: Any, name: str, layer: int, shape: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float64)
    if array.ndim == 2 and len(shape) == 1 and array.shape[1] == 1:
        array = array[:, 0]
    if array.shape != shape:
        raise ParameterError(
            f"{name}[{layer}] has shape {array.shape}; layer {layer} needs {shape} "
            "(rows: units of the next layer, columns: units of this layer)"
        )
    if not np.all(np.isfinite(array)):
        raise ParameterError(f"{name}[{layer}] holds missing or infinite values")
    return array


def apply_user_arrays(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    user_weights: Sequence[Any] | None,
    user_biases: Sequence[Any] | None,
) -> None:
    """Overwrite layers with user-given arrays, as H2O: a layer changes only if both are given."""
    if user_weights is None and user_biases is None:
        return
    for layer in range(len(weights)):
        w = None if user_weights is None else user_weights[layer]
        b = None if user_biases is None else user_biases[layer]
        if w is None or b is None:
            continue
        weights[layer][:] = _as_matrix(w, "initial_weights", layer, weights[layer].shape).astype(
            np.float32
        )
        biases[layer][:] = _as_matrix(b, "initial_biases", layer, biases[layer].shape).astype(
            np.float32
        )
