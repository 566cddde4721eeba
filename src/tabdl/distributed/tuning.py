"""``train_samples_per_iteration`` on several processes (behaviour reference, section 5.1).

H2O's ``computeTrainSamplesPerIteration`` with ``nodes`` processes: the value counts the samples of
one iteration summed over all processes. ``-2`` (automatic) starts from H2O's estimate, with the
communication time of a model-sized all-reduce *measured* on this cluster instead of H2O's
network benchmark, and after each iteration rescales the value so that communication takes about
``target_ratio_comm_to_comp`` of the computation time (H2O's runtime correction, applied to the
measured times of the iteration just done).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from tabdl.nn import NetworkSpec, base_activation

#: H2O's largest automatic iteration per node.
MAX_AUTO_PER_NODE = 100000


def _row_micros(spec: NetworkSpec) -> float:
    """H2O's estimate of the microseconds one core needs for one row (10 GFlops)."""
    model_size = sum(spec.rows(i) * (spec.units[i] + 1) for i in range(len(spec.units) - 1))
    factor = 50 * (
        8 if base_activation(spec.activation) == "Maxout" else 5 if "Tanh" in spec.activation else 1
    )
    cores = max(1, os.cpu_count() or 1)
    return (factor * model_size + 10000 * spec.units[0]) / 10e9 / cores * 1e6


def samples_per_iteration(
    p: Mapping[str, Any],
    spec: NetworkSpec,
    n_rows: int,
    nodes: int,
    replicated: bool,
    t_collective: float = 0.0,
) -> int:
    """Return the samples per iteration over ``nodes`` processes.

    Parameters
    ----------
    p : mapping
        Resolved parameters.
    spec : NetworkSpec
        The network (its size enters the automatic estimate).
    n_rows : int
        Rows of one epoch.
    nodes : int
        Processes that train.
    replicated : bool
        Every process holds all the rows.
    t_collective : float
        Measured seconds of one model-sized all-reduce (for ``-2``).

    """
    tspi = p["train_samples_per_iteration"]
    if tspi == 0 or (tspi == -1 and not replicated):
        return n_rows
    if tspi == -1:
        return nodes * n_rows
    if tspi >= 1:
        return int(max(1, min(tspi, p["epochs"] * n_rows)))
    if nodes == 1:
        fraction, t_comm = 1e-3, 1e4
    else:
        fraction = p["target_ratio_comm_to_comp"]
        t_comm = 1e5 + 2 * math.floor(math.log2(nodes)) * t_collective * 1e6  # µs, as H2O
    t_row = _row_micros(spec)
    auto = (t_comm / max(fraction, 1e-12) - t_comm) / t_row
    auto = min(auto, 10 * nodes * n_rows)
    if auto > n_rows and abs(auto % n_rows) / n_rows < 0.2:
        auto -= auto % n_rows
    auto = min(auto, p["epochs"] * n_rows / 10)
    if nodes == 1:
        auto = min(auto, 10 * 1e6 / t_row)
    return int(min(max(1, auto), MAX_AUTO_PER_NODE * nodes))


def retuned(tspi: int, target_ratio: float, t_comm: float, t_comp: float) -> int:
    """Rescale ``tspi`` so that communication is ``target_ratio`` of computation (H2O's rule).

    ``c = clamp(target_ratio / (t_comm / t_comp), 0.5, 2)``; outside ``[0.8, 1.2]`` the iteration
    becomes ``tspi / c`` samples (more when communication weighs too much, fewer otherwise).
    """
    if t_comm <= 0 or t_comp <= 0:
        return tspi
    c = min(2.0, max(0.5, target_ratio / (t_comm / t_comp)))
    if c < 0.8 or c > 1.2:
        return int(max(1, tspi / c))
    return tspi


def time_collective(cluster: Any, size: int, repeats: int = 3) -> float:
    """Return the seconds of one all-reduce of ``size`` float64 values (the best of ``repeats``)."""
    buffer = np.zeros(max(1, size))
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        cluster.average_([buffer])
        best = min(best, time.perf_counter() - started)
    return best
