"""What a training loop needs to train one model on several processes: :func:`scale_out`.

The loop asks :func:`scale_out` once; on one process it gets ``None`` and runs as before. Otherwise
it gets a :class:`ScaleOut` holding this process's rows, the iteration size counted over all
processes, the share of its rows to sample per iteration, and the :class:`IterationSync` to call at
each iteration boundary (see ``training/loop.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tabdl.distributed.averaging import IterationSync
from tabdl.distributed.cluster import Cluster, current_cluster
from tabdl.distributed.placement import shard_bounds, shard_rows
from tabdl.distributed.tuning import (
    MAX_AUTO_PER_NODE,
    retuned,
    samples_per_iteration,
    time_collective,
)
from tabdl.encoding.datainfo import TrainingRows
from tabdl.nn import NetworkSpec


@dataclass
class ScaleOut:
    """One process's part of a multi-process training run."""

    sync: IterationSync
    rows: TrainingRows  # the rows this process trains on
    tspi: int  # samples per iteration, over all processes
    row_offset: int  # where this process's rows start in the (virtual) concatenation of all rows
    shuffle: bool
    auto: bool  # train_samples_per_iteration=-2: retune after each iteration
    target_ratio: float
    max_tspi: int  # the largest automatic iteration

    @property
    def cluster(self) -> Cluster:
        """The processes."""
        return self.sync.cluster

    @property
    def use_fraction(self) -> np.float32:
        """Share of this process's rows to sample per iteration."""
        share = self.tspi / self.sync.trainers / max(1, self.rows.inputs.nrows)
        return np.float32(share)

    def plan_iteration(self, remaining: float) -> np.float32:
        """Return the share of rows to sample in the next iteration, ``remaining`` samples to go.

        With ``train_samples_per_iteration=-2`` the size follows the last iteration's measured
        communication and computation times, but never beyond the samples still to train.
        """
        if self.auto and self.sync.t_comp > 0:
            tspi = retuned(self.tspi, self.target_ratio, self.sync.t_comm, self.sync.t_comp)
            self.tspi = int(max(1, min(tspi, self.max_tspi, max(remaining, 1))))
        return self.use_fraction

    def finish_iteration(self, arrays: Sequence[np.ndarray], samples: int) -> int:
        """Average the model in place; return the iteration's samples over all processes."""
        return self.sync.finish_iteration(arrays, samples)


def scale_out(
    p: Mapping[str, Any],
    spec: NetworkSpec,
    rows: TrainingRows,
    epoch_rows: int,
    model_size: int,
    parts: Sequence[int] = (),
) -> ScaleOut | None:
    """Return this process's part of a run on several processes, or ``None`` on one process.

    Parameters
    ----------
    p : mapping
        Resolved parameters.
    spec : NetworkSpec
        The network.
    rows : TrainingRows
        All training rows (the encoder is the whole frame's on every process).
    epoch_rows : int
        Rows in one epoch.
    model_size : int
        Values averaged per iteration (for the communication-time measurement).
    parts : sequence of int, optional
        Row counts of the files the frame was read from (shards follow them).

    """
    cluster = current_cluster()
    if cluster is None:
        return None
    sync = IterationSync(cluster, p)
    n_rows = rows.inputs.nrows
    replicated = bool(p["replicate_training_data"]) and not p["reproducible"]
    if sync.single_node or replicated:
        local, offset = rows, cluster.rank * n_rows
    else:
        start, stop = shard_bounds(n_rows, cluster.rank, cluster.world_size, parts)
        local, offset = shard_rows(rows, start, stop), start
    auto = p["train_samples_per_iteration"] == -2 and not p["reproducible"]
    t_collective = time_collective(cluster, model_size) if auto else 0.0
    tspi = samples_per_iteration(p, spec, epoch_rows, sync.trainers, replicated, t_collective)
    # H2O forces shuffling when every node processes all its (replicated) rows in an iteration
    shuffle = bool(p["shuffle_training_data"]) or (
        replicated and sync.trainers > 1 and tspi >= sync.trainers * epoch_rows
    )
    ratio = float(p["target_ratio_comm_to_comp"])
    largest = min(10 * sync.trainers * epoch_rows, MAX_AUTO_PER_NODE * sync.trainers)
    return ScaleOut(sync, local, tspi, offset, shuffle, auto, ratio, largest)
