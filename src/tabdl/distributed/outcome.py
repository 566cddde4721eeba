"""The end of a multi-process run: every process gets rank 0's model; restarts resume by themselves.

Only rank 0 scores, so only it knows the scoring history, the best model and the final metrics.
:func:`share_outcome` sends them (the history as JSON, the state as arrays) so every process ends
with the same model. :func:`restart_checkpoint` lets a run that ``torchrun --max-restarts``
restarted after a failure continue from the last model rank 0 wrote to ``export_checkpoints_dir``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tabdl.distributed.cluster import current_cluster


def share_outcome(scorer: Any, state: Any) -> None:
    """Give every process rank 0's final state, scoring history, best loss and stopping flag.

    Parameters
    ----------
    scorer : tabdl.training.scoring.Scorer
        The run's scorer (its ``history``, ``best_loss`` and ``stopped_early`` are replaced on the
        other processes).
    state : NetworkState
        The trained state (arrays and counters replaced on the other processes).

    """
    cluster = current_cluster()
    if cluster is None:
        return
    from tabdl.io.native import event_from_json, event_json

    doc = None
    if cluster.is_root:
        doc = {
            "history": [event_json(e) for e in scorer.history],
            "best_loss": float(scorer.best_loss),
            "stopped_early": bool(scorer.stopped_early),
            "counters": [state.processed, state.training_rows, state.iterations],
        }
    data = cluster.broadcast_bytes(
        None if doc is None else json.dumps(doc, allow_nan=True).encode(), what="sharing the model"
    )
    arrays = [*state.arrays, state.avg_activations]
    cluster.broadcast_(arrays, what="sharing the model")
    if cluster.is_root:
        return
    received = json.loads(data)
    scorer.history = [event_from_json(e) for e in received["history"]]
    scorer.best_loss = np.float32(received["best_loss"])
    scorer.stopped_early = received["stopped_early"]
    state.processed, state.training_rows, state.iterations = received["counters"]


def restart_checkpoint(params: Mapping[str, Any], model_id: str | None) -> Path | None:
    """Return the model file to resume from after an elastic restart, or ``None``.

    ``torchrun --max-restarts`` restarts every process after one failed, with
    ``TORCHELASTIC_RESTART_COUNT`` above 0. With ``export_checkpoints_dir`` and a ``model_id``, the
    last model written there (``<dir>/<model_id>.tabdl``) is the checkpoint to continue.
    """
    folder = params.get("export_checkpoints_dir")
    restarted = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") or 0) > 0
    if not restarted or folder is None or not model_id or params.get("checkpoint") is not None:
        return None
    path = Path(folder) / f"{model_id}.tabdl"
    return path if path.is_file() else None
