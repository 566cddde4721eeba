"""Block momentum: how the threads' averaged model copies keep one model's progress per epoch.

Each thread trains a private copy of the model on its share of an iteration's rows, starting from
the same weights; the copies are then combined. A plain average moves the model by the mean of the
copies' changes, about ``1 / n`` of what one model (or H2O's threads sharing one model, Hogwild)
moves when it trains all the rows, so the averaged model learns less per epoch. Blockwise model-update
filtering (BMUF; K. Chen and Q. Huo, ICASSP 2016) treats each iteration's averaged change as one step
of a momentum method::

    velocity = eta * velocity + (average - start)
    model    = model + velocity                  # the filtered model
    start    = model + eta * velocity            # Nesterov look-ahead: where the copies start next

with the block momentum ``eta = 1 - 1/n`` for ``n`` copies, which keeps the long-run step at ``n``
times the averaged change: one model's progress. The look-ahead start is what the training state
holds between iterations (it is scored, saved and returned), so the filtered model is recovered from
it as ``start - eta * velocity`` and nothing else needs keeping. The velocities live for one call of
``train()``: training continued from a checkpoint starts them at zero. With several processes
(``torchrun``), each process combines its threads' copies this way before the processes average
their models plainly.

Measured in ``docs/benchmarks.md`` ("Block momentum for the averaged threads"): on the synthetic
benchmark the two-thread default's test AUC rose from 0.891-0.892 to 0.895-0.897 (one thread:
0.897-0.901; seeds 1-3), at the same speed.
"""

from __future__ import annotations

import numpy as np


class BlockMomentum:
    """The velocities of one training run's averaged model copies, one per array combined."""

    def __init__(self) -> None:
        self._velocity: dict[int, np.ndarray] = {}

    def combine(
        self, key: int, start: np.ndarray, average: np.ndarray, n_copies: int
    ) -> np.ndarray:
        """Return the next start of array ``key``, given where the copies started and their average.

        Parameters
        ----------
        key : int
            Which array (the same key every iteration).
        start : numpy.ndarray
            The array every copy started the iteration from.
        average : numpy.ndarray
            The float64 average of the copies after the iteration.
        n_copies : int
            How many copies were averaged; with one, the result is ``average`` exactly.

        Returns
        -------
        numpy.ndarray
            float64 values for the array at the next iteration's start.

        """
        eta = 1.0 - 1.0 / n_copies
        previous = self._velocity.get(key)
        velocity = average - start
        if previous is not None:
            velocity += eta * previous
        self._velocity[key] = velocity
        if n_copies == 1:
            return average
        lookback = start if previous is None else start - eta * previous  # the filtered model
        return lookback + (1.0 + eta) * velocity
