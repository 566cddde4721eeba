"""The trainable state of a network as flat arrays, shared by the engines.

Weights live in one float32 array, biases in one float64 array; the per-layer matrices handed to
scoring are views into them, so an engine updating the flat arrays updates the model. Optimiser
state (ADADELTA accumulators, momenta) and the sample counters travel with it, which is what a
checkpoint restart needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tabdl.nn import NetworkSpec


def layer_offsets(sizes: list[int]) -> np.ndarray:
    """Start of each layer's block in a flat array, then the total: ``[0, s0, s0 + s1, ...]``."""
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)


@dataclass
class NetworkState:
    """Weights, biases, optimiser state and counters of a network being trained."""

    spec: NetworkSpec
    flat_weights: np.ndarray  # float32
    flat_biases: np.ndarray  # float64
    weight_offsets: np.ndarray
    bias_offsets: np.ndarray
    ada_weights: np.ndarray  # float32, 2 per weight (E[dx^2], E[g^2]); empty without ADADELTA
    ada_biases: np.ndarray  # float64, 2 per bias
    momentum_weights: np.ndarray  # float32; empty without momentum
    momentum_biases: np.ndarray  # float64
    #: running average activation of each hidden unit (the autoencoder's sparsity penalty)
    avg_activations: np.ndarray = field(default_factory=lambda: np.zeros(0))
    processed: int = 0  # training samples processed (H2O's processed_global)
    training_rows: int = 0  # rows of the training frame: one epoch
    iterations: int = 0

    @classmethod
    def create(
        cls,
        spec: NetworkSpec,
        weights: list[np.ndarray],
        biases: list[np.ndarray],
        adaptive: bool,
        momentum: bool,
    ) -> NetworkState:
        """Pack per-layer arrays into flat state, with zeroed optimiser accumulators."""
        woff = layer_offsets([w.size for w in weights])
        boff = layer_offsets([b.size for b in biases])
        flat_w = np.concatenate([w.ravel() for w in weights]).astype(np.float32)
        flat_b = np.concatenate(biases).astype(np.float64)
        return cls(
            spec,
            flat_w,
            flat_b,
            woff,
            boff,
            np.zeros(2 * flat_w.size if adaptive else 0, dtype=np.float32),
            np.zeros(2 * flat_b.size if adaptive else 0, dtype=np.float64),
            np.zeros(flat_w.size if momentum else 0, dtype=np.float32),
            np.zeros(flat_b.size if momentum else 0, dtype=np.float64),
            np.zeros(sum(spec.units[1:-1])),
        )

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays an engine updates: weights, biases, ADADELTA state, momenta."""
        return (
            self.flat_weights,
            self.flat_biases,
            self.ada_weights,
            self.ada_biases,
            self.momentum_weights,
            self.momentum_biases,
        )

    @property
    def weights(self) -> list[np.ndarray]:
        """Per-layer weight matrices (views), in H2O's layout."""
        return [
            self.flat_weights[self.weight_offsets[i] : self.weight_offsets[i + 1]].reshape(
                self.spec.rows(i), self.spec.units[i]
            )
            for i in range(len(self.spec.units) - 1)
        ]

    @property
    def biases(self) -> list[np.ndarray]:
        """Per-layer bias vectors (views)."""
        return [
            self.flat_biases[self.bias_offsets[i] : self.bias_offsets[i + 1]]
            for i in range(len(self.spec.units) - 1)
        ]
