"""Which training rows each process trains on (``replicate_training_data``, ``single_node_mode``).

* ``replicate_training_data=True`` (default): every process holds all the rows and samples its
  share, ``train_samples_per_iteration / processes`` per iteration, from its own random stream.
* ``False``: each process trains on its own shard. For a Parquet dataset folder read as one frame,
  the shards are whole files (file ``i`` goes to process ``i * processes // files``, so each process
  gets consecutive files); otherwise a contiguous row range of ``rows / processes`` rows.
* ``single_node_mode=True``: only rank 0 trains, on all the rows.

The encoder (levels, means, standardisation) is always fitted on the whole training frame, as H2O
fits it on the whole distributed frame, so every process encodes rows identically.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

import numpy as np

from tabdl.encoding.datainfo import TrainingRows
from tabdl.errors import DataError


def shard_bounds(n_rows: int, rank: int, world: int, parts: Sequence[int] = ()) -> tuple[int, int]:
    """Return the row range ``[start, stop)`` of process ``rank``'s shard.

    ``parts`` are the row counts of the files the frame was read from, in order; when there are at
    least as many files as processes, shards are made of whole files.
    """
    if len(parts) >= world and sum(parts) == n_rows:
        edges = np.concatenate([[0], np.cumsum(parts)])
        first = -(-rank * len(parts) // world)  # files [first, last) go to this rank
        last = -(-(rank + 1) * len(parts) // world)
        return int(edges[first]), int(edges[last])
    edges = np.linspace(0, n_rows, world + 1).astype(np.int64)
    return int(edges[rank]), int(edges[rank + 1])


def shard_rows(rows: TrainingRows, start: int, stop: int) -> TrainingRows:
    """Return the training rows ``[start, stop)``."""
    if stop <= start:
        raise DataError(
            f"a process has no training rows (its shard [{start}, {stop}) is empty): use fewer "
            "processes than rows, or replicate_training_data=True"
        )

    def cut(values: np.ndarray | None) -> np.ndarray | None:
        return None if values is None else values[start:stop]

    return dataclasses.replace(
        rows,
        inputs=rows.inputs.rows(start, stop),
        response=cut(rows.response),
        weights=cut(rows.weights),
        offset=cut(rows.offset),
        usable=cut(rows.usable),
    )


def local_cores() -> int:
    """Cores for this process's threads: the machine's, shared among its processes."""
    per_machine = int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1)
    return max(1, (os.cpu_count() or 1) // max(1, per_machine))
