"""Model averaging between processes after each iteration (behaviour reference, section 4.5).

:class:`IterationSync` is what a training loop calls at the iteration boundary; it knows nothing of
the engine: it sees the model as a list of arrays (weights, biases, optimiser state), which every
process trains locally for one iteration.

* **Model averaging** (default): after the iteration the arrays are replaced by their mean over the
  processes that trained rows (H2O's ``DeepLearningModelInfo.add``/``div`` across nodes), and the
  iteration's samples are summed over the processes.
* **Elastic averaging** (``elastic_averaging=True``): each process keeps its own local model across
  iterations; after each iteration the consensus becomes ``alpha * mean(local models) + (1 - alpha)
  * previous consensus`` (the first time, and with ``alpha = 1``, the mean), with ``alpha`` =
  ``elastic_averaging_moving_rate``. The consensus is what is scored and returned; during training
  the engine pulls each local weight towards it by ``elastic_averaging_regularization`` (H2O's extra
  gradient ``lambda * (w - w_consensus)``).
* **single_node_mode**: only rank 0 trains; after each iteration the others receive its model.

It also measures the computation time (from :meth:`IterationSync.start_iteration` to the end of
local training) and the communication time (the all-reduce), averaged over the processes, for
``train_samples_per_iteration=-2``'s auto-tuning (:mod:`tabdl.distributed.tuning`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tabdl.distributed.cluster import Cluster


class IterationSync:
    """Averages the model over the processes at each iteration boundary.

    Parameters
    ----------
    cluster : Cluster
        The processes.
    params : mapping
        Resolved parameters: ``elastic_averaging``, ``elastic_averaging_moving_rate``,
        ``single_node_mode``.

    Attributes
    ----------
    consensus : list of ndarray or None
        With elastic averaging, the consensus model (float64 copies of the arrays) once there is
        one; ``None`` before the first iteration and without elastic averaging.
    t_comp, t_comm : float
        Seconds of local training and of averaging in the last iteration, mean over processes.

    """

    def __init__(self, cluster: Cluster, params: Mapping[str, Any]) -> None:
        self.cluster = cluster
        self.elastic = bool(params["elastic_averaging"])
        self.alpha = float(params["elastic_averaging_moving_rate"])
        self.single_node = bool(params["single_node_mode"])
        self.consensus: list[np.ndarray] | None = None
        self._consensus_wb: tuple[np.ndarray, np.ndarray] | None = None
        self.local: list[np.ndarray] | None = None
        self.t_comp = 0.0
        self.t_comm = 0.0
        self._started = 0.0

    @property
    def trains(self) -> bool:
        """Whether this process trains (every process, or only rank 0 in single-node mode)."""
        return not self.single_node or self.cluster.is_root

    @property
    def trainers(self) -> int:
        """How many processes train."""
        return 1 if self.single_node else self.cluster.world_size

    def start_iteration(self, arrays: Sequence[np.ndarray]) -> None:
        """Before local training: put back this process's local model (elastic averaging)."""
        if self.elastic and self.local is not None:
            for target, saved in zip(arrays, self.local, strict=True):
                target[...] = saved
        self._started = time.perf_counter()

    def finish_iteration(self, arrays: Sequence[np.ndarray], samples: int) -> int:
        """After local training: average the model in place; return the samples of all processes."""
        t_comp = time.perf_counter() - self._started
        started = time.perf_counter()
        if self.elastic:
            self.local = [a.copy() for a in arrays]
        self.cluster.average_(arrays, weight=1.0 if samples > 0 else 0.0)
        if self.elastic:
            self._update_consensus(arrays)
        t_comm = time.perf_counter() - started
        total, comp, comm = self.cluster.sum([samples, t_comp, t_comm], "summing the samples")
        self.t_comp = comp / self.cluster.world_size
        self.t_comm = comm / self.cluster.world_size
        return int(total)

    def _update_consensus(self, arrays: Sequence[np.ndarray]) -> None:
        """``consensus = alpha * mean + (1 - alpha) * consensus``; the arrays become the consensus."""
        mean = [a.astype(np.float64) for a in arrays]
        if self.consensus is None or self.alpha == 1.0:
            self.consensus = mean
        else:
            self.consensus = [
                self.alpha * m + (1.0 - self.alpha) * c
                for m, c in zip(mean, self.consensus, strict=True)
            ]
        self._consensus_wb = None
        for target, value in zip(arrays, self.consensus, strict=True):
            target[...] = value.astype(target.dtype)

    def consensus_weights(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Return the consensus weights (float32) and biases (float64), or ``None`` without one.

        These are the first two arrays the loop averages; an engine adds the elastic pull
        ``lambda * (w - w_consensus)`` to each weight's gradient (H2O's ``N.bprop``).
        """
        if self._consensus_wb is None and self.consensus is not None:
            self._consensus_wb = (
                self.consensus[0].astype(np.float32),
                self.consensus[1].astype(np.float64),
            )
        return self._consensus_wb

    def agree(self, stop: bool) -> bool:
        """Return rank 0's stopping decision on every process."""
        return self.cluster.agree(stop)
